"""The sandbox's own checks of what clients send (nic-irp-api.md §7, §9).

Deliberately independent of irp/validation.py (the client's pre-flight): two
readings of the same rules, so that one catches the other's mistakes. Every
check returns (code, message) pairs; a request is refused with all of them.

Three layers:
1. rules_schema.py: the request schema (`normalise_invoice`, also reached here).
   Property names are matched without regard to case (Odoo sends "GSTIN", "POS"),
   put in NIC's order, nulls and unknown properties dropped, types/lengths/patterns/
   ranges checked (2140 and kin).
2. `check_invoice`: the business rules of §7.13 on the normalised invoice, with
   the dated rules of calendar.py (30-day limit, HSN digits, GST slabs) in force
   on the sandbox's today.
3. rules_ewb.py: the e-way bill rules of §9.2 and the 2026 ship-to GSTIN rule.

Tolerances: item tax amounts, item totals and invoice sums may differ from the
recomputed value by up to 1.00 (NIC's documented ±1 on the invoice total,
applied to the other sums as well, so rounding per line never trips them).
"""
from datetime import date, datetime

from . import calendar as _calendar
from ._irp import masters
from .rules_schema import _is_number, normalise_invoice  # noqa: F401 - layer 1, reached here by callers

TOLERANCE = 1.0
EINVOICING_START = date(2020, 10, 1)

EXPORT = frozenset({"EXPWP", "EXPWOP"})
SEZ = frozenset({"SEZWP", "SEZWOP"})
FOREIGN_STATE = "96"
FOREIGN_PIN = 999999


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


# --- business rules of Generate IRN (§7.13) --------------------------------------------------

class Context:
    """What the rules need to know about the world.

    header_gstin: the authenticated GSTIN; today: the sandbox's date (IST);
    lookup_gstin(gstin) -> master record (sandbox.master layout) or None;
    hsn_exists(code) -> bool; calendar: the rule switches and AATO bands
    (calendar.Calendar, defaults when not given).
    """

    def __init__(self, header_gstin, today, lookup_gstin, hsn_exists, calendar=None):
        self.header_gstin = header_gstin
        self.today = today
        self.lookup_gstin = lookup_gstin
        self.hsn_exists = hsn_exists
        self.calendar = calendar or _calendar.Calendar()


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
    # A suspended registration stops its holder from making supplies (rule 21A(3)), not from
    # receiving them: NIC has no code for it and the e-way bill system accepts it as recipient.
    if status != "ACT" and not (status == "SUS" and role != "Supplier"):
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
        else:
            errors += _calendar.reporting_limit_errors(doc_date, ctx.calendar.aato(seller.get("Gstin")), ctx.today,
                                                       ctx.calendar.in_force("reporting_30_days", ctx.today))

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
    unknown_hsn, unknown_units, short_hsn = [], [], []
    seller_gstin = invoice.get("SellerDtls", {}).get("Gstin")
    min_digits = (_calendar.min_hsn_digits(ctx.calendar.aato(seller_gstin))
                  if ctx.calendar.in_force("hsn_six_digits", ctx.today) else 4)
    rate_40 = ctx.calendar.in_force("gst_rate_40", ctx.today)
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
            if len(hsn) < min_digits:
                short_hsn.append(hsn)
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
        elif rate is not None and float(rate) == 40 and not rate_40:
            errors.append(("2240", f"Invalid GST rate {rate} for {label}: the 40% slab applies from 22/09/2025"))
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
                candidates += [with_tax - taxes, with_tax - igst]
            if all(_differs(_amount(item, "TotItemVal"), candidate) for candidate in candidates):
                errors.append(("2194", f"Item total {_fmt(_amount(item, 'TotItemVal'))} is not taxable value + "
                                       f"taxes + other charges ({_fmt(with_tax)}) for {label}"))
    if unknown_hsn:
        errors.append(("2176", f"HSN code(s) {', '.join(sorted(set(unknown_hsn)))} not in the HSN master"))
    if short_hsn:  # NIC has no dedicated code for it (calendar.py): the generic invalid-HSN one
        errors.append(("2176", f"HSN code(s) {', '.join(sorted(set(short_hsn)))} must have at least "
                               f"{min_digits} digits for a supplier with AATO of 5 Cr and above"))
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
        # also the total the customer pays: without the IGST the supplier bears (Odoo, India Compliance),
        # or without any tax
        igst = _amount(totals, "IgstVal")
        candidates += [base + taxes - igst, base + taxes - igst + item_sum("OthChrg"),
                       base, base + item_sum("OthChrg")]
    invoice_value = _amount(totals, "TotInvVal")
    if all(_differs(invoice_value, candidate) for candidate in candidates):
        errors.append(("2189", f"Invalid total invoice value {_fmt(invoice_value)}: taxable value + taxes + other "
                               f"charges - discount + round-off is {_fmt(candidates[0])}"))
    discount = _amount(totals, "Discount")
    if discount > 0 and discount >= invoice_value:
        errors.append(("2220", f"Invoice discount {_fmt(discount)} must be less than the invoice value"))
    return errors


def __getattr__(name):
    """The e-way bill rules moved to rules_ewb.py; `rules.pin_distance` and kin still answer (PEP 562)."""
    if name in ("pin_distance", "validity_end", "valid_vehicle_number", "plan_ewaybill", "normalise_ewaybill"):
        from . import rules_ewb
        return getattr(rules_ewb, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
