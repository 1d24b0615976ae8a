"""IRP business rules on the items of an invoice (nic-irp-api.md §7.5, §7.13):
serial numbers, HSN/SAC, units, rates, the kind of tax and its arithmetic."""
import math

from . import masters
from .validation_document import amount, num, text

ITEM_TOLERANCE = 1.0  # the IRP accepts rounding differences up to ±1.00 per item amount
TAX_SPLIT_TOLERANCE = 0.005  # CGST and SGST are the same half of the rate: equal to the paisa
ZERO = 0.005


def check_items(report, ctx, hsn_known):
    seen_serials = {}
    hsn_cache = {}
    for index, item in ctx.items:
        base = "ItemList[%d]" % index
        serial = item.get("SlNo")
        if isinstance(serial, str):
            if serial in seen_serials:
                report.add(base + ".SlNo", "2233", "duplicate_serial", serial=serial,
                           other_item=seen_serials[serial] + 1)
            else:
                seen_serials[serial] = index
        hsn = text(item.get("HsnCd"))
        is_service = item.get("IsServc")
        if hsn:
            if hsn_known is not None and hsn.isdigit():
                known = hsn_cache.get(hsn)
                if known is None:
                    known = hsn_cache[hsn] = bool(hsn_known(hsn))
                if not known:
                    report.add(base + ".HsnCd", "2176", "hsn_unknown", hsn=hsn)
            is_sac = hsn.startswith(masters.HSN_CHAPTERS_SERVICES)
            if is_service == "Y" and not is_sac:
                report.add(base + ".IsServc", "2199", "service_without_sac", hsn=hsn)
            elif is_service == "N" and is_sac:
                report.add(base + ".IsServc", "2199", "goods_with_sac", hsn=hsn)
        unit = text(item.get("Unit"))
        if unit and unit.upper() not in masters.UQC_CODES:
            report.add(base + ".Unit", "2177", "unit_unknown", unit=unit, hsn=hsn or "")
        if is_service == "N":
            if item.get("Qty") is None:
                report.add(base + ".Qty", "2238", "goods_quantity_missing", hsn=hsn or "")
            if item.get("Unit") is None:
                report.add(base + ".Unit", "2239", "goods_unit_missing", hsn=hsn or "")
        rate = num(item.get("GstRt"))
        if rate is not None and round(rate, 3) not in masters.GST_RATES:
            report.add(base + ".GstRt", "2240", "gst_rate_invalid", rate=rate,
                       allowed=", ".join("%g" % r for r in sorted(masters.GST_RATES)))
        country = text(item.get("OrgCntry"))
        if country and country.upper() not in masters.COUNTRY_CODES:
            report.add(base + ".OrgCntry", "2202", "country_unknown", value=country)
        _check_item_taxes(report, ctx, base, item, rate)
        _check_item_amounts(report, ctx, base, item)


def _check_item_taxes(report, ctx, base, item, rate):
    igst, cgst, sgst = amount(item, "IgstAmt"), amount(item, "CgstAmt"), amount(item, "SgstAmt")
    taxable = num(item.get("AssAmt"))
    # A free line (taxable value 0) owes no tax: 0 CGST/SGST/IGST satisfies every rule below.
    free = taxable is not None and abs(taxable) < ZERO
    wrong_kind = False
    if ctx.regime == "intra":
        if igst > 0:
            wrong_kind = True
            report.add(base + ".IgstAmt", "2172", "igst_intra_state", igst=igst)
        elif rate and taxable is not None and not free and cgst == 0 and sgst == 0 and not ctx.reverse_charge:
            wrong_kind = True
            report.add(base + ".CgstAmt", "2241", "cgst_sgst_required", rate=rate)
        if abs(cgst - sgst) > TAX_SPLIT_TOLERANCE:
            wrong_kind = True
            report.add(base + ".SgstAmt", "2227", "cgst_sgst_unequal", cgst=cgst, sgst=sgst)
    elif ctx.regime is not None and (cgst > 0 or sgst > 0):
        wrong_kind = True
        if ctx.is_export:
            code, key = "2180", "cgst_sgst_export"
        elif ctx.is_sez:
            code, key = "2237", "cgst_sgst_sez"
        elif ctx.igst_on_intra:
            code, key = "2174", "cgst_sgst_igst_on_intra"
        else:
            code, key = "2174", "cgst_sgst_inter_state"
        report.add(base + ".CgstAmt", code, key, cgst=cgst, sgst=sgst, supply_type=ctx.supply_type)
    if wrong_kind or ctx.is_note or rate is None or taxable is None or ctx.regime is None:
        return  # the IRP does not check tax amounts of credit/debit notes
    if ctx.regime == "intra":
        if ctx.reverse_charge and cgst == 0 and sgst == 0:
            return
        half = taxable * rate / 200
        if abs(cgst - half) > ITEM_TOLERANCE or abs(sgst - half) > ITEM_TOLERANCE:
            report.add(base + ".CgstAmt", "2234", "cgst_sgst_amount", cgst=cgst, sgst=sgst, half_rate=rate / 2,
                       taxable=taxable, expected=half)
        return
    if igst == 0 and (ctx.supply_type in ("EXPWOP", "SEZWOP") or ctx.reverse_charge):
        return  # without payment of tax: the IRP skips the IGST check when IGST is 0
    expected = taxable * rate / 100
    if abs(igst - expected) > ITEM_TOLERANCE:
        report.add(base + ".IgstAmt", "2235", "igst_amount", igst=igst, rate=rate, taxable=taxable,
                   expected=expected)


def _check_item_amounts(report, ctx, base, item):
    taxable = num(item.get("AssAmt"))
    gross = num(item.get("TotAmt"))
    discount = amount(item, "Discount")
    if taxable is not None and gross is not None and abs(taxable - (gross - discount)) > ITEM_TOLERANCE:
        report.add(base + ".AssAmt", "2193", "taxable_value_mismatch", taxable=taxable, gross=gross,
                   discount=discount, expected=gross - discount)
    if not ctx.is_note and taxable is not None:
        cess_rate = num(item.get("CesRt"))
        cess = amount(item, "CesAmt")
        if cess_rate and abs(cess - taxable * cess_rate / 100) > ITEM_TOLERANCE:
            report.add(base + ".CesAmt", "2266", "cess_amount", cess=cess, rate=cess_rate, taxable=taxable,
                       expected=taxable * cess_rate / 100)
        state_rate = num(item.get("StateCesRt"))
        state_cess = amount(item, "StateCesAmt")
        if state_rate and abs(state_cess - taxable * state_rate / 100) > ITEM_TOLERANCE:
            report.add(base + ".StateCesAmt", "2267", "state_cess_amount", cess=state_cess, rate=state_rate,
                       taxable=taxable, expected=taxable * state_rate / 100)
        elif state_cess > 0 and not state_rate:
            report.add(base + ".StateCesRt", "2223", "state_cess_without_rate", cess=state_cess)
    total = num(item.get("TotItemVal"))
    if taxable is None or total is None:
        return
    others = amount(item, "OthChrg")
    taxes = math.fsum(amount(item, key) for key in (
        "IgstAmt", "CgstAmt", "SgstAmt", "CesAmt", "CesNonAdvlAmt", "StateCesAmt", "StateCesNonAdvlAmt"))
    expected = taxable + taxes + others
    if abs(total - expected) <= ITEM_TOLERANCE:
        return
    if (ctx.reverse_charge or ctx.supply_type == "EXPWP") and abs(total - (taxable + others)) <= ITEM_TOLERANCE:
        return  # reverse charge and EXPWP may state the item total with or without tax
    report.add(base + ".TotItemVal", "2194", "item_total_mismatch", total=total, expected=expected)
