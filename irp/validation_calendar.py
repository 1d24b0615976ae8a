"""The dated rules (irp/rules_calendar.py) applied to IRP requests: the 30-day reporting
limit, HSN digits by turnover, the 40 % slab's start, the e-way bill document age and the
ship-to GSTIN rule as NIC applies it (only when an e-way bill is made with or by the IRN,
and only while switched on: it is on hold since GSTN advisory 668)."""
from . import gstin as gstin_rules
from .rules_calendar import RULES
from .validation_document import URP, _dmy, block, state, text


def _start(key):
    return _dmy(RULES[key].start)


def check_invoice_calendar(report, ctx, calendar, aato_band, wants_ewaybill):
    today = ctx.today
    limit = calendar.reporting_limit(ctx.doc_date, aato_band, today) if aato_band else None
    if limit is not None and limit.passed:
        report.add("DocDtls.Dt", "2305", "reporting_limit_passed", date=ctx.doc.get("Dt"),
                   last_day=_dmy(limit.last_day), days=30, band=aato_band)
    digits = calendar.min_hsn_digits(aato_band, today)
    if digits == 6:
        for index, item in ctx.items:
            hsn = text(item.get("HsnCd"))
            if hsn and hsn.isdigit() and len(hsn) < 6:
                report.add("ItemList[%d].HsnCd" % index, "2176", "hsn_digits_by_aato", hsn=hsn, digits=6,
                           start=_start("hsn_six_digits"))
    if ctx.doc_date is not None and not calendar.applies("gst_rate_40", ctx.doc_date):
        for index, item in ctx.items:
            rate = item.get("GstRt")
            if isinstance(rate, (int, float)) and not calendar.gst_rate_allowed(rate, ctx.doc_date):
                report.add("ItemList[%d].GstRt" % index, "2240", "gst_rate_before_slab", rate=rate,
                           start=_start("gst_rate_40"), date=ctx.doc.get("Dt"))
    if wants_ewaybill and ctx.ship is not None and calendar.applies("ship_to_gstin", today):
        _check_ship_to(report, "ShipDtls", ctx.ship, ctx.buyer_gstin, codes=("5002", "2323", "2325"))


def check_ewaybill_calendar(report, request, ship, ctx, calendar, today):
    """E-way bill by IRN (§9.2): `request` the e-way bill payload, `ship` its ExpShipDtls
    (or None), `ctx` the e-invoice's InvoiceContext when known."""
    if ctx is not None:
        last_day = calendar.ewb_last_day(ctx.doc_date, today)
        if last_day is not None and today > last_day:
            report.add("Irn", "4043", "ewb_document_too_old", date=ctx.doc.get("Dt"), last_day=_dmy(last_day),
                       days=180)
    if not calendar.applies("ship_to_gstin", today):
        return
    buyer_gstin = ctx.buyer_gstin if ctx is not None else None
    if ship:
        _check_ship_to(report, "ExpShipDtls", ship, buyer_gstin, codes=("5001", "4073", "4074"))
    kept = ctx.ship if ctx is not None else None
    if ship and kept and (ctx.supply_type == "B2B" or ctx.is_sez):
        changed = [key for key in ("Gstin", "Addr1", "Loc", "Pin", "Stcd")
                   if key in ship and str(ship[key]).strip().upper() != str(kept.get(key, "")).strip().upper()]
        if changed:
            report.add("ExpShipDtls", "4001", "ship_to_locked", supply_type=ctx.supply_type,
                       fields=", ".join(changed))


def _check_ship_to(report, section, ship, buyer_gstin, codes):
    missing, same, other_state = codes
    gstin = text(ship.get("Gstin"))
    if not gstin:
        report.add(section + ".Gstin", missing, "ship_to_gstin_required", start=_start("ship_to_gstin"))
        return
    if gstin == URP:
        return
    if buyer_gstin and gstin.upper() == buyer_gstin.upper():
        report.add(section + ".Gstin", same, "ship_to_same_as_buyer", gstin=gstin)
    code = state(ship.get("Stcd"))
    if gstin_rules.is_well_formed(gstin.upper()) and code is not None and gstin[:2] != code:
        report.add(section + ".Stcd", other_state, "ship_to_state_mismatch", gstin=gstin, state=ship.get("Stcd"))


def ewb_requested(payload):
    """An IRN request that also asks for an e-way bill (NIC ignores an EwbDtls with only Distance)."""
    ewb = block(payload, "EwbDtls")
    return bool(ewb) and any(ewb.get(key) for key in ("TransId", "TransMode", "VehNo", "TransDocNo"))
