"""Demo data, run by scripts/demo inside `odoo-bin shell` (the `env` global).

Turns the database's main company into an Indian one (INR, the Indian chart of
accounts) on the sandbox's seller GSTIN, with its IRP credential for the sandbox
at $SANDBOX_URL, customers of every GST treatment, products with HSN/SAC codes
and INR prices, and documents in every e-invoice state and of every supply type.
Everything goes through the addon's own code paths against the running sandbox
(posting, the scheduled action, Generate IRN, Cancel IRN): no IRN is made up here.
Prints what it made. Meant for a fresh database (scripts/demo --reset): on a
database that already has the demo company's credential it only prints the summary.
"""
import json
import os
import urllib.request
from collections import Counter

from odoo import Command, fields

from odoo.addons.l10n_in_einvoice.sandbox import master
from odoo.addons.l10n_in_einvoice.tools import write_guard

SANDBOX_URL = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8765").rstrip("/")
USD_RATE = 84.50  # INR per USD on the day of the demo's export invoice


def sandbox(path, method="GET", body=None):
    """The sandbox's published control API (/sandbox/...): JSON in, JSON out."""
    request = urllib.request.Request(
        SANDBOX_URL + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode() or "null")


# --- the company, its credential, currencies -------------------------------------------------

def set_up_company(env, info):
    """The main company becomes the Indian seller. Using it (rather than a second company
    next to a US 'My Company') keeps Odoo's USD defaults out: product prices and pricelists
    are in the main company's currency, and loading the Indian chart makes that INR."""
    seller = master.SELLER_KA
    company = env.ref("base.main_company")
    company.write({
        "name": seller["legal_name"], "country_id": env.ref("base.in").id, "state_id": state_of(env, seller).id,
        "vat": seller["gstin"], "street": seller["addr1"], "city": seller["loc"], "zip": str(seller["pin"]),
        "phone": "+91 98450 12345", "email": "accounts@kaveri-demo.example",
    })
    env["account.chart.template"].try_loading("in", company=company, install_demo=False)
    assert company.currency_id == env.ref("base.INR"), company.currency_id.name
    # Posting sends in the background (the scheduled action, triggered by the posting).
    company.write({"l10n_in_einv_enabled": True, "l10n_in_einv_sending_mode": "on_post"})
    # A pricelist made before the chart switched the currency would still be in USD.
    env["product.pricelist"].search([("currency_id", "!=", company.currency_id.id)]).write(
        {"currency_id": company.currency_id.id})

    user = next(u for u in info["users"] if u["gstin"] == seller["gstin"])
    credential = env["l10n_in.einvoice.credential"].create({
        "company_id": company.id, "gstin": seller["gstin"], "environment": "local_sandbox",
        "base_url": SANDBOX_URL, "client_id": info["client_id"], "client_secret": info["client_secret"],
        "user_name": user["user_name"], "password": user["password"],
    })
    credential.action_fetch_sandbox_keys()  # the form's button: the sandbox's encryption key and certificate
    credential.action_test_connection()
    if not (credential.last_test_result or "").startswith("Connected"):
        raise RuntimeError(f"The sandbox at {SANDBOX_URL} refused the demo credential: {credential.last_test_result}")

    # One export is invoiced in US dollars, at a rate of the day (not Odoo's demo rates).
    env["res.currency.rate"].create({"currency_id": env.ref("base.USD").id, "company_id": company.id,
                                     "name": fields.Date.context_today(env.user), "rate": 1 / USD_RATE})
    return company


def state_of(env, taxpayer):
    return env["res.country.state"].search(
        [("country_id.code", "=", "IN"), ("l10n_in_tin", "=", taxpayer["state_code"])], limit=1)


# --- customers and products --------------------------------------------------------------------

def make_customers(env):
    def registered(taxpayer, treatment="regular"):
        return env["res.partner"].create({
            "name": taxpayer["trade_name"], "vat": taxpayer["gstin"], "is_company": True,
            "country_id": env.ref("base.in").id, "state_id": state_of(env, taxpayer).id,
            "street": taxpayer["addr1"], "city": taxpayer["loc"], "zip": str(taxpayer["pin"]),
            "l10n_in_gst_treatment": treatment,
        })

    return {
        "intra": registered(master.BUYER_KA),                              # Karnataka, like the seller
        "inter": registered(master.BUYER_MH),                              # Maharashtra
        "sez": registered(master.BUYER_SEZ_TN, "special_economic_zone"),
        "deemed": registered(master.BUYER_TN, "deemed_export"),            # an EOU in Tamil Nadu
        "overseas": env["res.partner"].create({
            "name": "Gulf Trading LLC", "is_company": True, "country_id": env.ref("base.ae").id,
            "street": "Sheikh Zayed Road 12", "city": "Dubai", "l10n_in_gst_treatment": "overseas",
        }),
        "consumer": env["res.partner"].create({
            "name": "Anita Rao", "country_id": env.ref("base.in").id, "state_id": env.ref("base.state_in_ka").id,
            "street": "MG Road 5", "city": "Bengaluru", "zip": "560001", "l10n_in_gst_treatment": "consumer",
        }),
    }


def make_products(env, taxes):
    def product(name, hsn, price, tax, service=False, uom="uom.product_uom_unit"):
        unit = env.ref(uom)
        return env["product.product"].create({
            "name": name, "l10n_in_hsn_code": hsn, "list_price": price, "type": "service" if service else "consu",
            "uom_id": unit.id, "uom_po_id": unit.id, "taxes_id": [Command.set(tax.ids)],
        })

    kg = "uom.product_uom_kgm"
    return {
        "laptop": product("Laptop 14-inch (i5, 16 GB)", "84713010", 52000.0, taxes["gst_18"]),
        "cable": product("Cat6 network cable, 305 m box", "85444999", 9800.0, taxes["gst_18"]),
        "rice": product("Basmati rice", "10063020", 95.0, taxes["gst_5"], uom=kg),
        "tea": product("Assam CTC tea", "09024090", 320.0, taxes["gst_5"], uom=kg),
        "support": product("Annual IT support contract", "998313", 18000.0, taxes["gst_18"], service=True),
        # Two codes entered wrongly, as happens: one digit short (caught before sending), and
        # two digits swapped for 94031090 (well formed, so only the IRP can tell: error 2176).
        "chair": product("Ergonomic office chair", "9401300", 7500.0, taxes["gst_18"]),
        "desk": product("Steel standing desk", "94301090", 24000.0, taxes["gst_18"]),
    }


# --- documents -----------------------------------------------------------------------------------

def make_invoice(env, partner, lines, **values):
    """A posted customer invoice. lines: (product, quantity, unit price[, taxes[, discount %]]);
    taxes default to the product's (intra-state GST), inter-state and export lines name theirs."""
    def line_values(product, quantity, price, taxes=None, discount=0.0):
        return {"product_id": product.id, "quantity": quantity, "price_unit": price, "discount": discount,
                "tax_ids": [Command.set((taxes or product.taxes_id).ids)]}

    move = env["account.move"].create({
        "move_type": "out_invoice", "partner_id": partner.id, "invoice_date": fields.Date.context_today(env.user),
        "invoice_line_ids": [Command.create(line_values(*line)) for line in lines], **values,
    })
    move.action_post()
    return move


def credit_note(env, invoice, reason, keep, quantity):
    """The Credit Note button's wizard, trimmed to the returned goods."""
    wizard = env["account.move.reversal"].with_context(active_model="account.move", active_ids=invoice.ids).create(
        {"reason": reason, "journal_id": invoice.journal_id.id})
    refund = env["account.move"].browse(wizard.refund_moves()["res_id"])
    refund.invoice_line_ids.filtered(lambda line: line.product_id != keep).unlink()
    refund.invoice_line_ids.quantity = quantity
    refund.action_post()
    return refund


def debit_note(env, invoice, reason, keep, price_unit):
    """The Debit Note button's wizard: a price revision on one line of the invoice."""
    wizard = env["account.debit.note"].with_context(active_model="account.move", active_ids=invoice.ids).create(
        {"reason": reason, "copy_lines": True})
    debit = env["account.move"].browse(wizard.create_debit()["res_id"])
    debit.invoice_line_ids.filtered(lambda line: line.product_id != keep).unlink()
    debit.invoice_line_ids.price_unit = price_unit
    debit.action_post()
    return debit


def hold(move):
    """Hold an invoice back from the IRP (the form's button once the addon has one)."""
    if hasattr(move, "action_l10n_in_einv_hold"):
        move.action_l10n_in_einv_hold()
    else:
        with write_guard.trusted():
            move.l10n_in_einv_hold = True


def make_documents(env, company, customers, products, taxes):
    p, c, t = products, customers, taxes
    Move = env["account.move"]
    today = fields.Date.context_today(env.user)
    docs = {}

    # 1. Posted with sending mode 'on posting': each posting triggers the scheduled action,
    #    which the server runs right after the commit. Here it is run at once.
    docs["b2b_intra"] = make_invoice(env, c["intra"], [(p["laptop"], 2, 52000.0, None, 5.0),  # 5 % discount
                                                       (p["support"], 1, 18000.0)])
    docs["b2b_inter"] = make_invoice(env, c["inter"], [(p["rice"], 500, 95.0, t["igst_5"]),
                                                       (p["cable"], 2, 9800.0, t["igst_18"])])
    docs["sez_wp"] = make_invoice(env, c["sez"], [(p["laptop"], 10, 50000.0, t["igst_18_paid"])])
    docs["sez_wop"] = make_invoice(env, c["sez"], [(p["cable"], 20, 9500.0, t["igst_18_lut"])])
    port_chennai, port_nhava_sheva = env.ref("l10n_in.port_code_inmaa1"), env.ref("l10n_in.port_code_innsa1")
    docs["exp_wp"] = make_invoice(
        env, c["overseas"], [(p["tea"], 2000, 3.80, t["igst_5_paid"])], currency_id=env.ref("base.USD").id,
        l10n_in_shipping_bill_number="4471093", l10n_in_shipping_bill_date=today,
        l10n_in_shipping_port_code_id=port_chennai.id)
    docs["exp_wop"] = make_invoice(
        env, c["overseas"], [(p["rice"], 5000, 92.0, t["igst_5_lut"])],
        l10n_in_shipping_bill_number="4471128", l10n_in_shipping_bill_date=today,
        l10n_in_shipping_port_code_id=port_nhava_sheva.id)
    docs["deemed"] = make_invoice(env, c["deemed"], [(p["laptop"], 4, 51000.0, t["igst_18"])])
    docs["cancelled"] = make_invoice(env, c["intra"], [(p["cable"], 5, 9800.0)])
    docs["error_preflight"] = make_invoice(env, c["intra"], [(p["chair"], 6, 7500.0)])
    docs["error_irp"] = make_invoice(env, c["inter"], [(p["desk"], 2, 24000.0, t["igst_18"])])
    docs["b2c"] = make_invoice(env, c["consumer"], [(p["laptop"], 1, 52000.0)])
    # Held before the scheduled action runs: it stays 'to send' until released.
    docs["held"] = make_invoice(env, c["inter"], [(p["rice"], 1000, 95.0, t["igst_5"])])
    hold(docs["held"])
    Move._cron_l10n_in_einv_send()

    # 2. The order behind one invoice fell through: Cancel IRN (the wizard's call, within 24 hours).
    #    The invoice stays posted, showing the cancelled IRN; what to do with it is the user's call.
    cancelled, message = docs["cancelled"]._l10n_in_einv_cancel("3", "Order cancelled by the customer")
    if not cancelled:
        raise RuntimeError(f"The sandbox refused to cancel {docs['cancelled'].name}: {message}")

    # 3. A credit note and a debit note, each sent with its Generate IRN button.
    docs["credit_note"] = credit_note(env, docs["b2b_intra"], "One laptop returned", p["laptop"], 1)
    docs["debit_note"] = debit_note(env, docs["b2b_inter"], "Basmati price revision (₹5/kg)", p["rice"], 5.0)
    (docs["credit_note"] | docs["debit_note"]).action_l10n_in_einv_generate()

    # 4. The IRP's gateway answers 502 to one registration: the addon cannot know whether the
    #    IRN was made, finds nothing at the IRP and retries (looking up first). The fault hits
    #    once and is cleared anyway, so the server's scheduled action registers it later.
    sandbox("/sandbox/faults", "POST",
            {"faults": [{"kind": "http_error", "status": 502, "endpoint": "generate_irn", "times": 1}]})
    try:
        docs["retry"] = make_invoice(env, c["inter"], [(p["cable"], 3, 9800.0, t["igst_18"])])
        Move._cron_l10n_in_einv_send()
    finally:
        sandbox("/sandbox/faults", "DELETE")

    # 5. Posted while the company still generated IRNs by hand: not queued, it waits for
    #    its Generate IRN button (or the list action), whatever the server runs meanwhile.
    company.l10n_in_einv_sending_mode = "manual"
    docs["to_send"] = make_invoice(env, c["intra"], [(p["support"], 2, 18000.0)])
    company.l10n_in_einv_sending_mode = "on_post"
    return docs


# --- what it made ----------------------------------------------------------------------------

EXPECTED = {
    "b2b_intra": "generated", "b2b_inter": "generated", "sez_wp": "generated", "sez_wop": "generated",
    "exp_wp": "generated", "exp_wop": "generated", "deemed": "generated", "credit_note": "generated",
    "debit_note": "generated", "cancelled": "cancelled", "error_preflight": "error", "error_irp": "error",
    "retry": "retry", "held": "to_send", "to_send": "to_send", "b2c": "not_applicable",
}


def kind_of(move):
    if move.l10n_in_einv_state == "not_applicable" and move.state == "posted":
        return "B2C"
    supply = move._l10n_in_einv_supply_type()
    doc_type = move._l10n_in_einv_document_type()
    return supply if doc_type == "INV" else f"{doc_type} {supply}"


def detail_of(move):
    if move.l10n_in_einv_irn:
        return f"IRN {move.l10n_in_einv_irn[:12]}… Ack {move.l10n_in_einv_ack_no}"
    if move.l10n_in_einv_hold:
        return "held back from the IRP"
    if move.l10n_in_einv_state == "to_send":
        return "queued" if move.l10n_in_einv_queued else "waits for Generate IRN"
    if move.l10n_in_einv_state == "not_applicable":
        return move.l10n_in_einv_not_applicable_reason or ""
    return (move.l10n_in_einv_error or "").splitlines()[0][:90]


def print_summary(env, company, docs=None):
    moves = env["account.move"].search([("company_id", "=", company.id), ("move_type", "like", "out_")],
                                       order="id")
    print(f"\nDemo data for {company.name} (GSTIN {company.vat}, {company.currency_id.name}), "
          f"IRP sandbox {company._l10n_in_einv_credential().base_url}")
    for move in moves:
        amount = f"{move.currency_id.symbol} {move.amount_total:,.2f}"
        if move.currency_id != company.currency_id:
            amount += f" (₹ {abs(move.amount_total_signed):,.2f})"
        print(f"  {move.name:16} {kind_of(move):11} {move.partner_id.name[:26]:26} {amount:>30}  "
              f"{move.l10n_in_einv_state:14} {detail_of(move)}")
    counts = Counter(moves.mapped("l10n_in_einv_state"))
    print("  per e-invoice state: " + ", ".join(f"{state} {count}" for state, count in sorted(counts.items())))
    if docs:
        wrong = {key: move.l10n_in_einv_state for key, move in docs.items() if move.l10n_in_einv_state != EXPECTED[key]}
        if wrong:
            print(f"  NOT AS INTENDED: {wrong}")
        return not wrong
    return True


def main(env):
    admin = env.ref("base.user_admin")
    admin.tz = "Asia/Kolkata"  # invoice dates are Indian dates, as the IRP reads them
    env = env(user=admin, context={"allowed_company_ids": env.ref("base.main_company").ids, "tz": admin.tz})
    existing = env["l10n_in.einvoice.credential"].search([("gstin", "=", master.SELLER_KA["gstin"])], limit=1)
    if existing:
        print("The demo data is already there (scripts/demo --reset starts afresh).")
        print_summary(env, existing.company_id)
        return
    company = set_up_company(env, sandbox("/sandbox/info"))
    chart = env["account.chart.template"].with_company(company)
    taxes = {
        "gst_18": chart.ref("sgst_sale_18"), "gst_5": chart.ref("sgst_sale_5"),    # CGST + SGST, intra-state
        "igst_18": chart.ref("igst_sale_18"), "igst_5": chart.ref("igst_sale_5"),  # inter-state
        "igst_18_paid": chart.ref("igst_sale_18_sez_exp"), "igst_5_paid": chart.ref("igst_sale_5_sez_exp"),
        "igst_18_lut": chart.ref("igst_sale_18_sez_exp_lut"), "igst_5_lut": chart.ref("igst_sale_5_sez_exp_lut"),
    }
    customers = make_customers(env)
    products = make_products(env, taxes)
    docs = make_documents(env, company, customers, products, taxes)
    env.cr.commit()
    if not print_summary(env, company, docs):
        raise SystemExit("scripts/demo_data.py: some documents did not end in the intended e-invoice state")


main(globals()["env"])  # handed over by odoo-bin shell
