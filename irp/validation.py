"""Offline pre-flight of IRP requests: NIC schema 1.1 plus the IRP's business rules.

Every function returns the complete list of problems found (never only the first),
each with the path of the field, the NIC error code the IRP would answer with
('schema' for a pure schema violation) and a sentence a user can act on. Nothing
here talks to the network; masters that live at the IRP (HSN codes, taxpayer types)
are passed in as optional callables.

Rules and codes follow nic-irp-api.md §7 (schema, §7.13 business validations),
§8 (codes), §9 (cancel, e-way bill by IRN), §14 (ship-to GSTIN from 01/08/2026)
and §15 (GSTIN check character).
"""
import functools
import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from jsonschema import Draft7Validator

from . import gstin as gstin_rules
from . import masters

IST = timezone(timedelta(hours=5, minutes=30), "IST")
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
INVOICE_SCHEMA = "einvoice_request_1_1.json"
EWAYBILL_SCHEMA = "ewaybill_by_irn.json"

EINVOICING_START = date(2020, 10, 1)
SHIP_TO_GSTIN_MANDATORY_FROM = date(2026, 8, 1)  # §14, GSTN advisory of 17/06/2026
ITEM_TOLERANCE = 1.0  # the IRP accepts rounding differences up to ±1.00 per item amount
TOTAL_TOLERANCE = 1.0  # and ±1 on invoice totals (2189)
TAX_SPLIT_TOLERANCE = 0.005  # CGST and SGST are the same half of the rate: equal to the paisa
URP = "URP"

# NIC publishes no code for the §14 ship-to GSTIN rule; 2214 is its "GSTIN required for {0}".
SHIP_TO_GSTIN_CODE = "2214"
# In an e-way bill request NIC would answer with its generic 4001 "error creating e-way bill" (as our sandbox does).
EWB_SHIP_TO_CODE = "4001"
SCHEMA_CODE = "schema"

# Vehicle number formats accepted by the e-way bill system (IRP general master).
VEHICLE_NUMBER_PATTERN = re.compile(
    r"^(?:[A-Z]{2}[0-9]{2}[A-Z]{0,3}[0-9]{4}"  # AB121234, AB12A1234, AB12AB1234, AB12ABC1234
    r"|[A-Z]{2}[0-9]{3}[A-Z][0-9]{4}"  # AB123A1234
    r"|[A-Z]{3}[0-9]{4}"  # ABC1234
    r"|[0-9]{2}BH[0-9]{4}[A-Z]{1,2}"  # Bharat series 22BH1234AB
    r"|DF[A-Z0-9]{4,18}"  # defence vehicles
    r"|(?:TM|TR|BP|NP)[A-Z0-9]{5,18})$"  # temporary registration, Bhutan, Nepal: at least 7 characters
)
IRN_PATTERN = re.compile(r"^[0-9a-f]{64}$")
FREE_TEXT_PATTERN = re.compile(r'^[^"\\]*$')
DATE_SHAPE = re.compile(r"^[0-3][0-9]/[0-1][0-9]/20[1-2][0-9]$")  # the schema's; calendar validity is a rule


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request.

    path: where, e.g. 'ItemList[2].HsnCd' or 'BuyerDtls.Gstin' ('' for the whole request);
    code: the NIC error code the IRP would return, or 'schema' for a pure schema violation;
    message: a plain-English sentence naming the field and the value.
    """

    path: str
    code: str
    message: str

    def __str__(self):
        return self.message


# --- schema loading (compiled once per process) ------------------------------------------------

@functools.lru_cache(maxsize=None)
def load_schema(name=INVOICE_SCHEMA):
    """The parsed JSON schema `name` from irp/schema/ (shared: do not modify it)."""
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def _resolve_refs(node, definitions):
    """The schema with every local '#/definitions/x' reference replaced by its target."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = dict(definitions[node["$ref"].rsplit("/", 1)[1]])
            target.update((key, value) for key, value in node.items() if key != "$ref")
            return _resolve_refs(target, definitions)
        return {key: _resolve_refs(value, definitions) for key, value in node.items() if key != "definitions"}
    if isinstance(node, list):
        return [_resolve_refs(value, definitions) for value in node]
    return node


class _UnsupportedKeyword(Exception):
    pass


_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "definitions"})
_TYPE_CHECKS = {
    "string": lambda value: isinstance(value, str),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
}


def _compile_check(node):
    """A fast yes/no test equivalent to jsonschema on this (resolved) node.

    Valid payloads, the common case, are accepted without running jsonschema at all;
    anything this says no to goes through jsonschema for the detailed errors. Only the
    keywords our schemas use are supported, so the two cannot silently disagree.
    """
    unknown = set(node) - _ANNOTATIONS - {"type", "enum", "minLength", "maxLength", "pattern", "minimum",
                                          "maximum", "required", "properties", "items", "minItems", "maxItems"}
    if unknown:
        raise _UnsupportedKeyword(sorted(unknown))
    type_check = _TYPE_CHECKS[node["type"]] if "type" in node else None
    enum = node.get("enum")
    if enum is not None and not all(isinstance(value, str) for value in enum):
        raise _UnsupportedKeyword("enum of non-strings")
    min_length, max_length = node.get("minLength"), node.get("maxLength")
    pattern = re.compile(node["pattern"]).search if "pattern" in node else None
    minimum, maximum = node.get("minimum"), node.get("maximum")
    required = tuple(node.get("required", ()))
    properties = {key: _compile_check(child) for key, child in node.get("properties", {}).items()}
    items = _compile_check(node["items"]) if isinstance(node.get("items"), dict) else None
    min_items, max_items = node.get("minItems"), node.get("maxItems")

    def check(value):
        if type_check is not None and not type_check(value):
            return False
        if enum is not None and not (isinstance(value, str) and value in enum):
            return False
        if isinstance(value, str):
            if min_length is not None and len(value) < min_length:
                return False
            if max_length is not None and len(value) > max_length:
                return False
            if pattern is not None and not pattern(value):
                return False
        elif isinstance(value, dict):
            for key in required:
                if key not in value:
                    return False
            for key, child in value.items():
                child_check = properties.get(key)
                if child_check is not None and not child_check(value[key]):
                    return False
        elif isinstance(value, list):
            if min_items is not None and len(value) < min_items:
                return False
            if max_items is not None and len(value) > max_items:
                return False
            if items is not None:
                for child in value:
                    if not items(child):
                        return False
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if minimum is not None and value < minimum:
                return False
            if maximum is not None and value > maximum:
                return False
        return True

    return check


class _CompiledSchema:
    """jsonschema validators plus fast pre-checks for one schema, built once per process.

    The item list of an invoice is validated item by item, so that one bad line among
    a thousand costs one jsonschema run, not a thousand.
    """

    def __init__(self, name, list_key=None):
        schema = load_schema(name)
        Draft7Validator.check_schema(schema)
        resolved = _resolve_refs(schema, schema.get("definitions", {}))
        self.list_key = list_key
        self.check = _compile_check_or_none(resolved)
        if list_key:
            list_schema = resolved["properties"][list_key]
            item_schema = list_schema["items"]
            top = dict(resolved, properties=dict(resolved["properties"]))
            top["properties"][list_key] = {key: value for key, value in list_schema.items() if key != "items"}
            self.validator = Draft7Validator(top)
            self.item_validator = Draft7Validator(item_schema)
            self.item_check = _compile_check_or_none(item_schema)
        else:
            self.validator = Draft7Validator(resolved)


def _compile_check_or_none(node):
    try:
        return _compile_check(node)
    except _UnsupportedKeyword:
        return lambda value: False  # a keyword the fast path does not know: always ask jsonschema


@functools.lru_cache(maxsize=None)
def _compiled(name):
    return _CompiledSchema(name, list_key="ItemList" if name == INVOICE_SCHEMA else None)


class _Shape:
    """Property names of one schema node, for case-insensitive key matching."""

    __slots__ = ("names", "children", "items")

    def __init__(self, names, children, items):
        self.names = names  # lower-case name -> canonical name
        self.children = children  # canonical name -> _Shape | None
        self.items = items  # _Shape of array items | None


@functools.lru_cache(maxsize=None)
def _shape(name):
    schema = load_schema(name)
    definitions = schema.get("definitions", {})

    def build(node):
        if "$ref" in node:
            node = definitions[node["$ref"].rsplit("/", 1)[1]]
        properties = node.get("properties") or {}
        items = node.get("items")
        if not properties and not items:
            return None
        return _Shape(
            {key.lower(): key for key in properties},
            {key: build(child) for key, child in properties.items()},
            build(items) if isinstance(items, dict) else None,
        )

    return build(schema)


def normalise_keys(value, schema_name=INVOICE_SCHEMA):
    """Copy of `value` with property names in the schema's casing ('GSTIN' -> 'Gstin', 'POS' -> 'Pos').

    NIC reads property names case-insensitively (Odoo's own payloads send 'GSTIN'/'POS').
    Unknown names are kept as they are; when a name appears twice in different casings,
    the one already in canonical casing wins.
    """
    return _normalise(value, _shape(schema_name))


def _normalise(value, shape):
    if shape is None:
        return value
    if isinstance(value, dict) and shape.names:
        result = {}
        for key, child in value.items():
            canonical = shape.names.get(key.lower(), key) if isinstance(key, str) else key
            if canonical in result and key != canonical:
                continue
            result[canonical] = _normalise(child, shape.children.get(canonical))
        return result
    if isinstance(value, list) and shape.items is not None:
        return [_normalise(child, shape.items) for child in value]
    return value


# --- words for users ---------------------------------------------------------------------------

_SECTION_NAMES = {
    "TranDtls": "Transaction details",
    "DocDtls": "Document",
    "SellerDtls": "Seller",
    "BuyerDtls": "Buyer",
    "DispDtls": "Dispatch-from address",
    "ShipDtls": "Ship-to address",
    "ValDtls": "Invoice totals",
    "PayDtls": "Payment details",
    "RefDtls": "Reference details",
    "DocPerdDtls": "invoice period",
    "PrecDocDtls": "preceding document",
    "ContrDtls": "contract reference",
    "AddlDocDtls": "Additional document",
    "ExpDtls": "Export details",
    "EwbDtls": "E-way bill details",
    "ExpShipDtls": "Export ship-to address",
    "BchDtls": "batch",
    "AttribDtls": "attribute",
}

_FIELD_LABELS = {
    "Version": "schema version", "Irn": "IRN",
    "TranDtls": "transaction details", "DocDtls": "document details", "SellerDtls": "seller details",
    "BuyerDtls": "buyer details", "DispDtls": "dispatch-from details", "ShipDtls": "ship-to details",
    "ItemList": "item list", "ValDtls": "invoice totals", "PayDtls": "payment details",
    "RefDtls": "reference details", "AddlDocDtls": "additional documents", "ExpDtls": "export details",
    "EwbDtls": "e-way bill details", "ExpShipDtls": "export ship-to details", "BchDtls": "batch details",
    "DocPerdDtls": "invoice period", "PrecDocDtls": "preceding documents", "ContrDtls": "contract references",
    "AttribDtls": "attributes",
    "TaxSch": "tax scheme", "SupTyp": "supply type", "RegRev": "reverse-charge flag",
    "EcmGstin": "e-commerce operator GSTIN", "IgstOnIntra": "IGST-on-intra-state flag",
    "Typ": "document type", "No": "document number", "Dt": "document date",
    "Gstin": "GSTIN", "LglNm": "legal name", "TrdNm": "trade name", "Nm": "name",
    "Addr1": "address line 1", "Addr2": "address line 2", "Loc": "city/place", "Pin": "PIN code",
    "Stcd": "state code", "Pos": "place of supply (state code)", "Ph": "phone number", "Em": "e-mail address",
    "SlNo": "serial number", "PrdDesc": "description", "IsServc": "service flag", "HsnCd": "HSN code",
    "Barcde": "barcode", "Qty": "quantity", "FreeQty": "free quantity", "Unit": "unit (UQC)",
    "UnitPrice": "unit price", "TotAmt": "gross amount", "Discount": "discount", "PreTaxVal": "pre-tax value",
    "AssAmt": "taxable value", "GstRt": "GST rate", "IgstAmt": "IGST amount", "CgstAmt": "CGST amount",
    "SgstAmt": "SGST amount", "CesRt": "cess rate", "CesAmt": "cess amount",
    "CesNonAdvlAmt": "non-ad-valorem cess amount", "StateCesRt": "state cess rate",
    "StateCesAmt": "state cess amount", "StateCesNonAdvlAmt": "non-ad-valorem state cess amount",
    "OthChrg": "other charges", "TotItemVal": "item total", "OrdLineRef": "order line reference",
    "OrgCntry": "country of origin", "PrdSlNo": "product serial number", "ExpDt": "expiry date",
    "WrDt": "warranty date", "Val": "value",
    "AssVal": "total taxable value", "CgstVal": "total CGST", "SgstVal": "total SGST", "IgstVal": "total IGST",
    "CesVal": "total cess", "StCesVal": "total state cess", "RndOffAmt": "rounding amount",
    "TotInvVal": "invoice total", "TotInvValFc": "invoice total in foreign currency",
    "AccDet": "account number", "Mode": "payment mode", "FinInsBr": "IFSC/branch code", "PayTerm": "payment terms",
    "PayInstr": "payment instruction", "CrTrn": "credit transfer", "DirDr": "direct debit",
    "CrDay": "credit days", "PaidAmt": "amount paid", "PaymtDue": "amount due",
    "InvRm": "remarks", "InvStDt": "period start date", "InvEndDt": "period end date",
    "InvNo": "original invoice number", "InvDt": "original invoice date", "OthRefNo": "other reference",
    "RecAdvRefr": "receipt advice number", "RecAdvDt": "receipt advice date", "TendRefr": "tender reference",
    "ContrRefr": "contract reference", "ExtRefr": "external reference", "ProjRefr": "project reference",
    "PORefr": "purchase order reference", "PORefDt": "purchase order date",
    "Url": "URL", "Docs": "document", "Info": "information",
    "ShipBNo": "shipping bill number", "ShipBDt": "shipping bill date", "Port": "port code",
    "RefClm": "refund claim flag", "ForCur": "foreign currency", "CntCode": "country code", "ExpDuty": "export duty",
    "TransId": "transporter ID", "TransName": "transporter name", "TransMode": "transport mode",
    "Distance": "distance (km)", "TransDocNo": "transport document number", "TransDocDt": "transport document date",
    "VehNo": "vehicle number", "VehType": "vehicle type",
}

_DATE_HINT = "must be a date written dd/mm/yyyy (years 2010 to 2029)"
_DOC_NUMBER_HINT = "may contain only letters, digits, '/' and '-' and must not start with 0, '/' or '-'"
_PATTERN_HINTS = {
    "^[0-3][0-9]/[0-1][0-9]/20[1-2][0-9]$": _DATE_HINT,
    "^(?!0+$)([0-9]{1,2})$": "must be a state code of 1 or 2 digits (not 0)",
    "^[0-9]{2}[0-9A-Z]{13}$": "must be 2 digits followed by 13 capital letters or digits",
    "^([0-9]{2}[0-9A-Z]{13}|URP)$": "must be a 15-character GSTIN in capitals, or URP for an unregistered party",
    '^[^"\\\\]*$': "must not contain double quotes (\") or backslashes (\\)",
    "^[0-9]{6,12}$": "must be 6 to 12 digits with no spaces or signs",
    "^[a-zA-Z0-9+_.-]+@[a-zA-Z0-9.-]+$": "is not a valid e-mail address",
    "^[a-zA-Z1-9][a-zA-Z0-9/-]{0,15}$": _DOC_NUMBER_HINT,
    "^[1-9a-zA-Z][0-9a-zA-Z/-]{1,15}$": _DOC_NUMBER_HINT + " (2 to 16 characters)",
    "^(?!0+$)([0-9]{4}|[0-9]{6}|[0-9]{8})$": "must be 4, 6 or 8 digits and not all zeros",
    "^[0-9]{1,6}$": "must be 1 to 6 digits",
    "^[A-Za-z]{3,8}$": "must be 3 to 8 letters",
    "(?i)^(B2B|SEZWP|SEZWOP|EXPWP|EXPWOP|DEXP)$": "must be one of B2B, SEZWP, SEZWOP, EXPWP, EXPWOP, DEXP",
    "(?i)^(INV|CRN|DBN)$": "must be INV (invoice), CRN (credit note) or DBN (debit note)",
    "^[A-Za-z]{2}$": "must be a 2-letter country code",
    "^[0-9A-Za-z]{2,10}$": "must be 2 to 10 letters or digits",
    "^[A-Za-z]{3,16}$": "must be a currency code made of letters",
    "^[A-Z]{2}$": "must be a 2-letter country code in capitals",
    "^[a-zA-Z0-9/-]{1,15}$": "may contain only letters, digits, '/' and '-'",
    "^[A-Za-z0-9]{4,20}$": "may contain only letters and digits (no spaces)",
    "^[0-9a-f]{64}$": "must be 64 lower-case hexadecimal characters",
}
_TYPE_WORDS = {"number": "a number", "string": "text", "object": "a group of fields", "array": "a list",
               "integer": "a whole number", "boolean": "true or false"}

# Schema violations for which the IRP answers with a specific code.
_SCHEMA_CODES = {
    ("ItemList", "minItems"): "2228",
    ("ItemList", "maxItems"): "2173",
    ("TranDtls.IgstOnIntra", None): "2263",
    ("TranDtls.RegRev", None): "2159",
    ("DocDtls.Typ", None): "2161",
    ("Distance", "maximum"): "4038",
}


def _format_path(parts):
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += "[%d]" % part
        else:
            text += ("." if text else "") + str(part)
    return text


def _where(parts, payload=None, root="Invoice"):
    """'Item 3', 'Buyer', 'Reference details, preceding document 1'... for the container of a field."""
    words = []
    previous = None
    for part in parts:
        if isinstance(part, int):
            if previous == "ItemList":
                words[-1:] = [_item_name(part, payload)]
            elif words:
                words[-1] = "%s %d" % (words[-1], part + 1)
        else:
            name = _SECTION_NAMES.get(part)
            if name is None and part == "ItemList":
                name = "Items"
            if name is not None:
                words.append(name)
        previous = part
    return ", ".join(words) if words else root


def _item_name(index, payload=None):
    name = "Item %d" % (index + 1)
    items = payload.get("ItemList") if isinstance(payload, dict) else None
    if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
        serial = items[index].get("SlNo")
        if isinstance(serial, str) and serial != str(index + 1):
            name += " (Sl. no. %s)" % serial
    return name


def _show(value, limit=60):
    if isinstance(value, str):
        return "'%s'" % (value if len(value) <= limit else value[:limit] + "...")
    if isinstance(value, (dict, list)):
        return "a %s" % ("group of fields" if isinstance(value, dict) else "list")
    return json.dumps(value)


def _label(field):
    return _FIELD_LABELS.get(field, field) if isinstance(field, str) else "entry"


def _money(value):
    return "%.2f" % value


# --- schema problems ---------------------------------------------------------------------------

_REQUIRED_RE = re.compile(r"^'(.+)' is a required property$")


_ROOT_NAMES = {INVOICE_SCHEMA: "Invoice", EWAYBILL_SCHEMA: "E-way bill"}


def _schema_problems(payload, schema_name):
    compiled = _compiled(schema_name)
    if compiled.check(payload):
        return []
    root = _ROOT_NAMES[schema_name]
    problems = [_schema_problem(error, payload, root=root) for error in compiled.validator.iter_errors(payload)]
    items = payload.get(compiled.list_key) if compiled.list_key else None
    if isinstance(items, list):
        for index, item in enumerate(items):
            if not compiled.item_check(item):
                prefix = [compiled.list_key, index]
                problems.extend(_schema_problem(error, payload, prefix, root)
                                for error in compiled.item_validator.iter_errors(item))
    return problems


def _schema_problem(error, payload, prefix=(), root="Invoice"):
    parts = list(prefix) + list(error.absolute_path)
    kind = error.validator
    if kind == "required":
        match = _REQUIRED_RE.match(error.message)
        missing = match.group(1) if match else str(error.validator_value)
        where = _where(parts, payload, root)
        parts = parts + [missing]
        message = "%s: %s (%s) is missing" % (where, _label(missing), missing)
        return _with_code(parts, kind, message)
    field = parts[-1] if parts and isinstance(parts[-1], str) else None
    where = _where(parts[:-1] if field else parts, payload, root)
    subject = "%s: %s" % (where, _label(field)) if field else where
    value = error.instance
    if kind == "type":
        expected = error.validator_value
        names = expected if isinstance(expected, list) else [expected]
        words = " or ".join(_TYPE_WORDS.get(name, name) for name in names)
        message = "%s must be %s, not %s" % (subject, words, _show(value))
    elif kind == "minLength":
        message = "%s %s is too short: at least %d characters are needed" % (
            subject, _show(value), error.validator_value)
    elif kind == "maxLength":
        message = "%s %s is too long: %d characters, at most %d allowed" % (
            subject, _show(value), len(value), error.validator_value)
    elif kind == "pattern":
        hint = _PATTERN_HINTS.get(error.validator_value, "does not have the expected format")
        message = "%s %s %s" % (subject, _show(value), hint)
    elif kind == "enum":
        message = "%s %s must be one of %s" % (subject, _show(value), ", ".join(map(str, error.validator_value)))
    elif kind in ("minimum", "exclusiveMinimum"):
        message = "%s %s must be at least %s" % (subject, _show(value), error.validator_value)
    elif kind in ("maximum", "exclusiveMaximum"):
        message = "%s %s must be at most %s" % (subject, _show(value), error.validator_value)
    elif kind == "minItems" and parts == ["ItemList"]:
        message = "The invoice has no items: at least one item is needed"
    elif kind == "maxItems" and parts == ["ItemList"]:
        message = "The invoice has %d items; the IRP accepts at most %d per invoice" % (
            len(value), error.validator_value)
    else:
        message = "%s: %s" % (subject, error.message)
    return _with_code(parts, kind, message)


def _with_code(parts, kind, message):
    path = _format_path(parts)
    names = _format_path([part for part in parts if not isinstance(part, int)])
    code = (_SCHEMA_CODES.get((names, kind)) or _SCHEMA_CODES.get((names, None))
            or _SCHEMA_CODES.get((str(parts[-1]) if parts else "", kind)) or SCHEMA_CODE)
    if code != SCHEMA_CODE:
        message += " (%s)" % code
    return Problem(path, code, message)


# --- small readers that tolerate payloads the schema already rejected ---------------------------

def _num(value):
    """The value as a float when it is a real JSON number, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _amount(obj, key):
    number = _num(obj.get(key))
    return 0.0 if number is None else number


def _text(value):
    return value if isinstance(value, str) and value else None


def _state(value):
    if isinstance(value, str) and value.isdigit() and 1 <= len(value) <= 2:
        return value.zfill(2)
    return None


def _pin(value):
    number = _num(value)
    if number is None or number != int(number):
        return None
    return int(number)


def _parse_date(value):
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        return None


def _dict(obj, key):
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else None


def _today(today):
    if today is None:
        return datetime.now(IST).date()  # the IRP judges dates in Indian time
    if isinstance(today, datetime):
        return (today.astimezone(IST) if today.tzinfo else today).date()
    return today


class _Report:
    """Collects business-rule problems; every message ends with the NIC code."""

    def __init__(self, payload):
        self.payload = payload
        self.problems = []

    def add(self, path, code, message):
        self.problems.append(Problem(path, code, "%s (%s)" % (message, code)))

    def item(self, index):
        return _item_name(index, self.payload)


# --- invoice -----------------------------------------------------------------------------------

def validate_invoice(payload, *, today=None, hsn_known=None, require_check_digit=True,
                     session_gstin=None, taxpayer_type=None):
    """Every problem of a Generate IRN payload (NIC schema 1.1 + the IRP's business rules).

    today: the date the IRP would judge by (date or datetime; default: today in India).
    hsn_known: optional callable(code) -> bool backed by an HSN master (2176); without it only the
        HSN shape and the service/SAC consistency are checked.
    require_check_digit: False accepts GSTINs with a wrong check character, as NIC's sandbox does.
    session_gstin: optional GSTIN the API session belongs to; it must be the seller or the
        e-commerce operator (2169).
    taxpayer_type: optional callable(gstin) -> TxpType ('REG', 'SEZ', ...) or None when unknown,
        for the SEZ rules (2231, 2246, 2247).
    """
    if not isinstance(payload, dict):
        return [Problem("", SCHEMA_CODE, "The invoice must be a JSON object, not %s" % type(payload).__name__)]
    payload = normalise_keys(payload, INVOICE_SCHEMA)
    problems = _schema_problems(payload, INVOICE_SCHEMA)
    report = _Report(payload)
    context = _InvoiceContext(payload, _today(today))
    _check_document(report, context)
    _check_parties(report, context, require_check_digit, session_gstin, taxpayer_type)
    _check_supply_type(report, context)
    _check_addresses(report, context)
    _check_items(report, context, hsn_known)
    _check_totals(report, context)
    _check_export(report, context)
    _check_invoice_ewb(report, context, require_check_digit)
    return problems + report.problems


class _InvoiceContext:
    """Facts of an invoice that several rules need, read defensively once."""

    def __init__(self, payload, today):
        self.payload = payload
        self.today = today
        self.tran = _dict(payload, "TranDtls") or {}
        self.doc = _dict(payload, "DocDtls") or {}
        self.seller = _dict(payload, "SellerDtls") or {}
        self.buyer = _dict(payload, "BuyerDtls") or {}
        self.dispatch = _dict(payload, "DispDtls")
        self.ship = _dict(payload, "ShipDtls")
        self.totals = _dict(payload, "ValDtls") or {}
        items = payload.get("ItemList")
        self.items = [(index, item) for index, item in enumerate(items) if isinstance(item, dict)] \
            if isinstance(items, list) else []
        self.supply_type = (_text(self.tran.get("SupTyp")) or "").upper()
        self.doc_type = (_text(self.doc.get("Typ")) or "").upper()
        self.doc_date = _parse_date(self.doc.get("Dt"))
        self.is_export = self.supply_type in masters.EXPORT_SUPPLY_TYPES
        self.is_sez = self.supply_type in masters.SEZ_SUPPLY_TYPES
        self.reverse_charge = self.tran.get("RegRev") == "Y"
        self.igst_on_intra = self.tran.get("IgstOnIntra") == "Y"
        self.seller_gstin = _text(self.seller.get("Gstin"))
        self.buyer_gstin = _text(self.buyer.get("Gstin"))
        self.seller_state = _state(self.seller.get("Stcd"))
        self.buyer_state = _state(self.buyer.get("Stcd"))
        self.pos = _state(self.buyer.get("Pos"))
        self.is_note = self.doc_type in ("CRN", "DBN")
        if self.is_export or self.is_sez or self.igst_on_intra:
            self.regime = "igst"
        elif self.seller_state and self.pos:
            self.regime = "intra" if self.seller_state == self.pos else "inter"
        else:
            self.regime = None


def _check_document(report, ctx):
    raw_date = ctx.doc.get("Dt")
    if isinstance(raw_date, str) and DATE_SHAPE.match(raw_date) and ctx.doc_date is None:
        report.add("DocDtls.Dt", "2225", "Document date %s is not a real calendar date" % _show(raw_date))
    if ctx.doc_date is not None:
        if ctx.doc_date > ctx.today:
            report.add("DocDtls.Dt", "2163", "Document date %s is in the future (today is %s)" % (
                raw_date, ctx.today.strftime("%d/%m/%Y")))
        elif ctx.doc_date < EINVOICING_START:
            report.add("DocDtls.Dt", "2163", "Document date %s is before 01/10/2020, when e-invoicing began" % raw_date)
    refs = _dict(ctx.payload, "RefDtls") or {}
    preceding = refs.get("PrecDocDtls")
    if ctx.doc_type == "INV" and isinstance(preceding, list) and preceding:
        report.add("RefDtls.PrecDocDtls", "2210",
                   "An invoice (INV) must not carry a preceding (original) invoice reference; "
                   "only credit and debit notes do")
    period = _dict(refs, "DocPerdDtls")
    if period:
        start, end = _parse_date(period.get("InvStDt")), _parse_date(period.get("InvEndDt"))
        if start and end and start > end:
            report.add("RefDtls.DocPerdDtls.InvStDt", "2219", "Invoice period starts on %s, after it ends on %s" % (
                period["InvStDt"], period["InvEndDt"]))
    for path, value in _other_dates(ctx.payload):
        if isinstance(value, str) and DATE_SHAPE.match(value) and _parse_date(value) is None:
            label = _label(path.rsplit(".", 1)[-1]).capitalize()
            report.add(path, "2225", "%s %s is not a real calendar date" % (label, _show(value)))


def _other_dates(payload):
    refs = _dict(payload, "RefDtls") or {}
    period = _dict(refs, "DocPerdDtls") or {}
    for key in ("InvStDt", "InvEndDt"):
        yield "RefDtls.DocPerdDtls." + key, period.get(key)
    for name, keys in (("PrecDocDtls", ("InvDt",)), ("ContrDtls", ("RecAdvDt", "PORefDt"))):
        entries = refs.get(name)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict):
                for key in keys:
                    yield "RefDtls.%s[%d].%s" % (name, index, key), entry.get(key)
    export = _dict(payload, "ExpDtls") or {}
    yield "ExpDtls.ShipBDt", export.get("ShipBDt")


def _check_gstin(report, path, who, value, require_check_digit, code="3030"):
    """Check character and state prefix of a GSTIN whose shape the schema accepts."""
    if not gstin_rules.is_well_formed(value):
        return False
    reason = gstin_rules.validate_gstin(value, require_check_digit=require_check_digit)
    if reason:
        report.add(path, code, "%s: %s" % (who, reason))
        return False
    return True


def _check_parties(report, ctx, require_check_digit, session_gstin, taxpayer_type):
    seller, buyer = ctx.seller_gstin, ctx.buyer_gstin
    _check_gstin(report, "SellerDtls.Gstin", "Seller", seller, require_check_digit)
    if buyer and buyer != URP:
        _check_gstin(report, "BuyerDtls.Gstin", "Buyer", buyer, require_check_digit)
    if ctx.ship and _text(ctx.ship.get("Gstin")) not in (None, URP):
        _check_gstin(report, "ShipDtls.Gstin", "Ship-to address", ctx.ship["Gstin"], require_check_digit)
    if gstin_rules.is_well_formed(seller) and ctx.seller_state and seller[:2] != ctx.seller_state:
        report.add("SellerDtls.Stcd", "2258", "Seller state code '%s' does not match the state of GSTIN %s ('%s')" % (
            ctx.seller.get("Stcd"), seller, seller[:2]))
    if gstin_rules.is_well_formed(buyer) and ctx.buyer_state and buyer[:2] != ctx.buyer_state:
        report.add("BuyerDtls.Stcd", "2265", "Buyer state code '%s' does not match the state of GSTIN %s ('%s')" % (
            ctx.buyer.get("Stcd"), buyer, buyer[:2]))
    if seller and buyer and seller == buyer:
        report.add("BuyerDtls.Gstin", "2211", "Buyer GSTIN %s is the seller's own GSTIN" % buyer)
    ecom = _text(ctx.tran.get("EcmGstin"))
    if ecom and _check_gstin(report, "TranDtls.EcmGstin", "E-commerce operator", ecom, require_check_digit):
        if not gstin_rules.is_tcs_gstin(ecom):
            report.add("TranDtls.EcmGstin", "2195",
                       "E-commerce operator GSTIN %s is not a TCS registration (its 14th character must be 'C')" % ecom)
    if session_gstin and seller and session_gstin not in (seller, ecom):
        report.add("SellerDtls.Gstin", "2169", "Seller GSTIN %s is not the GSTIN %s these API credentials belong to; "
                   "only the supplier or the e-commerce operator can register the invoice" % (seller, session_gstin))
    if taxpayer_type is not None:
        seller_type = _taxpayer_type(taxpayer_type, seller)
        if seller_type in masters.SEZ_TAXPAYER_TYPES:
            report.add("SellerDtls.Gstin", "2231",
                       "Seller GSTIN %s is an SEZ unit, which does not register e-invoices" % seller)
        if buyer and buyer != URP:
            buyer_type = _taxpayer_type(taxpayer_type, buyer)
            if ctx.is_sez and buyer_type is not None and buyer_type not in masters.SEZ_TAXPAYER_TYPES:
                report.add("BuyerDtls.Gstin", "2247", "Supply type %s needs an SEZ buyer, but GSTIN %s is registered "
                           "as '%s'" % (ctx.supply_type, buyer, buyer_type))
            if ctx.supply_type == "B2B" and buyer_type in masters.SEZ_TAXPAYER_TYPES:
                report.add("TranDtls.SupTyp", "2246", "Buyer GSTIN %s is an SEZ unit: use supply type SEZWP or SEZWOP, "
                           "not B2B" % buyer)


def _taxpayer_type(lookup, gstin):
    if not gstin_rules.is_well_formed(gstin):
        return None
    value = lookup(gstin)
    return value.upper() if isinstance(value, str) and value else None


def _check_supply_type(report, ctx):
    supply, buyer = ctx.supply_type, ctx.buyer_gstin
    if not supply:
        return
    if buyer == URP and not ctx.is_export:
        if supply == "DEXP":
            report.add("BuyerDtls.Gstin", "2171", "A deemed export (DEXP) needs a registered buyer, not URP")
        else:
            report.add("BuyerDtls.Gstin", "2212", "Buyer GSTIN cannot be URP for supply type %s; URP is only for "
                       "exports (EXPWP/EXPWOP)" % supply)
    if ctx.is_export:
        if buyer and buyer != URP:
            report.add("BuyerDtls.Gstin", "2248", "An export (%s) must have buyer GSTIN URP, not %s" % (supply, buyer))
        if ctx.pos and ctx.pos != masters.FOREIGN_STATE:
            report.add("BuyerDtls.Pos", "2229", "Place of supply must be 96 (other country) for an export (%s), "
                       "not '%s'" % (supply, ctx.buyer.get("Pos")))
        if ctx.buyer_state and ctx.buyer_state != masters.FOREIGN_STATE:
            report.add("BuyerDtls.Stcd", "2261", "Buyer state code must be 96 (other country) for an export (%s), "
                       "not '%s'" % (supply, ctx.buyer.get("Stcd")))
        if (ctx.pos and ctx.pos == ctx.seller_state) or ctx.igst_on_intra:
            report.add("BuyerDtls.Pos", "2181", "An export cannot be an intra-state supply: place of supply equals "
                       "the seller's state or IGST-on-intra-state is Y")
    elif ctx.pos == masters.FOREIGN_STATE:
        report.add("BuyerDtls.Pos", "2242", "Place of supply 96 (other country) is only for exports, not for "
                   "supply type %s" % supply)
    if ctx.reverse_charge and supply != "B2B":
        report.add("TranDtls.RegRev", "2162",
                   "Reverse charge (RegRev Y) is only allowed for B2B supplies, not %s" % supply)
    if ctx.igst_on_intra and not ctx.is_export and ctx.seller_state and ctx.pos and ctx.seller_state != ctx.pos:
        report.add("TranDtls.IgstOnIntra", "2262", "IGST-on-intra-state is Y but the place of supply '%s' differs from "
                   "the seller's state '%s'" % (ctx.buyer.get("Pos"), ctx.seller.get("Stcd")))


def _check_addresses(report, ctx):
    checks = (
        ("SellerDtls", ctx.seller, "Seller", "2259"),
        ("BuyerDtls", ctx.buyer, "Buyer", "2260"),
        ("DispDtls", ctx.dispatch, "Dispatch-from address", "2200"),
        ("ShipDtls", ctx.ship, "Ship-to address", "2200"),
    )
    for section, address, who, state_code in checks:
        if not address:
            continue
        _check_address(report, section, address, who, state_code, foreign_ok=section != "SellerDtls")
    if ctx.pos is not None and ctx.pos not in masters.STATE_CODES:
        report.add("BuyerDtls.Pos", "2243", "Place of supply '%s' is not a valid state code" % ctx.buyer.get("Pos"))
    if "Pin" not in ctx.buyer and ctx.buyer:
        report.add("BuyerDtls.Pin", "2244", "Buyer PIN code is missing: it is mandatory (999999 for a foreign buyer)")
    if ctx.ship is not None and ctx.doc_date and ctx.doc_date >= SHIP_TO_GSTIN_MANDATORY_FROM \
            and not _text(ctx.ship.get("Gstin")):
        report.add("ShipDtls.Gstin", SHIP_TO_GSTIN_CODE, _ship_to_gstin_message("Ship-to address"))


def _ship_to_gstin_message(who, when="for documents dated on or after 01/08/2026"):
    return "%s: the consignee's GSTIN (or URP when the consignee is unregistered) is mandatory %s" % (who, when)


def _check_address(report, section, address, who, state_code, foreign_ok=True):
    raw_state = address.get("Stcd")
    state = _state(raw_state)
    if state is not None and (state not in masters.STATE_CODES or (not foreign_ok and state == masters.FOREIGN_STATE)):
        report.add(section + ".Stcd", state_code, "%s state code '%s' is not a valid state code" % (who, raw_state))
        return
    pin = _pin(address.get("Pin"))
    if state is None or pin is None or not 100000 <= pin <= 999999 or state == masters.OTHER_TERRITORY:
        return
    if state == masters.FOREIGN_STATE:
        if pin != masters.FOREIGN_PIN:
            report.add(section + ".Pin", "2178", "%s is outside India (state 96), so its PIN code must be 999999, "
                       "not %d" % (who, pin))
        return
    if pin == masters.FOREIGN_PIN:
        report.add(section + ".Pin", "2178", "%s PIN code 999999 is only for places outside India, but its state is "
                   "'%s' (%s)" % (who, raw_state, masters.STATE_CODES[state]))
        return
    states = masters.pin_states(pin)
    if states is not None and state not in states:
        report.add(section + ".Pin", "2178", "%s PIN code %d does not belong to state '%s' (%s)" % (
            who, pin, raw_state, masters.STATE_CODES[state]))


def _check_items(report, ctx, hsn_known):
    seen_serials = {}
    hsn_cache = {}
    for index, item in ctx.items:
        base = "ItemList[%d]" % index
        name = report.item(index)
        serial = item.get("SlNo")
        if isinstance(serial, str):
            if serial in seen_serials:
                report.add(base + ".SlNo", "2233", "%s: serial number '%s' is already used by %s" % (
                    name, serial, report.item(seen_serials[serial])))
            else:
                seen_serials[serial] = index
        hsn = _text(item.get("HsnCd"))
        is_service = item.get("IsServc")
        if hsn:
            if hsn_known is not None and hsn.isdigit():
                known = hsn_cache.get(hsn)
                if known is None:
                    known = hsn_cache[hsn] = bool(hsn_known(hsn))
                if not known:
                    report.add(base + ".HsnCd", "2176", "%s: HSN code '%s' is not in the HSN master" % (name, hsn))
            is_sac = hsn.startswith(masters.HSN_CHAPTERS_SERVICES)
            if is_service == "Y" and not is_sac:
                report.add(base + ".IsServc", "2199", "%s is marked as a service but HSN code '%s' is not a SAC "
                           "(service codes start with 99)" % (name, hsn))
            elif is_service == "N" and is_sac:
                report.add(base + ".IsServc", "2199", "%s is marked as goods but HSN code '%s' is a service code "
                           "(SAC); set it as a service" % (name, hsn))
        label = "%s (HSN %s)" % (name, hsn) if hsn else name
        unit = _text(item.get("Unit"))
        if unit and unit.upper() not in masters.UQC_CODES:
            report.add(base + ".Unit", "2177", "%s: unit '%s' is not a unit quantity code (UQC) of the GST master; "
                       "use e.g. NOS, KGS, MTR or OTH" % (label, unit))
        if is_service == "N":
            if item.get("Qty") is None:
                report.add(base + ".Qty", "2238", "%s: quantity is required for goods" % label)
            if item.get("Unit") is None:
                report.add(base + ".Unit", "2239", "%s: unit (UQC) is required for goods" % label)
        rate = _num(item.get("GstRt"))
        if rate is not None and round(rate, 3) not in masters.GST_RATES:
            report.add(base + ".GstRt", "2240", "%s: GST rate %s%% is not a GST rate (allowed: %s)" % (
                label, _show(item.get("GstRt")), ", ".join("%g" % r for r in sorted(masters.GST_RATES))))
        country = _text(item.get("OrgCntry"))
        if country and country.upper() not in masters.COUNTRY_CODES:
            report.add(base + ".OrgCntry", "2202", "%s: country of origin '%s' is not an ISO country code" % (
                label, country))
        _check_item_taxes(report, ctx, base, label, item, rate)
        _check_item_amounts(report, ctx, base, label, item)


def _check_item_taxes(report, ctx, base, label, item, rate):
    igst, cgst, sgst = _amount(item, "IgstAmt"), _amount(item, "CgstAmt"), _amount(item, "SgstAmt")
    taxable = _num(item.get("AssAmt"))
    wrong_kind = False
    if ctx.regime == "intra":
        if igst > 0:
            wrong_kind = True
            report.add(base + ".IgstAmt", "2172", "%s: IGST %s is not applicable to an intra-state supply (seller "
                       "state = place of supply); charge CGST and SGST, or set IGST-on-intra-state to Y" % (
                           label, _money(igst)))
        elif rate and taxable and cgst == 0 and sgst == 0 and not ctx.reverse_charge:
            wrong_kind = True
            report.add(base + ".CgstAmt", "2241", "%s: an intra-state supply at %g%% needs CGST and SGST amounts" % (
                label, rate))
        if abs(cgst - sgst) > TAX_SPLIT_TOLERANCE:
            wrong_kind = True
            report.add(base + ".SgstAmt", "2227", "%s: CGST %s and SGST %s must be equal" % (
                label, _money(cgst), _money(sgst)))
    elif ctx.regime is not None and (cgst > 0 or sgst > 0):
        wrong_kind = True
        if ctx.is_export:
            code, why = "2180", "an export (%s)" % ctx.supply_type
        elif ctx.is_sez:
            code, why = "2237", "a supply to an SEZ (%s)" % ctx.supply_type
        elif ctx.igst_on_intra:
            code, why = "2174", "a supply charged to IGST (IGST-on-intra-state is Y)"
        else:
            code, why = "2174", "an inter-state supply (place of supply differs from the seller's state)"
        report.add(base + ".CgstAmt", code, "%s: CGST/SGST (%s/%s) are not applicable to %s; charge IGST" % (
            label, _money(cgst), _money(sgst), why))
    if wrong_kind or ctx.is_note or rate is None or taxable is None or ctx.regime is None:
        return  # the IRP does not check tax amounts of credit/debit notes
    if ctx.regime == "intra":
        if ctx.reverse_charge and cgst == 0 and sgst == 0:
            return
        half = taxable * rate / 200
        if abs(cgst - half) > ITEM_TOLERANCE or abs(sgst - half) > ITEM_TOLERANCE:
            report.add(base + ".CgstAmt", "2234", "%s: CGST %s and SGST %s should each be %g%% of the taxable value "
                       "%s = %s" % (label, _money(cgst), _money(sgst), rate / 2, _money(taxable), _money(half)))
        return
    if igst == 0 and (ctx.supply_type in ("EXPWOP", "SEZWOP") or ctx.reverse_charge):
        return  # without payment of tax: the IRP skips the IGST check when IGST is 0
    expected = taxable * rate / 100
    if abs(igst - expected) > ITEM_TOLERANCE:
        report.add(base + ".IgstAmt", "2235", "%s: IGST %s should be %g%% of the taxable value %s = %s" % (
            label, _money(igst), rate, _money(taxable), _money(expected)))


def _check_item_amounts(report, ctx, base, label, item):
    taxable = _num(item.get("AssAmt"))
    gross = _num(item.get("TotAmt"))
    discount = _amount(item, "Discount")
    if taxable is not None and gross is not None and abs(taxable - (gross - discount)) > ITEM_TOLERANCE:
        report.add(base + ".AssAmt", "2193", "%s: taxable value %s should equal gross amount %s minus discount %s "
                   "= %s" % (label, _money(taxable), _money(gross), _money(discount), _money(gross - discount)))
    if not ctx.is_note and taxable is not None:
        cess_rate = _num(item.get("CesRt"))
        cess = _amount(item, "CesAmt")
        if cess_rate and abs(cess - taxable * cess_rate / 100) > ITEM_TOLERANCE:
            report.add(base + ".CesAmt", "2266", "%s: cess %s should be %g%% of the taxable value %s = %s" % (
                label, _money(cess), cess_rate, _money(taxable), _money(taxable * cess_rate / 100)))
        state_rate = _num(item.get("StateCesRt"))
        state_cess = _amount(item, "StateCesAmt")
        if state_rate and abs(state_cess - taxable * state_rate / 100) > ITEM_TOLERANCE:
            expected = taxable * state_rate / 100
            report.add(base + ".StateCesAmt", "2267", "%s: state cess %s should be %g%% of the taxable value %s = "
                       "%s" % (label, _money(state_cess), state_rate, _money(taxable), _money(expected)))
        elif state_cess > 0 and not state_rate:
            report.add(base + ".StateCesRt", "2223", "%s: state cess %s is charged without a state cess rate" % (
                label, _money(state_cess)))
    total = _num(item.get("TotItemVal"))
    if taxable is None or total is None:
        return
    others = _amount(item, "OthChrg")
    taxes = math.fsum(_amount(item, key) for key in (
        "IgstAmt", "CgstAmt", "SgstAmt", "CesAmt", "CesNonAdvlAmt", "StateCesAmt", "StateCesNonAdvlAmt"))
    expected = taxable + taxes + others
    if abs(total - expected) <= ITEM_TOLERANCE:
        return
    if (ctx.reverse_charge or ctx.supply_type == "EXPWP") and abs(total - (taxable + others)) <= ITEM_TOLERANCE:
        return  # reverse charge and EXPWP may state the item total with or without tax
    report.add(base + ".TotItemVal", "2194", "%s: item total %s should be taxable value + taxes + cess + other "
               "charges = %s" % (label, _money(total), _money(expected)))


_TOTAL_RULES = (
    # (ValDtls key, item keys summed, code)
    ("AssVal", ("AssAmt",), "2182"),
    ("SgstVal", ("SgstAmt",), "2183"),
    ("CgstVal", ("CgstAmt",), "2184"),
    ("IgstVal", ("IgstAmt",), "2185"),
    ("CesVal", ("CesAmt", "CesNonAdvlAmt"), "2186"),
    ("StCesVal", ("StateCesAmt", "StateCesNonAdvlAmt"), "2187"),
)


def _check_totals(report, ctx):
    totals = ctx.totals
    if not totals or not ctx.items:
        return
    for key, item_keys, code in _TOTAL_RULES:
        if totals.get(key) is not None and _num(totals.get(key)) is None:
            continue  # wrong type, the schema said so
        stated = _amount(totals, key)
        summed = math.fsum(_amount(item, item_key) for _index, item in ctx.items for item_key in item_keys)
        if abs(stated - summed) > TOTAL_TOLERANCE:
            report.add("ValDtls." + key, code, "Invoice totals: %s %s should be the sum over the items, %s" % (
                _label(key), _money(stated), _money(summed)))
    invoice_total = _num(totals.get("TotInvVal"))
    other_charges = _amount(totals, "OthChrg")
    discount = _amount(totals, "Discount")
    rounding = _amount(totals, "RndOffAmt")
    item_other_charges = math.fsum(_amount(item, "OthChrg") for _index, item in ctx.items)
    if item_other_charges - other_charges > TOTAL_TOLERANCE:
        report.add("ValDtls.OthChrg", "2264", "Invoice totals: other charges %s must include the items' other charges "
                   "%s" % (_money(other_charges), _money(item_other_charges)))
    if invoice_total is None:
        return
    if discount > 0 and discount >= invoice_total:
        report.add("ValDtls.Discount", "2220", "Invoice totals: discount %s must be less than the invoice total %s" % (
            _money(discount), _money(invoice_total)))
    # NIC's formula over the stated totals, and the "sum of item totals" reading of the IRP's help pages.
    by_totals = math.fsum([_amount(totals, key) for key in ("AssVal", "CgstVal", "SgstVal", "IgstVal", "CesVal",
                                                            "StCesVal")] + [other_charges, -discount, rounding])
    by_items = math.fsum([_amount(item, "TotItemVal") for _index, item in ctx.items]
                         + [other_charges - item_other_charges, -discount, rounding])
    if abs(invoice_total - by_totals) > TOTAL_TOLERANCE and abs(invoice_total - by_items) > TOTAL_TOLERANCE:
        report.add("ValDtls.TotInvVal", "2189", "Invoice totals: invoice total %s should be taxable value + taxes + "
                   "cess + other charges - discount + rounding = %s (tolerance 1.00)" % (
                       _money(invoice_total), _money(by_totals)))


def _check_export(report, ctx):
    export = _dict(ctx.payload, "ExpDtls")
    if ctx.is_export and export is None:
        report.add("ExpDtls", "2208", "An export (%s) needs export details (ExpDtls) with at least the country "
                   "code" % ctx.supply_type)
    if export is None:
        return
    country = _text(export.get("CntCode"))
    if ctx.is_export and not country:
        report.add("ExpDtls.CntCode", "2208", "Export details: the destination country code (CntCode) is mandatory "
                   "for an export")
    elif country and country not in masters.COUNTRY_CODES:
        report.add("ExpDtls.CntCode", "2202", "Export details: country code '%s' is not an ISO country code" % country)
    currency = _text(export.get("ForCur"))
    if currency and currency.upper() not in masters.CURRENCY_CODES:
        report.add("ExpDtls.ForCur", "2203",
                   "Export details: currency '%s' is not an ISO 4217 currency code" % currency)


def _wants_ewaybill(ewb):
    # NIC ignores an EwbDtls that carries nothing but Distance (seen on its sandbox for credit notes).
    return any(ewb.get(key) for key in ("TransId", "TransMode", "VehNo", "TransDocNo"))


def _check_invoice_ewb(report, ctx, require_check_digit):
    ewb = _dict(ctx.payload, "EwbDtls")
    if not ewb or not _wants_ewaybill(ewb):
        return
    if ctx.is_note:
        report.add("EwbDtls", "2252", "An e-way bill cannot be generated for a %s; remove the e-way bill details" % (
            masters.DOC_TYPES.get(ctx.doc_type, ctx.doc_type).lower()))
    elif ctx.items and all(item.get("IsServc") == "Y" for _index, item in ctx.items):
        report.add("EwbDtls", "2251", "An e-way bill needs at least one goods item; this invoice has only services")
    mode = ewb.get("TransMode")
    if mode == "1" and not (ewb.get("VehNo") and ewb.get("VehType")):
        report.add("EwbDtls.VehNo", "2253", "E-way bill details: transport by road needs the vehicle number and the "
                   "vehicle type")
    elif mode in ("2", "3", "4") and not (ewb.get("TransDocNo") and ewb.get("TransDocDt")):
        report.add("EwbDtls.TransDocNo", "2254", "E-way bill details: transport by %s needs the transport document "
                   "number and date" % masters.TRANSPORT_MODES[mode].lower())
    _check_transport_common(report, "EwbDtls", ewb, ctx.today, ctx.doc_date, ctx.doc.get("Dt"), require_check_digit)
    from_pin = _pin((ctx.dispatch or ctx.seller).get("Pin"))
    to_pin = _pin((ctx.ship or ctx.buyer).get("Pin"))
    _check_distance(report, "EwbDtls.Distance", ewb.get("Distance"), from_pin, to_pin)


def _check_transport_common(report, section, ewb, today, invoice_date, invoice_date_text, require_check_digit):
    """Vehicle number, transport document date and transporter ID (shared by EwbDtls and EWB by IRN)."""
    section = section + "." if section else ""
    vehicle = _text(ewb.get("VehNo"))
    if vehicle and not VEHICLE_NUMBER_PATTERN.match(vehicle.upper()):
        report.add(section + "VehNo", "4014", "Vehicle number '%s' is not in a format the e-way bill system accepts "
                   "(e.g. KA01AB1234, KA011234, 22BH1234AB, TMxxxxx for a temporary registration)" % vehicle)
    if ewb.get("VehType") == "O" and ewb.get("TransMode") in ("2", "3"):
        report.add(section + "VehType", "4024", "Over-dimensional cargo (vehicle type O) is only for road or ship "
                   "transport")
    raw_date = ewb.get("TransDocDt")
    if isinstance(raw_date, str) and raw_date:
        doc_date = _parse_date(raw_date)
        if doc_date is None:
            if DATE_SHAPE.match(raw_date):  # a wrong shape is already a schema problem
                report.add(section + "TransDocDt", "4017", "Transport document date %s is not a real calendar "
                           "date" % _show(raw_date))
        elif doc_date > today:
            report.add(section + "TransDocDt", "4016", "Transport document date %s is in the future (today is %s)" % (
                raw_date, today.strftime("%d/%m/%Y")))
        elif invoice_date is not None and doc_date < invoice_date:
            report.add(section + "TransDocDt", "4021", "Transport document date %s is before the invoice date %s" % (
                raw_date, invoice_date_text))
    transporter = _text(ewb.get("TransId"))
    if transporter and gstin_rules.is_well_formed(transporter):
        reason = gstin_rules.validate_gstin(transporter, require_check_digit=require_check_digit)
        if reason:
            report.add(section + "TransId", "4018", reason.replace("GSTIN", "Transporter ID", 1))


def _check_distance(report, path, distance, from_pin, to_pin):
    distance = _num(distance)
    if distance is None or from_pin is None or to_pin is None:
        return
    if distance == 0 and from_pin == to_pin and from_pin != masters.FOREIGN_PIN:
        report.add(path, "4029", "Distance 0 asks the IRP to compute it, which it cannot when both PIN codes are %d; "
                   "enter the actual distance in km" % from_pin)
    if distance == 0 and masters.FOREIGN_PIN in (from_pin, to_pin):
        report.add(path, "4034", "Distance cannot be 0 when a PIN code is 999999: enter the actual distance in km")


# --- e-way bill by IRN -------------------------------------------------------------------------

def validate_ewaybill(payload, *, invoice=None, today=None, require_check_digit=True):
    """Every problem of a Generate e-way bill by IRN payload (§9.2).

    invoice: the Generate IRN payload of the e-invoice, when known, for the rules that compare
    with it (goods present, not a credit/debit note, transport date not before the invoice date,
    PIN codes for distance 0, the ship-to GSTIN date rule).
    """
    if not isinstance(payload, dict):
        return [Problem("", SCHEMA_CODE,
                        "The e-way bill request must be a JSON object, not %s" % type(payload).__name__)]
    payload = normalise_keys(payload, EWAYBILL_SCHEMA)
    problems = _schema_problems(payload, EWAYBILL_SCHEMA)
    report = _Report(payload)
    today = _today(today)
    ctx = _InvoiceContext(normalise_keys(invoice, INVOICE_SCHEMA), today) if isinstance(invoice, dict) else None
    mode = payload.get("TransMode")
    vehicle, doc_no, doc_date = payload.get("VehNo"), payload.get("TransDocNo"), payload.get("TransDocDt")
    if mode == "1":
        if not vehicle:
            report.add("VehNo", "4011", "Transport by road needs the vehicle number")
        if not payload.get("VehType"):
            report.add("VehType", "4022", "Transport by road needs the vehicle type (R regular or O over-dimensional)")
    elif mode in ("2", "3", "4"):
        if not doc_no:
            report.add("TransDocNo", "4012", "Transport by %s needs the transport document number" % (
                masters.TRANSPORT_MODES[mode].lower()))
        if not doc_date:
            report.add("TransDocDt", "4023", "Transport by %s needs the transport document date" % (
                masters.TRANSPORT_MODES[mode].lower()))
        if mode == "4" and payload.get("VehType") == "R":
            report.add("VehType", "4039",
                       "Vehicle type cannot be R (regular) for transport by ship; use O or leave it out")
    elif mode is None:
        if vehicle or doc_no:
            report.add("TransMode", "4028", "A vehicle or transport document number is given without the transport "
                       "mode (1 road, 2 rail, 3 air, 4 ship)")
        elif not payload.get("TransId"):
            report.add("TransId", "4027", "Without transport details (mode, vehicle, document) the e-way bill is "
                       "Part-A only and needs the transporter ID")
    invoice_date = ctx.doc_date if ctx else None
    _check_transport_common(report, "", payload, today, invoice_date, ctx.doc.get("Dt") if ctx else None,
                            require_check_digit)
    ship = _dict(payload, "ExpShipDtls")
    dispatch = _dict(payload, "DispDtls")
    if ship:
        _check_address(report, "ExpShipDtls", ship, "Export ship-to address", "2200")
        if _state(ship.get("Stcd")) == masters.FOREIGN_STATE:
            report.add("ExpShipDtls.Stcd", "4032", "Export ship-to address must be the place or port in India the "
                       "goods leave from: state 96 is not allowed")
        if _pin(ship.get("Pin")) == masters.FOREIGN_PIN:
            report.add("ExpShipDtls.Pin", "4033", "Export ship-to address must be in India: PIN code 999999 is not "
                       "allowed")
        ship_gstin = _text(ship.get("Gstin"))
        # The e-way bill is a document of its own, dated the day it is generated.
        if not ship_gstin and today >= SHIP_TO_GSTIN_MANDATORY_FROM:
            report.add("ExpShipDtls.Gstin", EWB_SHIP_TO_CODE, _ship_to_gstin_message(
                "Export ship-to address", "in e-way bill requests from 01/08/2026"))
        elif ship_gstin and ship_gstin != URP:
            _check_gstin(report, "ExpShipDtls.Gstin", "Export ship-to address", ship_gstin, require_check_digit)
    if dispatch:
        _check_address(report, "DispDtls", dispatch, "Dispatch-from address", "2200")
        if _state(dispatch.get("Stcd")) == masters.FOREIGN_STATE:
            report.add("DispDtls.Stcd", "4035", "Dispatch-from address must be in India: state 96 is not allowed")
        if _pin(dispatch.get("Pin")) == masters.FOREIGN_PIN:
            report.add("DispDtls.Pin", "4036", "Dispatch-from address must be in India: PIN code 999999 is not allowed")
    if ctx is not None:
        _check_ewaybill_against_invoice(report, payload, ctx, ship, dispatch)
    return problems + report.problems


def _check_ewaybill_against_invoice(report, payload, ctx, ship, dispatch):
    if ctx.is_note:
        report.add("Irn", "4010", "An e-way bill cannot be generated for a %s" % (
            masters.DOC_TYPES.get(ctx.doc_type, ctx.doc_type).lower()))
    elif ctx.items and all(item.get("IsServc") == "Y" for _index, item in ctx.items):
        report.add("Irn", "4009", "An e-way bill needs at least one goods item; this invoice has only services")
    kept_ship = ctx.ship
    if ctx.is_export and not ship and (not kept_ship or _pin(kept_ship.get("Pin")) == masters.FOREIGN_PIN):
        report.add("ExpShipDtls", "4031", "An export e-way bill needs the ship-to address: the place or port in India "
                   "the goods leave from")
    if ship and kept_ship and (ctx.supply_type == "B2B" or ctx.is_sez) and ctx.today >= SHIP_TO_GSTIN_MANDATORY_FROM:
        changed = [key for key in ("Gstin", "Addr1", "Loc", "Pin", "Stcd")
                   if key in ship and str(ship[key]).strip().upper() != str(kept_ship.get(key, "")).strip().upper()]
        if changed:
            report.add("ExpShipDtls", EWB_SHIP_TO_CODE, "The ship-to address of a %s supply was fixed when the IRN was "
                       "generated and cannot be changed in the e-way bill request (differs in %s); leave it out" % (
                           ctx.supply_type, ", ".join(_label(key) for key in changed)))
    from_pin = _pin((dispatch or ctx.dispatch or ctx.seller).get("Pin"))
    to_pin = _pin((ship or ctx.ship or ctx.buyer).get("Pin"))
    _check_distance(report, "Distance", payload.get("Distance"), from_pin, to_pin)


# --- cancellations -----------------------------------------------------------------------------

def _check_remark(problems, path, remark, limit):
    if not isinstance(remark, str) or not remark.strip():
        problems.append(Problem(path, SCHEMA_CODE, "The cancellation remark is missing: say briefly why"))
    elif len(remark) > limit:
        problems.append(Problem(path, SCHEMA_CODE, "The cancellation remark is %d characters long; at most %d are "
                                "allowed" % (len(remark), limit)))
    elif not FREE_TEXT_PATTERN.match(remark):
        problems.append(Problem(path, SCHEMA_CODE, "The cancellation remark must not contain double quotes (\") or "
                                "backslashes (\\)"))


def validate_cancel(irn, reason, remark):
    """Problems of a Cancel IRN request {Irn, CnlRsn, CnlRem} (§9.1)."""
    problems = []
    if not isinstance(irn, str) or not IRN_PATTERN.match(irn):
        problems.append(Problem("Irn", "2145", "IRN %s is not valid: it must be 64 lower-case hexadecimal characters "
                                "(2145)" % _show(irn)))
    if str(reason) not in masters.IRN_CANCEL_REASONS:
        problems.append(Problem("CnlRsn", SCHEMA_CODE, "Cancellation reason %s must be one of %s" % (
            _show(reason), ", ".join("%s (%s)" % item for item in masters.IRN_CANCEL_REASONS.items()))))
    _check_remark(problems, "CnlRem", remark, 100)
    return problems


def validate_ewaybill_cancel(ewb_no, reason, remark):
    """Problems of a Cancel e-way bill request {ewbNo, cancelRsnCode, cancelRmrk} (§9.3)."""
    problems = []
    if not re.fullmatch(r"[0-9]{12}", str(ewb_no)) or isinstance(ewb_no, bool):
        problems.append(Problem("ewbNo", "4008", "E-way bill number %s is not valid: it must be 12 digits (4008)" % (
            _show(ewb_no))))
    if str(reason) not in masters.EWB_CANCEL_REASONS:
        problems.append(Problem("cancelRsnCode", SCHEMA_CODE, "Cancellation reason %s must be one of %s" % (
            _show(reason), ", ".join("%s (%s)" % item for item in masters.EWB_CANCEL_REASONS.items()))))
    _check_remark(problems, "cancelRmrk", remark, 50)
    return problems


# --- HSN master --------------------------------------------------------------------------------

def hsn_master(codes):
    """A `hsn_known` callable from an iterable of HSN/SAC codes.

    A 4- or 6-digit heading is known when it is listed or when a longer listed code starts with it.
    """
    known = set()
    for code in codes:
        code = str(code).strip()
        if code.isdigit():
            known.add(code)
            for length in (4, 6):
                if len(code) > length:
                    known.add(code[:length])
    known = frozenset(known)
    return known.__contains__


def load_hsn_master(path):
    """A `hsn_known` callable from a file: JSON [{"hsn_code": ...}] or ["...", ...], or one code per line."""
    text = Path(path).read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        rows = json.loads(text)
        codes = (row.get("hsn_code") if isinstance(row, dict) else row for row in rows)
        return hsn_master(code for code in codes if code is not None)
    return hsn_master(line.split(",")[0] for line in text.splitlines() if line.strip())
