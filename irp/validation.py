"""Offline pre-flight of IRP requests: NIC schema 1.1 plus the IRP's business rules.

Every function returns the complete list of problems found (never only the first),
each a structured Problem: the path of the field, the NIC error code the IRP would
answer with ('schema' for a pure schema violation, 'local' for a rule of ours), a key
naming the kind of problem and its params; ``str(problem)`` words it in English.
Nothing here talks to the network; masters that live at the IRP (HSN codes, taxpayer
types) are passed in as optional callables.

Rules and codes follow nic-irp-api.md §7 (schema, §7.13 business validations),
§8 (codes), §9 (cancel, e-way bill by IRN) and §15 (GSTIN check character); the dated
rules (30-day limit, HSN digits, ship-to GSTIN...) come from rules_calendar. The rules live in validation_schema (schema),
validation_document (document, parties, totals, e-way bill details) and
validation_items (items); the English words in validation_problems.
"""
import json
import re
from pathlib import Path

from . import masters, rules_calendar
from .validation_calendar import check_ewaybill_calendar, check_invoice_calendar, ewb_requested
from .validation_document import (
    EINVOICING_START, IST, TOTAL_TOLERANCE, URP,
    VEHICLE_NUMBER_PATTERN, InvoiceContext, Report, block, check_address, check_addresses, check_distance,
    check_document, check_export, check_gstin, check_invoice_ewb, check_parties, check_supply_type, check_totals,
    check_transport_common, gstin_problem, judging_date, pin, state, text,
)
from .validation_items import ITEM_TOLERANCE, TAX_SPLIT_TOLERANCE, check_items
from .validation_problems import (
    FIELD_LABELS, LOCAL_CODE, SCHEMA_CODE, SECTION_NAMES, TEMPLATES, Problem, field_words, format_path, item_index,
    path_parts, where_words,
)
from .validation_schema import (
    EWAYBILL_SCHEMA, INVOICE_SCHEMA, SCHEMA_DIR, load_schema, normalise_keys, schema_problems,
)

__all__ = [
    "EINVOICING_START", "EWAYBILL_SCHEMA", "FIELD_LABELS", "INVOICE_SCHEMA", "IST",
    "ITEM_TOLERANCE", "LOCAL_CODE", "SCHEMA_CODE", "SCHEMA_DIR", "SECTION_NAMES",
    "TAX_SPLIT_TOLERANCE", "TEMPLATES", "TOTAL_TOLERANCE", "URP",
    "VEHICLE_NUMBER_PATTERN", "Problem", "field_words", "format_path", "gstin_problem", "hsn_master", "item_index",
    "load_hsn_master", "load_schema", "normalise_keys", "path_parts", "validate_cancel", "validate_ewaybill",
    "validate_ewaybill_cancel", "validate_invoice", "where_words",
]

IRN_PATTERN = re.compile(r"^[0-9a-f]{64}$")
FREE_TEXT_PATTERN = re.compile(r'^[^"\\]*$')


# --- invoice -----------------------------------------------------------------------------------

def validate_invoice(payload, *, today=None, hsn_known=None, require_check_digit=True,
                     session_gstin=None, taxpayer_type=None, calendar=None, aato_band=None):
    """Every problem of a Generate IRN payload (NIC schema 1.1 + the IRP's business rules),
    plus 'total_zero' (ours: a document worth nothing should not be registered).

    today: the date the IRP would judge by (date or datetime; default: today in India).
    hsn_known: optional callable(code) -> bool backed by an HSN master (2176); without it only the
        HSN shape and the service/SAC consistency are checked.
    require_check_digit: False accepts GSTINs with a wrong check character, as NIC's sandbox does.
    session_gstin: optional GSTIN the API session belongs to; it must be the seller or the
        e-commerce operator (2169).
    taxpayer_type: optional callable(gstin) -> TxpType ('REG', 'SEZ', ...) or None when unknown,
        for the SEZ rules (2231, 2246, 2247).
    calendar: the dated rules as the company applies them (rules_calendar.Calendar; default: the
        rules in force, those on hold off); aato_band: the seller's turnover band (rules_calendar.
        AATO_BANDS) or None when unknown (the rules that depend on it are then not applied).
    """
    if not isinstance(payload, dict):
        return [Problem("", SCHEMA_CODE, "payload_not_object", {"document": "invoice",
                                                                 "type": type(payload).__name__})]
    payload = normalise_keys(payload, INVOICE_SCHEMA)
    problems = schema_problems(payload, INVOICE_SCHEMA)
    report = Report()
    context = InvoiceContext(payload, judging_date(today))
    check_document(report, context)
    check_parties(report, context, require_check_digit, session_gstin, taxpayer_type)
    check_supply_type(report, context)
    check_addresses(report, context)
    check_items(report, context, hsn_known)
    check_totals(report, context)
    check_export(report, context)
    check_invoice_ewb(report, context, require_check_digit)
    check_invoice_calendar(report, context, calendar or rules_calendar.DEFAULT, aato_band, ewb_requested(payload))
    return problems + report.problems


# --- e-way bill by IRN -------------------------------------------------------------------------

def validate_ewaybill(payload, *, invoice=None, today=None, require_check_digit=True, calendar=None):
    """Every problem of a Generate e-way bill by IRN payload (§9.2).

    invoice: the Generate IRN payload of the e-invoice, when known, for the rules that compare
    with it (goods present, not a credit/debit note, transport date not before the invoice date,
    PIN codes for distance 0, the ship-to GSTIN date rule).
    """
    if not isinstance(payload, dict):
        return [Problem("", SCHEMA_CODE, "payload_not_object", {"document": "e-way bill request",
                                                                 "type": type(payload).__name__})]
    payload = normalise_keys(payload, EWAYBILL_SCHEMA)
    problems = schema_problems(payload, EWAYBILL_SCHEMA)
    report = Report()
    today = judging_date(today)
    ctx = InvoiceContext(normalise_keys(invoice, INVOICE_SCHEMA), today) if isinstance(invoice, dict) else None
    mode = payload.get("TransMode")
    vehicle, doc_no, doc_date = payload.get("VehNo"), payload.get("TransDocNo"), payload.get("TransDocDt")
    if mode == "1":
        if not vehicle:
            report.add("VehNo", "4011", "road_needs_vehicle_number")
        if not payload.get("VehType"):
            report.add("VehType", "4022", "road_needs_vehicle_type")
    elif mode in ("2", "3", "4"):
        if not doc_no:
            report.add("TransDocNo", "4012", "transport_doc_number_missing", mode=mode)
        if not doc_date:
            report.add("TransDocDt", "4023", "transport_doc_date_missing", mode=mode)
        if mode == "4" and payload.get("VehType") == "R":
            report.add("VehType", "4039", "ship_vehicle_type_regular")
    elif mode is None:
        if vehicle or doc_no:
            report.add("TransMode", "4028", "transport_mode_missing")
        elif not payload.get("TransId"):
            report.add("TransId", "4027", "part_a_needs_transporter")
    invoice_date = ctx.doc_date if ctx else None
    check_transport_common(report, "", payload, today, invoice_date, ctx.doc.get("Dt") if ctx else None,
                           require_check_digit)
    ship = block(payload, "ExpShipDtls")
    dispatch = block(payload, "DispDtls")
    if ship:
        check_address(report, "ExpShipDtls", ship, "2200")
        if state(ship.get("Stcd")) == masters.FOREIGN_STATE:
            report.add("ExpShipDtls.Stcd", "4032", "address_foreign_state")
        if pin(ship.get("Pin")) == masters.FOREIGN_PIN:
            report.add("ExpShipDtls.Pin", "4033", "address_foreign_pin")
        ship_gstin = text(ship.get("Gstin"))
        if ship_gstin and ship_gstin != URP:
            check_gstin(report, "ExpShipDtls.Gstin", ship_gstin, require_check_digit)
    if dispatch:
        check_address(report, "DispDtls", dispatch, "2200")
        if state(dispatch.get("Stcd")) == masters.FOREIGN_STATE:
            report.add("DispDtls.Stcd", "4035", "address_foreign_state")
        if pin(dispatch.get("Pin")) == masters.FOREIGN_PIN:
            report.add("DispDtls.Pin", "4036", "address_foreign_pin")
    if ctx is not None:
        _check_ewaybill_against_invoice(report, payload, ctx, ship, dispatch)
    # The e-way bill is a document of its own, judged on the day it is generated.
    check_ewaybill_calendar(report, payload, ship, ctx, calendar or rules_calendar.DEFAULT, today)
    return problems + report.problems


def _check_ewaybill_against_invoice(report, payload, ctx, ship, dispatch):
    if ctx.is_note:
        report.add("Irn", "4010", "ewb_for_note", doc_type=ctx.doc_type)
    elif ctx.items and all(item.get("IsServc") == "Y" for _index, item in ctx.items):
        report.add("Irn", "4009", "ewb_services_only")
    kept_ship = ctx.ship
    if ctx.is_export and not ship and (not kept_ship or pin(kept_ship.get("Pin")) == masters.FOREIGN_PIN):
        report.add("ExpShipDtls", "4031", "export_ewb_needs_ship_to")
    from_pin = pin((dispatch or ctx.dispatch or ctx.seller).get("Pin"))
    to_pin = pin((ship or ctx.ship or ctx.buyer).get("Pin"))
    check_distance(report, "Distance", payload.get("Distance"), from_pin, to_pin)


# --- cancellations -----------------------------------------------------------------------------

def _check_remark(problems, path, remark, limit):
    if not isinstance(remark, str) or not remark.strip():
        problems.append(Problem(path, SCHEMA_CODE, "cancel_remark_missing", {}))
    elif len(remark) > limit:
        problems.append(Problem(path, SCHEMA_CODE, "cancel_remark_too_long",
                                {"length": len(remark), "max_length": limit}))
    elif not FREE_TEXT_PATTERN.match(remark):
        problems.append(Problem(path, SCHEMA_CODE, "cancel_remark_format", {}))


def _show(value):
    return "'%s'" % value if isinstance(value, str) else json.dumps(value)


def validate_cancel(irn, reason, remark):
    """Problems of a Cancel IRN request {Irn, CnlRsn, CnlRem} (§9.1)."""
    problems = []
    if not isinstance(irn, str) or not IRN_PATTERN.match(irn):
        problems.append(Problem("Irn", "2145", "irn_invalid", {"value": _show(irn)}))
    if str(reason) not in masters.IRN_CANCEL_REASONS:
        problems.append(Problem("CnlRsn", SCHEMA_CODE, "cancel_reason_invalid", {
            "value": _show(reason),
            "allowed": ", ".join("%s (%s)" % item for item in masters.IRN_CANCEL_REASONS.items())}))
    _check_remark(problems, "CnlRem", remark, 100)
    return problems


def validate_ewaybill_cancel(ewb_no, reason, remark):
    """Problems of a Cancel e-way bill request {ewbNo, cancelRsnCode, cancelRmrk} (§9.3)."""
    problems = []
    if not re.fullmatch(r"[0-9]{12}", str(ewb_no)) or isinstance(ewb_no, bool):
        problems.append(Problem("ewbNo", "4008", "ewb_number_invalid", {"value": _show(ewb_no)}))
    if str(reason) not in masters.EWB_CANCEL_REASONS:
        problems.append(Problem("cancelRsnCode", SCHEMA_CODE, "cancel_reason_invalid", {
            "value": _show(reason),
            "allowed": ", ".join("%s (%s)" % item for item in masters.EWB_CANCEL_REASONS.items())}))
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
