"""Golden payloads: one expected NIC JSON per invoice shape, in tests/golden/<shape>.json (as
Odoo's l10n_it_edi keeps its expected files).

Each test builds a posted invoice of one shape, builds its Generate-IRN payload
(`move._l10n_in_einv_build_payload()`), replaces only what legitimately varies from run to
run (document numbers and dates, by placeholders such as "<DOC_NO>") and compares the
WHOLE JSON with the file, showing a unified diff on failure. Every golden payload must also
pass irp.validation.validate_invoice (NIC schema + IRP business rules) with no problem, and
its TotInvVal must be the invoice total in INR as Odoo shows it.

To regenerate the files on purpose (after a deliberate mapping change), run

    L10N_IN_EINV_REGENERATE_GOLDEN=1 scripts/test --odoo /l10n_in_einvoice:TestL10nInEinvGolden

which writes the files instead of comparing; then review every changed file by hand
against NIC's schema and arithmetic (git diff tests/golden) before committing: a golden
file that enshrines a bug is worse than none.

The second class checks the pre-flight warnings of the mapping (texts cut, lines that are
not items, IGST on an intra-state sale).
"""
import difflib
import json
import os
from pathlib import Path
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from ..irp import validation
from ..sandbox import master
from .common import L10nInEinvoiceMappingCommon

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
REGENERATE = os.environ.get("L10N_IN_EINV_REGENERATE_GOLDEN") == "1"

LONG_STREET = ("Shed No. 14, Survey No. 233/2 and 233/3, Kumbalgodu Industrial Area Second Phase, Opposite the "
               "Bharat Petroleum Fuel Station, Mysore Road")  # 136 characters
LONG_STREET2 = ("Behind the Kumbalgodu Bus Depot, Next to the Government Higher Primary School, Kengeri Hobli, "
                "Bengaluru South Taluk")  # 114 characters
LONG_NAME = ("Ratnagiri Demo Foods, Spices, Dry Fruits and Allied Agricultural Produce Exporters and Traders "
             "Private Limited")  # 110 characters
LONG_DESCRIPTION = " ".join(["Stainless steel industrial kitchen trolley with four castors, two shelves and a "
                             "removable drip tray, model KT-400;"] * 3)  # over 300 characters


def normalise(payload):
    """The payload with what legitimately varies between runs replaced by placeholders."""
    payload = json.loads(json.dumps(payload))
    payload["DocDtls"]["No"] = "<DOC_NO>"
    payload["DocDtls"]["Dt"] = "<DOC_DATE>"
    for reference in payload.get("RefDtls", {}).get("PrecDocDtls", []):
        reference["InvNo"] = "<ORIGINAL_NO>"
        reference["InvDt"] = "<ORIGINAL_DATE>"
    if "ShipBDt" in payload.get("ExpDtls", {}):
        payload["ExpDtls"]["ShipBDt"] = "<SHIPPING_BILL_DATE>"
    return payload


def dumps(payload):
    return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"


class L10nInEinvGoldenCommon(L10nInEinvoiceMappingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        chart = cls.env["account.chart.template"]
        cls.nil_rated = chart.ref("nil_rated_sale")
        cls.exempt = chart.ref("exempt_sale")
        cls.non_gst = chart.ref("non_gst_supplies_sale")
        cls.product_vegetables = cls._product("Fresh vegetables", "07019000", 40.0, cls.nil_rated,
                                              uom=cls.env.ref("uom.product_uom_kgm"))
        cls.product_training = cls._product("Vocational training course", "999293", 15000.0, cls.exempt,
                                            service=True)
        cls.product_diesel = cls._product("High speed diesel", "27101944", 90.0, cls.non_gst,
                                          uom=cls.env.ref("uom.product_uom_litre"))

    def _export(self, taxes, lines=None, **values):
        return self._invoice(self.partner_overseas, lines or [(self.product_laptop, 3, 1000.0, taxes)],
                             currency_id=self.usd.id, l10n_in_shipping_bill_number="SB7654321",
                             l10n_in_shipping_bill_date=fields.Date.context_today(self.env.user),
                             l10n_in_shipping_port_code_id=self.port.id, **values)

    def _long_text_invoice(self):
        buyer = self._partner_from_master(master.BUYER_MH, self.state_mh, name=LONG_NAME, street=LONG_STREET,
                                          street2=LONG_STREET2)
        trolley = self._product("Kitchen trolley", "94032090", 18000.0, self.igst_18)
        move = self._invoice(buyer, [{"product_id": trolley.id, "name": LONG_DESCRIPTION, "quantity": 2,
                                      "price_unit": 18000.0, "tax_ids": [Command.set(self.igst_18.ids)]}])
        return move, buyer


@tagged("post_install", "-at_install")
class TestL10nInEinvGolden(L10nInEinvGoldenCommon):

    def _check(self, shape, move):
        """Build the payload, check it against NIC's rules and Odoo's total, compare it with the golden file."""
        self.assertTrue(move._l10n_in_einv_applicability()[0], move._l10n_in_einv_applicability()[1])
        payload = move._l10n_in_einv_build_payload()
        problems = validation.validate_invoice(payload, require_check_digit=True)
        self.assertEqual([str(problem) for problem in problems], [], shape)
        self.assertAlmostEqual(payload["ValDtls"]["TotInvVal"], abs(move.amount_total_signed), places=2,
                               msg=f"{shape}: TotInvVal must be the invoice total in INR")
        actual = dumps(normalise(payload))
        path = GOLDEN_DIR / f"{shape}.json"
        if REGENERATE:
            GOLDEN_DIR.mkdir(exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return payload
        self.assertTrue(path.exists(), f"{path} is missing: regenerate with L10N_IN_EINV_REGENERATE_GOLDEN=1")
        expected = path.read_text(encoding="utf-8")
        if actual != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                f"golden/{shape}.json", "built payload", n=2))
            self.fail(f"The payload of shape '{shape}' differs from its golden file:\n{diff}")
        return payload

    # --- supply types ---------------------------------------------------------------------------

    def test_b2b_intra_state(self):
        self._check("b2b_intra_state", self._invoice(self.partner_intra, [
            (self.product_laptop, 2, 50000.0), (self.product_rice, 10, 2500.0), (self.product_service, 1, 12000.0)]))

    def test_b2b_inter_state(self):
        self._check("b2b_inter_state", self._invoice(self.partner_inter, [
            (self.product_laptop, 1, 50000.0, self.igst_18), (self.product_rice, 4, 2500.0, self.igst_5)]))

    def test_b2b_igst_on_intra_state(self):
        self._check("b2b_igst_on_intra_state", self._invoice(self.partner_intra, [
            (self.product_laptop, 1, 50000.0, self.igst_18)]))

    def test_sezwp_igst_charged(self):
        self._check("sezwp_igst_charged", self._invoice(self.partner_sez, [
            (self.product_laptop, 1, 50000.0, self.igst_18)]))

    def test_sezwp_igst_borne_by_supplier(self):
        payload = self._check("sezwp_igst_borne_by_supplier", self._invoice(self.partner_sez, [
            (self.product_laptop, 5, 50000.0, self.igst_18_paid)]))
        self.assertEqual((payload["ValDtls"]["IgstVal"], payload["ValDtls"]["TotInvVal"]), (45000.0, 250000.0))

    def test_sezwop_lut(self):
        self._check("sezwop_lut", self._invoice(self.partner_sez, [
            (self.product_laptop, 1, 50000.0, self.igst_18_lut), (self.product_vegetables, 100, 40.0)]))

    def test_expwp_foreign_currency(self):
        self._check("expwp_foreign_currency", self._export(self.igst_18_paid))

    def test_expwop_lut(self):
        self._check("expwop_lut", self._export(self.igst_18_lut))

    def test_dexp(self):
        self._check("dexp", self._invoice(self.partner_deemed, [(self.product_laptop, 1, 50000.0, self.igst_18)]))

    # --- document types ---------------------------------------------------------------------------

    def test_credit_note(self):
        invoice = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)])
        credit_note = invoice._reverse_moves([{"invoice_date": invoice.invoice_date}])
        credit_note.action_post()
        self._check("crn_refers_to_invoice", credit_note)

    def test_standalone_credit_note(self):
        self._check("crn_standalone", self._invoice(self.partner_intra, [(self.product_laptop, 1, 2000.0)],
                                                    move_type="out_refund"))

    def test_debit_note(self):
        invoice = self._invoice(self.partner_inter, [(self.product_laptop, 1, 50000.0, self.igst_18)])
        wizard = self.env["account.debit.note"].with_context(active_model="account.move", active_ids=invoice.ids) \
            .create({"reason": "Price revision", "copy_lines": True})
        debit_note = self.env["account.move"].browse(wizard.create_debit()["res_id"])
        debit_note.invoice_line_ids.price_unit = 1500.0
        debit_note.action_post()
        self._check("dbn_price_revision", debit_note)

    # --- taxes and amounts -------------------------------------------------------------------------

    def test_reverse_charge(self):
        self._check("b2b_reverse_charge", self._invoice(self.partner_inter, [
            (self.product_service, 1, 12000.0, self.igst_18_rc)]))

    def test_line_discount(self):
        self._check("line_discount", self._invoice(self.partner_intra, [
            (self.product_laptop, 3, 33333.33, self.gst_18, 7.5), (self.product_rice, 10, 2500.0, self.gst_5, 2.0)]))

    def test_invoice_level_discount(self):
        self._check("invoice_level_discount", self._invoice(self.partner_intra, [
            (self.product_laptop, 1, 50000.0),
            {"name": "Settlement discount", "quantity": 1, "price_unit": -500.0, "tax_ids": [Command.clear()]},
        ]))

    def test_negative_lines_folded(self):
        self._check("negative_lines_folded", self._invoice(self.partner_intra, [
            (self.product_laptop, 2, 50000.0), (self.product_laptop, -1, 5000.0),
            (self.product_rice, 4, 2500.0), (self.product_no_hsn, 1, -1000.0)]))

    def test_cash_rounding_up(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 1234.56)],
                             invoice_cash_rounding_id=self._cash_rounding("add_invoice_line").id)
        self.assertEqual(move.amount_total, 1457.0)
        self._check("cash_rounding_up", move)

    def test_cash_rounding_down(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 1234.0)],
                             invoice_cash_rounding_id=self._cash_rounding("add_invoice_line").id)
        self.assertEqual(move.amount_total, 1456.0)
        self._check("cash_rounding_down", move)

    def test_cash_rounding_biggest_tax(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 1234.56)],
                             invoice_cash_rounding_id=self._cash_rounding("biggest_tax").id)
        self._check("cash_rounding_biggest_tax", move)

    def test_cess_ad_valorem_and_per_unit(self):
        self._check("cess_ad_valorem_and_per_unit", self._invoice(self.partner_intra, [(self.product_car, 2, 600000.0)]))

    def test_free_lines(self):
        self._check("free_lines", self._invoice(self.partner_intra, [
            (self.product_laptop, 1, 44067.8), (self.product_service, 1, 0.0),
            (self.product_rice, 2, 2500.0, self.gst_5, 100.0)]))

    def test_nil_exempt_and_non_gst_lines(self):
        payload = self._check("b2b_nil_exempt_non_gst", self._invoice(self.partner_intra, [
            (self.product_laptop, 1, 50000.0), (self.product_vegetables, 100, 40.0),
            (self.product_training, 1, 15000.0), (self.product_diesel, 50, 90.0)]))
        self.assertEqual(len(payload["ItemList"]), 1)
        self.assertEqual(payload["ValDtls"]["OthChrg"], 4000.0 + 15000.0 + 4500.0)

    def test_export_nil_rated_stays_zero_rated_item(self):
        payload = self._check("expwop_nil_rated_and_non_gst", self._export(self.igst_18_lut, lines=[
            (self.product_laptop, 3, 1000.0, self.igst_18_lut), (self.product_vegetables, 100, 1.0),
            (self.product_diesel, 10, 2.0)]))
        self.assertEqual([item["GstRt"] for item in payload["ItemList"]], [18.0, 0.0])
        self.assertEqual(payload["ValDtls"]["OthChrg"], 1600.0)

    # --- parties ------------------------------------------------------------------------------------

    def test_ship_to_and_dispatch_from(self):
        consignee = self.env["res.partner"].create({
            "type": "delivery", "parent_id": self.partner_intra.id, "name": "Brindavan Mysuru warehouse",
            "street": "Hunsur Road 7", "city": "Mysuru", "zip": "570017", "state_id": self.state_ka.id,
            "country_id": self.country_in.id,
        })
        depot = self.env["res.partner"].create({
            "name": "Kaveri Hosur Road depot", "street": "Plot 9, Electronic City Phase 1", "city": "Bengaluru",
            "zip": "560100", "state_id": self.state_ka.id, "country_id": self.country_in.id,
        })
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)],
                             partner_shipping_id=consignee.id)
        with patch.object(type(move), "_l10n_in_get_warehouse_address", lambda self: depot):
            payload = self._check("ship_to_and_dispatch_from", move)
        self.assertIn("DispDtls", payload)
        self.assertIn("ShipDtls", payload)

    def test_ecommerce_operator(self):
        operator = self._partner_from_master(master.ECOM_TCS, self.state_ka)
        self._check("ecommerce_operator", self._invoice(self.partner_intra, [(self.product_laptop, 1, 50000.0)],
                                                        l10n_in_reseller_partner_id=operator.id))

    def test_long_texts_cut_at_word_boundaries(self):
        move, buyer = self._long_text_invoice()
        payload = self._check("long_texts_cut", move)
        self.assertEqual(buyer.street, LONG_STREET)  # the partner is never altered, only the payload
        self.assertEqual(buyer.name, LONG_NAME)

    def test_300_lines(self):
        lines = [(self.product_laptop if i % 3 else self.product_rice, 1 + i % 7, 100.0 + i * 0.37,
                  self.gst_18 if i % 3 else self.gst_5, (i % 4) * 2.5) for i in range(300)]
        payload = self._check("lines_300", self._invoice(self.partner_intra, lines))
        self.assertEqual(len(payload["ItemList"]), 300)


@tagged("post_install", "-at_install")
class TestL10nInEinvMappingWarnings(L10nInEinvGoldenCommon):

    def test_cut_texts_are_warned_naming_record_and_field(self):
        move, buyer = self._long_text_invoice()
        warnings = move._l10n_in_einv_warnings()
        customer = f"Customer '{LONG_NAME}'"
        street_warning = next(w for w in warnings if w.startswith(customer + ": the street is"))
        self.assertIn(f"the street is {len(LONG_STREET) + 2 + len(LONG_STREET2)} characters; the IRP takes 200 "
                      "in two lines of 100", street_warning)
        self.assertIn("is sent without 'Higher Primary School, Kengeri Hobli, Bengaluru South Taluk'", street_warning)
        self.assertTrue(any(w.startswith(f"{customer}: the name is 110 characters; the IRP takes 100:")
                            for w in warnings), warnings)
        self.assertTrue(any(w.startswith("Line 1 (product 'Kitchen trolley'): the description is") for w in warnings),
                        warnings)
        self.assertEqual(move._l10n_in_einv_preflight(), [])  # a warning, never a blocking problem

    def test_long_street_continues_in_addr2_without_warning(self):
        buyer = self._partner_from_master(master.BUYER_MH, self.state_mh, street=LONG_STREET)
        move = self._invoice(buyer, [(self.product_laptop, 1, 50000.0, self.igst_18)])
        details = move._l10n_in_einv_build_payload()["BuyerDtls"]
        self.assertEqual(f"{details['Addr1']} {details['Addr2']}", LONG_STREET)
        self.assertLessEqual(len(details["Addr1"]), 100)
        self.assertFalse([w for w in move._l10n_in_einv_warnings() if "street" in w])

    def test_nil_exempt_and_non_gst_lines_are_warned(self):
        move = self._invoice(self.partner_intra, [
            (self.product_laptop, 1, 50000.0), (self.product_vegetables, 100, 40.0), (self.product_diesel, 50, 90.0)])
        warnings = move._l10n_in_einv_warnings()
        self.assertTrue(any(w.startswith("Line(s) 2 ('Fresh vegetables'): nil-rated or exempt supplies are not "
                                         "e-invoice items") for w in warnings), warnings)
        self.assertTrue(any(w.startswith("Line(s) 3 ('High speed diesel'): non-GST supplies are outside GST")
                            for w in warnings), warnings)

    def test_igst_on_intra_state_b2b_is_warned(self):
        move = self._invoice(self.partner_intra, [(self.product_rice, 1, 2500.0),
                                                  (self.product_laptop, 1, 50000.0, self.igst_18)])
        self.assertEqual(move._l10n_in_einv_build_payload()["TranDtls"]["IgstOnIntra"], "Y")  # sent as the invoice says
        warning = next(w for w in move._l10n_in_einv_warnings() if "IgstOnIntra" in w)
        self.assertTrue(warning.startswith(f"Line(s) 2 ('Laptop'): IGST ({self.igst_18.name}) is charged although "
                                           "the place of supply (29)"), warning)
        self.assertIn("section 8", warning)
        # Inter-state IGST and SEZ supplies are not warned about.
        for move in (self._invoice(self.partner_inter, [(self.product_laptop, 1, 50000.0, self.igst_18)]),
                     self._invoice(self.partner_sez, [(self.product_laptop, 1, 50000.0, self.igst_18)])):
            self.assertFalse([w for w in move._l10n_in_einv_warnings() if "IgstOnIntra" in w])
