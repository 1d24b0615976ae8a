"""account.move -> NIC e-invoice request (schema 1.1) and applicability (the parties are in
account_move_payload_parties, the pre-flight in account_move_preflight).

All amounts are in INR (the company currency), rounded to 2 decimals (quantities and
unit prices to 3), and built so that the IRP's arithmetic checks hold exactly:
item AssAmt = TotAmt - Discount, TotItemVal = sum of its parts, every ValDtls total =
sum of the items, TotInvVal = the invoice total in INR as Odoo shows it. Taxes are
computed once per line with Odoo 18's base-line helpers and rounded against the move's
own tax lines, so the payload agrees with the accounting to the paisa.

Nil-rated, exempt and non-GST lines of a domestic supply are not items: NIC's e-invoice
reports taxable and zero-rated supplies (it feeds GSTR-1's B2B tables, where a 0 % item
would read as a taxable supply), so their value goes to ValDtls.OthChrg and TotInvVal
still equals the invoice total; the pre-flight warns about it. To SEZ and abroad every
GST supply is zero-rated (IGST Act s. 16), so nil-rated and exempt lines stay items at
GstRt 0 there; non-GST lines never are.
"""
import re
from collections import defaultdict


from odoo import _, models
from odoo.tools import float_round

from ..irp import gstin as gstin_rules
from ..irp import masters, texts


URP = "URP"
FOREIGN_STATE = "96"
FOREIGN_PIN = 999999

# GST treatments (l10n_in) whose invoices go to the IRP. Composition dealers are
# registered persons, so supplies to them are B2B. UIN holders are not "registered
# persons" (CGST Act s. 2(94)), and e-invoicing (rule 48(4)) covers supplies to
# registered persons and exports only.
APPLICABLE_TREATMENTS = ("regular", "composition", "special_economic_zone", "deemed_export", "overseas")
TREATMENTS_NEEDING_GSTIN = ("regular", "composition", "special_economic_zone", "deemed_export")

# l10n_in tax tags -> the NIC tax column they feed. Base tags count too: an LUT
# export tax carries only the IGST *base* tag, and still tells the rate.
KIND_TAGS = {
    "cess": ("tax_tag_cess", "tax_tag_base_cess", "tax_tag_cess_rc", "tax_tag_base_cess_rc"),
    "state_cess": ("tax_tag_state_cess", "tax_tag_base_state_cess"),
    "igst": ("tax_tag_igst", "tax_tag_base_igst", "tax_tag_igst_rc", "tax_tag_base_igst_rc"),
    "cgst": ("tax_tag_cgst", "tax_tag_base_cgst", "tax_tag_cgst_rc", "tax_tag_base_cgst_rc"),
    "sgst": ("tax_tag_sgst", "tax_tag_base_sgst", "tax_tag_sgst_rc", "tax_tag_base_sgst_rc"),
}
# Tags on a tax's own (positive) repartition line: the tax is really charged.
PAID_TAGS = ("tax_tag_igst", "tax_tag_cgst", "tax_tag_sgst", "tax_tag_cess", "tax_tag_state_cess",
             "tax_tag_igst_rc", "tax_tag_cgst_rc", "tax_tag_sgst_rc", "tax_tag_cess_rc")
# Base tags telling that a line is a GST supply (taxable, zero-rated or reverse charge).
GST_BASE_TAGS = ("tax_tag_base_igst", "tax_tag_base_cgst", "tax_tag_base_sgst", "tax_tag_base_cess",
                 "tax_tag_zero_rated", "tax_tag_base_igst_rc", "tax_tag_base_cgst_rc", "tax_tag_base_sgst_rc")
NON_GST_BASE_TAGS = ("tax_tag_exempt", "tax_tag_nil_rated", "tax_tag_non_gst_supplies")
NIL_EXEMPT_TAGS = ("tax_tag_exempt", "tax_tag_nil_rated")
NON_GST_TAGS = ("tax_tag_non_gst_supplies",)
# Supply types where IGST may be stated but borne by the supplier (Odoo's 'SEZ/export'
# taxes): TotInvVal is then the invoice total without it, as Odoo's l10n_in_edi sends it.
SUPPLIER_BORNE_IGST_SUPPLY_TYPES = ("SEZWP", "EXPWP")

# Item amounts moved together when a negative line is set off against positive ones.
# "Uncollected" is the tax stated on the item but not charged to the buyer (reverse
# charge, export/SEZ with IGST paid by the supplier): TotItemVal = parts - Uncollected.
ITEM_PARTS = ("AssAmt", "IgstAmt", "CgstAmt", "SgstAmt", "CesAmt", "CesNonAdvlAmt", "StateCesAmt",
              "StateCesNonAdvlAmt", "OthChrg")
FOLDED_FIELDS = ITEM_PARTS + ("Uncollected",)

DOC_NO_PATTERN = re.compile(r"^[a-zA-Z1-9][a-zA-Z0-9/-]{0,15}$")
EMAIL_PATTERN = re.compile(r"^[a-zA-Z0-9+_.-]+@[a-zA-Z0-9.-]+$")
IFSC_PATTERN = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")


def _r2(value):
    """Half-up to 2 decimals, never -0.0."""
    return float_round(value, precision_digits=2) or 0.0


def _r3(value):
    return float_round(value, precision_digits=3) or 0.0


def _text(value, max_length=None):
    """Free text (names, addresses, descriptions) as NIC accepts it: one line, no double quote,
    no backslash, at most max_length characters, shortened at a word boundary (irp/texts.py).
    NIC refuses those characters in every free-text field, so a 1/2" pipe is described as 1/2'
    rather than refused. Identifiers (GSTIN, HSN, PIN, document and shipping bill numbers)
    never go through here: they are sent as entered. A text that reaches the payload goes
    through _l10n_in_einv_fit instead, which also notes the cut for the pre-flight warning."""
    return texts.fit(value, max_length).text if max_length else texts.clean(value)


def _digits(value):
    return re.sub(r"\D", "", value or "")


def _is_hsn(code):
    """4, 6 or 8 ASCII digits, not all zeros: what NIC accepts as HSN/SAC."""
    return len(code) in (4, 6, 8) and code.isascii() and code.isdigit() and bool(code.strip("0"))


def _is_pin(code):
    """An Indian PIN code: 6 ASCII digits, the first not 0."""
    return len(code) == 6 and code.isascii() and code.isdigit() and code[0] != "0"


def _compact(values):
    """Drop optional keys that have nothing to say (None, False, '', empty list/dict)."""
    return {key: value for key, value in values.items()
            if value is not None and value is not False and value not in ("", [], {})}


def _date(value):
    return value.strftime("%d/%m/%Y") if value else None


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------------------------
    # Classification
    # ------------------------------------------------------------------------------

    def _l10n_in_einv_document_type(self):
        self.ensure_one()
        if self.move_type == "out_refund":
            return "CRN"
        if self.debit_origin_id:
            return "DBN"
        return "INV"

    def _l10n_in_einv_applicability(self):
        """(applicable, reason): whether this document must get an IRN, and if not, why."""
        self.ensure_one()
        if self.move_type not in ("out_invoice", "out_refund"):
            return False, _("Only customer invoices, credit notes and debit notes are registered with the IRP.")
        company = self.company_id
        if (company.account_fiscal_country_id or company.country_id).code != "IN":
            return False, _("E-invoicing with the Indian IRP applies to Indian companies only.")
        if not company.l10n_in_einv_enabled:
            return False, _("E-invoicing is not enabled for %(company)s (Settings > Accounting > E-invoicing).",
                             company=company.name)
        if not company.vat:
            return False, _("Company %(company)s has no GSTIN: set it on the company to use e-invoicing.",
                             company=company.name)
        if self.state != "posted":
            return False, _("Only posted documents are registered with the IRP: confirm the invoice first.")
        treatment = self.l10n_in_gst_treatment
        if treatment in ("consumer", "unregistered"):
            return False, _("B2C invoice: e-invoicing applies to registered buyers, exports and SEZ only.")
        if treatment == "uin_holders":
            return False, _("Supply to a UIN holder (embassy, UN body): a UIN holder is not a registered person, "
                            "so e-invoicing does not apply.")
        if treatment not in APPLICABLE_TREATMENTS:
            return False, _("Set the GST treatment of the invoice (Other Info tab): e-invoicing applies to "
                            "registered buyers, exports, SEZ and deemed exports.")
        tags = self.invoice_line_ids.tax_tag_ids
        gst_tag_ids = set(self._l10n_in_einv_tag_ids(GST_BASE_TAGS))
        if tags and not gst_tag_ids.intersection(tags.ids) and set(self._l10n_in_einv_tag_ids(
                NON_GST_BASE_TAGS)).intersection(tags.ids):
            return False, _("Bill of supply: no line carries GST (only exempt, nil-rated or non-GST supplies), "
                            "so no e-invoice is needed.")
        return True, ""

    def _l10n_in_einv_supply_type(self, items=None):
        """B2B / SEZWP / SEZWOP / EXPWP / EXPWOP / DEXP from the GST treatment and whether IGST is charged."""
        self.ensure_one()
        treatment = self.l10n_in_gst_treatment
        if treatment in ("overseas", "special_economic_zone"):
            if items is None:
                items = self._l10n_in_einv_compute_items()["items"]
            igst_paid = any(item["IgstAmt"] > 0 for item in items)
            prefix = "EXP" if treatment == "overseas" else "SEZ"
            return prefix + ("WP" if igst_paid else "WOP")
        if treatment == "deemed_export":
            return "DEXP"
        return "B2B"

    def _l10n_in_einv_tag_ids(self, names):
        """Ids of l10n_in's tax tags, from ir.model.data as the registry caches it: asked for
        every line and tax, env.ref() would cost a query each (its exists() check)."""
        known, names = self.env.cr.cache.setdefault("l10n_in_einv_tag_ids", {}), tuple(names)  # per cursor
        if (ids := known.get(names)) is None:
            to_id = self.env["ir.model.data"]._xmlid_to_res_id
            ids = known[names] = tuple(tag_id for name in names
                                       if (tag_id := to_id(f"l10n_in.{name}", raise_if_not_found=False)))
        return ids

    def _l10n_in_einv_tax_info(self, taxes):
        """Per tax, once: which NIC column it feeds, whether it is really charged, its rate."""
        tag_kind = {}
        for kind, names in KIND_TAGS.items():
            for tag_id in self._l10n_in_einv_tag_ids(names):
                tag_kind.setdefault(tag_id, kind)
        paid_tags = set(self._l10n_in_einv_tag_ids(PAID_TAGS))
        priority = ("cess", "state_cess", "igst", "cgst", "sgst")
        info = {}
        for tax in taxes:
            reps = tax.invoice_repartition_line_ids | tax.refund_repartition_line_ids
            kinds = {tag_kind[tag_id] for tag_id in reps.tag_ids.ids if tag_id in tag_kind}
            kind = next((name for name in priority if name in kinds), None)
            reported = any(rep.repartition_type == "tax" and rep.factor_percent > 0
                           and paid_tags.intersection(rep.tag_ids.ids) for rep in reps)
            advol = tax.amount_type in ("percent", "division")
            info[tax.id] = {"kind": kind, "reported": reported, "advol": advol,
                            "rate": tax.amount if advol else 0.0}
        return info

    # ------------------------------------------------------------------------------
    # Items
    # ------------------------------------------------------------------------------

    def _l10n_in_einv_compute_items(self):
        """Items of the payload (with their source line under '_line'), plus the totals
        that are not items: invoice-level discount, cash rounding, and set-off problems."""
        self.ensure_one()
        AccountTax = self.env["account.tax"]
        company = self.company_id
        sign = self.direction_sign
        product_lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        base_lines = [self._prepare_product_base_line_for_taxes_computation(line) for line in product_lines]
        AccountTax._add_tax_details_in_base_lines(base_lines, company)
        # Round against the tax journal items (keeps manual tax edits), but not against
        # the 'biggest_tax' cash-rounding line: that difference is reported as RndOffAmt,
        # so that CGST stays equal to SGST.
        tax_lines = [self._prepare_tax_line_for_taxes_computation(line)
                     for line in self.line_ids if line.display_type == "tax"]
        AccountTax._round_base_lines_tax_details(base_lines, company, tax_lines=tax_lines)

        taxes = self.env["account.tax"].browse(
            {tax_data["tax"].id for base_line in base_lines for tax_data in base_line["tax_details"]["taxes_data"]})
        tax_info = self._l10n_in_einv_tax_info(taxes)
        units = set(masters.UQC_CODES)
        zero_rated = self.l10n_in_gst_treatment in ("overseas", "special_economic_zone")
        items, invoice_discount, not_items = [], 0.0, 0.0
        for base_line in base_lines:
            line = base_line["record"]
            ass_amt = _r2(sign * line.balance)
            if not line.tax_ids and ass_amt < 0:
                # An untaxed negative line lowers the total without touching any tax:
                # that is exactly an invoice-level discount for the IRP.
                invoice_discount += -ass_amt
                continue
            scope = self._l10n_in_einv_line_scope(line)
            if scope == "non_gst" or (scope == "nil_exempt" and not zero_rated):
                # Not a taxable or zero-rated supply: not an item, but part of the invoice total.
                not_items += ass_amt + sum(tax_data["tax_amount"] for tax_data in base_line["tax_details"]["taxes_data"])
                continue
            items.append(self._l10n_in_einv_item(line, base_line, ass_amt, tax_info, units))

        supply_type = self._l10n_in_einv_supply_type(items)
        reverse_charge = any(tax.l10n_in_reverse_charge for tax in taxes) or any(
            tax.l10n_in_reverse_charge for tax in product_lines.tax_ids)
        supplier_borne = 0.0
        if not reverse_charge and supply_type != "EXPWP":
            # Only reverse charge and EXPWP may state an item total without the tax the
            # buyer does not pay; elsewhere the IRP wants taxable value + every tax.
            for item in items:
                if item["Uncollected"]:
                    supplier_borne += item["Uncollected"]
                    item["TotItemVal"] = _r2(item["TotItemVal"] + item["Uncollected"])
                    item["Uncollected"] = 0.0
        if supply_type not in SUPPLIER_BORNE_IGST_SUPPLY_TYPES:
            supplier_borne = 0.0  # elsewhere the stated tax stays in TotInvVal, as before
        if not_items < 0:  # a net credit of excluded lines lowers the total like a discount
            invoice_discount, not_items = invoice_discount - not_items, 0.0
        rounding = sum(line.balance for line in self.line_ids if line.display_type == "rounding")
        items, problems = self._l10n_in_einv_fold_negative_items(items)
        for index, item in enumerate(items, start=1):
            item["SlNo"] = str(index)
        return {"items": items, "discount": _r2(invoice_discount), "rounding": _r2(sign * rounding),
                "problems": problems, "supply_type": supply_type, "reverse_charge": reverse_charge,
                "other_charges": _r2(not_items), "supplier_borne": _r2(supplier_borne)}

    def _l10n_in_einv_line_scope(self, line):
        """'gst' for a taxable or zero-rated line; 'nil_exempt' or 'non_gst' for a line whose
        taxes carry only l10n_in's Nil Rated / Exempt or Non GST Supplies tags."""
        tag_ids = set(line.tax_tag_ids.ids)
        if not tag_ids or tag_ids.intersection(self._l10n_in_einv_tag_ids(GST_BASE_TAGS)):
            return "gst"
        if tag_ids.intersection(self._l10n_in_einv_tag_ids(NON_GST_TAGS)):
            return "non_gst"
        if tag_ids.intersection(self._l10n_in_einv_tag_ids(NIL_EXEMPT_TAGS)):
            return "nil_exempt"
        return "gst"

    def _l10n_in_einv_item(self, line, base_line, ass_amt, tax_info, units):
        tax_details = base_line["tax_details"]
        cuts = []  # texts sent shorter than entered, for the pre-flight warning
        amounts = defaultdict(float)
        rates = defaultdict(float)
        kinds = set()
        collected = 0.0
        for tax_data in tax_details["taxes_data"]:
            info = tax_info[tax_data["tax"].id]
            amount = tax_data["tax_amount"]
            collected += amount
            if tax_data["is_reverse_charge"]:
                continue  # the negative twin of a tax the buyer does not pay
            kind = info["kind"]
            kinds.add(kind)
            if kind is None:
                amounts["other"] += amount  # not GST (e.g. TCS): other charges of the item
                continue
            if info["advol"]:
                rates[kind] += info["rate"]
            if info["reported"]:
                amounts[kind if info["advol"] or kind in ("igst", "cgst", "sgst") else kind + "_nonadvol"] += amount

        product = line.product_id
        # Sent as entered (only surrounding blanks trimmed): a malformed code is a pre-flight
        # error naming the product, never silently "repaired" into another code.
        hsn = (line.l10n_in_hsn_code or product.l10n_in_hsn_code or "").strip()
        is_service = product.type == "service" if product else hsn.startswith(masters.HSN_CHAPTERS_SERVICES)
        uom_code = (line.product_uom_id.l10n_in_code or "").split("-")[0].strip().upper()
        quantity = abs(line.quantity)
        gross = self._l10n_in_einv_gross(line, base_line, ass_amt)
        tot_amt = _r2(gross)
        discount = _r2(tot_amt - ass_amt) if ass_amt >= 0 else 0.0
        if discount < 0:  # a negative discount is a surcharge: fold it into the price
            tot_amt, discount = ass_amt, 0.0
        if quantity:
            unit_price = _r3(abs(tot_amt) / quantity)
        else:
            unit_price = _r3(abs(line.price_unit) / (base_line["rate"] or 1.0))
        gst_rate = rates["igst"] or (rates["cgst"] + rates["sgst"])
        item = {
            "_line": line,
            "_kinds": kinds,
            "_cuts": cuts,
            "SlNo": "",
            "PrdDesc": self._l10n_in_einv_fit(line.name or product.name, 300, cuts, "ItemList", "PrdDesc"),
            "IsServc": "Y" if is_service else "N",
            "HsnCd": hsn,
            "Qty": _r3(quantity),
            "Unit": uom_code if uom_code in units else "OTH",
            "UnitPrice": unit_price,
            "TotAmt": tot_amt,
            "Discount": discount,
            "AssAmt": ass_amt,
            "GstRt": _r3(gst_rate),
            "IgstAmt": _r2(amounts["igst"]),
            "CgstAmt": _r2(amounts["cgst"]),
            "SgstAmt": _r2(amounts["sgst"]),
            "CesRt": _r3(rates["cess"]),
            "CesAmt": _r2(amounts["cess"]),
            "CesNonAdvlAmt": _r2(amounts["cess_nonadvol"]),
            "StateCesRt": _r3(rates["state_cess"]),
            "StateCesAmt": _r2(amounts["state_cess"]),
            "StateCesNonAdvlAmt": _r2(amounts["state_cess_nonadvol"]),
            "OthChrg": _r2(amounts["other"]),
        }
        parts = _r2(sum(item[name] for name in ITEM_PARTS))
        item["TotItemVal"] = _r2(ass_amt + _r2(collected))
        item["Uncollected"] = _r2(parts - item["TotItemVal"])
        return item

    def _l10n_in_einv_gross(self, line, base_line, ass_amt):
        """Amount before the line discount, tax excluded, in INR."""
        discount = line.discount or 0.0
        if discount <= 0.0:
            return ass_amt
        if discount < 100.0:
            return ass_amt / (1.0 - discount / 100.0)
        # Fully discounted: price the line as if undiscounted (rare, so computed here).
        computation = line.tax_ids._get_tax_details(
            line.price_unit, line.quantity, precision_rounding=line.currency_id.rounding,
            rounding_method=self.company_id.tax_calculation_rounding_method, product=line.product_id)
        rate = base_line["rate"] or 1.0
        return abs(computation["total_excluded"] / rate)

    def _l10n_in_einv_fold_negative_items(self, items):
        """Set negative items off against positive items of the same HSN and rates, as discount.

        The IRP refuses negative amounts. A negative line (a discount or a return on the
        same invoice) is absorbed field by field by the biggest positive items with the
        same HSN code and tax rates, so every total stays exact. A negative line without
        HSN code (a 'Discount' product) may be absorbed by any item with the same rates.
        """
        negatives = [item for item in items if item["AssAmt"] < 0]
        if not negatives:
            return items, []

        def rates_key(item):
            return (item["GstRt"], item["CesRt"], item["StateCesRt"], "igst" in item["_kinds"])

        positives = sorted((item for item in items if item["AssAmt"] > 0), key=lambda i: -i["AssAmt"])
        problems, unresolved = [], []
        for negative in negatives:
            same_hsn = [item for item in positives
                        if item["HsnCd"] == negative["HsnCd"] and rates_key(item) == rates_key(negative)]
            candidates = same_hsn
            if not negative["HsnCd"]:
                candidates = [item for item in positives if rates_key(item) == rates_key(negative)]
            for positive in candidates:
                taken_base = 0.0
                for name in FOLDED_FIELDS:
                    owed = -negative[name]
                    if owed <= 0 or positive[name] <= 0:
                        continue
                    take = min(owed, positive[name])
                    positive[name] = _r2(positive[name] - take)
                    negative[name] = _r2(negative[name] + take)
                    if name == "AssAmt":
                        taken_base = take
                if taken_base:
                    positive["Discount"] = _r2(positive["Discount"] + taken_base)
                    positive["AssAmt"] = _r2(positive["TotAmt"] - positive["Discount"])
                positive["TotItemVal"] = _r2(sum(positive[name] for name in ITEM_PARTS) - positive["Uncollected"])
                if all(negative[name] >= 0 for name in FOLDED_FIELDS):
                    break
            negative["TotItemVal"] = _r2(sum(negative[name] for name in ITEM_PARTS) - negative["Uncollected"])
            if any(abs(negative[name]) >= 0.005 for name in FOLDED_FIELDS):
                unresolved.append(negative)
                line = negative["_line"]
                problems.append(_(
                    "Line '%(line)s' (%(amount)s): the IRP refuses negative lines, and there is not enough on "
                    "positive lines with the same HSN code (%(hsn)s) and tax rate (%(rate)s%%) to deduct it from. "
                    "Issue a credit note for it, or reduce the price of those lines instead.",
                    line=_text(line.name or line.product_id.name, 60), amount=line.price_subtotal,
                    hsn=negative["HsnCd"] or "-", rate=negative["GstRt"]))
        dropped = {id(item) for item in negatives} - {id(item) for item in unresolved}
        return [item for item in items if id(item) not in dropped], problems

    # ------------------------------------------------------------------------------
    # Payload
    # ------------------------------------------------------------------------------

    def _l10n_in_einv_build_payload(self):
        """The Generate-IRN request for this document (NIC schema 1.1), as a dict."""
        return self._l10n_in_einv_build()[0]

    def _l10n_in_einv_build(self):
        """(payload, items with their source lines, problems found while building)."""
        self.ensure_one()
        computed = self._l10n_in_einv_compute_items()
        items = computed["items"]
        supply_type = computed["supply_type"]
        doc_type = self._l10n_in_einv_document_type()
        parties = self._l10n_in_einv_parties(supply_type)
        company_currency = self.company_currency_id

        intra_state = parties["BuyerDtls"].get("Pos") == parties["SellerDtls"].get("Stcd")
        has_igst = any("igst" in item["_kinds"] for item in items)
        tran = {
            "TaxSch": "GST",
            "SupTyp": supply_type,
            "RegRev": "Y" if computed["reverse_charge"] else "N",
            "IgstOnIntra": "Y" if intra_state and has_igst and supply_type not in masters.EXPORT_SUPPLY_TYPES
            else "N",
        }
        reseller_gstin = (self.l10n_in_reseller_partner_id.vat or "").strip()
        if gstin_rules.is_tcs_gstin(reseller_gstin.upper()):
            # Only an e-commerce operator's TCS registration belongs here (2195); a plain
            # reseller is not an operator. Sent as entered: a lower-case one is refused.
            tran["EcmGstin"] = reseller_gstin

        payload = {
            "Version": "1.1",
            "TranDtls": tran,
            "DocDtls": {"Typ": doc_type, "No": self.name or "", "Dt": _date(self.invoice_date) or ""},
            **parties,
        }
        payload["ItemList"] = [self._l10n_in_einv_public_item(item) for item in items]
        payload["ValDtls"] = self._l10n_in_einv_totals(items, computed, company_currency)

        pay = self._l10n_in_einv_pay_details()
        if pay:
            payload["PayDtls"] = pay
        original = self.reversed_entry_id if doc_type == "CRN" else self.debit_origin_id if doc_type == "DBN" else None
        if original and original.name and original.invoice_date:
            payload["RefDtls"] = {"PrecDocDtls": [{"InvNo": original.name, "InvDt": _date(original.invoice_date)}]}
        if supply_type in masters.EXPORT_SUPPLY_TYPES:
            payload["ExpDtls"] = self._l10n_in_einv_export_details(items, parties)
        # Schema order, as the IRP echoes it in the signed invoice.
        order = ("Version", "TranDtls", "DocDtls", "SellerDtls", "BuyerDtls", "DispDtls", "ShipDtls", "ItemList",
                 "ValDtls", "PayDtls", "RefDtls", "ExpDtls")
        payload = {key: payload[key] for key in order if key in payload}
        return payload, items, computed["problems"]

    @staticmethod
    def _l10n_in_einv_public_item(item):
        public = {
            "SlNo": item["SlNo"], "PrdDesc": item["PrdDesc"] if len(item["PrdDesc"]) >= 3 else None,
            "IsServc": item["IsServc"], "HsnCd": item["HsnCd"], "Qty": item["Qty"], "Unit": item["Unit"],
            "UnitPrice": item["UnitPrice"], "TotAmt": item["TotAmt"], "Discount": item["Discount"] or None,
            "AssAmt": item["AssAmt"], "GstRt": item["GstRt"], "IgstAmt": item["IgstAmt"],
            "CgstAmt": item["CgstAmt"], "SgstAmt": item["SgstAmt"],
        }
        for name in ("CesRt", "CesAmt", "CesNonAdvlAmt", "StateCesRt", "StateCesAmt", "StateCesNonAdvlAmt",
                     "OthChrg"):
            public[name] = item[name] or None
        public["TotItemVal"] = item["TotItemVal"]
        return _compact(public)

    def _l10n_in_einv_totals(self, items, computed, company_currency):
        def total(name):
            return _r2(sum(item[name] for item in items))

        values = {
            "AssVal": total("AssAmt"),
            "CgstVal": total("CgstAmt"),
            "SgstVal": total("SgstAmt"),
            "IgstVal": total("IgstAmt"),
            "CesVal": _r2(total("CesAmt") + total("CesNonAdvlAmt")),
            "StCesVal": _r2(total("StateCesAmt") + total("StateCesNonAdvlAmt")),
            "Discount": computed["discount"],
            # Items' other charges, and the lines that are not items (nil-rated, exempt, non-GST).
            "OthChrg": _r2(total("OthChrg") + computed["other_charges"]),
            "RndOffAmt": computed["rounding"],
        }
        # The invoice total as Odoo shows it: for SEZWP/EXPWP without the IGST the supplier
        # bears (stated in the items and IgstVal, not charged to the buyer), as Odoo's own
        # l10n_in_edi and India Compliance send it.
        values["TotInvVal"] = _r2(total("TotItemVal") + computed["other_charges"] - computed["discount"]
                                  + computed["rounding"] - computed["supplier_borne"])
        if self.currency_id != company_currency:
            values["TotInvValFc"] = _r2(self.amount_total)
        for name in ("CesVal", "StCesVal", "Discount", "OthChrg", "RndOffAmt"):
            if not values[name]:
                del values[name]
        return values

    def _l10n_in_einv_pay_details(self, cuts=None):
        bank = self.partner_bank_id
        term = self.invoice_payment_term_id
        if not bank and not term:
            return {}
        values = {}
        if bank:
            values["Nm"] = self._l10n_in_einv_fit(bank.acc_holder_name or bank.partner_id.name or self.company_id.name,
                                                  100, cuts, "PayDtls", "Nm")
            # Optional details: sent as entered (blanks grouping the account number dropped) or left
            # out when NIC cannot take them; never re-cased or otherwise rewritten.
            account = re.sub(r"\s", "", bank.acc_number or "")
            if 1 <= len(account) <= 18:
                values["AccDet"] = _text(account)
            ifsc = (bank.bank_bic or "").strip()
            if IFSC_PATTERN.match(ifsc):
                values["FinInsBr"] = ifsc
        if term:
            values["PayTerm"] = self._l10n_in_einv_fit(term.name, 100, cuts, "PayDtls", "PayTerm")
        if self.invoice_date_due and self.invoice_date and self.invoice_date_due > self.invoice_date:
            values["CrDay"] = min((self.invoice_date_due - self.invoice_date).days, 9999)
        total, residual = abs(self.amount_total_signed), abs(self.amount_residual_signed)
        if _r2(total - residual) > 0:
            values["PaidAmt"] = _r2(total - residual)
        if _r2(residual) > 0:
            values["PaymtDue"] = _r2(residual)
        return _compact(values)

    def _l10n_in_einv_export_details(self, items, parties):
        buyer = self.partner_id.commercial_partner_id
        country = (self._l10n_in_einv_buyer_address_partner().country_id or buyer.country_id).code
        currency = self.currency_id.name if self.currency_id != self.company_currency_id else None
        return _compact({
            "ShipBNo": (self.l10n_in_shipping_bill_number or "").strip(),  # a number: never cut short
            "ShipBDt": _date(self.l10n_in_shipping_bill_date),
            "Port": self.l10n_in_shipping_port_code_id.code,
            "RefClm": "Y" if any(item["IgstAmt"] > 0 for item in items) else "N",
            "ForCur": currency,
            "CntCode": country,
        })
