"""The dated IRP rules in Odoo: the 30-day limit by the company's turnover (refused before
any call, warned while there is time, an activity before the last day), HSN digits by
turnover, numbers differing only in case, the ship-to rule's switch."""
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..irp import ist
from .common import L10nInEinvoiceCommon


@tagged("post_install", "-at_install")
class TestEinvoiceDatedRules(L10nInEinvoiceCommon):

    def setUp(self):
        super().setUp()
        self.company.l10n_in_einv_sending_mode = "manual"
        self.today = ist.today()

    def _dated(self, days_ago, product=None, partner=None):
        return self._invoice(partner or self.partner_intra, [(product or self.product_laptop, 1, 9000.0 + days_ago)],
                             invoice_date=self.today - timedelta(days=days_ago))

    def test_past_the_thirty_day_limit_is_refused_before_any_call(self):
        self.company.l10n_in_einv_aato_band = "10cr_to_100cr"
        move = self._dated(30)  # last day was yesterday
        last_day = (self.today - timedelta(days=1)).strftime("%d/%m/%Y")
        problems = move._l10n_in_einv_preflight()
        self.assertTrue(any("[2305]" in p and last_day in p for p in problems), problems)
        registered = self.sandbox.count_irns(self.company.vat)
        with self.assertRaisesRegex(UserError, r"Nothing was sent(.|\n)*2305"):
            move.action_l10n_in_einv_generate()
        move._l10n_in_einv_send(commit=False)  # as the scheduled action does
        self.assertEqual(move.l10n_in_einv_state, "error")
        self.assertIn(last_day, move.l10n_in_einv_error)
        self.assertEqual(self.sandbox.count_irns(self.company.vat), registered, "nothing was sent")
        self.assertEqual((move.l10n_in_einv_days_left, move.l10n_in_einv_last_day),
                         (-1, self.today - timedelta(days=1)))

    def test_below_the_band_no_limit_applies(self):
        self.company.l10n_in_einv_aato_band = "5cr_to_10cr"
        move = self._dated(45)
        self.assertFalse([p for p in move._l10n_in_einv_preflight() if "2305" in p])
        self.assertFalse(move.l10n_in_einv_last_day)
        self.assertFalse(move.l10n_in_einv_warnings)

    def test_days_left_are_shown_and_warned_while_there_is_time(self):
        self.company.l10n_in_einv_aato_band = "100cr_plus"
        near, early = self._dated(27), self._dated(3)
        self.assertEqual(near.l10n_in_einv_days_left, 2)
        self.assertEqual(near.l10n_in_einv_last_day, self.today + timedelta(days=2))
        self.assertIn("2 days left", near.l10n_in_einv_warnings)
        self.assertFalse(near._l10n_in_einv_preflight())
        self.assertEqual(early.l10n_in_einv_days_left, 26)
        self.assertFalse(early.l10n_in_einv_warnings)
        self._generate(near)
        self.assertEqual(near.l10n_in_einv_state, "generated")
        self.assertFalse(near.l10n_in_einv_last_day, "a registered invoice has no deadline left")

    def test_unknown_turnover_warns_instead_of_refusing(self):
        self.company.l10n_in_einv_aato_band = False
        move = self._dated(35, product=self._product("Bolts", "7318", 10.0, self.gst_18))
        self.assertFalse([p for p in move._l10n_in_einv_preflight() if "2305" in p or "2176" in p])
        warnings = move.l10n_in_einv_warnings
        self.assertIn("₹10 crore", warnings)
        self.assertIn("7318", warnings)
        self.assertFalse(move.l10n_in_einv_last_day, "the queue shows a last day only when it is certain")

    def test_hsn_digits_follow_the_turnover(self):
        bolts = self._product("Bolts", "7318", 10.0, self.gst_18)
        self.company.l10n_in_einv_aato_band = "5cr_to_10cr"
        move = self._dated(1, product=bolts)
        self.assertTrue(any("7318" in p and "6 digits" in p and "[2176]" in p for p in move._l10n_in_einv_preflight()))
        self.company.l10n_in_einv_aato_band = "below_5cr"
        self.assertFalse(move._l10n_in_einv_preflight())

    def test_an_activity_reminds_before_the_last_day(self):
        self.company.l10n_in_einv_aato_band = "10cr_to_100cr"
        near, early = self._dated(28), self._dated(10)
        self.env["account.move"]._cron_l10n_in_einv_deadline_activities()
        activity = near.activity_ids.filtered(lambda a: a.summary == "E-invoice: last day for the IRN")
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.date_deadline, self.today + timedelta(days=1))
        self.assertFalse(early.activity_ids)
        self.env["account.move"]._cron_l10n_in_einv_deadline_activities()
        self.assertEqual(len(near.activity_ids), 1, "one reminder, not one per run")

    def test_a_number_differing_only_in_case_is_refused_at_posting(self):
        first = self._invoice(self.partner_intra, [(self.product_laptop, 1, 9100.0)])
        # A second sale journal whose code differs only in case numbers its invoices alike.
        journal = self.company_data["default_journal_sale"].copy({"code": first.journal_id.code.lower(),
                                                                   "name": "Sales (branch)"})
        twin = self._invoice(self.partner_inter, [(self.product_laptop, 1, 9200.0)], post=False,
                             journal_id=journal.id)
        with self.assertRaisesRegex(UserError, "differs only in letter case"):
            twin.action_post()
        self.assertEqual(first.name.upper(), twin.name.upper())
        # Moves outside e-invoicing are never stopped.
        b2c = self._invoice(self.partner_unregistered, [(self.product_laptop, 1, 9300.0)], post=False,
                            journal_id=journal.id)
        b2c.action_post()
        self.assertEqual(b2c.state, "posted")

    def test_ship_to_rule_is_off_until_switched_on(self):
        calendar = self.company._l10n_in_einv_calendar()
        self.assertFalse(calendar.is_on("ship_to_gstin"))
        settings = self.env["res.config.settings"].create({"l10n_in_einv_ship_to_rule": True})
        settings.execute()
        self.assertTrue(self.company._l10n_in_einv_calendar().applies("ship_to_gstin", fields.Date.today()))

    def test_forty_percent_taxes_are_added_on_request_and_registered(self):
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.l10n_in_einv_rate_40_missing)
        settings.action_l10n_in_einv_add_rate_40_taxes()
        chart = self.env["account.chart.template"].with_company(self.company)
        gst_40, igst_40 = chart.ref("sgst_sale_40"), chart.ref("igst_sale_40")
        self.assertEqual((gst_40.amount, igst_40.amount), (40.0, 40.0))
        self.assertEqual(sorted(gst_40.children_tax_ids.mapped("amount")), [20.0, 20.0])
        self.assertFalse(self.company._l10n_in_einv_add_rate_40_taxes(), "made once")
        self.assertFalse(self.env["res.config.settings"].create({}).l10n_in_einv_rate_40_missing)
        intra = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 1000.0, gst_40)]))
        inter = self._generate(self._invoice(self.partner_inter, [(self.product_laptop, 1, 1000.0, igst_40)]))
        for move in (intra, inter):
            self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
            item = move._l10n_in_einv_build_payload()["ItemList"][0]
            self.assertEqual((item["GstRt"], item["TotItemVal"]), (40.0, 1400.0))
