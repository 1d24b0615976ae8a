"""Coexistence with Odoo's own l10n_in_edi / l10n_in_edi_ewaybill (installed beside the
addon by scripts/test), and import of what they registered. The IRNs are genuine ones
from the sandbox, stored the way l10n_in_edi stores its IAP reply: an attachment holding
json.dumps of the IRP's data, linked from an account.edi.document."""
import base64
import json

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..irp.ist import parse_ist
from .common import L10nInEinvoiceCommon


def _naive(moment):
    return moment.replace(tzinfo=None) if moment else False


@tagged("post_install", "-at_install")
class TestEinvoiceOdooEdi(L10nInEinvoiceCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.format_einvoice = cls.env.ref("l10n_in_edi.edi_in_einvoice_json_1_03")
        cls.format_ewaybill = cls.env.ref("l10n_in_edi_ewaybill.edi_in_ewaybill_json_1_03")
        # as a company sending through Odoo's IAP service has it
        cls.company_data["default_journal_sale"].edi_format_ids = [Command.link(cls.format_einvoice.id)]

    # --- helpers ---------------------------------------------------------------------------

    def _documents(self, move, edi_format):
        return move.edi_document_ids.filtered(lambda doc: doc.edi_format_id == edi_format)

    def _register(self, move):
        """Register `move` at the sandbox as Odoo's IAP service would have: our payload, sent
        outside the addon's records (the reply's data is what l10n_in_edi keeps)."""
        return self.credential._l10n_in_einv_client().generate_irn(move._l10n_in_einv_build_payload())

    def _attach(self, move, suffix, data):
        return self.env["ir.attachment"].create({
            "name": f"{move.name.replace('/', '_')}{suffix}", "raw": json.dumps(data).encode(),
            "res_model": "account.move", "res_id": move.id, "mimetype": "application/json"})

    def _store_as_odoo(self, move, data, state="sent", edi_format=None, suffix="_einvoice.json"):
        """What l10n_in_edi leaves after sending (and, for 'cancelled', after cancelling:
        the document no longer points at the reply, which stays on the move)."""
        attachment = self._attach(move, suffix, data)
        return self.env["account.edi.document"].create({
            "edi_format_id": (edi_format or self.format_einvoice).id, "move_id": move.id, "state": state,
            "attachment_id": attachment.id if state != "cancelled" else False})

    def _import(self):
        return self.env["account.move"]._l10n_in_einv_import_odoo_edi(self.company)

    def _html(self, move):
        return self.env["ir.actions.report"]._render_qweb_html("account.account_invoices", move.ids)[0].decode()

    def _notes(self, move):
        return move.message_ids.filtered(lambda m: m.message_type == "comment").mapped("body")

    # --- only one sender per company --------------------------------------------------------

    def test_enabled_company_posting_creates_no_odoo_document_and_we_send(self):
        # a phone number l10n_in_edi refuses ('Invalid invoice configuration'): its checks do not
        # block posting an invoice this addon sends
        partner = self.partner_intra.copy({"phone": "12345"})
        move = self._invoice(partner, [(self.product_laptop, 1, 30000.0)])
        self.assertEqual(move.state, "posted")
        self.assertFalse(self._documents(move, self.format_einvoice), "Odoo's format must not apply")
        self.assertIsNone(self.format_einvoice._get_move_applicability(move))
        self.assertEqual(move.l10n_in_einv_state, "to_send")
        self._generate(move)
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        self.assertFalse(self._documents(move, self.format_einvoice))

    def test_company_without_our_einvoicing_keeps_odoos_behaviour_and_its_pending_ones_wait(self):
        self.company.l10n_in_einv_enabled = False
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 31000.0)])
        document = self._documents(move, self.format_einvoice)
        self.assertEqual(document.state, "to_send", "Odoo's e-invoicing is untouched without ours")
        self.assertEqual(move.l10n_in_einv_state, "not_applicable")
        self.assertTrue(self.format_einvoice._get_move_applicability(move))
        self.assertTrue(self.format_einvoice._check_move_configuration(self._invoice(
            self.partner_intra.copy({"phone": "12345"}), [(self.product_laptop, 1, 1000.0)], post=False)),
            "Odoo's checks still apply to its own invoices")

        # The company switches to this addon: their document, already waiting, is never sent
        # nor marked done by their scheduled action or 'Process now'.
        self.company.l10n_in_einv_enabled = True
        self.env["account.edi.document"]._cron_process_documents_web_services()
        move.action_process_edi_web_services(with_commit=False)
        self.assertRecordValues(document, [{"state": "to_send", "attachment_id": False, "error": False}])
        self.assertFalse(self.env["account.edi.document"].search([("id", "=", document.id)])._prepare_jobs())

    def test_odoos_waiting_ewaybill_is_not_sent_whatever_the_load_order(self):
        # l10n_in_edi_ewaybill depends on l10n_in_edi, so it loads after this addon and
        # answers _get_move_applicability for its code without calling ours: the guard on
        # account.edi.document is what keeps their scheduled action off.
        # (verified: account.edi.format's MRO is l10n_in_edi_ewaybill, this addon, l10n_in_edi,
        # account_edi; so for l10n_in_edi's own code this addon's override does win)
        self.assertTrue(self.format_ewaybill._get_move_applicability(self._invoice(
            self.partner_inter, [(self.product_laptop, 1, 1000.0, self.igst_18)])))
        self.company.l10n_in_einv_enabled = False
        move = self._invoice(self.partner_inter, [(self.product_laptop, 1, 33000.0, self.igst_18)])
        document = self.env["account.edi.document"].create({
            "edi_format_id": self.format_ewaybill.id, "move_id": move.id, "state": "to_send"})
        self.company.l10n_in_einv_enabled = True
        self.env["account.edi.document"]._cron_process_documents_web_services()
        self.assertRecordValues(document, [{"state": "to_send", "attachment_id": False, "error": False}])

    def test_odoos_send_ewaybill_is_refused_for_an_enabled_company(self):
        move = self._invoice(self.partner_inter, [(self.product_laptop, 1, 32000.0, self.igst_18)])
        with self.assertRaisesRegex(UserError, "does not send for it"):
            self.env["account.edi.document"].create({
                "edi_format_id": self.format_ewaybill.id, "move_id": move.id, "state": "to_send"})
        # nor for a document of theirs sent to again
        document = self._store_as_odoo(move, {}, state="cancelled", edi_format=self.format_ewaybill,
                                       suffix="_unused.json")
        with self.assertRaisesRegex(UserError, "does not send for it"):
            document.write({"state": "to_send"})

    # --- import ---------------------------------------------------------------------------------

    def test_genuine_irn_is_imported_then_cancelled_and_printed_by_us(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 2, 21000.0)])
        result = self._register(move)
        document = self._store_as_odoo(move, result.data)
        registered = self.sandbox.count_irns(self.company.vat)

        report = self._import()
        self.assertEqual(report["irns"], [move.name], report)
        self.assertFalse(report["problems"])
        self.assertRecordValues(move, [{
            "l10n_in_einv_state": "generated", "l10n_in_einv_irn": result.irn, "l10n_in_einv_ack_no": result.ack_no,
            "l10n_in_einv_ack_date": _naive(parse_ist(result.data["AckDt"])),
            "l10n_in_einv_signed_invoice": result.signed_invoice, "l10n_in_einv_signed_qr": result.signed_qr_code,
            "l10n_in_einv_irp_status": "ACT", "l10n_in_einv_queued": False, "l10n_in_einv_error": False,
        }])
        self.assertTrue(any("imported from Odoo's e-invoicing" in body for body in self._notes(move)))
        self.assertEqual(document.state, "sent", "their record is left as it was")
        move.write({"l10n_in_edi_cancel_reason": "2", "l10n_in_edi_cancel_remarks": "Data entry mistake"})
        with self.assertRaisesRegex(UserError, "Cancel IRN"):
            move.button_cancel_posted_moves()  # their 'Request EDI cancellation' would never be processed
        self.assertEqual(self.sandbox.count_irns(self.company.vat), registered, "nothing was sent to the IRP")

        # the scheduled action does not send it again
        self.assertNotIn(move, self.env["account.move"].search(
            self.env["account.move"]._l10n_in_einv_cron_domain(move.create_date)))

        # its QR code prints, ours only (l10n_in_edi's block, printed from its stored reply, is gone)
        html = self._html(move)
        self.assertIn(result.irn, html)
        qr_image = move._l10n_in_einv_qr_image()
        self.assertTrue(qr_image)
        self.assertIn(qr_image.removeprefix("data:image/png;base64,")[:200], html)
        self.assertNotIn("barcode_type=QR", html)

        # it cancels through the addon, at the IRP
        cancelled, message = move._l10n_in_einv_cancel("2", "Data entry mistake")
        self.assertTrue(cancelled, message)
        self.assertRecordValues(move, [{"l10n_in_einv_state": "cancelled", "l10n_in_einv_irp_status": "CNL"}])
        self.assertEqual(self.credential._l10n_in_einv_client().get_irn(result.irn).status, "CNL")
        self.assertEqual(document.state, "sent", "their cron never cancels it")
        html = self._html(move)
        self.assertIn("IRN CANCELLED", html)
        self.assertNotIn("barcode_type=QR", html, "their block would print the cancelled IRN's QR as valid")

    def test_tampered_signed_invoice_is_refused_and_the_invoice_left_alone(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 22000.0)])
        result = self._register(move)
        header, claims, signature = result.signed_invoice.split(".")
        decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
        data = json.loads(decoded["data"])
        data["ValDtls"]["TotInvVal"] = 1.0
        decoded["data"] = json.dumps(data)
        forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).decode().rstrip("=")
        self._store_as_odoo(move, dict(result.data, SignedInvoice=f"{header}.{forged}.{signature}"))
        bill = self.credential._l10n_in_einv_client().generate_ewaybill(
            {"Irn": result.irn, "TransMode": "1", "Distance": 0, "VehNo": "KA01AB1234", "VehType": "R"})
        self._store_as_odoo(move, bill.data, edi_format=self.format_ewaybill, suffix="_irn_ewaybill.json")

        report = self._import()
        self.assertFalse(report["irns"] or report["ewaybills"], report)
        self.assertEqual([name for name, _problem in report["problems"]], [move.name])
        self.assertIn("NOT imported", report["problems"][0][1])
        self.assertIn("signature", report["problems"][0][1])
        self.assertRecordValues(move, [{"l10n_in_einv_state": "to_send", "l10n_in_einv_irn": False,
                                        "l10n_in_einv_signed_invoice": False, "l10n_in_einv_ewb_no": False}])
        self.assertTrue(any("NOT imported" in body for body in self._notes(move)))
        self.assertIn("barcode_type=QR", self._html(move), "l10n_in_edi's own printing is left as it was")
        # reported again on every run, noted once
        notes = len(self._notes(move))
        self.assertEqual([name for name, _problem in self._import()["problems"]], [move.name])
        self.assertEqual(len(self._notes(move)), notes)

        # an IRN stored on another invoice is refused too (the signed document number differs)
        other = self._invoice(self.partner_intra, [(self.product_laptop, 1, 22000.0)])
        self._store_as_odoo(other, result.data)
        report = self._import()
        self.assertIn(other.name, dict(report["problems"]))
        self.assertFalse(other.l10n_in_einv_irn)

    def test_ewaybills_and_cancelled_irns_are_imported_once(self):
        # an IRN with its e-way bill made from it (IRP words)
        move = self._invoice(self.partner_inter, [(self.product_laptop, 1, 23000.0, self.igst_18)])
        result = self._register(move)
        bill = self.credential._l10n_in_einv_client().generate_ewaybill(
            {"Irn": result.irn, "TransMode": "1", "Distance": 0, "VehNo": "KA01AB1234", "VehType": "R"})
        self._store_as_odoo(move, result.data)
        self._store_as_odoo(move, bill.data, edi_format=self.format_ewaybill, suffix="_irn_ewaybill.json")
        # an IRN Odoo's e-invoicing cancelled at the IRP
        gone = self._invoice(self.partner_intra, [(self.product_service, 1, 12000.0)])
        gone_result = self._register(gone)
        cancel = self.credential._l10n_in_einv_client().cancel_irn(gone_result.irn, "1", "Duplicate")
        gone.write({"l10n_in_edi_cancel_reason": "1", "l10n_in_edi_cancel_remarks": "Duplicate"})
        self._store_as_odoo(gone, gone_result.data, state="cancelled")
        self._attach(gone, "_cancel_einvoice.json", cancel.data)
        # a direct e-way bill (e-way bill system words) of an invoice without IRN, later cancelled
        b2c = self._invoice(self.partner_unregistered, [(self.product_rice, 4, 2500.0)])
        self._store_as_odoo(b2c, {"ewayBillNo": 331009876543, "ewayBillDate": "02/12/2026 10:15:00 AM",
                                  "validUpto": "03/12/2026 11:59:00 PM"},
                            state="cancelled", edi_format=self.format_ewaybill, suffix="_ewaybill.json")

        report = self._import()
        self.assertCountEqual(report["irns"], [move.name, gone.name])
        self.assertCountEqual(report["ewaybills"], [move.name, b2c.name])
        self.assertFalse(report["problems"] or report["blocked"], report)
        self.assertRecordValues(move, [{
            "l10n_in_einv_state": "generated", "l10n_in_einv_irn": result.irn, "l10n_in_einv_ewb_no": bill.ewb_no,
            "l10n_in_einv_ewb_date": _naive(bill.ewb_date), "l10n_in_einv_ewb_valid_till": _naive(bill.ewb_valid_till),
            "l10n_in_einv_ewb_status": "active"}])
        self.assertRecordValues(gone, [{
            "l10n_in_einv_state": "cancelled", "l10n_in_einv_irn": gone_result.irn, "l10n_in_einv_irp_status": "CNL",
            "l10n_in_einv_cancel_date": _naive(cancel.cancel_date), "l10n_in_einv_cancel_reason": "1",
            "l10n_in_einv_cancel_remark": "Duplicate"}])
        self.assertRecordValues(b2c, [{
            "l10n_in_einv_irn": False, "l10n_in_einv_ewb_no": "331009876543", "l10n_in_einv_ewb_status": "cancelled",
            "l10n_in_einv_ewb_date": _naive(parse_ist("2026-12-02 10:15:00"))}])

        # idempotent: a second run imports nothing and writes no note
        notes = {m: len(self._notes(m)) for m in (move, gone, b2c)}
        again = self._import()
        self.assertFalse(again["irns"] or again["ewaybills"] or again["problems"], again)
        self.assertEqual({m: len(self._notes(m)) for m in (move, gone, b2c)}, notes)

    def test_switching_on_imports_and_the_settings_button_reports(self):
        self.company.l10n_in_einv_enabled = False
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 24000.0)])
        self._documents(move, self.format_einvoice).unlink()  # sent by Odoo's IAP service, as below
        self._store_as_odoo(move, self._register(move).data)
        self.company.l10n_in_einv_enabled = True
        self.assertEqual(move.l10n_in_einv_state, "generated", "imported when e-invoicing was switched on")

        later = self._invoice(self.partner_intra, [(self.product_laptop, 1, 25000.0)])
        self._store_as_odoo(later, self._register(later).data)
        settings = self.env["res.config.settings"].create({})
        action = settings.action_l10n_in_einv_import_odoo_edi()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(later.name, action["params"]["message"])
        self.assertIn("1 IRNs imported", action["params"]["message"])
        self.assertEqual(later.l10n_in_einv_state, "generated")
        action = settings.action_l10n_in_einv_import_odoo_edi()
        self.assertIn("Nothing to import", action["params"]["message"])

    def test_without_a_signing_certificate_nothing_is_imported(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 26000.0)])
        self._store_as_odoo(move, self._register(move).data)
        self.credential.active = False
        report = self._import()
        self.assertIn("No IRP signing certificate", report["blocked"])
        self.assertFalse(report["irns"])
        self.assertFalse(move.l10n_in_einv_irn)
        action = self.env["account.move"]._l10n_in_einv_import_odoo_edi_notification(report)
        self.assertEqual(action["params"]["type"], "warning")

    def test_saving_the_certificate_imports_what_waited_for_it(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 26500.0)])
        self._store_as_odoo(move, self._register(move).data)
        certificate = self.credential.signing_certificate
        self.credential.signing_certificate = False
        self.assertTrue(self._import()["blocked"])
        self.assertFalse(move.l10n_in_einv_irn)
        self.credential.signing_certificate = certificate  # the credentials are completed
        self.assertEqual(move.l10n_in_einv_state, "generated")
        self.assertTrue(move.l10n_in_einv_irn)
