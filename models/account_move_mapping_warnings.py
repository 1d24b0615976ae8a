"""Pre-flight warnings about the mapping itself: what the payload sends otherwise than the
invoice shows it, and what it sends as entered although it looks wrong. Never blocks.

- texts NIC takes shorter than entered (cut at a word boundary, partner records untouched);
- nil-rated, exempt and non-GST lines that are not e-invoice items (their value is sent as
  other charges, so TotInvVal stays the invoice total);
- IGST on a B2B sale whose place of supply is the company's own state (IgstOnIntra = Y).
"""
from odoo import _, models

from ..irp import masters

SHOWN_WORDS = 4  # words shown at each end of a long text quoted in a warning


def _abridge(text, words=SHOWN_WORDS):
    """A long text quoted in a warning: its first and last words around '...'."""
    parts = text.split()
    if len(parts) <= 2 * words + 1:
        return text
    return f"{' '.join(parts[:words])} ... {' '.join(parts[-words:])}"


class AccountMove(models.Model):
    _inherit = "account.move"

    def _l10n_in_einv_collect_warnings(self, payload, items):
        warnings = super()._l10n_in_einv_collect_warnings(payload, items)
        warnings += self._l10n_in_einv_cut_text_warnings(payload, items)
        warnings += self._l10n_in_einv_not_item_warnings(payload)
        warnings += self._l10n_in_einv_igst_intra_warnings(payload, items)
        return warnings

    # --- texts cut ----------------------------------------------------------------------------

    def _l10n_in_einv_cut_text_warnings(self, payload, items):
        cuts = []
        self._l10n_in_einv_parties(payload["TranDtls"]["SupTyp"], cuts=cuts)
        self._l10n_in_einv_pay_details(cuts=cuts)
        warnings = [self._l10n_in_einv_cut_text_warning(self._l10n_in_einv_place(cut["section"]), cut)
                    for cut in cuts]
        for item in items:
            line = item["_line"]
            if line.product_id:
                place = _("Line %(number)d (product '%(product)s')", number=self._l10n_in_einv_line_number(line),
                          product=line.product_id.name)
            else:
                place = _("Line %(number)d", number=self._l10n_in_einv_line_number(line))
            warnings += [self._l10n_in_einv_cut_text_warning(place, cut) for cut in item.get("_cuts", ())]
        return warnings

    def _l10n_in_einv_cut_text_warning(self, place, cut):
        values = {"place": place, "length": len(cut["original"]), "limit": cut["limit"],
                  "sent": _abridge(cut["sent"]), "dropped": _abridge(cut["dropped"])}
        if cut["field"] == "Addr":
            return _("%(place)s: the street is %(length)d characters; the IRP takes %(max)d in two lines of "
                     "%(limit)d: '%(sent)s' is sent without '%(dropped)s'. Shorten the address on the contact "
                     "if the e-invoice must carry all of it.", max=2 * cut["limit"], **values)
        what = {
            "LglNm": _("the name"),
            "Nm": _("the name"),
            "Loc": _("the city"),
            "PrdDesc": _("the description"),
            "PayTerm": _("the payment terms"),
        }.get(cut["field"], cut["field"])
        if cut["section"] == "PayDtls" and cut["field"] == "Nm":
            what = _("the bank account holder's name")
        return _("%(place)s: %(what)s is %(length)d characters; the IRP takes %(limit)d: '%(sent)s' is sent "
                 "without '%(dropped)s'.", what=what, **values)

    # --- nil-rated, exempt and non-GST lines ------------------------------------------------

    def _l10n_in_einv_not_item_warnings(self, payload):
        zero_rated = payload["TranDtls"]["SupTyp"] in masters.EXPORT_SUPPLY_TYPES | masters.SEZ_SUPPLY_TYPES
        lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        non_gst = lines.filtered(lambda line: self._l10n_in_einv_line_scope(line) == "non_gst")
        nil_exempt = self.env["account.move.line"] if zero_rated else lines.filtered(
            lambda line: self._l10n_in_einv_line_scope(line) == "nil_exempt")
        warnings = []
        if nil_exempt:
            warnings.append(_(
                "Line(s) %(lines)s: nil-rated or exempt supplies are not e-invoice items (the IRP reports taxable "
                "and zero-rated supplies into GSTR-1, where a 0%% item would read as taxable). Their value "
                "(%(amount)s) is sent as other charges so that the e-invoice total is the invoice total; report "
                "them in GSTR-1 table 8 (nil-rated, exempt and non-GST supplies).",
                lines=self._l10n_in_einv_line_list(nil_exempt),
                amount=self._l10n_in_einv_lines_amount(nil_exempt)))
        if non_gst:
            warnings.append(_(
                "Line(s) %(lines)s: non-GST supplies are outside GST and not e-invoice items. Their value "
                "(%(amount)s) is sent as other charges so that the e-invoice total is the invoice total; report "
                "them in GSTR-1 table 8 (nil-rated, exempt and non-GST supplies).",
                lines=self._l10n_in_einv_line_list(non_gst), amount=self._l10n_in_einv_lines_amount(non_gst)))
        return warnings

    def _l10n_in_einv_line_list(self, lines):
        return ", ".join(
            f"{self._l10n_in_einv_line_number(line)} ('{line.product_id.name or _abridge(line.name or '', 3)}')"
            for line in lines)

    def _l10n_in_einv_lines_amount(self, lines):
        total = -self.direction_sign * sum(lines.mapped("balance"))
        return f"{self.company_currency_id.symbol or ''}{abs(total):,.2f}"

    # --- IGST on an intra-state B2B sale ------------------------------------------------------

    def _l10n_in_einv_igst_intra_warnings(self, payload, items):
        tran = payload["TranDtls"]
        if tran.get("IgstOnIntra") != "Y" or tran["SupTyp"] not in ("B2B", "DEXP"):
            return []
        lines = self.env["account.move.line"].browse(
            [item["_line"].id for item in items if "igst" in item["_kinds"]])
        taxes = lines.tax_ids.filtered(lambda tax: "IGST" in (tax.name or "").upper()
                                       or "IGST" in (tax.tax_group_id.name or "").upper()) or lines.tax_ids
        return [_(
            "Line(s) %(lines)s: IGST (%(taxes)s) is charged although the place of supply (%(pos)s) is the "
            "company's own state, so the e-invoice says IgstOnIntra = Y. This is usually the wrong tax: check the "
            "fiscal position of the invoice and the taxes on these lines (a sale within the state bears CGST + "
            "SGST). IGST on such a sale is right only where IGST Act section 8 treats it as inter-State: goods or "
            "services supplied by an SEZ unit or developer (to an SEZ buyer, use the SEZ GST treatment instead), "
            "imported goods sold before they cross the customs frontier, or supplies to a tourist (section 15).",
            lines=self._l10n_in_einv_line_list(lines), taxes=", ".join(taxes.mapped("name")),
            pos=payload["BuyerDtls"].get("Pos", ""))]
