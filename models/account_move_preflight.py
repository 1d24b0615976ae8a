"""Pre-flight of account.move for the IRP: every problem at once, each worded once
(tools/problem_texts.py) and placed on the Odoo record and field to fix."""
import logging
import os

from odoo import _, models

from ..irp import ist, masters, validation
from ..tools.problem_texts import FIELD_LABELS, PROBLEM_TEXTS
from .account_move_payload import DOC_NO_PATTERN, TREATMENTS_NEEDING_GSTIN, _is_hsn, _is_pin, _text

_logger = logging.getLogger(__name__)
_hsn_master_cache = {}  # {"version": (path, mtime), "known": callable}, shared by the process


class AccountMove(models.Model):
    _inherit = "account.move"

    def _l10n_in_einv_preflight(self):
        """Every reason the IRP would refuse this document, at once, in words a user can act on."""
        return self._l10n_in_einv_prepare()[0]

    def _l10n_in_einv_prepare(self, credential=None):
        """(problems, payload): the pre-flight and the payload from a single build, for
        callers that send right after checking. payload is None when not applicable.
        credential: the company's, when the caller holds it (saves looking it up per invoice)."""
        self.ensure_one()
        applicable, reason = self._l10n_in_einv_applicability()
        if not applicable:
            return [reason], None
        payload, items, build_problems = self._l10n_in_einv_build()
        return self._l10n_in_einv_check(payload, items, build_problems, credential=credential), payload

    def _l10n_in_einv_warnings(self):
        """What the pre-flight lets through but the user should know before sending: what is
        sent otherwise than the invoice shows it, or what will soon be refused. Never blocks."""
        self.ensure_one()
        if not self._l10n_in_einv_applicability()[0]:
            return []
        payload, items, _build_problems = self._l10n_in_einv_build()
        return list(dict.fromkeys(self._l10n_in_einv_collect_warnings(payload, items)))

    def _l10n_in_einv_collect_warnings(self, payload, items):
        """Extension point: each concern (dated rules, text cutting, taxes, GSTIN status) adds its
        warnings, as sentences naming what to check, to super()'s."""
        return []

    def _l10n_in_einv_extra_problems(self, payload, items):
        """Extension point: blocking problems of concerns outside the payload's own rules (dated
        rules, GSTIN status), as sentences naming what to fix, added to super()'s."""
        return []

    def _l10n_in_einv_hsn_master(self):
        """The HSN/SAC master the IRP checks codes against (2176), when one is configured:
        a file named by the system parameter l10n_in_einvoice.hsn_master_path (JSON
        [{"hsn_code": ...}] or one code per line). Loaded once per file version."""
        path = self.env["ir.config_parameter"].sudo().get_param("l10n_in_einvoice.hsn_master_path")
        if not path:
            return None
        try:
            version = (path, os.stat(path).st_mtime_ns)
        except OSError:
            _logger.warning("HSN master %s cannot be read; HSN codes are checked for shape only", path)
            return None
        if _hsn_master_cache.get("version") != version:
            _hsn_master_cache.update(version=version, known=validation.load_hsn_master(path))
        return _hsn_master_cache["known"]

    def _l10n_in_einv_check(self, payload, items, build_problems, credential=None):
        problems, covered = [], set()
        company = self.company_id
        credential = credential or company._l10n_in_einv_credential()
        # NIC's own sandbox GSTINs carry no valid check character (§15): only production checks it.
        strict = credential.environment not in ("local_sandbox", "nic_sandbox")
        supply_type = payload["TranDtls"]["SupTyp"]
        export = supply_type in masters.EXPORT_SUPPLY_TYPES

        # The company (seller).
        label = self._l10n_in_einv_place("SellerDtls")
        if not (company.vat or "").strip():
            self._l10n_in_einv_flag(problems, covered, "SellerDtls.Gstin", _("Company: set a GSTIN"))
        else:
            self._l10n_in_einv_check_gstin(problems, covered, "SellerDtls.Gstin", label, company.vat.strip(), strict)
        self._l10n_in_einv_check_address(problems, covered, "SellerDtls", label, company.partner_id)

        # The buyer.
        label = self._l10n_in_einv_place("BuyerDtls")
        treatment = self.l10n_in_gst_treatment
        if treatment in TREATMENTS_NEEDING_GSTIN:
            gstin = self._l10n_in_einv_buyer_gstin()
            if not gstin:
                treatments = dict(self._fields["l10n_in_gst_treatment"]._description_selection(self.env))
                self._l10n_in_einv_flag(problems, covered, "BuyerDtls.Gstin", _(
                    "%(label)s: set the GSTIN (required for GST treatment '%(treatment)s')", label=label,
                    treatment=treatments.get(treatment)))
            else:
                self._l10n_in_einv_check_gstin(problems, covered, "BuyerDtls.Gstin", label, gstin, strict)
        self._l10n_in_einv_check_address(problems, covered, "BuyerDtls", label,
                                         self._l10n_in_einv_buyer_address_partner(), foreign=export)
        if export and not payload.get("ExpDtls", {}).get("CntCode"):
            self._l10n_in_einv_flag(problems, covered, "ExpDtls.CntCode", _(
                "%(label)s: set the country", label=label))
        if "ShipDtls" in payload:
            ship = self.partner_shipping_id
            label = self._l10n_in_einv_place("ShipDtls")
            if (ship.vat or "").strip():
                self._l10n_in_einv_check_gstin(problems, covered, "ShipDtls.Gstin", label, ship.vat.strip(), strict)
            self._l10n_in_einv_check_address(problems, covered, "ShipDtls", label, ship)
        if "DispDtls" in payload:
            self._l10n_in_einv_check_address(problems, covered, "DispDtls", self._l10n_in_einv_place("DispDtls"),
                                             self._l10n_in_get_warehouse_address())

        # The document.
        number = self.name or ""
        if len(number) > 16:
            self._l10n_in_einv_flag(problems, covered, "DocDtls.No", _(
                "Invoice number '%(number)s' has %(length)d characters; the IRP accepts at most 16: shorten the "
                "prefix of the journal's sequence", number=number, length=len(number)))
        elif not DOC_NO_PATTERN.match(number):
            self._l10n_in_einv_flag(problems, covered, "DocDtls.No", _(
                "Invoice number '%(number)s' must start with a letter or a digit from 1 to 9 and contain only "
                "letters, digits, '/' and '-' (change the journal's sequence)", number=number))

        # The lines.
        for index, item in enumerate(items):
            line = item["_line"]
            name = line.product_id.name or _text(line.name, 60)
            path = f"ItemList[{index}]"
            hsn = item["HsnCd"]
            if not hsn:
                what = (_("Product '%(product)s': set its HSN/SAC code (General Information tab)", product=name)
                        if line.product_id else _("Line '%(name)s': set its HSN/SAC code", name=name))
                self._l10n_in_einv_flag(problems, covered, f"{path}.HsnCd", what)
            elif not _is_hsn(hsn):
                # The line keeps the code it was created with, so both places may need the fix.
                what = (_("Product '%(product)s' (line %(number)d): the HSN/SAC code '%(hsn)s' must be exactly 4, 6 "
                          "or 8 digits, not all zeros: correct it on the product and on the invoice line",
                          product=name, number=self._l10n_in_einv_line_number(line), hsn=hsn) if line.product_id
                        else _("Line %(number)d ('%(name)s'): the HSN/SAC code '%(hsn)s' must be exactly 4, 6 or 8 "
                               "digits, not all zeros: correct it on the invoice line",
                               number=self._l10n_in_einv_line_number(line), name=name, hsn=hsn))
                self._l10n_in_einv_flag(problems, covered, f"{path}.HsnCd", what)
            if not line.tax_ids:
                self._l10n_in_einv_flag(problems, covered, f"{path}.GstRt", _(
                    "Line '%(name)s': set a GST tax (the zero-rated, nil-rated or exempt tax if no GST is due)",
                    name=name))
        problems.extend(build_problems)

        # The IRP's own schema and business rules (and ours, e.g. no zero-value document), on the payload itself.
        today = ist.today()
        for problem in validation.validate_invoice(payload, today=today, require_check_digit=strict,
                                                   hsn_known=self._l10n_in_einv_hsn_master(),
                                                   calendar=company._l10n_in_einv_calendar(),
                                                   aato_band=company.l10n_in_einv_aato_band or None):
            path = problem.path
            if any(path == done or path.startswith(done + ".") or path.startswith(done + "[") for done in covered):
                continue
            problems.append(self._l10n_in_einv_problem_message(problem, items))
        problems.extend(self._l10n_in_einv_extra_problems(payload, items))
        return list(dict.fromkeys(problems))

    @staticmethod
    def _l10n_in_einv_flag(problems, covered, path, message):
        covered.add(path)
        problems.append(message)

    def _l10n_in_einv_check_gstin(self, problems, covered, path, label, gstin, strict):
        """A GSTIN as entered on the company or a partner: flagged, never corrected."""
        problem = validation.gstin_problem(path, gstin, require_check_digit=strict)
        if problem:
            self._l10n_in_einv_flag(problems, covered, path, self._l10n_in_einv_problem_message(problem, place=label))

    def _l10n_in_einv_check_address(self, problems, covered, section, label, partner, foreign=False):
        foreign = foreign or self._l10n_in_einv_is_foreign(partner)
        if not (partner.street or partner.street2):
            self._l10n_in_einv_flag(problems, covered, f"{section}.Addr1", _(
                "%(label)s: set the street", label=label))
        if len(_text(partner.city)) < 3:
            self._l10n_in_einv_flag(problems, covered, f"{section}.Loc", _(
                "%(label)s: set the city (at least 3 characters)", label=label))
        if foreign:
            if not partner.country_id:
                self._l10n_in_einv_flag(problems, covered, f"{section}.Stcd", _(
                    "%(label)s: set the country", label=label))
            return
        if not partner.state_id:
            self._l10n_in_einv_flag(problems, covered, f"{section}.Stcd", _(
                "%(label)s: set the state", label=label))
        elif not partner.state_id.l10n_in_tin:
            self._l10n_in_einv_flag(problems, covered, f"{section}.Stcd", _(
                "%(label)s: the state '%(state)s' has no GST state code (TIN)", label=label,
                state=partner.state_id.name))
        pin = (partner.zip or "").strip()
        if not pin:
            self._l10n_in_einv_flag(problems, covered, f"{section}.Pin", _(
                "%(label)s: set the 6-digit PIN code", label=label))
        elif not _is_pin(pin):
            self._l10n_in_einv_flag(problems, covered, f"{section}.Pin", _(
                "%(label)s: the PIN code '%(pin)s' must be 6 digits, the first not 0", label=label, pin=pin))

    # ------------------------------------------------------------------------------
    # Words for validation problems
    # ------------------------------------------------------------------------------

    def _l10n_in_einv_problem_message(self, problem, items=(), place=None):
        """'<the Odoo record to fix>: <what is wrong> [<NIC code>]' for a structured validation Problem:
        the record from the problem's path, the words from its key and params."""
        place = place or self._l10n_in_einv_problem_place(problem, items)
        code = "" if problem.code in (validation.SCHEMA_CODE, validation.LOCAL_CODE) else f" [{problem.code}]"
        return f"{place}: {self._l10n_in_einv_problem_text(problem)}{code}"

    def _l10n_in_einv_problem_text(self, problem):
        """What is wrong, in the user's language: this module's wording of the problem's key
        (tools/problem_texts.py), or irp's English template for a key not worded there."""
        label = FIELD_LABELS.get(problem.field)
        field_label = self.env._(label) if label is not None else None
        template = PROBLEM_TEXTS.get(problem.key)
        text = problem.render(self.env._(template), field_label) if template is not None else None
        english = validation.TEMPLATES.get(problem.key)
        return text or (english and problem.render(english, field_label)) or problem.text

    def _l10n_in_einv_problem_place(self, problem, items=()):
        """The Odoo record a problem is about, from its path: the invoice line (number and
        product) for an item, else the company, customer, address or invoice."""
        index = validation.item_index(problem.path)
        if index is None:
            return self._l10n_in_einv_place(problem.section, problem.field)
        if index >= len(items):
            return _("Invoice lines")
        line = items[index]["_line"]
        number = self._l10n_in_einv_line_number(line)
        if line.product_id:
            return _("Line %(number)d (product '%(product)s')", number=number, product=line.product_id.name)
        return _("Line %(number)d ('%(name)s')", number=number, name=_text(line.name, 60))

    def _l10n_in_einv_line_number(self, line):
        """The row of the line in the invoice form (sections and notes count, as the user sees them)."""
        ids = self.invoice_line_ids.ids
        return ids.index(line.id) + 1 if line.id in ids else 0

    def _l10n_in_einv_place(self, section, field=None):
        """Words for the record behind a top-level block of the payload."""
        if section == "SellerDtls":
            return _("Company '%(name)s'", name=self.company_id.name)
        if section == "BuyerDtls":
            return _("Customer '%(name)s'", name=self.partner_id.commercial_partner_id.name)
        if section == "ShipDtls":
            return _("Delivery address '%(name)s'", name=self.partner_shipping_id.display_name)
        if section == "DispDtls":
            return _("Dispatch address '%(name)s'", name=self._l10n_in_get_warehouse_address().display_name)
        if section == "TranDtls" and field == "EcmGstin":
            return _("E-commerce operator '%(name)s'", name=self.l10n_in_reseller_partner_id.display_name)
        if section == "ExpDtls":
            return _("Export details (Other Info tab)")
        if section == "RefDtls":
            original = self.reversed_entry_id or self.debit_origin_id
            return _("Original invoice '%(name)s'", name=original.name or "")
        if section == "PayDtls":
            return _("Payment details")
        if section == "EwbDtls":
            return _("E-way bill details")
        return _("Invoice '%(name)s'", name=self.name or "")
