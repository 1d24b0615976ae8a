"""IRP business rules on the document, its parties, addresses, totals, export and
e-way bill details (nic-irp-api.md §7.13, §14), and the readers and report shared
with the item rules. Every rule adds a structured Problem (path, code, key, params)."""
import math
import re
from datetime import date, datetime

from . import gstin as gstin_rules
from . import ist, masters
from .validation_problems import LOCAL_CODE, Problem

IST = ist.IST
EINVOICING_START = date(2020, 10, 1)
TOTAL_TOLERANCE = 1.0  # the IRP accepts ±1 on invoice totals (2189)
ZERO = 0.005  # below half a paisa an amount is 0
URP = "URP"

DATE_SHAPE = re.compile(r"^[0-3][0-9]/[0-1][0-9]/20[1-2][0-9]$")  # the schema's; calendar validity is a rule

# Vehicle number formats accepted by the e-way bill system (IRP general master).
VEHICLE_NUMBER_PATTERN = re.compile(
    r"^(?:[A-Z]{2}[0-9]{2}[A-Z]{0,3}[0-9]{4}"  # AB121234, AB12A1234, AB12AB1234, AB12ABC1234
    r"|[A-Z]{2}[0-9]{3}[A-Z][0-9]{4}"  # AB123A1234
    r"|[A-Z]{3}[0-9]{4}"  # ABC1234
    r"|[0-9]{2}BH[0-9]{4}[A-Z]{1,2}"  # Bharat series 22BH1234AB
    r"|DF[A-Z0-9]{4,18}"  # defence vehicles
    r"|(?:TM|TR|BP|NP)[A-Z0-9]{5,18})$"  # temporary registration, Bhutan, Nepal: at least 7 characters
)


def _dmy(value):
    return value.strftime("%d/%m/%Y")


# --- small readers that tolerate payloads the schema already rejected ---------------------------

def num(value):
    """The value as a float when it is a real JSON number, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def amount(obj, key):
    number = num(obj.get(key))
    return 0.0 if number is None else number


def text(value):
    return value if isinstance(value, str) and value else None


def state(value):
    if isinstance(value, str) and value.isdigit() and 1 <= len(value) <= 2:
        return value.zfill(2)
    return None


def pin(value):
    number = num(value)
    if number is None or number != int(number):
        return None
    return int(number)


def parse_date(value):
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        return None


def block(obj, key):
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else None


def judging_date(today):
    if today is None:
        return ist.today()  # the IRP judges dates in Indian time
    if isinstance(today, datetime):
        return ist.date_of(today)
    return today


class Report:
    """Collects business-rule problems."""

    def __init__(self):
        self.problems = []

    def add(self, path, code, key, **params):
        self.problems.append(Problem(path, code, key, params))


class InvoiceContext:
    """Facts of an invoice that several rules need, read defensively once."""

    def __init__(self, payload, today):
        self.payload = payload
        self.today = today
        self.tran = block(payload, "TranDtls") or {}
        self.doc = block(payload, "DocDtls") or {}
        self.seller = block(payload, "SellerDtls") or {}
        self.buyer = block(payload, "BuyerDtls") or {}
        self.dispatch = block(payload, "DispDtls")
        self.ship = block(payload, "ShipDtls")
        self.totals = block(payload, "ValDtls") or {}
        items = payload.get("ItemList")
        self.items = [(index, item) for index, item in enumerate(items) if isinstance(item, dict)] \
            if isinstance(items, list) else []
        self.supply_type = (text(self.tran.get("SupTyp")) or "").upper()
        self.doc_type = (text(self.doc.get("Typ")) or "").upper()
        self.doc_date = parse_date(self.doc.get("Dt"))
        self.is_export = self.supply_type in masters.EXPORT_SUPPLY_TYPES
        self.is_sez = self.supply_type in masters.SEZ_SUPPLY_TYPES
        self.reverse_charge = self.tran.get("RegRev") == "Y"
        self.igst_on_intra = self.tran.get("IgstOnIntra") == "Y"
        self.seller_gstin = text(self.seller.get("Gstin"))
        self.buyer_gstin = text(self.buyer.get("Gstin"))
        self.seller_state = state(self.seller.get("Stcd"))
        self.buyer_state = state(self.buyer.get("Stcd"))
        self.pos = state(self.buyer.get("Pos"))
        self.is_note = self.doc_type in ("CRN", "DBN")
        if self.is_export or self.is_sez or self.igst_on_intra:
            self.regime = "igst"
        elif self.seller_state and self.pos:
            self.regime = "intra" if self.seller_state == self.pos else "inter"
        else:
            self.regime = None


# --- GSTINs ------------------------------------------------------------------------------------

def gstin_problem(path, value, require_check_digit=True, code="3030"):
    """The Problem of a GSTIN value at `path`, or None when it is acceptable.

    Shape problems (missing, length, case, characters) carry the schema code; a wrong
    state prefix or check character the code the IRP answers with (3030 by default).
    """
    if not isinstance(value, str) or not value:
        return Problem(path, "schema", "gstin_missing", {})
    if len(value) != 15:
        return Problem(path, "schema", "gstin_length", {"value": value, "length": len(value)})
    if not gstin_rules.is_well_formed(value):
        key = "gstin_lowercase" if gstin_rules.is_well_formed(value.upper()) else "gstin_shape"
        return Problem(path, "schema", key, {"value": value})
    if value[:2] not in gstin_rules.GSTIN_STATE_PREFIXES:
        return Problem(path, code, "gstin_state_prefix", {"value": value, "prefix": value[:2]})
    if require_check_digit and not gstin_rules.has_valid_check_digit(value):
        return Problem(path, code, "gstin_check_char", {"value": value})
    return None


def check_gstin(report, path, value, require_check_digit, code="3030"):
    """Check character and state prefix of a GSTIN whose shape the schema accepts."""
    if not gstin_rules.is_well_formed(value):
        return False
    problem = gstin_problem(path, value, require_check_digit, code)
    if problem:
        report.problems.append(problem)
        return False
    return True


# --- document ----------------------------------------------------------------------------------

def check_document(report, ctx):
    raw_date = ctx.doc.get("Dt")
    if isinstance(raw_date, str) and DATE_SHAPE.match(raw_date) and ctx.doc_date is None:
        report.add("DocDtls.Dt", "2225", "date_not_real", value=raw_date)
    if ctx.doc_date is not None:
        if ctx.doc_date > ctx.today:
            report.add("DocDtls.Dt", "2163", "doc_date_future", date=raw_date, today=_dmy(ctx.today))
        elif ctx.doc_date < EINVOICING_START:
            report.add("DocDtls.Dt", "2163", "doc_date_before_einvoicing", date=raw_date,
                       start=_dmy(EINVOICING_START))
    refs = block(ctx.payload, "RefDtls") or {}
    preceding = refs.get("PrecDocDtls")
    if ctx.doc_type == "INV" and isinstance(preceding, list) and preceding:
        report.add("RefDtls.PrecDocDtls", "2210", "invoice_with_preceding_doc")
    period = block(refs, "DocPerdDtls")
    if period:
        start, end = parse_date(period.get("InvStDt")), parse_date(period.get("InvEndDt"))
        if start and end and start > end:
            report.add("RefDtls.DocPerdDtls.InvStDt", "2219", "period_reversed", start=period["InvStDt"],
                       end=period["InvEndDt"])
    for path, value in _other_dates(ctx.payload):
        if isinstance(value, str) and DATE_SHAPE.match(value) and parse_date(value) is None:
            report.add(path, "2225", "date_not_real", value=value)


def _other_dates(payload):
    refs = block(payload, "RefDtls") or {}
    period = block(refs, "DocPerdDtls") or {}
    for key in ("InvStDt", "InvEndDt"):
        yield "RefDtls.DocPerdDtls." + key, period.get(key)
    for name, keys in (("PrecDocDtls", ("InvDt",)), ("ContrDtls", ("RecAdvDt", "PORefDt"))):
        entries = refs.get(name)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict):
                for key in keys:
                    yield "RefDtls.%s[%d].%s" % (name, index, key), entry.get(key)
    export = block(payload, "ExpDtls") or {}
    yield "ExpDtls.ShipBDt", export.get("ShipBDt")


# --- parties and supply type -------------------------------------------------------------------

def check_parties(report, ctx, require_check_digit, session_gstin, taxpayer_type):
    seller, buyer = ctx.seller_gstin, ctx.buyer_gstin
    check_gstin(report, "SellerDtls.Gstin", seller, require_check_digit)
    if buyer and buyer != URP:
        check_gstin(report, "BuyerDtls.Gstin", buyer, require_check_digit)
    if ctx.ship and text(ctx.ship.get("Gstin")) not in (None, URP):
        check_gstin(report, "ShipDtls.Gstin", ctx.ship["Gstin"], require_check_digit)
    if gstin_rules.is_well_formed(seller) and ctx.seller_state and seller[:2] != ctx.seller_state:
        report.add("SellerDtls.Stcd", "2258", "state_gstin_mismatch", state=ctx.seller.get("Stcd"), gstin=seller,
                   gstin_state=seller[:2])
    if gstin_rules.is_well_formed(buyer) and ctx.buyer_state and buyer[:2] != ctx.buyer_state:
        report.add("BuyerDtls.Stcd", "2265", "state_gstin_mismatch", state=ctx.buyer.get("Stcd"), gstin=buyer,
                   gstin_state=buyer[:2])
    if seller and buyer and seller == buyer:
        report.add("BuyerDtls.Gstin", "2211", "buyer_is_seller", gstin=buyer)
    ecom = text(ctx.tran.get("EcmGstin"))
    if ecom and check_gstin(report, "TranDtls.EcmGstin", ecom, require_check_digit):
        if not gstin_rules.is_tcs_gstin(ecom):
            report.add("TranDtls.EcmGstin", "2195", "ecom_not_tcs", gstin=ecom)
    if session_gstin and seller and session_gstin not in (seller, ecom):
        report.add("SellerDtls.Gstin", "2169", "seller_not_session", gstin=seller, session_gstin=session_gstin)
    if taxpayer_type is not None:
        seller_type = _taxpayer_type(taxpayer_type, seller)
        if seller_type in masters.SEZ_TAXPAYER_TYPES:
            report.add("SellerDtls.Gstin", "2231", "seller_is_sez", gstin=seller)
        if buyer and buyer != URP:
            buyer_type = _taxpayer_type(taxpayer_type, buyer)
            if ctx.is_sez and buyer_type is not None and buyer_type not in masters.SEZ_TAXPAYER_TYPES:
                report.add("BuyerDtls.Gstin", "2247", "buyer_not_sez", supply_type=ctx.supply_type, gstin=buyer,
                           taxpayer_type=buyer_type)
            if ctx.supply_type == "B2B" and buyer_type in masters.SEZ_TAXPAYER_TYPES:
                report.add("TranDtls.SupTyp", "2246", "b2b_to_sez", gstin=buyer)


def _taxpayer_type(lookup, gstin):
    if not gstin_rules.is_well_formed(gstin):
        return None
    value = lookup(gstin)
    return value.upper() if isinstance(value, str) and value else None


def check_supply_type(report, ctx):
    supply, buyer = ctx.supply_type, ctx.buyer_gstin
    if not supply:
        return
    if buyer == URP and not ctx.is_export:
        if supply == "DEXP":
            report.add("BuyerDtls.Gstin", "2171", "dexp_urp")
        else:
            report.add("BuyerDtls.Gstin", "2212", "urp_not_export", supply_type=supply)
    if ctx.is_export:
        if buyer and buyer != URP:
            report.add("BuyerDtls.Gstin", "2248", "export_registered_buyer", supply_type=supply, gstin=buyer)
        if ctx.pos and ctx.pos != masters.FOREIGN_STATE:
            report.add("BuyerDtls.Pos", "2229", "export_pos", supply_type=supply, pos=ctx.buyer.get("Pos"))
        if ctx.buyer_state and ctx.buyer_state != masters.FOREIGN_STATE:
            report.add("BuyerDtls.Stcd", "2261", "export_buyer_state", supply_type=supply,
                       state=ctx.buyer.get("Stcd"))
        if (ctx.pos and ctx.pos == ctx.seller_state) or ctx.igst_on_intra:
            report.add("BuyerDtls.Pos", "2181", "export_intra_state")
    elif ctx.pos == masters.FOREIGN_STATE:
        report.add("BuyerDtls.Pos", "2242", "pos_foreign_not_export", supply_type=supply)
    if ctx.reverse_charge and supply != "B2B":
        report.add("TranDtls.RegRev", "2162", "reverse_charge_not_b2b", supply_type=supply)
    if ctx.igst_on_intra and not ctx.is_export and ctx.seller_state and ctx.pos and ctx.seller_state != ctx.pos:
        report.add("TranDtls.IgstOnIntra", "2262", "igst_on_intra_other_pos", pos=ctx.buyer.get("Pos"),
                   seller_state=ctx.seller.get("Stcd"))


# --- addresses ---------------------------------------------------------------------------------

def check_addresses(report, ctx):
    checks = (
        ("SellerDtls", ctx.seller, "2259"),
        ("BuyerDtls", ctx.buyer, "2260"),
        ("DispDtls", ctx.dispatch, "2200"),
        ("ShipDtls", ctx.ship, "2200"),
    )
    for section, address, state_code in checks:
        if address:
            check_address(report, section, address, state_code, foreign_ok=section != "SellerDtls")
    if ctx.pos is not None and ctx.pos not in masters.STATE_CODES:
        report.add("BuyerDtls.Pos", "2243", "pos_invalid", pos=ctx.buyer.get("Pos"))
    if "Pin" not in ctx.buyer and ctx.buyer:
        report.add("BuyerDtls.Pin", "2244", "buyer_pin_missing")


def check_address(report, section, address, state_code, foreign_ok=True):
    raw_state = address.get("Stcd")
    code = state(raw_state)
    if code is not None and (code not in masters.STATE_CODES or (not foreign_ok and code == masters.FOREIGN_STATE)):
        report.add(section + ".Stcd", state_code, "state_code_invalid", state=raw_state)
        return
    number = pin(address.get("Pin"))
    if code is None or number is None or not 100000 <= number <= 999999 or code == masters.OTHER_TERRITORY:
        return
    if code == masters.FOREIGN_STATE:
        if number != masters.FOREIGN_PIN:
            report.add(section + ".Pin", "2178", "foreign_pin_required", pin=number)
        return
    if number == masters.FOREIGN_PIN:
        report.add(section + ".Pin", "2178", "foreign_pin_in_india", state=raw_state,
                   state_name=masters.STATE_CODES[code])
        return
    states = masters.pin_states(number)
    if states is not None and code not in states:
        report.add(section + ".Pin", "2178", "pin_state_mismatch", pin=number, state=raw_state,
                   state_name=masters.STATE_CODES[code])


# --- totals ------------------------------------------------------------------------------------

_TOTAL_RULES = (
    # (ValDtls key, item keys summed, code)
    ("AssVal", ("AssAmt",), "2182"),
    ("SgstVal", ("SgstAmt",), "2183"),
    ("CgstVal", ("CgstAmt",), "2184"),
    ("IgstVal", ("IgstAmt",), "2185"),
    ("CesVal", ("CesAmt", "CesNonAdvlAmt"), "2186"),
    ("StCesVal", ("StateCesAmt", "StateCesNonAdvlAmt"), "2187"),
)


def check_totals(report, ctx):
    totals = ctx.totals
    invoice_total = num(totals.get("TotInvVal"))
    if invoice_total is not None and abs(invoice_total) < ZERO:
        # Not an IRP rule (NIC's schema allows 0): a registered IRN can only be cancelled
        # within 24 hours, so a document worth nothing should not be registered at all.
        report.add("ValDtls.TotInvVal", LOCAL_CODE, "total_zero", total=invoice_total)
    if not totals or not ctx.items:
        return
    for key, item_keys, code in _TOTAL_RULES:
        if totals.get(key) is not None and num(totals.get(key)) is None:
            continue  # wrong type, the schema said so
        stated = amount(totals, key)
        summed = math.fsum(amount(item, item_key) for _index, item in ctx.items for item_key in item_keys)
        if abs(stated - summed) > TOTAL_TOLERANCE:
            report.add("ValDtls." + key, code, "total_mismatch", stated=stated, summed=summed)
    other_charges = amount(totals, "OthChrg")
    discount = amount(totals, "Discount")
    rounding = amount(totals, "RndOffAmt")
    item_other_charges = math.fsum(amount(item, "OthChrg") for _index, item in ctx.items)
    if item_other_charges - other_charges > TOTAL_TOLERANCE:
        report.add("ValDtls.OthChrg", "2264", "other_charges_too_low", stated=other_charges,
                   items=item_other_charges)
    if invoice_total is None:
        return
    if discount > 0 and discount >= invoice_total:
        report.add("ValDtls.Discount", "2220", "discount_not_below_total", discount=discount, total=invoice_total)
    # NIC's formula over the stated totals, and the "sum of item totals" reading of the IRP's help pages.
    by_totals = math.fsum([amount(totals, key) for key in ("AssVal", "CgstVal", "SgstVal", "IgstVal", "CesVal",
                                                           "StCesVal")] + [other_charges, -discount, rounding])
    by_items = math.fsum([amount(item, "TotItemVal") for _index, item in ctx.items]
                         + [other_charges - item_other_charges, -discount, rounding])
    expected = [by_totals, by_items]
    if ctx.supply_type in ("SEZWP", "EXPWP"):
        # IGST paid by the supplier may be stated without being in the invoice total (Odoo's
        # l10n_in_edi and India Compliance send TotInvVal = the invoice total the buyer sees).
        expected.append(by_totals - amount(totals, "IgstVal"))
    if all(abs(invoice_total - value) > TOTAL_TOLERANCE for value in expected):
        report.add("ValDtls.TotInvVal", "2189", "invoice_total_mismatch", total=invoice_total, expected=by_totals)


# --- export ------------------------------------------------------------------------------------

def check_export(report, ctx):
    export = block(ctx.payload, "ExpDtls")
    if ctx.is_export and export is None:
        report.add("ExpDtls", "2208", "export_details_missing", supply_type=ctx.supply_type)
    if export is None:
        return
    country = text(export.get("CntCode"))
    if ctx.is_export and not country:
        report.add("ExpDtls.CntCode", "2208", "export_country_missing")
    elif country and country not in masters.COUNTRY_CODES:
        report.add("ExpDtls.CntCode", "2202", "country_unknown", value=country)
    currency = text(export.get("ForCur"))
    if currency and currency.upper() not in masters.CURRENCY_CODES:
        report.add("ExpDtls.ForCur", "2203", "currency_unknown", value=currency)


# --- e-way bill details ------------------------------------------------------------------------

def _wants_ewaybill(ewb):
    # NIC ignores an EwbDtls that carries nothing but Distance (seen on its sandbox for credit notes).
    return any(ewb.get(key) for key in ("TransId", "TransMode", "VehNo", "TransDocNo"))


def check_invoice_ewb(report, ctx, require_check_digit):
    ewb = block(ctx.payload, "EwbDtls")
    if not ewb or not _wants_ewaybill(ewb):
        return
    if ctx.is_note:
        report.add("EwbDtls", "2252", "ewb_for_note", doc_type=ctx.doc_type)
    elif ctx.items and all(item.get("IsServc") == "Y" for _index, item in ctx.items):
        report.add("EwbDtls", "2251", "ewb_services_only")
    mode = ewb.get("TransMode")
    if mode == "1" and not (ewb.get("VehNo") and ewb.get("VehType")):
        report.add("EwbDtls.VehNo", "2253", "ewb_road_needs_vehicle")
    elif mode in ("2", "3", "4") and not (ewb.get("TransDocNo") and ewb.get("TransDocDt")):
        report.add("EwbDtls.TransDocNo", "2254", "ewb_needs_transport_doc", mode=mode)
    check_transport_common(report, "EwbDtls", ewb, ctx.today, ctx.doc_date, ctx.doc.get("Dt"), require_check_digit)
    from_pin = pin((ctx.dispatch or ctx.seller).get("Pin"))
    to_pin = pin((ctx.ship or ctx.buyer).get("Pin"))
    check_distance(report, "EwbDtls.Distance", ewb.get("Distance"), from_pin, to_pin)


def check_transport_common(report, section, ewb, today, invoice_date, invoice_date_text, require_check_digit):
    """Vehicle number, transport document date and transporter ID (shared by EwbDtls and EWB by IRN)."""
    section = section + "." if section else ""
    vehicle = text(ewb.get("VehNo"))
    if vehicle and not VEHICLE_NUMBER_PATTERN.match(vehicle.upper()):
        report.add(section + "VehNo", "4014", "vehicle_number_unknown", value=vehicle)
    if ewb.get("VehType") == "O" and ewb.get("TransMode") in ("2", "3"):
        report.add(section + "VehType", "4024", "odc_not_road_or_ship")
    raw_date = ewb.get("TransDocDt")
    if isinstance(raw_date, str) and raw_date:
        doc_date = parse_date(raw_date)
        if doc_date is None:
            if DATE_SHAPE.match(raw_date):  # a wrong shape is already a schema problem
                report.add(section + "TransDocDt", "4017", "date_not_real", value=raw_date)
        elif doc_date > today:
            report.add(section + "TransDocDt", "4016", "transport_date_future", date=raw_date, today=_dmy(today))
        elif invoice_date is not None and doc_date < invoice_date:
            report.add(section + "TransDocDt", "4021", "transport_date_before_invoice", date=raw_date,
                       invoice_date=invoice_date_text)
    transporter = text(ewb.get("TransId"))
    if transporter:
        check_gstin(report, section + "TransId", transporter, require_check_digit, code="4018")


def check_distance(report, path, distance, from_pin, to_pin):
    distance = num(distance)
    if distance is None or from_pin is None or to_pin is None:
        return
    if distance == 0 and from_pin == to_pin and from_pin != masters.FOREIGN_PIN:
        report.add(path, "4029", "distance_zero_same_pin", pin=from_pin)
    if distance == 0 and masters.FOREIGN_PIN in (from_pin, to_pin):
        report.add(path, "4034", "distance_zero_foreign_pin")
