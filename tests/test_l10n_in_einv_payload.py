"""The Generate-IRN payload built from real posted moves: every supply type, the
arithmetic the IRP checks, and the pre-flight messages users see."""
import re
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..irp import validation
from ..irp.client import IrpClient, IrpConfig
from ..sandbox import master
from ..tools.problem_texts import FIELD_LABELS, PROBLEM_TEXTS
from .common import L10nInEinvoiceMappingCommon

ITEM_TAXES = ("IgstAmt", "CgstAmt", "SgstAmt", "CesAmt", "CesNonAdvlAmt", "StateCesAmt", "StateCesNonAdvlAmt")
TOTAL_SUMS = (
    ("AssVal", ("AssAmt",)), ("CgstVal", ("CgstAmt",)), ("SgstVal", ("SgstAmt",)), ("IgstVal", ("IgstAmt",)),
    ("CesVal", ("CesAmt", "CesNonAdvlAmt")), ("StCesVal", ("StateCesAmt", "StateCesNonAdvlAmt")),
    ("OthChrg", ("OthChrg",)),
)


@tagged("post_install", "-at_install")
class TestL10nInEinvPayload(L10nInEinvoiceMappingCommon):

    def _payload(self, move, tax_in_total=True, igst_in_total=True):
        """Build, validate (NIC schema + IRP rules, strict GSTINs) and check the arithmetic.

        tax_in_total: False when the buyer does not pay the stated tax (reverse charge,
        export with IGST paid by the supplier), so items state their total without it.
        igst_in_total: False for SEZWP with IGST paid by the supplier: the items state it
        (only RC and EXPWP may leave it out of TotItemVal) but TotInvVal is the invoice total.
        """
        applicable, reason = move._l10n_in_einv_applicability()
        self.assertTrue(applicable, reason)
        payload = move._l10n_in_einv_build_payload()
        problems = validation.validate_invoice(payload, require_check_digit=True)
        self.assertEqual([str(problem) for problem in problems], [])
        self.assertEqual(move._l10n_in_einv_preflight(), [])

        items, totals = payload["ItemList"], payload["ValDtls"]
        self.assertEqual([item["SlNo"] for item in items], [str(i) for i in range(1, len(items) + 1)])
        for item in items:
            self.assertEqual(item["AssAmt"], round(item["TotAmt"] - item.get("Discount", 0.0), 2), item)
            parts = round(sum(item.get(key, 0.0) for key in ("AssAmt", "OthChrg") + ITEM_TAXES), 2)
            if tax_in_total:
                self.assertEqual(item["TotItemVal"], parts, item)
            for key in ("AssAmt", "TotItemVal") + ITEM_TAXES:
                self.assertGreaterEqual(item.get(key, 0.0), 0.0, item)
        for total_key, item_keys in TOTAL_SUMS:
            self.assertEqual(totals.get(total_key, 0.0),
                             round(sum(item.get(key, 0.0) for item in items for key in item_keys), 2), total_key)
        # Header other charges beyond the items' are the lines that are not items (nil-rated, exempt, non-GST).
        not_items = totals.get("OthChrg", 0.0) - sum(item.get("OthChrg", 0.0) for item in items)
        self.assertGreaterEqual(round(not_items, 2), 0.0)
        by_items = round(sum(item["TotItemVal"] for item in items) + not_items - totals.get("Discount", 0.0)
                         + totals.get("RndOffAmt", 0.0) - (0.0 if igst_in_total else totals.get("IgstVal", 0.0)), 2)
        self.assertEqual(totals["TotInvVal"], by_items)
        self._assert_total_is_invoice_total(move, payload)
        return payload

    def _assert_total_is_invoice_total(self, move, payload):
        # amount_total_signed is the invoice total in the company currency (INR).
        self.assertAlmostEqual(payload["ValDtls"]["TotInvVal"], abs(move.amount_total_signed), places=2)

    # --- supply types ----------------------------------------------------------------------

    def test_intra_state_cgst_sgst(self):
        move = self._invoice(self.partner_intra, [
            (self.product_laptop, 2, 50000.0), (self.product_rice, 10, 2500.0), (self.product_service, 1, 12000.0)])
        payload = self._payload(move)
        self.assertEqual(payload["Version"], "1.1")
        self.assertEqual(payload["TranDtls"], {"TaxSch": "GST", "SupTyp": "B2B", "RegRev": "N", "IgstOnIntra": "N"})
        self.assertEqual(payload["DocDtls"], {
            "Typ": "INV", "No": move.name, "Dt": move.invoice_date.strftime("%d/%m/%Y")})
        seller, buyer = payload["SellerDtls"], payload["BuyerDtls"]
        self.assertEqual((seller["Gstin"], seller["Stcd"], seller["Pin"]),
                         (master.SELLER_KA["gstin"], "29", master.SELLER_KA["pin"]))
        self.assertEqual((buyer["Gstin"], buyer["Pos"], buyer["Stcd"], buyer["Pin"], buyer["LglNm"]),
                         (master.BUYER_KA["gstin"], "29", "29", master.BUYER_KA["pin"], master.BUYER_KA["legal_name"]))
        self.assertNotIn("GSTIN", buyer)  # canonical casing only
        self.assertNotIn("ShipDtls", payload)
        laptop, rice, service = payload["ItemList"]
        self.assertEqual((laptop["HsnCd"], laptop["IsServc"], laptop["Unit"], laptop["Qty"], laptop["UnitPrice"]),
                         ("84713010", "N", "UNT", 2.0, 50000.0))
        self.assertEqual((laptop["AssAmt"], laptop["GstRt"], laptop["CgstAmt"], laptop["SgstAmt"], laptop["IgstAmt"]),
                         (100000.0, 18.0, 9000.0, 9000.0, 0.0))
        self.assertEqual(laptop["TotItemVal"], 118000.0)
        self.assertEqual((rice["Unit"], rice["GstRt"], rice["CgstAmt"]), ("KGS", 5.0, 625.0))
        self.assertEqual((service["IsServc"], service["HsnCd"]), ("Y", "998314"))
        self.assertEqual(payload["ValDtls"]["AssVal"], 137000.0)
        self.assertNotIn("ExpDtls", payload)
        self.assertNotIn("RefDtls", payload)

    def test_inter_state_igst(self):
        move = self._invoice(self.partner_inter, [(self.product_laptop, 1, 50000.0, self.igst_18)])
        payload = self._payload(move)
        self.assertEqual(payload["TranDtls"]["SupTyp"], "B2B")
        self.assertEqual(payload["TranDtls"]["IgstOnIntra"], "N")
        self.assertEqual(payload["BuyerDtls"]["Pos"], "27")
        item = payload["ItemList"][0]
        self.assertEqual((item["IgstAmt"], item["CgstAmt"], item["SgstAmt"], item["GstRt"]), (9000.0, 0.0, 0.0, 18.0))
        self.assertEqual(payload["ValDtls"]["IgstVal"], 9000.0)

    def test_igst_on_intra_state_supply(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0, self.igst_18)])
        payload = self._payload(move)
        self.assertEqual(payload["TranDtls"]["IgstOnIntra"], "Y")

    def test_sez_with_payment(self):
        move = self._invoice(self.partner_sez, [(self.product_laptop, 1, 50000.0, self.igst_18)])
        payload = self._payload(move)
        self.assertEqual(payload["TranDtls"]["SupTyp"], "SEZWP")
        self.assertEqual((payload["BuyerDtls"]["Gstin"], payload["BuyerDtls"]["Pos"]),
                         (master.BUYER_SEZ_TN["gstin"], "33"))
        self.assertEqual(payload["ValDtls"]["IgstVal"], 9000.0)

    def test_sez_with_payment_by_supplier(self):
        """Odoo's 'SEZ/export' tax: IGST paid by the supplier, not charged to the buyer.
        Only RC and EXPWP may leave that tax out of the item totals, so for SEZWP it is in
        the item; TotInvVal is the invoice total the buyer sees (as Odoo's l10n_in_edi sends it)."""
        move = self._invoice(self.partner_sez, [(self.product_laptop, 1, 50000.0, self.igst_18_paid)])
        payload = self._payload(move, igst_in_total=False)
        self.assertEqual(payload["TranDtls"]["SupTyp"], "SEZWP")
        self.assertEqual(move.amount_total, 50000.0)
        self.assertEqual(payload["ItemList"][0]["TotItemVal"], 59000.0)
        self.assertEqual(payload["ValDtls"]["IgstVal"], 9000.0)
        self.assertEqual(payload["ValDtls"]["TotInvVal"], 50000.0)

    def test_sez_without_payment(self):
        move = self._invoice(self.partner_sez, [(self.product_laptop, 1, 50000.0, self.igst_18_lut)])
        payload = self._payload(move)
        self.assertEqual(payload["TranDtls"]["SupTyp"], "SEZWOP")
        item = payload["ItemList"][0]
        self.assertEqual((item["GstRt"], item["IgstAmt"], item["TotItemVal"]), (18.0, 0.0, 50000.0))

    def _export(self, taxes, **values):
        return self._invoice(self.partner_overseas, [(self.product_laptop, 3, 1000.0, taxes)],
                             currency_id=self.usd.id, l10n_in_shipping_bill_number="SB7654321",
                             l10n_in_shipping_bill_date=fields.Date.context_today(self.env.user),
                             l10n_in_shipping_port_code_id=self.port.id, **values)

    def test_export_with_payment_foreign_currency(self):
        move = self._export(self.igst_18_paid)
        payload = self._payload(move, tax_in_total=False)
        self.assertEqual(payload["TranDtls"]["SupTyp"], "EXPWP")
        buyer = payload["BuyerDtls"]
        self.assertEqual((buyer["Gstin"], buyer["Pin"], buyer["Stcd"], buyer["Pos"]), ("URP", 999999, "96", "96"))
        item = payload["ItemList"][0]
        # 3 x 1000 USD at 80 INR: every amount in INR.
        self.assertEqual((item["Qty"], item["UnitPrice"], item["AssAmt"], item["IgstAmt"]),
                         (3.0, 80000.0, 240000.0, 43200.0))
        self.assertEqual(item["TotItemVal"], 240000.0)  # the buyer does not pay the IGST
        self.assertEqual(payload["ValDtls"]["TotInvVal"], 240000.0)
        self.assertEqual(payload["ValDtls"]["TotInvValFc"], 3000.0)
        self.assertEqual(payload["ExpDtls"], {
            "ShipBNo": "SB7654321", "ShipBDt": move.l10n_in_shipping_bill_date.strftime("%d/%m/%Y"),
            "Port": "INNSA1", "RefClm": "Y", "ForCur": "USD", "CntCode": "AE"})

    def test_export_without_payment(self):
        # Invoiced in INR, shipping bill and port not known yet: only what is known is sent.
        move = self._invoice(self.partner_overseas, [(self.product_laptop, 1, 50000.0, self.igst_18_lut)])
        payload = self._payload(move)
        self.assertEqual(payload["TranDtls"]["SupTyp"], "EXPWOP")
        self.assertEqual(payload["ExpDtls"], {"RefClm": "N", "CntCode": "AE"})
        self.assertNotIn("TotInvValFc", payload["ValDtls"])
        self.assertEqual(payload["ItemList"][0]["IgstAmt"], 0.0)
        self.assertEqual(payload["BuyerDtls"]["Gstin"], "URP")

    def test_deemed_export(self):
        move = self._invoice(self.partner_deemed, [(self.product_laptop, 1, 50000.0, self.igst_18)])
        payload = self._payload(move)
        self.assertEqual(payload["TranDtls"]["SupTyp"], "DEXP")
        self.assertEqual(payload["BuyerDtls"]["Gstin"], master.BUYER_TN["gstin"])

    def test_reverse_charge(self):
        move = self._invoice(self.partner_inter, [(self.product_service, 1, 12000.0, self.igst_18_rc)])
        payload = self._payload(move, tax_in_total=False)
        self.assertEqual(payload["TranDtls"]["RegRev"], "Y")
        item = payload["ItemList"][0]
        self.assertEqual((item["IgstAmt"], item["TotItemVal"]), (2160.0, 12000.0))

    def test_ecommerce_operator(self):
        operator = self._partner_from_master(master.ECOM_TCS, self.state_ka)
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)],
                             l10n_in_reseller_partner_id=operator.id)
        self.assertEqual(self._payload(move)["TranDtls"]["EcmGstin"], master.ECOM_TCS["gstin"])
        # A plain reseller is not an e-commerce operator: no EcmGstin.
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)],
                             l10n_in_reseller_partner_id=self.partner_inter.id)
        self.assertNotIn("EcmGstin", self._payload(move)["TranDtls"])

    # --- amounts -----------------------------------------------------------------------------

    def test_cess_percent_and_non_ad_valorem(self):
        move = self._invoice(self.partner_intra, [(self.product_car, 2, 600000.0)])
        payload = self._payload(move)
        item = payload["ItemList"][0]
        self.assertEqual((item["GstRt"], item["CgstAmt"], item["SgstAmt"]), (28.0, 168000.0, 168000.0))
        self.assertEqual((item["CesRt"], item["CesAmt"], item["CesNonAdvlAmt"]), (12.0, 144000.0, 800.0))
        self.assertEqual(payload["ValDtls"]["CesVal"], 144800.0)

    def test_line_discount(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 3, 33333.33, self.gst_18, 7.5)])
        payload = self._payload(move)
        item = payload["ItemList"][0]
        self.assertEqual((item["TotAmt"], item["UnitPrice"]), (99999.99, 33333.33))
        self.assertEqual(item["AssAmt"], round(move.invoice_line_ids.price_subtotal, 2))
        self.assertEqual(item["Discount"], round(99999.99 - item["AssAmt"], 2))

    def test_negative_lines_folded(self):
        move = self._invoice(self.partner_intra, [
            (self.product_laptop, 2, 50000.0), (self.product_laptop, -1, 5000.0),
            (self.product_rice, 4, 2500.0), (self.product_no_hsn, 1, -1000.0),
        ])
        payload = self._payload(move)
        self.assertEqual(len(payload["ItemList"]), 2)
        laptop = payload["ItemList"][0]
        # The laptop return (same HSN and rate) and the loyalty discount (no HSN, same rate) both land on it.
        self.assertEqual((laptop["TotAmt"], laptop["Discount"], laptop["AssAmt"]), (100000.0, 6000.0, 94000.0))
        self.assertEqual((laptop["CgstAmt"], laptop["SgstAmt"]), (8460.0, 8460.0))

    def test_negative_line_without_counterpart(self):
        move = self._invoice(self.partner_intra, [(self.product_rice, 4, 2500.0), (self.product_laptop, -1, 5000.0)])
        problems = move._l10n_in_einv_preflight()
        self.assertTrue(any("negative" in problem and "84713010" in problem for problem in problems), problems)

    def test_cash_rounding_add_invoice_line(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 1234.56)],
                             invoice_cash_rounding_id=self._cash_rounding("add_invoice_line").id)
        payload = self._payload(move)
        self.assertEqual(move.amount_total, 1457.0)
        self.assertEqual(payload["ValDtls"]["RndOffAmt"], 0.22)

    def test_cash_rounding_biggest_tax(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 1234.56)],
                             invoice_cash_rounding_id=self._cash_rounding("biggest_tax").id)
        payload = self._payload(move)
        self.assertEqual(move.amount_total, 1457.0)
        totals = payload["ValDtls"]
        # Odoo books the rounding on one tax line; the IRP wants CGST = SGST and the difference as rounding.
        self.assertEqual((totals["CgstVal"], totals["SgstVal"], totals["RndOffAmt"]), (111.11, 111.11, 0.22))

    def test_price_included_tax(self):
        included = self.cgst_9_incl + self.sgst_9_incl
        move = self._invoice(self.partner_intra, [(self.product_laptop, 2, 1180.0, included)])
        payload = self._payload(move)
        item = payload["ItemList"][0]
        self.assertEqual((item["UnitPrice"], item["AssAmt"], item["CgstAmt"], item["SgstAmt"], item["TotItemVal"]),
                         (1000.0, 2000.0, 180.0, 180.0, 2360.0))

    def test_invoice_level_discount_line(self):
        untaxed = self.env["account.tax"]
        move = self._invoice(self.partner_intra, [
            (self.product_laptop, 1, 50000.0),
            {"name": "Settlement discount", "quantity": 1, "price_unit": -500.0, "tax_ids": [Command.set(untaxed.ids)]},
        ])
        payload = self._payload(move)
        self.assertEqual(len(payload["ItemList"]), 1)
        self.assertEqual(payload["ValDtls"]["Discount"], 500.0)

    # --- credit and debit notes ---------------------------------------------------------------

    def test_credit_note_refers_to_invoice(self):
        invoice = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)])
        credit_note = invoice._reverse_moves([{"invoice_date": invoice.invoice_date}])
        credit_note.action_post()
        payload = self._payload(credit_note)
        self.assertEqual(payload["DocDtls"]["Typ"], "CRN")
        self.assertEqual(payload["RefDtls"], {"PrecDocDtls": [
            {"InvNo": invoice.name, "InvDt": invoice.invoice_date.strftime("%d/%m/%Y")}]})
        self.assertEqual(payload["ItemList"][0]["AssAmt"], 50000.0)

    def test_standalone_credit_note(self):
        credit_note = self._invoice(self.partner_intra, [(self.product_laptop, 1, 2000.0)], move_type="out_refund")
        payload = self._payload(credit_note)
        self.assertEqual(payload["DocDtls"]["Typ"], "CRN")
        self.assertNotIn("RefDtls", payload)

    def test_debit_note(self):
        invoice = self._invoice(self.partner_inter, [(self.product_laptop, 1, 50000.0, self.igst_18)])
        wizard = self.env["account.debit.note"].with_context(active_model="account.move", active_ids=invoice.ids) \
            .create({"reason": "Price revision", "copy_lines": True})
        debit_note = self.env["account.move"].browse(wizard.create_debit()["res_id"])
        debit_note.invoice_line_ids.price_unit = 1500.0
        debit_note.action_post()
        payload = self._payload(debit_note)
        self.assertEqual(payload["DocDtls"]["Typ"], "DBN")
        self.assertEqual(payload["RefDtls"]["PrecDocDtls"][0]["InvNo"], invoice.name)

    # --- addresses --------------------------------------------------------------------------

    def test_ship_to_block_with_gstin(self):
        warehouse = self.env["res.partner"].create({
            "type": "delivery", "parent_id": self.partner_intra.id, "name": "Brindavan Mysuru warehouse",
            "street": "Hunsur Road 7", "city": "Mysuru", "zip": "570017", "state_id": self.state_ka.id,
            "country_id": self.country_in.id,
        })
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)],
                             partner_shipping_id=warehouse.id)
        ship = self._payload(move)["ShipDtls"]
        self.assertEqual(ship, {
            "Gstin": master.BUYER_KA["gstin"], "LglNm": master.BUYER_KA["legal_name"], "Addr1": "Hunsur Road 7",
            "Loc": "Mysuru", "Pin": 570017, "Stcd": "29"})

        consignee = self.env["res.partner"].create({
            "name": "Mysuru Home Stores", "street": "Irwin Road 3", "city": "Mysuru", "zip": "570001",
            "state_id": self.state_ka.id, "country_id": self.country_in.id,
        })
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)],
                             partner_shipping_id=consignee.id)
        self.assertEqual(self._payload(move)["ShipDtls"]["Gstin"], "URP")

    def test_contact_details_cleaned(self):
        self.company.partner_id.write({"phone": "+91 80 4567 8901", "email": "accounts at kaveri"})
        self.partner_intra.write({"phone": "0821-2345678", "email": "purchase@brindavan.example"})
        payload = self._payload(self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)]))
        self.assertEqual(payload["SellerDtls"]["Ph"], "918045678901")
        self.assertNotIn("Em", payload["SellerDtls"])  # not an address NIC accepts: left out, not refused
        self.assertEqual((payload["BuyerDtls"]["Ph"], payload["BuyerDtls"]["Em"]),
                         ("08212345678", "purchase@brindavan.example"))

    def test_payment_details(self):
        bank = self.env["res.partner.bank"].create({
            "acc_number": "5010 0123 4567 89", "partner_id": self.company.partner_id.id,
            "bank_id": self.env["res.bank"].create({"name": "HDFC Bank", "bic": "HDFC0000123"}).id,
        })
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)], partner_bank_id=bank.id,
                             invoice_payment_term_id=self.env.ref("account.account_payment_term_30days").id)
        self.assertEqual(self._payload(move)["PayDtls"], {
            "Nm": self.company.partner_id.name, "AccDet": "50100123456789", "FinInsBr": "HDFC0000123",
            "PayTerm": "30 Days", "CrDay": 30, "PaymtDue": 59000.0})

    # --- applicability and pre-flight ---------------------------------------------------------

    def test_b2c_not_applicable(self):
        move = self._invoice(self.partner_unregistered, [(self.product_laptop, 1, 50000.0)])
        reason = "B2C invoice: e-invoicing applies to registered buyers, exports and SEZ only."
        self.assertEqual(move._l10n_in_einv_applicability(), (False, reason))
        self.assertEqual(move._l10n_in_einv_preflight(), [reason])
        self.assertEqual(move.l10n_in_einv_not_applicable_reason, reason)

    def test_uin_holder_not_applicable_composition_applicable(self):
        embassy = self.env["res.partner"].create({
            "name": "Embassy of Atlantis", "country_id": self.country_in.id, "state_id": self.state_ka.id,
            "street": "Embassy Road 1", "city": "Bengaluru", "zip": "560001", "l10n_in_gst_treatment": "uin_holders",
        })
        applicable, reason = self._invoice(embassy, [(self.product_laptop, 1, 50000.0)])._l10n_in_einv_applicability()
        self.assertFalse(applicable)
        self.assertIn("UIN holder", reason)
        dealer = self._partner_from_master(master.BUYER_KA, self.state_ka, l10n_in_gst_treatment="composition")
        move = self._invoice(dealer, [(self.product_laptop, 1, 50000.0)])
        self.assertEqual(self._payload(move)["TranDtls"]["SupTyp"], "B2B")

    def test_vendor_bill_and_draft_not_applicable(self):
        draft = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)], post=False)
        self.assertFalse(draft._l10n_in_einv_applicability()[0])
        bill = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0, self.env["account.tax"])],
                             move_type="in_invoice")
        self.assertFalse(bill._l10n_in_einv_applicability()[0])

    def test_preflight_reports_every_problem_at_once(self):
        partner = self._partner_from_master(master.BUYER_KA, self.state_ka, zip="4000", name="Careless Traders")
        gadget = self.env["product.product"].create({
            "name": "Mystery gadget", "type": "consu", "taxes_id": [Command.set(self.gst_18.ids)]})
        move = self._invoice(partner, [(gadget, 1, 1000.0), (self.product_laptop, 1, 50000.0)])
        problems = move._l10n_in_einv_preflight()
        self.assertIn("Product 'Mystery gadget': set its HSN/SAC code (General Information tab)", problems)
        self.assertIn("Customer 'Careless Traders': the PIN code '4000' must be 6 digits, the first not 0", problems)
        # Each problem is told once, not once by Odoo and again by the IRP rules.
        self.assertFalse([p for p in problems if "Line 1" in p or "PIN code (Pin)" in p], problems)

    def test_preflight_maps_irp_rules_to_records(self):
        # A PIN of the wrong state: only the IRP rules (2178) see it; the message names the customer.
        partner = self._partner_from_master(master.BUYER_KA, self.state_ka, zip="400001", name="Misplaced Traders")
        move = self._invoice(partner, [(self.product_laptop, 1, 50000.0)])
        problems = move._l10n_in_einv_preflight()
        self.assertEqual(len(problems), 1, problems)
        self.assertTrue(problems[0].startswith("Customer 'Misplaced Traders': "), problems)
        self.assertIn("2178", problems[0])

    def test_sandbox_irp_accepts_the_payloads(self):
        """The local IRP (its own business rules, real HTTP and crypto) registers each tricky payload."""
        user = next(user for user in self.sandbox.users if user["gstin"] == master.SELLER_KA["gstin"])
        client = IrpClient(IrpConfig(
            base_url=self.sandbox.url, gstin=user["gstin"], client_id=self.sandbox.client_id,
            client_secret=self.sandbox.client_secret, user_name=user["user_name"], password=user["password"],
            encryption_public_key=self.sandbox.encryption_public_pem,
            signing_certificates=[self.sandbox.signing_certificate_pem.decode()], read_timeout=10))
        invoice = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)])
        credit_note = invoice._reverse_moves([{"invoice_date": invoice.invoice_date}])
        credit_note.action_post()
        moves = invoice + credit_note + self._export(self.igst_18_paid) + self._export(self.igst_18_lut) + (
            self._invoice(self.partner_sez, [(self.product_laptop, 1, 50000.0, self.igst_18_paid)])
            + self._invoice(self.partner_sez, [(self.product_rice, 2, 2500.0, self.igst_18_lut)])
            + self._invoice(self.partner_deemed, [(self.product_laptop, 1, 50000.0, self.igst_18)])
            + self._invoice(self.partner_inter, [(self.product_service, 1, 12000.0, self.igst_18_rc)])
            + self._invoice(self.partner_intra, [(self.product_car, 1, 600000.0)])
            + self._invoice(self.partner_intra, [(self.product_laptop, 2, 50000.0), (self.product_no_hsn, 1, -999.0)])
            + self._invoice(self.partner_intra, [(self.product_laptop, 1, 1234.56)],
                            invoice_cash_rounding_id=self._cash_rounding("biggest_tax").id)
            + self._invoice(self.partner_intra, [(self.product_laptop, 2, 1180.0, self.cgst_9_incl + self.sgst_9_incl)])
        )
        for move in moves:
            tran = move._l10n_in_einv_build_payload()["TranDtls"]
            supplier_borne = tran["SupTyp"] == "SEZWP" and move.amount_total < move.amount_untaxed + 1
            payload = self._payload(move, tax_in_total=tran["RegRev"] == "N" and tran["SupTyp"] != "EXPWP",
                                    igst_in_total=not supplier_borne)
            result = client.generate_irn(payload)
            self.assertEqual(len(result.irn), 64, move.name)
            self.assertEqual(result.invoice_data["ValDtls"]["TotInvVal"], payload["ValDtls"]["TotInvVal"])

    def test_thousand_line_invoice(self):
        lines = [(self.product_laptop if i % 3 else self.product_rice, 1 + i % 7, 100.0 + i * 0.37)
                 for i in range(1000)]
        move = self._invoice(self.partner_intra, lines)
        payload = self._payload(move)
        self.assertEqual(len(payload["ItemList"]), 1000)

    # --- user data is checked, never altered ------------------------------------------------------

    def test_malformed_hsn_names_the_product_and_is_sent_as_entered(self):
        widget = self._product("Widget", "84AB3010", 1000.0, self.gst_18)
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0), (widget, 2, 1000.0)])
        self.assertEqual(move._l10n_in_einv_build_payload()["ItemList"][1]["HsnCd"], "84AB3010")
        problems = move._l10n_in_einv_preflight()
        self.assertEqual(problems, [
            "Product 'Widget' (line 2): the HSN/SAC code '84AB3010' must be exactly 4, 6 or 8 digits, not all "
            "zeros: correct it on the product and on the invoice line"])
        with self.assertRaises(UserError):
            move.action_l10n_in_einv_generate()
        self.assertFalse(move.l10n_in_einv_api_log_ids, "nothing may reach the IRP")
        # Surrounding blanks are the only thing trimmed.
        widget.l10n_in_hsn_code = " 8471 "
        move = self._invoice(self.partner_intra, [(widget, 1, 1000.0)])
        self.assertEqual(move._l10n_in_einv_build_payload()["ItemList"][0]["HsnCd"], "8471")

    def test_malformed_pin_and_gstin_name_the_partner_and_are_not_cleaned(self):
        pin = str(master.BUYER_KA["pin"])
        self.partner_intra.zip = f"{pin[:3]} {pin[3:]}"
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)])
        move.l10n_in_gstin = master.BUYER_KA["gstin"].lower()
        payload = move._l10n_in_einv_build_payload()
        self.assertNotIn("Pin", payload["BuyerDtls"])  # not turned into a 6-digit number behind the user's back
        self.assertEqual(payload["BuyerDtls"]["Gstin"], master.BUYER_KA["gstin"].lower())
        name = self.partner_intra.name
        self.assertEqual(move._l10n_in_einv_preflight(), [
            f"Customer '{name}': GSTIN '{master.BUYER_KA['gstin'].lower()}' must be written in capital letters",
            f"Customer '{name}': the PIN code '{pin[:3]} {pin[3:]}' must be 6 digits, the first not 0",
        ])

    def test_ship_to_gstin_is_checked_not_replaced(self):
        consignee = self.env["res.partner"].with_context(no_vat_validation=True).create({
            "name": "Mysuru Home Stores", "street": "Irwin Road 3", "city": "Mysuru", "zip": "570001",
            "state_id": self.state_ka.id, "country_id": self.country_in.id, "vat": "29AABCT1332L1Z",
        })
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)],
                             partner_shipping_id=consignee.id)
        # Before, a GSTIN that was not well formed silently became URP (unregistered consignee).
        self.assertEqual(move._l10n_in_einv_build_payload()["ShipDtls"]["Gstin"], "29AABCT1332L1Z")
        self.assertEqual(move._l10n_in_einv_preflight(), [
            "Delivery address 'Mysuru Home Stores': GSTIN '29AABCT1332L1Z' must be 15 characters long (it has 14)"])

    def test_shipping_bill_number_is_not_cut_short(self):
        move = self._export(self.igst_18_paid)
        move.l10n_in_shipping_bill_number = "SB" + "7" * 19
        self.assertEqual(move._l10n_in_einv_build_payload()["ExpDtls"]["ShipBNo"], "SB" + "7" * 19)
        self.assertEqual(move._l10n_in_einv_preflight(), [
            f"Export details (Other Info tab): shipping bill number 'SB{'7' * 19}' is too long: 21 characters, at "
            "most 20 are allowed"])

    # --- zero values ---------------------------------------------------------------------------------

    def test_free_lines_generate_at_the_sandbox(self):
        """A line given away (price 0 or 100 % discount, 18 % GST, tax 0) in a ₹52,000 invoice."""
        intra = self._invoice(self.partner_intra, [
            (self.product_laptop, 1, 44067.8), (self.product_service, 1, 0.0), (self.product_rice, 2, 2500.0,
                                                                                 self.gst_5, 100.0)])
        inter = self._invoice(self.partner_inter, [
            (self.product_laptop, 1, 44067.8, self.igst_18), (self.product_service, 1, 0.0, self.igst_18)])
        for move in intra + inter:
            self.assertEqual(move.amount_total, 52000.0)
            payload = self._payload(move)
            free = payload["ItemList"][1]
            self.assertEqual((free["AssAmt"], free["CgstAmt"], free["SgstAmt"], free["IgstAmt"], free["GstRt"]),
                             (0.0, 0.0, 0.0, 0.0, 18.0))
            self._generate(move)
            self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
            self.assertEqual(len(move.l10n_in_einv_irn), 64)
        discounted = self._payload(intra)["ItemList"][2]
        self.assertEqual((discounted["TotAmt"], discounted["Discount"], discounted["AssAmt"]), (5000.0, 5000.0, 0.0))

    def test_zero_total_refused_before_any_call(self):
        move = self._invoice(self.partner_intra, [(self.product_service, 1, 0.0)])
        self.assertEqual(move.amount_total, 0.0)
        problems = move._l10n_in_einv_preflight()
        self.assertEqual(len(problems), 1, problems)
        self.assertTrue(problems[0].startswith(f"Invoice '{move.name}': the total is 0.00. An IRN can be cancelled "
                                               "only within 24 hours"), problems)
        self.assertIn("do not register this document", problems[0])
        with self.assertRaises(UserError) as caught:
            move.action_l10n_in_einv_generate()
        self.assertIn("24 hours", str(caught.exception))
        self.assertFalse(move.l10n_in_einv_api_log_ids, "nothing may reach the IRP")
        self.assertFalse(move.l10n_in_einv_irn)

    # --- words for the IRP rules ---------------------------------------------------------------------

    def test_irp_rule_on_an_item_names_the_odoo_line_and_product(self):
        installation = self._product("Installation", "84713010", 500.0, self.gst_18, service=True)
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0), (installation, 1, 500.0)])
        self.assertEqual(move._l10n_in_einv_preflight(), [
            "Line 2 (product 'Installation'): the product is a service but its HSN code '84713010' is not a SAC "
            "(service codes start with 99): correct the code or the product type [2199]"])

    def test_every_problem_key_is_worded_with_the_same_parameters(self):
        def names(template):
            return set(re.findall(r"%\((\w+)\)", template))

        self.assertEqual(set(PROBLEM_TEXTS), set(validation.TEMPLATES))
        for key, english in validation.TEMPLATES.items():
            worded = self.env._(PROBLEM_TEXTS[key])
            self.assertEqual(names(worded), names(english), key)
            self.assertTrue(worded % {name: 1 for name in names(worded)}, key)
        self.assertLessEqual(set(FIELD_LABELS), set(validation.FIELD_LABELS))

    def test_problem_words_come_from_the_key_with_the_english_as_fallback(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)])
        customer = f"Customer '{self.partner_intra.name}'"
        missing_pin = validation.Problem("BuyerDtls.Pin", "2244", "buyer_pin_missing", {})
        self.assertEqual(move._l10n_in_einv_problem_message(missing_pin), f"{customer}: set the PIN code (ZIP) [2244]")
        with patch.dict(PROBLEM_TEXTS):
            del PROBLEM_TEXTS["buyer_pin_missing"]  # a key irp/ knows and this module does not word yet
            self.assertEqual(move._l10n_in_einv_problem_message(missing_pin),
                             f"{customer}: the PIN code is missing: it is mandatory (999999 for a foreign buyer) "
                             "[2244]")
        ours = validation.Problem("DocDtls.Dt", "local", "doc_date_future", {"date": "01/01/2030",
                                                                            "today": "01/01/2029"})
        self.assertEqual(move._l10n_in_einv_problem_message(ours),
                         f"Invoice '{move.name}': the invoice date 01/01/2030 is in the future (today in India is "
                         "01/01/2029)")  # no NIC code claimed for a rule of ours
        unknown = validation.Problem("ItemList[0].Qty", "2999", "not_worded_anywhere", {"value": 3})
        message = move._l10n_in_einv_problem_message(unknown, items=[{"_line": move.invoice_line_ids}])
        self.assertTrue(message.startswith("Line 1 (product 'Laptop'): not_worded_anywhere"), message)
        self.assertTrue(message.endswith("[2999]"), message)
