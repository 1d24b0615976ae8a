"""The sandbox's own checks of what clients send (nic-irp-api.md §7, §9).

Deliberately independent of irp/validation.py (the client's pre-flight): two
readings of the same rules, so that one catches the other's mistakes. Every
check returns (code, message) pairs; a request is refused with all of them.

Three layers:
1. `normalise_*`: the request schema. Property names are matched without regard
   to case (Odoo sends "GSTIN", "POS"), put in NIC's order, nulls and unknown
   properties dropped, types/lengths/patterns/ranges checked (2140 and kin).
2. `check_invoice`: the business rules of §7.13 on the normalised invoice.
3. `plan_ewaybill`: the e-way bill rules of §9.2 (transport, distance, validity).

Tolerances: item tax amounts, item totals and invoice sums may differ from the
recomputed value by up to 1.00 (NIC's documented ±1 on the invoice total,
applied to the other sums as well, so rounding per line never trips them).
"""
import math
import re
from datetime import date, datetime, timedelta

from ._irp import masters

TOLERANCE = 1.0
MAX_ITEMS = 1000
SHIP_TO_GSTIN_RULE_START = date(2026, 8, 1)  # §14, GSTN advisory of 17 June 2026
EINVOICING_START = date(2020, 10, 1)
DISTANCE_MARGIN = 1.10  # an entered distance may exceed the PIN-to-PIN one by 10 %
SAME_PIN_MAX_DISTANCE = 100

# NIC has published no code for the §14 rules; these are the closest existing ones.
CODE_SHIP_TO_GSTIN = "2214"        # "GSTIN ... required for {0}" (invoice)
CODE_EWB_SHIP_TO = "4001"          # "Error creating e-way bill" (e-way bill request)

EXPORT = frozenset({"EXPWP", "EXPWOP"})
SEZ = frozenset({"SEZWP", "SEZWOP"})
FOREIGN_STATE = "96"
FOREIGN_PIN = 999999


# --- schema ---------------------------------------------------------------------------

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

_EWB_SHIP = Obj(_address({"Gstin": Text(3, 15, GSTIN_OR_URP), "LglNm": Text(3, 100), "TrdNm": Text(3, 100)},
                         Loc=Text(3, 100), Pin=PIN, Stcd=Text(1, 2, STATE)),
                required=("Addr1", "Loc", "Pin", "Stcd"))
EWAYBILL = Obj({
    "Irn": Text(64, 64, r"[0-9a-fA-F]{64}"),
    "Distance": Number(0, 1000000),  # above 4000 is a business error (4038), not a schema one
    "TransMode": Text(1, 1, r"[1-4]"),
    "TransId": Text(15, 15, GSTIN),
    "TransName": Text(3, 100),
    "TransDocDt": Text(10, 10, DATE),
    "TransDocNo": Text(1, 15, r"[a-zA-Z0-9/-]{1,15}"),
    "VehNo": Text(4, 20, r"[A-Za-z0-9]{4,20}"),
    "VehType": Text(1, 1, r"[OR]", upper=True),
    "ExpShipDtls": _EWB_SHIP,
    "ShipDtls": _EWB_SHIP,
    "DispDtls": INVOICE.fields["DispDtls"],
}, required=("Irn", "Distance"))

# e-way bill schema problems carry the e-way bill code of the field where one exists
_EWB_FIELD_CODES = {"Irn": "4003", "Distance": "4013", "TransMode": "4028", "TransId": "4018",
                    "TransDocDt": "4017", "TransDocNo": "4012", "VehNo": "4014", "VehType": "4020"}


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


def normalise_ewaybill(payload):
    problems = []
    request = _normalise(payload, EWAYBILL, "", problems)
    errors = [(_EWB_FIELD_CODES.get(path.split(".")[0], "4001"), f"Invalid e-way bill request: {path} {problem}")
              for path, problem in problems]
    return request or {}, errors


# --- helpers ----------------------------------------------------------------------------------

def parse_date(text):
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except (TypeError, ValueError):
        return None


def _state(code):
    return str(code).zfill(2) if code not in (None, "") else None


def _amount(mapping, key):
    value = mapping.get(key)
    return float(value) if _is_number(value) else 0.0


def _differs(actual, expected):
    return abs(actual - expected) > TOLERANCE + 1e-9


def _fmt(value):
    return f"{value:.2f}"


def is_service(item):
    return item.get("IsServc") == "Y"


def main_hsn(items):
    """HSN of the line with the highest taxable value (the QR code's MainHsnCode)."""
    best = max(items, key=lambda item: _amount(item, "AssAmt"), default=None)
    return best.get("HsnCd") if best else None


def pin_distance(from_pin, to_pin):
    """The road distance (km) the sandbox 'computes' between two PINs.

    Made up but stable, so that tests can predict it: 6 km per step of the first
    three digits (the sorting district), 1 km per 10 steps of the last three,
    plus 5; 0 for the same PIN; never above 4000.
    """
    a, b = int(from_pin), int(to_pin)
    if a == b:
        return 0
    return min(4000, abs(a // 1000 - b // 1000) * 6 + abs(a % 1000 - b % 1000) // 10 + 5)


def validity_end(generated_on, distance, over_dimensional=False):
    """Last moment an e-way bill is valid: 1 day per 200 km (20 km for ODC), to 23:59 of the last day."""
    per_day = 20 if over_dimensional else 200
    days = max(1, math.ceil(distance / per_day))
    return datetime.combine(generated_on + timedelta(days=days), datetime.min.time()).replace(hour=23, minute=59)


# --- business rules of Generate IRN (§7.13) --------------------------------------------------

class Context:
    """What the rules need to know about the world.

    header_gstin: the authenticated GSTIN; today: the sandbox's date (IST);
    lookup_gstin(gstin) -> master record (sandbox.master layout) or None;
    hsn_exists(code) -> bool.
    """

    def __init__(self, header_gstin, today, lookup_gstin, hsn_exists):
        self.header_gstin = header_gstin
        self.today = today
        self.lookup_gstin = lookup_gstin
        self.hsn_exists = hsn_exists


def gstin_status_errors(gstin, doc_date, record, role):
    """3028/3029/3074-3079 for a GSTIN of the invoice, by the IRP master record."""
    if record is None:
        return [("3028", f"{role} GSTIN {gstin} is not present in the e-invoice master: sync it from the "
                         "common portal (Sync GSTIN) and try again")]
    registered = _iso_date(record.get("dt_reg"))
    deregistered = _iso_date(record.get("dt_dreg"))
    status = record.get("status")
    if status == "CNL":
        if registered is None:
            return [("3078", f"{role} GSTIN {gstin} is cancelled and its registration date is not available")]
        if deregistered is None:
            return [("3075", f"{role} GSTIN {gstin} is cancelled and its de-registration date is not available")]
        if doc_date and doc_date > deregistered:
            return [("3074", f"{role} GSTIN {gstin} is cancelled: the document date is later than its "
                             f"de-registration date {deregistered:%d/%m/%Y}")]
        if doc_date and doc_date < registered:
            return [("3077", f"{role} GSTIN {gstin} is cancelled and the document date is earlier than its "
                             f"registration date {registered:%d/%m/%Y}")]
        return []
    if status != "ACT":
        return [("3029", f"{role} GSTIN {gstin} is inactive or cancelled (status {status})")]
    if doc_date and registered and doc_date < registered:
        return [("3079", f"{role} GSTIN {gstin}: the document date is earlier than its registration date "
                         f"{registered:%d/%m/%Y}")]
    return []


def _iso_date(text):
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _check_states_and_pins(invoice, errors):
    blocks = (("SellerDtls", "2259", "supplier"), ("BuyerDtls", "2260", "recipient"),
              ("DispDtls", "2200", "dispatch"), ("ShipDtls", "2200", "ship-to"))
    for block_name, code, label in blocks:
        block = invoice.get(block_name)
        if not block or "Stcd" not in block:
            continue
        state = _state(block["Stcd"])
        if state not in masters.STATE_CODES:
            errors.append((code, f"Invalid {label} state code {block['Stcd']}"))
            continue
        pin = block.get("Pin")
        if pin is None:
            continue
        states = masters.pin_states(int(pin))
        if states is not None and state not in states:
            errors.append(("2178", f"{label.capitalize()} PIN code {int(pin)} does not belong to state "
                                   f"{masters.STATE_CODES[state]} ({state})"))


def check_invoice(invoice, ctx):
    """Business-rule errors of a normalised invoice (empty list when it may be registered)."""
    errors = []
    tran = invoice.get("TranDtls", {})
    doc = invoice.get("DocDtls", {})
    seller = invoice.get("SellerDtls", {})
    buyer = invoice.get("BuyerDtls", {})
    items = invoice.get("ItemList", [])
    totals = invoice.get("ValDtls", {})
    sup_type = tran.get("SupTyp")
    doc_type = doc.get("Typ")
    reverse_charge = tran.get("RegRev") == "Y"

    # document date
    doc_date = None
    if "Dt" in doc:
        doc_date = parse_date(doc["Dt"])
        if doc_date is None:
            errors.append(("2225", f"Invalid document date {doc['Dt']}: use dd/mm/yyyy"))
        elif doc_date > ctx.today:
            errors.append(("2163", f"Document date {doc['Dt']} is later than today "
                                   f"({ctx.today:%d/%m/%Y}): future dates are not allowed"))
        elif doc_date < EINVOICING_START:
            errors.append(("2163", f"Document date {doc['Dt']} is before 01/10/2020, when e-invoicing began"))

    # who may register it
    seller_gstin = seller.get("Gstin")
    ecom_gstin = tran.get("EcmGstin")
    if seller_gstin and seller_gstin != ctx.header_gstin and ecom_gstin != ctx.header_gstin:
        errors.append(("2169", f"Supplier GSTIN {seller_gstin} differs from the authenticated GSTIN "
                               f"{ctx.header_gstin}: only the supplier or the e-commerce operator can generate "
                               "the IRN"))
    if seller_gstin and "Stcd" in seller and seller_gstin[:2] != _state(seller["Stcd"]):
        errors.append(("2258", f"Supplier state code {seller['Stcd']} does not match the state of GSTIN "
                               f"{seller_gstin}"))
    if ecom_gstin and ecom_gstin[13] != "C":
        errors.append(("2195", f"E-commerce GSTIN {ecom_gstin} is not a TCS registration"))

    # recipient
    buyer_gstin = buyer.get("Gstin")
    pos = _state(buyer.get("Pos"))
    if buyer_gstin == "URP":
        if sup_type == "DEXP":
            errors.append(("2171", "Recipient cannot be URP (unregistered) for a deemed export"))
        elif sup_type and sup_type not in EXPORT:
            errors.append(("2212", f"Recipient GSTIN cannot be URP for supply type {sup_type}"))
    elif buyer_gstin:
        if sup_type in EXPORT:
            errors.append(("2248", f"Recipient of an export ({sup_type}) must be URP, not {buyer_gstin}"))
        if "Stcd" in buyer and buyer_gstin[:2] != _state(buyer["Stcd"]):
            errors.append(("2265", f"Recipient state code {buyer['Stcd']} does not match the state of GSTIN "
                                   f"{buyer_gstin}"))
        if buyer_gstin == seller_gstin:
            errors.append(("2211", "Supplier and recipient GSTIN are the same"))
    if pos is not None:
        if pos not in masters.STATE_CODES:
            errors.append(("2243", f"Place of supply {buyer.get('Pos')} is not a valid state code"))
        elif sup_type in EXPORT and pos != FOREIGN_STATE:
            errors.append(("2229", f"Place of supply must be 96 (other country) for {sup_type}"))
        elif sup_type and sup_type not in EXPORT and pos == FOREIGN_STATE:
            errors.append(("2242", f"Place of supply cannot be 96 (other country) for {sup_type}"))
    if "Pin" not in buyer and sup_type:
        errors.append(("2244", f"Recipient PIN code is mandatory for {sup_type}"))
    if reverse_charge and sup_type != "B2B":
        errors.append(("2162", f"Reverse charge applies to B2B supplies only, not {sup_type}"))

    # GSTIN master: status, registration dates, SEZ
    if seller_gstin:
        errors += gstin_status_errors(seller_gstin, doc_date, ctx.lookup_gstin(seller_gstin), "Supplier")
    buyer_record = None
    if buyer_gstin and buyer_gstin != "URP":
        buyer_record = ctx.lookup_gstin(buyer_gstin)
        errors += gstin_status_errors(buyer_gstin, doc_date, buyer_record, "Recipient")
    buyer_is_sez = bool(buyer_record and buyer_record.get("txp_type") == "SEZ")
    if sup_type in SEZ and buyer_record and not buyer_is_sez:
        errors.append(("2247", f"Recipient {buyer_gstin} is not an SEZ unit or developer: supply type "
                               f"{sup_type} needs one"))
    if sup_type == "B2B" and buyer_is_sez:
        errors.append(("2246", f"Recipient {buyer_gstin} is an SEZ: use supply type SEZWP or SEZWOP, not B2B"))

    _check_states_and_pins(invoice, errors)

    # §14: the ship-to GSTIN (or URP) is mandatory from 01/08/2026
    ship = invoice.get("ShipDtls")
    if ship is not None and "Gstin" not in ship and doc_date and doc_date >= SHIP_TO_GSTIN_RULE_START:
        errors.append((CODE_SHIP_TO_GSTIN, "Ship-to GSTIN is mandatory when ship-to details are given on "
                                           "documents dated on or after 01/08/2026: give the consignee's GSTIN, "
                                           "or URP when unregistered"))

    # exports
    if sup_type in EXPORT:
        export = invoice.get("ExpDtls") or {}
        if "CntCode" not in export:
            errors.append(("2208", f"Export details with the country code (ExpDtls.CntCode) are required "
                                   f"for {sup_type}"))
        elif export["CntCode"] not in masters.COUNTRY_CODES:
            errors.append(("2202", f"Invalid country code {export['CntCode']}"))
        if "ForCur" in export and export["ForCur"].upper() not in masters.CURRENCY_CODES:
            errors.append(("2203", f"Invalid foreign currency {export['ForCur']}"))

    errors += _check_items(items, invoice, sup_type, doc_type, reverse_charge, pos, ctx)
    errors += _check_totals(items, totals, sup_type, reverse_charge)
    return errors


def _tax_regime(invoice, sup_type, pos):
    """'intra' (CGST+SGST), 'inter' (IGST) or None when unknown."""
    seller_state = _state(invoice.get("SellerDtls", {}).get("Stcd"))
    if sup_type in EXPORT or sup_type in SEZ:
        return "inter"
    if seller_state is None or pos is None:
        return None
    if invoice.get("TranDtls", {}).get("IgstOnIntra") == "Y":
        return "inter"
    return "intra" if seller_state == pos else "inter"


def _check_items(items, invoice, sup_type, doc_type, reverse_charge, pos, ctx):
    errors = []
    seller_state = _state(invoice.get("SellerDtls", {}).get("Stcd"))
    if invoice.get("TranDtls", {}).get("IgstOnIntra") == "Y" and seller_state and pos and seller_state != pos:
        errors.append(("2262", "IgstOnIntra is Y but the supplier state differs from the place of supply: "
                               "the supply is not intra-state"))
    regime = _tax_regime(invoice, sup_type, pos)
    check_tax_amounts = doc_type not in ("CRN", "DBN")  # not validated for notes (§7.13)
    serial_numbers = set()
    unknown_hsn, unknown_units = [], []
    for item in items:
        hsn = item.get("HsnCd", "")
        label = f"HSN {hsn} (item {item.get('SlNo', '?')})"
        serial = item.get("SlNo")
        if serial is not None:
            if serial in serial_numbers:
                errors.append(("2233", f"Duplicate serial number {serial} in the item list"))
            serial_numbers.add(serial)
        if hsn:
            if not ctx.hsn_exists(hsn):
                unknown_hsn.append(hsn)
            if "IsServc" in item and is_service(item) != hsn.startswith(masters.HSN_CHAPTERS_SERVICES):
                errors.append(("2199", f"{label}: IsServc is {item['IsServc']} but the code is "
                                       f"{'a SAC' if hsn.startswith('99') else 'a goods HSN'}: services use SAC "
                                       "codes starting with 99, goods do not"))
        if not is_service(item):
            if "Qty" not in item:
                errors.append(("2238", f"Quantity is required for goods, {label}"))
            if "Unit" not in item:
                errors.append(("2239", f"Unit is required for goods, {label}"))
        if "Unit" in item and item["Unit"].upper() not in masters.UQC_CODES:
            unknown_units.append(item["Unit"])
        rate = item.get("GstRt")
        if rate is not None and float(rate) not in masters.GST_RATES:
            errors.append(("2240", f"Invalid GST rate {rate} for {label}"))
            rate = None

        assessable = _amount(item, "AssAmt")
        igst, cgst, sgst = _amount(item, "IgstAmt"), _amount(item, "CgstAmt"), _amount(item, "SgstAmt")
        net_amount = _amount(item, "TotAmt") - _amount(item, "Discount")
        if "TotAmt" in item and "AssAmt" in item and _differs(assessable, net_amount):
            errors.append(("2193", f"Taxable value {_fmt(assessable)} is not the total amount less discount "
                                   f"({_fmt(net_amount)}) for {label}"))
        if sup_type in EXPORT and (cgst or sgst):
            errors.append(("2180", f"CGST/SGST cannot be charged on an export, {label}"))
        elif sup_type in SEZ and (cgst or sgst):
            errors.append(("2237", f"CGST/SGST cannot be charged on a supply to an SEZ, {label}"))
        elif regime == "intra":
            if igst:
                errors.append(("2172", f"IGST is not applicable to an intra-state supply, {label}"))
            # A free line (taxable value 0) owes no tax: CGST = SGST = 0 is right for it.
            if rate and assessable and not (cgst or sgst):
                errors.append(("2241", f"CGST and SGST are required for an intra-state supply, {label}"))
            if abs(cgst - sgst) > 1e-6:
                errors.append(("2227", f"CGST {_fmt(cgst)} and SGST {_fmt(sgst)} must be equal, {label}"))
        elif regime == "inter" and (cgst or sgst):
            errors.append(("2174", f"CGST/SGST are not applicable to an inter-state supply, {label}"))

        if check_tax_amounts and rate is not None and "AssAmt" in item:
            expected = assessable * float(rate) / 100
            if regime == "intra":
                if (cgst or sgst) and (_differs(cgst, expected / 2) or _differs(sgst, expected / 2)):
                    errors.append(("2234", f"CGST/SGST amounts {_fmt(cgst)}/{_fmt(sgst)} do not match "
                                           f"{rate}% of {_fmt(assessable)} for {label}"))
            elif regime == "inter":
                zero_allowed = sup_type in ("EXPWOP", "SEZWOP") or reverse_charge
                if not (igst == 0 and zero_allowed) and _differs(igst, expected):
                    errors.append(("2235", f"IGST amount {_fmt(igst)} does not match {rate}% of "
                                           f"{_fmt(assessable)} for {label}"))
            if "CesRt" in item and "CesAmt" in item and _differs(
                    _amount(item, "CesAmt"), assessable * float(item["CesRt"]) / 100):
                errors.append(("2266", f"Invalid cess amount for {label}"))
            if "StateCesRt" in item and "StateCesAmt" in item and _differs(
                    _amount(item, "StateCesAmt"), assessable * float(item["StateCesRt"]) / 100):
                errors.append(("2267", f"Invalid state cess amount for {label}"))

        if "TotItemVal" in item and "AssAmt" in item:
            taxes = (igst + cgst + sgst + _amount(item, "CesAmt") + _amount(item, "CesNonAdvlAmt")
                     + _amount(item, "StateCesAmt") + _amount(item, "StateCesNonAdvlAmt"))
            with_tax = assessable + taxes + _amount(item, "OthChrg")
            candidates = [with_tax]
            if reverse_charge or sup_type in ("EXPWP", "SEZWP"):  # may be stated with or without tax
                candidates.append(with_tax - taxes)
            if all(_differs(_amount(item, "TotItemVal"), candidate) for candidate in candidates):
                errors.append(("2194", f"Item total {_fmt(_amount(item, 'TotItemVal'))} is not taxable value + "
                                       f"taxes + other charges ({_fmt(with_tax)}) for {label}"))
    if unknown_hsn:
        errors.append(("2176", f"HSN code(s) {', '.join(sorted(set(unknown_hsn)))} not in the HSN master"))
    if unknown_units:
        errors.append(("2177", f"Unit code(s) {', '.join(sorted(set(unknown_units)))} not in the UQC master"))
    return errors


def _check_totals(items, totals, sup_type, reverse_charge):
    if not items or not totals:
        return []
    errors = []

    def item_sum(*item_keys):
        return sum(_amount(item, item_key) for item in items for item_key in item_keys)

    sums = (("AssVal", "2182", "taxable value", ("AssAmt",)),
            ("SgstVal", "2183", "SGST", ("SgstAmt",)),
            ("CgstVal", "2184", "CGST", ("CgstAmt",)),
            ("IgstVal", "2185", "IGST", ("IgstAmt",)),
            ("CesVal", "2186", "cess", ("CesAmt", "CesNonAdvlAmt")),
            ("StCesVal", "2187", "state cess", ("StateCesAmt", "StateCesNonAdvlAmt")))
    for key, code, label, item_keys in sums:
        expected = item_sum(*item_keys)
        if _differs(_amount(totals, key), expected):
            errors.append((code, f"Total {label} {_fmt(_amount(totals, key))} is not the sum of the items "
                                 f"({_fmt(expected)})"))
    taxes = sum(_amount(totals, key) for key in ("CgstVal", "SgstVal", "IgstVal", "CesVal", "StCesVal"))
    base = (_amount(totals, "AssVal") + _amount(totals, "OthChrg") - _amount(totals, "Discount")
            + _amount(totals, "RndOffAmt"))
    candidates = [base + taxes, base + taxes + item_sum("OthChrg")]
    if reverse_charge or sup_type in ("EXPWP", "SEZWP"):
        candidates += [base, base + item_sum("OthChrg")]
    invoice_value = _amount(totals, "TotInvVal")
    if all(_differs(invoice_value, candidate) for candidate in candidates):
        errors.append(("2189", f"Invalid total invoice value {_fmt(invoice_value)}: taxable value + taxes + other "
                               f"charges - discount + round-off is {_fmt(candidates[0])}"))
    discount = _amount(totals, "Discount")
    if discount > 0 and discount >= invoice_value:
        errors.append(("2220", f"Invoice discount {_fmt(discount)} must be less than the invoice value"))
    return errors


# --- e-way bill by IRN (§9.2) ---------------------------------------------------------------

_VEHICLE_PATTERNS = tuple(re.compile(pattern) for pattern in (
    r"[A-Z]{2}[0-9]{1,2}[A-Z]{0,3}[0-9]{4}",   # KA01AB1234, GJ07DL9009, DL1C1234
    r"[A-Z]{3}[0-9]{4}",                       # old series ABC1234
    r"[0-9]{2}BH[0-9]{4}[A-Z]{1,2}",           # Bharat series 22BH1234AB
    r"TR[A-Z0-9]{6,18}",                       # temporary registration
    r"(DF|CD|CC|UN)[A-Z0-9]{4,12}",            # defence, diplomatic
))


def valid_vehicle_number(number):
    return any(pattern.fullmatch(number.upper()) for pattern in _VEHICLE_PATTERNS)


def _same_ship_to(given, kept):
    keys = ("Gstin", "Addr1", "Loc", "Pin", "Stcd")
    return all(str(given.get(key, "")).strip().upper() == str(kept.get(key, "")).strip().upper()
               for key in keys if key in given)


def plan_ewaybill(request, invoice, ctx, now):
    """(errors, plan) for an e-way bill on a registered invoice.

    `request` is normalised (normalise_ewaybill or the invoice's EwbDtls),
    `invoice` the normalised invoice of the IRN, `now` the sandbox time (IST).
    The plan: distance, computed (bool), remarks, valid_till (datetime or None).

    Checks run in three groups and stop after the first group that fails:
    transport details, then the document and its parties, then places and
    distance. NIC does the same: an e-way bill for a services-only invoice
    without transporter is refused with 4019 alone (india-compliance records).
    """
    errors = []
    doc = invoice.get("DocDtls", {})
    seller = invoice.get("SellerDtls", {})
    buyer = invoice.get("BuyerDtls", {})
    sup_type = invoice.get("TranDtls", {}).get("SupTyp")
    items = invoice.get("ItemList", [])
    today = now.date()

    mode = request.get("TransMode")
    vehicle, vehicle_type = request.get("VehNo"), request.get("VehType")
    transport_doc, transport_date = request.get("TransDocNo"), request.get("TransDocDt")
    transporter = request.get("TransId")
    if (vehicle or transport_doc) and not mode:
        errors.append(("4028", "Transport mode is required when a vehicle or transport document number is "
                               "given"))
    if mode == "1":
        if not vehicle:
            errors.append(("4011", "Vehicle number is required for transport by road"))
        if not vehicle_type:
            errors.append(("4022", "Vehicle type is required for transport by road"))
    elif mode in ("2", "3", "4"):
        if not transport_doc:
            errors.append(("4012", "Transport document number is required for transport by rail, air or ship"))
        if not transport_date:
            errors.append(("4023", "Transport document date is required for transport by rail, air or ship"))
        if vehicle_type == "O" and mode in ("2", "3"):
            errors.append(("4024", "Over-dimensional cargo applies to road or ship only"))
    part_a_only = not (mode and (vehicle or transport_doc))
    if part_a_only and not mode and not transporter:
        errors.append(("4019", "Provide Transporter ID in order to generate Part A of e-Way Bill"))
    if vehicle and not valid_vehicle_number(vehicle):
        errors.append(("4014", f"Invalid vehicle number {vehicle}"))
    if transport_date:
        parsed = parse_date(transport_date)
        doc_date = parse_date(doc.get("Dt"))
        if parsed is None:
            errors.append(("4017", f"Incorrect transport document date {transport_date}: use dd/mm/yyyy"))
        elif parsed > today:
            errors.append(("4016", f"Transport document date {transport_date} is in the future"))
        elif doc_date and parsed < doc_date:
            errors.append(("4021", f"Transport document date {transport_date} is before the invoice date "
                                   f"{doc.get('Dt')}"))
    if transporter:
        record = ctx.lookup_gstin(transporter)
        if record and record.get("status") != "ACT":
            errors.append(("3052", f"Transporter Id {transporter} is cancelled or invalid"))

    if errors:
        return errors, None

    # the document and its parties
    if doc.get("Typ") in ("CRN", "DBN") or (items and all(is_service(item) for item in items)):
        errors.append(("4010", "E-way bill cannot be generated for credit/debit notes or invoices of services "
                               "only"))
    for role, gstin in (("Supplier", seller.get("Gstin")), ("Recipient", buyer.get("Gstin"))):
        record = ctx.lookup_gstin(gstin) if gstin and gstin != "URP" else None
        if record and record.get("blk_status") == "B":
            errors.append(("4015", f"{role} GSTIN {gstin} is blocked from generating e-way bills "
                                   "(returns not filed)"))
    if errors:
        return errors, None

    # places and distance
    dispatch = request.get("DispDtls") or invoice.get("DispDtls") or seller
    kept_ship = invoice.get("ShipDtls")
    given_ship = request.get("ExpShipDtls") or request.get("ShipDtls")
    in_force = today >= SHIP_TO_GSTIN_RULE_START
    if given_ship is not None:
        if in_force and "Gstin" not in given_ship:
            errors.append((CODE_EWB_SHIP_TO, "Ship-to GSTIN is mandatory when ship-to details are given (from "
                                             "01/08/2026): give the consignee's GSTIN, or URP when unregistered"))
        if _state(given_ship.get("Stcd")) == FOREIGN_STATE:
            errors.append(("4032", "Ship-to state cannot be 96 (other country): give the place of export"))
        if given_ship.get("Pin") == FOREIGN_PIN:
            errors.append(("4033", "Ship-to PIN 999999 is not allowed: give the PIN of the place of export"))
    if request.get("DispDtls"):
        if _state(request["DispDtls"].get("Stcd")) == FOREIGN_STATE:
            errors.append(("4035", "Dispatch-from state cannot be 96 (other country)"))
        if request["DispDtls"].get("Pin") == FOREIGN_PIN:
            errors.append(("4036", "Dispatch-from PIN 999999 is not allowed"))
    ship_to = kept_ship or buyer
    if given_ship is not None:
        locked = in_force and kept_ship and (sup_type == "B2B" or sup_type in SEZ)
        if locked and not _same_ship_to(given_ship, kept_ship):
            errors.append((CODE_EWB_SHIP_TO, "Ship-to details given at IRN generation of a B2B/SEZ supply cannot "
                                             "be changed in the e-way bill request (rule of 01/08/2026)"))
        else:
            ship_to = given_ship
    if sup_type in EXPORT and given_ship is None and (kept_ship is None or kept_ship.get("Pin") == FOREIGN_PIN):
        errors.append(("4031", "Ship-to details (place of export) are required for an export e-way bill"))
        ship_to = {}

    from_pin, to_pin = dispatch.get("Pin"), ship_to.get("Pin")
    distance = request.get("Distance", 0)
    plan = {"distance": distance, "computed": False, "remarks": None, "valid_till": None}
    if from_pin and to_pin:
        computed = pin_distance(from_pin, to_pin)
        foreign = FOREIGN_PIN in (from_pin, to_pin)
        if distance == 0:
            if from_pin == to_pin:
                errors.append(("4029", f"Dispatch and delivery PIN are the same ({int(from_pin)}): give the "
                                       "actual distance, 0 is not allowed"))
            elif foreign:
                errors.append(("4034", "PIN 999999 is involved: distance cannot be 0, give the actual distance"))
            else:
                plan.update(distance=computed, computed=True, remarks=f"Pin-Pin calc distance: {computed}KM")
        elif distance > 4000:
            errors.append(("4038", f"Distance {distance} km is too high: at most 4000 km"))
        elif not foreign:
            limit = SAME_PIN_MAX_DISTANCE if from_pin == to_pin else computed * DISTANCE_MARGIN
            if distance > limit:
                errors.append(("4013", f"Distance {distance} km is more than 10% above the PIN-to-PIN distance "
                                       f"{computed} km between {int(from_pin)} and {int(to_pin)}"))
    if not part_a_only and plan["distance"]:
        plan["valid_till"] = validity_end(today, float(plan["distance"]), vehicle_type == "O")
    return errors, plan
