"""NIC JSON schemas (Generate IRN 1.1, e-way bill by IRN): loading, a fast compiled
pre-check, case-insensitive key matching, and schema violations as Problems."""
import functools
import json
import re
from pathlib import Path

from jsonschema import Draft7Validator

from .validation_problems import SCHEMA_CODE, Problem, format_path

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
INVOICE_SCHEMA = "einvoice_request_1_1.json"
EWAYBILL_SCHEMA = "ewaybill_by_irn.json"


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


# --- schema violations as problems --------------------------------------------------------------

# Schema patterns -> the kind of format they ask for (problem key 'format_<name>').
PATTERN_FORMATS = {
    "^[0-3][0-9]/[0-1][0-9]/20[1-2][0-9]$": "date",
    "^(?!0+$)([0-9]{1,2})$": "state_code",
    "^[0-9]{2}[0-9A-Z]{13}$": "gstin",
    "^([0-9]{2}[0-9A-Z]{13}|URP)$": "gstin_or_urp",
    '^[^"\\\\]*$': "free_text",
    "^[0-9]{6,12}$": "phone",
    "^[a-zA-Z0-9+_.-]+@[a-zA-Z0-9.-]+$": "email",
    "^[a-zA-Z1-9][a-zA-Z0-9/-]{0,15}$": "doc_number",
    "^[1-9a-zA-Z][0-9a-zA-Z/-]{1,15}$": "doc_number",
    "^(?!0+$)([0-9]{4}|[0-9]{6}|[0-9]{8})$": "hsn",
    "^[0-9]{1,6}$": "serial_number",
    "^[A-Za-z]{3,8}$": "unit",
    "(?i)^(B2B|SEZWP|SEZWOP|EXPWP|EXPWOP|DEXP)$": "supply_type",
    "(?i)^(INV|CRN|DBN)$": "doc_type",
    "^[A-Za-z]{2}$": "country",
    "^[A-Z]{2}$": "country",
    "^[0-9A-Za-z]{2,10}$": "port",
    "^[A-Za-z]{3,16}$": "currency",
    "^[a-zA-Z0-9/-]{1,15}$": "transport_doc_number",
    "^[A-Za-z0-9]{4,20}$": "vehicle_number",
    "^[0-9a-f]{64}$": "irn",
}

# Schema violations for which the IRP answers with a specific code.
_SCHEMA_CODES = {
    ("ItemList", "minItems"): "2228",
    ("ItemList", "maxItems"): "2173",
    ("TranDtls.IgstOnIntra", None): "2263",
    ("TranDtls.RegRev", None): "2159",
    ("DocDtls.Typ", None): "2161",
    ("Distance", "maximum"): "4038",
}

# jsonschema names the missing property only in its message: "'LglNm' is a required property".
_REQUIRED_RE = re.compile(r"^'(.+)' is a required property$")


def show(value, limit=60):
    """A short, language-neutral rendering of any JSON value (for type errors)."""
    if isinstance(value, str):
        return "'%s'" % clip(value, limit)
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, list):
        return "[...]"
    return json.dumps(value)


def clip(text, limit=60):
    return text if len(text) <= limit else text[:limit] + "..."


def schema_problems(payload, schema_name):
    compiled = _compiled(schema_name)
    if compiled.check(payload):
        return []
    problems = [_schema_problem(error) for error in compiled.validator.iter_errors(payload)]
    items = payload.get(compiled.list_key) if compiled.list_key else None
    if isinstance(items, list):
        for index, item in enumerate(items):
            if not compiled.item_check(item):
                prefix = [compiled.list_key, index]
                problems.extend(_schema_problem(error, prefix) for error in compiled.item_validator.iter_errors(item))
    return problems


def _schema_problem(error, prefix=()):
    parts = list(prefix) + list(error.absolute_path)
    kind = error.validator
    value = error.instance
    limit = error.validator_value
    if kind == "required":
        match = _REQUIRED_RE.match(error.message)
        parts.append(match.group(1) if match else str(limit))
        key, params = "required", {}
    elif kind == "type":
        names = limit if isinstance(limit, list) else [limit]
        key, params = "wrong_type", {"expected": " or ".join(names), "value": show(value)}
    elif kind == "minLength":
        key, params = "too_short", {"value": clip(value), "min_length": limit}
    elif kind == "maxLength":
        key, params = "too_long", {"value": clip(value), "length": len(value), "max_length": limit}
    elif kind == "pattern":
        key, params = "format_" + PATTERN_FORMATS.get(limit, "other"), {"value": clip(value)}
    elif kind == "enum":
        key, params = "not_allowed", {"value": value, "allowed": ", ".join(map(str, limit))}
    elif kind in ("minimum", "exclusiveMinimum"):
        key, params = "below_minimum", {"value": value, "minimum": limit}
    elif kind in ("maximum", "exclusiveMaximum"):
        key, params = "above_maximum", {"value": value, "maximum": limit}
    elif kind == "minItems" and parts == ["ItemList"]:
        key, params = "no_items", {"minimum": limit}
    elif kind == "maxItems" and parts == ["ItemList"]:
        key, params = "too_many_items", {"count": len(value), "maximum": limit}
    else:
        key, params = "schema_other", {"detail": error.message}
    return Problem(format_path(parts), _schema_code(parts, kind), key, params)


def _schema_code(parts, kind):
    names = format_path([part for part in parts if not isinstance(part, int)])
    return (_SCHEMA_CODES.get((names, kind)) or _SCHEMA_CODES.get((names, None))
            or _SCHEMA_CODES.get((str(parts[-1]) if parts else "", kind)) or SCHEMA_CODE)
