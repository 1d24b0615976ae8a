"""The request schema of Generate IRN as the sandbox reads it (nic-irp-api.md §7): layer 1
of rules.py's checks.

`normalise_invoice` matches property names without regard to case (Odoo sends "GSTIN",
"POS"), puts them in NIC's order, drops nulls and unknown properties, and checks types,
lengths, patterns and ranges (2140 and kin). The pieces (Text, Number, Obj, Array, the
patterns, INVOICE) are reused by rules_ewb.py for EWB by IRN. Deliberately independent of
irp/validation_schema.py.
"""
import re

MAX_ITEMS = 1000


_FREE_TEXT = re.compile(r'[^"\\]*')  # NIC forbids double quotes (and backslashes) in free text


class Text:
    def __init__(self, low, high, pattern=None, upper=False):
        self.low, self.high, self.upper = low, high, upper
        self.pattern = re.compile(pattern) if pattern else _FREE_TEXT


class Number:
    def __init__(self, low, high):
        self.low, self.high = low, high


class Obj:
    def __init__(self, fields, required=()):
        self.fields = fields  # ordered: NIC's order, which the signed invoice keeps
        self.required = frozenset(required)
        self.by_lower = {name.lower(): name for name in fields}


class Array:
    def __init__(self, item, low=0, high=None):
        self.item, self.low, self.high = item, low, high


DATE = r"[0-3][0-9]/[0-1][0-9]/20[1-2][0-9]"
STATE = r"(?!0+$)[0-9]{1,2}"
GSTIN = r"[0-9]{2}[0-9A-Z]{13}"
GSTIN_OR_URP = r"[0-9]{2}[0-9A-Z]{13}|URP"
PIN = Number(100000, 999999)
ITEM_AMOUNT = Number(0, 999999999999.99)
TOTAL_AMOUNT = Number(0, 99999999999999.99)
RATE = Number(0, 999.999)
QUANTITY = Number(0, 9999999999.999)
YES_NO = r"[YN]"


def _address(first, **extra):
    fields = dict(first)
    fields.update({"Addr1": Text(1, 100), "Addr2": Text(3, 100)})
    fields.update(extra)
    return fields


INVOICE = Obj({
    "Version": Text(1, 6),
    "TranDtls": Obj({
        "TaxSch": Text(3, 10, r"GST", upper=True),
        "SupTyp": Text(3, 10, r"B2B|SEZWP|SEZWOP|EXPWP|EXPWOP|DEXP", upper=True),
        "RegRev": Text(1, 1, YES_NO, upper=True),
        "EcmGstin": Text(15, 15, GSTIN),
        "IgstOnIntra": Text(1, 1, YES_NO, upper=True),
    }, required=("TaxSch", "SupTyp")),
    "DocDtls": Obj({
        "Typ": Text(3, 3, r"INV|CRN|DBN", upper=True),
        "No": Text(1, 16, r"[a-zA-Z1-9][a-zA-Z0-9/-]{0,15}"),
        "Dt": Text(10, 10, DATE),
    }, required=("Typ", "No", "Dt")),
    "SellerDtls": Obj(_address(
        {"Gstin": Text(15, 15, GSTIN), "LglNm": Text(3, 100), "TrdNm": Text(3, 100)},
        Loc=Text(3, 50), Pin=PIN, Stcd=Text(1, 2, STATE), Ph=Text(6, 12, r"[0-9]{6,12}"),
        Em=Text(6, 100, r"[a-zA-Z0-9+_.-]+@[a-zA-Z0-9.-]+")),
        required=("Gstin", "LglNm", "Addr1", "Loc", "Pin", "Stcd")),
    "BuyerDtls": Obj(_address(
        {"Gstin": Text(3, 15, GSTIN_OR_URP), "LglNm": Text(3, 100), "TrdNm": Text(3, 100),
         "Pos": Text(1, 2, STATE)},
        Loc=Text(3, 100), Pin=PIN, Stcd=Text(1, 2, STATE), Ph=Text(6, 12, r"[0-9]{6,12}"),
        Em=Text(6, 100, r"[a-zA-Z0-9+_.-]+@[a-zA-Z0-9.-]+")),
        required=("Gstin", "LglNm", "Pos", "Addr1", "Loc", "Stcd")),
    "DispDtls": Obj(_address({"Nm": Text(3, 100)}, Loc=Text(3, 100), Pin=PIN, Stcd=Text(1, 2, STATE)),
                    required=("Nm", "Addr1", "Loc", "Pin", "Stcd")),
    "ShipDtls": Obj(_address(
        {"Gstin": Text(3, 15, GSTIN_OR_URP), "LglNm": Text(3, 100), "TrdNm": Text(3, 100)},
        Loc=Text(3, 100), Pin=PIN, Stcd=Text(1, 2, STATE)),
        required=("LglNm", "Addr1", "Loc", "Pin", "Stcd")),
    "ItemList": Array(Obj({
        "SlNo": Text(1, 6, r"[0-9]{1,6}"),
        "IsServc": Text(1, 1, YES_NO, upper=True),
        "PrdDesc": Text(3, 300),
        "HsnCd": Text(4, 8, r"(?!0+$)([0-9]{4}|[0-9]{6}|[0-9]{8})"),
        "Barcde": Text(3, 30),
        "Qty": QUANTITY,
        "FreeQty": QUANTITY,
        "Unit": Text(3, 8, r"[A-Za-z]{3,8}"),
        "UnitPrice": Number(0, 999999999999.999),
        "TotAmt": ITEM_AMOUNT,
        "Discount": ITEM_AMOUNT,
        "PreTaxVal": ITEM_AMOUNT,
        "AssAmt": ITEM_AMOUNT,
        "GstRt": RATE,
        "IgstAmt": ITEM_AMOUNT,
        "CgstAmt": ITEM_AMOUNT,
        "SgstAmt": ITEM_AMOUNT,
        "CesRt": RATE,
        "CesAmt": ITEM_AMOUNT,
        "CesNonAdvlAmt": ITEM_AMOUNT,
        "StateCesRt": RATE,
        "StateCesAmt": ITEM_AMOUNT,
        "StateCesNonAdvlAmt": ITEM_AMOUNT,
        "OthChrg": ITEM_AMOUNT,
        "TotItemVal": ITEM_AMOUNT,
        "OrdLineRef": Text(1, 50),
        "OrgCntry": Text(2, 2, r"[A-Za-z]{2}"),
        "PrdSlNo": Text(1, 20),
        "BchDtls": Obj({"Nm": Text(3, 20), "ExpDt": Text(10, 10, DATE), "WrDt": Text(10, 10, DATE)},
                       required=("Nm",)),
        "AttribDtls": Array(Obj({"Nm": Text(1, 100), "Val": Text(1, 100)})),
    }, required=("SlNo", "IsServc", "HsnCd", "UnitPrice", "TotAmt", "AssAmt", "GstRt", "TotItemVal")),
        low=1, high=MAX_ITEMS),
    "ValDtls": Obj({
        "AssVal": TOTAL_AMOUNT,
        "CgstVal": TOTAL_AMOUNT,
        "SgstVal": TOTAL_AMOUNT,
        "IgstVal": TOTAL_AMOUNT,
        "CesVal": TOTAL_AMOUNT,
        "StCesVal": TOTAL_AMOUNT,
        "Discount": TOTAL_AMOUNT,
        "OthChrg": TOTAL_AMOUNT,
        "RndOffAmt": Number(-99.99, 99.99),
        "TotInvVal": TOTAL_AMOUNT,
        "TotInvValFc": TOTAL_AMOUNT,
    }, required=("AssVal", "TotInvVal")),
    "PayDtls": Obj({
        "Nm": Text(1, 100), "AccDet": Text(1, 18), "Mode": Text(1, 18), "FinInsBr": Text(1, 11),
        "PayTerm": Text(1, 100), "PayInstr": Text(1, 100), "CrTrn": Text(1, 100), "DirDr": Text(1, 100),
        "CrDay": Number(0, 9999), "PaidAmt": TOTAL_AMOUNT, "PaymtDue": TOTAL_AMOUNT,
    }),
    "RefDtls": Obj({
        "InvRm": Text(3, 100),
        "DocPerdDtls": Obj({"InvStDt": Text(10, 10, DATE), "InvEndDt": Text(10, 10, DATE)},
                           required=("InvStDt", "InvEndDt")),
        "PrecDocDtls": Array(Obj({
            "InvNo": Text(1, 16, r"[1-9a-zA-Z][0-9a-zA-Z/-]{0,15}"),
            "InvDt": Text(10, 10, DATE),
            "OthRefNo": Text(1, 20),
        }, required=("InvNo", "InvDt"))),
        "ContrDtls": Array(Obj({
            "RecAdvRefr": Text(1, 20), "RecAdvDt": Text(10, 10, DATE), "TendRefr": Text(1, 20),
            "ContrRefr": Text(1, 20), "ExtRefr": Text(1, 20), "ProjRefr": Text(1, 20),
            "PORefr": Text(1, 16), "PORefDt": Text(10, 10, DATE),
        })),
    }),
    "AddlDocDtls": Array(Obj({"Url": Text(3, 100), "Docs": Text(3, 1000), "Info": Text(3, 1000)})),
    "ExpDtls": Obj({
        "ShipBNo": Text(1, 20),
        "ShipBDt": Text(10, 10, DATE),
        "Port": Text(2, 10, r"[0-9A-Za-z]{2,10}"),
        "RefClm": Text(1, 1, YES_NO, upper=True),
        "ForCur": Text(3, 16, r"[A-Za-z]{3,16}"),
        "CntCode": Text(2, 2, r"[A-Z]{2}"),
        "ExpDuty": ITEM_AMOUNT,
    }),
    "EwbDtls": Obj({
        "TransId": Text(15, 15, GSTIN),
        "TransName": Text(3, 100),
        "TransMode": Text(1, 1, r"[1-4]"),
        "Distance": Number(0, 4000),
        "TransDocNo": Text(1, 15, r"[a-zA-Z0-9/-]{1,15}"),
        "TransDocDt": Text(10, 10, DATE),
        "VehNo": Text(4, 20, r"[A-Za-z0-9]{4,20}"),
        "VehType": Text(1, 1, r"[OR]", upper=True),
    }, required=("Distance",)),
}, required=("Version", "TranDtls", "DocDtls", "SellerDtls", "BuyerDtls", "ItemList", "ValDtls"))

def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _normalise(value, spec, path, problems):
    """The value in canonical form, or None (and a problem) when it breaks the schema."""
    if isinstance(spec, Obj):
        if not isinstance(value, dict):
            problems.append((path, "must be an object"))
            return None
        given = {}
        for key, item in value.items():
            name = spec.by_lower.get(str(key).strip().lower())
            if name is not None and item is not None:
                given[name] = item
        result = {}
        for name, field_spec in spec.fields.items():
            if name in given:
                clean = _normalise(given[name], field_spec, f"{path}.{name}" if path else name, problems)
                if clean is not None:
                    result[name] = clean
            elif name in spec.required:
                problems.append((f"{path}.{name}" if path else name, "is required"))
        return result
    if isinstance(spec, Array):
        if not isinstance(value, list):
            problems.append((path, "must be a list"))
            return None
        if len(value) < spec.low:
            problems.append((path, f"must hold at least {spec.low} entries"))
        if spec.high is not None and len(value) > spec.high:
            problems.append((path, f"must hold at most {spec.high} entries, got {len(value)}"))
            return None
        items = [_normalise(item, spec.item, f"{path}[{index}]", problems) for index, item in enumerate(value)]
        return [item for item in items if item is not None]
    if isinstance(spec, Number):
        if not _is_number(value):
            problems.append((path, f"must be a number, got {value!r}"))
            return None
        if not spec.low <= value <= spec.high:
            problems.append((path, f"{value} is outside {spec.low:g}..{spec.high:g}"))
            return None
        return value
    if not isinstance(value, str):
        problems.append((path, f"must be a string, got {value!r}"))
        return None
    text = value.upper() if spec.upper else value
    if not spec.low <= len(text) <= spec.high:
        problems.append((path, f"'{value}' must be {spec.low} to {spec.high} characters long"))
        return None
    if not spec.pattern.fullmatch(text):
        problems.append((path, f"'{value}' does not match the required pattern"))
        return None
    return text


def normalise_invoice(payload):
    """(canonical invoice dict, [(code, message)]) for a Generate IRN payload."""
    problems = []
    invoice = _normalise(payload, INVOICE, "", problems)
    errors = []
    for path, problem in problems:
        if path == "ItemList" and ("at least" in problem or problem == "is required"):
            errors.append(("2228", "The item list is empty: an invoice needs at least one item"))
        elif path == "ItemList" and "at most" in problem:
            errors.append(("2173", f"Item list {problem}: the IRP accepts up to {MAX_ITEMS} items"))
        else:
            errors.append(("2140", f"Invalid invoice JSON: {path} {problem}"))
    return invoice or {}, errors
