"""The E-invoices block of the Invoicing dashboard: every count is the number of
invoices the list it opens shows, the states come from real calls to the sandbox,
the counts of many journals cost one query, companies and rights are respected."""
import json
from datetime import datetime, time, timedelta, timezone

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from ..irp.ist import IST, today as ist_today
from ..sandbox import master
from ..tools import write_guard
from .common import L10nInEinvoiceCommon

BUCKETS = ("to_send", "retry", "error", "attention", "registered_today", "ewb_expiring")

# In the browser: the block on the sale journal's card, its "To send" count, and the list it opens.
DASHBOARD_JS = """
(async () => {
    const until = async (find, what) => {
        for (let i = 0; i < 200; i++) {
            const found = find();
            if (found) { return found; }
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error("not found: " + (typeof what === "function" ? what() : what));
    };
    const block = await until(() => document.querySelector("[name='l10n_in_einv_dashboard']"), "E-invoices block");
    if (!block.textContent.includes("E-invoices")) { throw new Error("no title: " + block.textContent); }
    const link = [...block.querySelectorAll("a")].find((a) => a.textContent.includes("To send"));
    if (!link || !link.textContent.trim().startsWith("%(count)s")) {
        throw new Error("no count: " + block.textContent);
    }
    link.click();
    const rows = await until(() => {
        const found = document.querySelectorAll(".o_list_view .o_data_row");
        return found.length ? found : null;
    }, "the list");
    if (rows.length !== %(count)s) { throw new Error(rows.length + " rows"); }
    await until(() => document.querySelector(".o_control_panel")?.textContent.includes("To send"),
                () => "list title in " + document.querySelector(".o_control_panel")?.textContent);
    console.log("test successful");
})();
"""


@tagged("post_install", "-at_install")
class TestEinvoiceDashboard(L10nInEinvoiceCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.l10n_in_einv_sending_mode = "manual"  # nothing leaves unless a test sends it
        cls.journal = cls.company_data["default_journal_sale"]

    # --- helpers --------------------------------------------------------------------------

    def _dashboard(self, journal):
        journal.invalidate_recordset(["kanban_dashboard"])
        return json.loads(journal.kanban_dashboard).get("l10n_in_einv")

    def _listed(self, journal, bucket):
        action = journal.with_context(l10n_in_einv_bucket=bucket).action_l10n_in_einv_open_moves()
        self.assertEqual(action["res_model"], "account.move")
        return self.env["account.move"].search(action["domain"])

    def _time_passes(self):
        """The GSTIN's pause (three failures in a row) is over: the next send goes out."""
        with write_guard.trusted():
            self.credential.sudo().write({"paused_until": False, "pause_reason": False, "pause_detail": False})

    def _auth_fails(self, move):
        """One attempt for `move` while the IRP's authentication answers 503: the invoice itself
        never reaches the IRP, so the attempt ends in a plain retry (no IRN can exist)."""
        self._time_passes()
        self.credential.action_clear_session()
        self.sandbox.set_faults([{"kind": "http_error", "status": 503, "endpoint": "auth"}])
        move.action_l10n_in_einv_generate()
        self.sandbox.clear_faults()

    def _set(self, move, **values):
        """E-way bill data or a moment the sandbox cannot produce on demand (a validity ending in two
        hours, an acknowledgement of yesterday), written as the addon itself writes."""
        with write_guard.trusted():
            move.write({f"l10n_in_einv_{name}": value for name, value in values.items()})

    def _laptop(self, price, journal=None):
        return self._invoice(self.partner_intra, [(self.product_laptop, 1, price)],
                             journal_id=(journal or self.journal).id)

    # --- the counts and their lists -------------------------------------------------------

    def test_each_count_opens_the_invoices_it_counts(self):
        now = fields.Datetime.now()
        to_send = self._laptop(1000.0)
        draft = self._laptop(1001.0)
        draft.button_draft()                     # still 'to send', but a draft is never sent: not counted
        generated = self._generate(self._laptop(1002.0))
        self.product_rice.l10n_in_hsn_code = "12"  # refused before any call
        bad = self._invoice(self.partner_intra, [(self.product_rice, 1, 100.0)])
        second = self._laptop(1003.0)
        (bad + second).action_l10n_in_einv_generate()
        retrying = self._laptop(1004.0)
        self._auth_fails(retrying)                # nothing reached the IRP: a plain retry
        self.sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "generate_irn"},
                                 {"kind": "http_error", "status": 502, "endpoint": "get_irn_by_doc"}])
        self._time_passes()
        unknown = self._generate(self._laptop(1005.0))  # the IRP may hold its IRN
        self.sandbox.clear_faults()
        self._time_passes()
        self.assertEqual((to_send + generated + bad + second + retrying + unknown).mapped("l10n_in_einv_state"),
                         ["to_send", "generated", "error", "generated", "retry", "retry"])
        self.assertTrue(unknown.l10n_in_einv_outcome_unknown)
        self.assertEqual(retrying.l10n_in_einv_attempts, 1)

        # the IRN of `second` was acknowledged yesterday, India's day (not the server's)
        day_start = datetime.combine(ist_today(), time.min, IST).astimezone(timezone.utc).replace(tzinfo=None)
        self._set(second, ack_date=day_start - timedelta(minutes=1))
        self.assertTrue(day_start <= generated.l10n_in_einv_ack_date < day_start + timedelta(days=1))
        # e-way bills: one ends within 8 hours; later, already over, or cancelled ones do not count
        expiring = self._generate(self._laptop(1006.0))
        self._set(expiring, ewb_no="181000000001", ewb_status="active", ewb_valid_till=now + timedelta(hours=2))
        self._set(generated, ewb_no="181000000002", ewb_status="active", ewb_valid_till=now + timedelta(hours=9))
        self._set(second, ewb_no="181000000003", ewb_status="active", ewb_valid_till=now - timedelta(hours=1))
        cancelled_ewb = self._generate(self._laptop(1007.0))
        self._set(cancelled_ewb, ewb_no="181000000004", ewb_status="cancelled",
                  ewb_valid_till=now + timedelta(hours=2))

        expected = {
            "to_send": to_send, "retry": retrying + unknown, "error": bad, "attention": unknown,
            "registered_today": generated + expiring + cancelled_ewb, "ewb_expiring": expiring,
        }
        self.assertEqual(self._dashboard(self.journal), {bucket: len(moves) for bucket, moves in expected.items()})
        for bucket, moves in expected.items():
            self.assertEqual(self._listed(self.journal, bucket), moves, bucket)
        action = self.journal.with_context(l10n_in_einv_bucket="ewb_expiring").action_l10n_in_einv_open_moves()
        self.assertEqual(action["views"][0][0], self.env.ref("l10n_in_einvoice.view_l10n_in_einv_ewb_expiring_list").id)
        self.assertEqual(action["display_name"], f"E-way bills expiring ({self.journal.name})")

    def test_retries_need_attention_from_the_eighth_attempt(self):
        move = self._laptop(2000.0)
        for _attempt in range(7):
            self._auth_fails(move)
        self.assertEqual((move.l10n_in_einv_state, move.l10n_in_einv_attempts), ("retry", 7))
        self.assertFalse(move.l10n_in_einv_outcome_unknown)
        self.assertEqual(self._dashboard(self.journal)["attention"], 0)
        self.assertEqual(self._dashboard(self.journal)["retry"], 1)
        self._auth_fails(move)
        self.assertEqual(move.l10n_in_einv_attempts, 8)
        self.assertEqual(self._dashboard(self.journal)["attention"], 1)
        self.assertEqual(self._listed(self.journal, "attention"), move)

    def test_counts_are_per_journal_in_one_query(self):
        other = self.journal.copy({"name": "Export invoices", "code": "EXPT"})
        self._laptop(3000.0)
        self._laptop(3001.0, journal=other)
        self._laptop(3002.0, journal=other)
        journals = self.journal + other
        self.assertEqual(journals._l10n_in_einv_dashboard_counts(),
                         {self.journal.id: dict.fromkeys(BUCKETS, 0) | {"to_send": 1},
                          other.id: dict.fromkeys(BUCKETS, 0) | {"to_send": 2}})
        self.assertEqual(len(self._listed(other, "to_send")), 2)
        # not one query per journal: as many queries for ten journals as for one
        many = journals + self.env["account.journal"].concat(*(
            self.journal.copy({"name": f"Sales {index}", "code": f"SL{index}"}) for index in range(8)))
        self.env.flush_all()
        costs = []
        for batch in (self.journal, many):
            batch._l10n_in_einv_dashboard_counts()  # caches (rules, access) warm
            before = self.env.cr.sql_log_count
            batch._l10n_in_einv_dashboard_counts()
            costs.append(self.env.cr.sql_log_count - before)
        self.assertEqual(costs, [1, 1])

    def test_only_sale_journals_of_e_invoicing_indian_companies(self):
        self._laptop(4000.0)
        self.assertEqual(self._dashboard(self.journal)["to_send"], 1)
        self.assertIsNone(self._dashboard(self.company_data["default_journal_purchase"]))
        self.company.l10n_in_einv_enabled = False
        self.assertIsNone(self._dashboard(self.journal))

    def test_companies_and_rights_are_respected(self):
        self._laptop(5000.0)
        self._laptop(5001.0)
        other = self.setup_other_company(name="Sahyadri Demo Exports Limited")
        company_2, journal_2 = other["company"], other["default_journal_sale"]
        seller = master.SELLER_MH
        company_2.write({"vat": seller["gstin"], "state_id": self.state_mh.id, "street": seller["addr1"],
                         "city": seller["loc"], "zip": str(seller["pin"]), "l10n_in_einv_enabled": True,
                         "l10n_in_einv_sending_mode": "manual"})
        tax = self.env["account.chart.template"].with_company(company_2).ref("igst_sale_18")
        move_2 = self.env["account.move"].with_company(company_2).create({
            "move_type": "out_invoice", "partner_id": self.partner_intra.id, "journal_id": journal_2.id,
            "invoice_date": fields.Date.context_today(self.env.user),
            "invoice_line_ids": [Command.create({"product_id": self.product_laptop.id, "price_unit": 500.0,
                                                 "tax_ids": [Command.set(tax.ids)]})]})
        move_2.action_post()
        self.assertEqual(move_2.l10n_in_einv_state, "to_send")

        both = self.env["account.journal"].with_context(allowed_company_ids=[self.company.id, company_2.id])
        counts = both.browse((self.journal + journal_2).ids)._l10n_in_einv_dashboard_counts()
        self.assertEqual((counts[self.journal.id]["to_send"], counts[journal_2.id]["to_send"]), (2, 1))
        # the company switcher decides what is counted, as for Odoo's own dashboard counts
        only_first = self.env["account.journal"].with_context(allowed_company_ids=[self.company.id])
        self.assertEqual(only_first.browse(journal_2.id)._l10n_in_einv_dashboard_counts()[journal_2.id]["to_send"], 0)

        # a billing user of the first company: its journal's block; the other company is out of reach
        clerk = self.env["res.users"].create({
            "name": "Billing clerk", "login": "einv_dashboard_clerk", "company_id": self.company.id,
            "company_ids": [Command.set(self.company.ids)],
            "groups_id": [Command.set([self.env.ref("account.group_account_invoice").id])]})
        journals = self.env["account.journal"].with_user(clerk).search([("type", "=", "sale")])
        self.assertNotIn(journal_2, journals)
        self.assertEqual(self._dashboard(self.journal.with_user(clerk))["to_send"], 2)
        listed = self.env["account.move"].with_user(clerk).search(
            self.journal.with_user(clerk).with_context(l10n_in_einv_bucket="to_send")
            .action_l10n_in_einv_open_moves()["domain"])
        self.assertEqual(len(listed), 2)
        # an auditor without the e-invoicing group sees the dashboard without the block
        auditor = self.env["res.users"].create({
            "name": "Auditor", "login": "einv_dashboard_auditor", "company_id": self.company.id,
            "company_ids": [Command.set(self.company.ids)],
            "groups_id": [Command.set([self.env.ref("account.group_account_readonly").id])]})
        self.assertIsNone(self._dashboard(self.journal.with_user(auditor)))

    def test_the_block_is_in_the_dashboard_view(self):
        view = self.env.ref("account.account_journal_dashboard_kanban_view")
        arch = self.env["account.journal"].get_views([(view.id, "kanban")])["views"]["kanban"]["arch"]
        self.assertIn("l10n_in_einv_dashboard", arch)
        for bucket in BUCKETS:
            self.assertIn(f"'l10n_in_einv_bucket': '{bucket}'", arch)


@tagged("post_install", "-at_install")
class TestEinvoiceDashboardBrowser(L10nInEinvoiceCommon, HttpCase):
    """The block renders in the web client and its count opens its list."""

    def test_the_count_renders_and_opens_its_list(self):
        self.env.user.write({"company_id": self.company.id, "company_ids": [Command.link(self.company.id)]})
        self.company.l10n_in_einv_sending_mode = "manual"
        journal = self.company_data["default_journal_sale"]
        for price in (1100.0, 1101.0):
            self._invoice(self.partner_intra, [(self.product_laptop, 1, price)], journal_id=journal.id)
        self.browser_js("/web#action=account.open_account_journal_dashboard_kanban", DASHBOARD_JS % {"count": 2},
                        login=self.env.user.login)
