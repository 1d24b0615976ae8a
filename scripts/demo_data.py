"""Demo data, run by scripts/demo inside `odoo-bin shell` (the `env` global).

An Indian company on the sandbox's demo GSTIN with its IRP credential, customers
of every kind, products with HSN/SAC and units, and posted invoices of each
kind: some already with IRNs, one with a problem to fix, the rest to send.
Only public Odoo API and the sandbox's published contract are used.
"""
import json
import os
import urllib.request

from odoo import Command, fields

env = globals()["env"]  # handed over by odoo-bin shell

SANDBOX_URL = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8765")


def fetch(path):
    with urllib.request.urlopen(SANDBOX_URL + path, timeout=10) as response:
        return response.read().decode()


info = json.loads(fetch("/sandbox/info"))
by_gstin = {entry["gstin"]: entry for entry in info["gstins"]}
seller_user = info["users"][0]
seller = by_gstin[seller_user["gstin"]]
india = env.ref("base.in")
states = {state.l10n_in_tin: state for state in env["res.country.state"].search([("country_id", "=", india.id)])}

company = env["res.company"].create({
    "name": seller["legal_name"], "country_id": india.id, "state_id": states[seller["state_code"]].id,
    "vat": seller["gstin"], "street": seller["addr1"], "city": seller["loc"], "zip": str(seller["pin"]),
    "currency_id": env.ref("base.INR").id, "l10n_in_einv_enabled": True, "phone": "9845012345",
    "email": "accounts@kaveri-demo.example",
})
admin = env.ref("base.user_admin")
admin.write({"company_ids": [Command.link(company.id)], "company_id": company.id, "tz": "Asia/Kolkata"})
env = env(user=admin, context={"allowed_company_ids": company.ids})
env["account.chart.template"].try_loading("in", company=company, install_demo=False)
env.ref("base.USD").active = True
env["res.currency.rate"].create({"name": "2020-01-01", "rate": 1 / 83.25, "currency_id": env.ref("base.USD").id,
                                 "company_id": company.id})
env["l10n_in.einvoice.credential"].create({
    "company_id": company.id, "gstin": seller["gstin"], "environment": "local_sandbox", "base_url": SANDBOX_URL,
    "client_id": info["client_id"], "client_secret": info["client_secret"],
    "user_name": seller_user["user_name"], "password": seller_user["password"],
    "encryption_public_key": fetch("/sandbox/keys/encryption.pem"),
    "signing_certificate": fetch("/sandbox/keys/signing.pem"),
})


def partner_for(gstin, treatment="regular"):
    entry = by_gstin[gstin]
    return env["res.partner"].create({
        "name": entry["legal_name"], "vat": gstin, "is_company": True, "country_id": india.id,
        "state_id": states[entry["state_code"]].id, "street": entry["addr1"], "city": entry["loc"],
        "zip": str(entry["pin"]), "l10n_in_gst_treatment": treatment,
    })


def gstin_of(txp_type=None, state=None, status="ACT", exclude=()):
    for entry in info["gstins"]:
        if entry["gstin"] in exclude or entry["status"] != status or entry.get("blk_status") == "B":
            continue
        if txp_type and entry["txp_type"] != txp_type or state and entry["state_code"] != state:
            continue
        if not txp_type and entry["txp_type"] != "REG":
            continue
        return entry["gstin"]
    raise LookupError(f"no {txp_type or 'REG'} GSTIN in state {state} in the sandbox master")


mine = {seller["gstin"]} | {user["gstin"] for user in info["users"]}
intra = partner_for(gstin_of(state=seller["state_code"], exclude=mine))
inter = partner_for(gstin_of(exclude=mine | {intra.vat} | {g for g, e in by_gstin.items()
                                                            if e["state_code"] == seller["state_code"]}))
sez = partner_for(gstin_of(txp_type="SEZ"), "special_economic_zone")
overseas = env["res.partner"].create({
    "name": "Gulf Trading LLC", "is_company": True, "country_id": env.ref("base.ae").id, "street": "Sheikh Zayed Road 12",
    "city": "Dubai", "l10n_in_gst_treatment": "overseas",
})
consumer = env["res.partner"].create({
    "name": "Walk-in Customer", "country_id": india.id, "state_id": states[seller["state_code"]].id,
    "street": "MG Road 5", "city": "Bengaluru", "zip": "560001", "l10n_in_gst_treatment": "consumer",
})

chart = env["account.chart.template"].with_company(company)
gst_18, igst_18, gst_5, igst_5 = (chart.ref(x) for x in ("sgst_sale_18", "igst_sale_18", "sgst_sale_5", "igst_sale_5"))


def product(name, hsn, price, taxes, service=False, uom="uom.product_uom_unit"):
    unit = env.ref(uom)
    return env["product.product"].create({
        "name": name, "l10n_in_hsn_code": hsn, "lst_price": price, "type": "service" if service else "consu",
        "uom_id": unit.id, "uom_po_id": unit.id, "taxes_id": [Command.set(taxes.ids)],
    })


laptop = product("Laptop 14-inch", "84713010", 52000.0, gst_18)
rice = product("Basmati rice", "10063020", 95.0, gst_5, uom="uom.product_uom_kgm")
support = product("Annual software support", "998314", 18000.0, gst_18, service=True)
cable = product("Network cable (box)", "85444999", 3200.0, gst_18)


def invoice(partner, lines, move_type="out_invoice", **values):
    move = env["account.move"].create({
        "move_type": move_type, "partner_id": partner.id, "invoice_date": fields.Date.context_today(admin),
        "invoice_line_ids": [Command.create({
            "product_id": item.id, "quantity": qty, "price_unit": price,
            "tax_ids": [Command.set((taxes or item.taxes_id).ids)], "discount": discount,
        }) for item, qty, price, taxes, discount in lines],
        **values,
    })
    move.action_post()
    return move


generated = invoice(intra, [(laptop, 2, 52000.0, None, 5.0), (support, 1, 18000.0, None, 0.0)])
invoice(inter, [(cable, 10, 3200.0, igst_18, 0.0), (rice, 250, 95.0, igst_5, 0.0)]).action_l10n_in_einv_generate()
invoice(sez, [(laptop, 5, 50000.0, igst_18, 0.0)]).action_l10n_in_einv_generate()
generated.action_l10n_in_einv_generate()
invoice(overseas, [(laptop, 3, 640.0, igst_18, 0.0)], currency_id=env.ref("base.USD").id)
invoice(inter, [(support, 2, 18000.0, igst_18, 10.0)])
invoice(consumer, [(rice, 10, 95.0, None, 0.0)])  # B2C: not applicable
broken = product("Office chair (HSN missing)", False, 7500.0, gst_18)
invoice(intra, [(broken, 4, 7500.0, None, 0.0)])._l10n_in_einv_send(commit=False)  # shows an error to fix
reversal = env["account.move.reversal"].with_context(active_model="account.move", active_ids=generated.ids).create(
    {"reason": "One laptop returned", "journal_id": generated.journal_id.id})
credit_note = env["account.move"].browse(reversal.refund_moves()["res_id"])
credit_note.invoice_line_ids.filtered(lambda line: line.product_id == support).unlink()
credit_note.invoice_line_ids.quantity = 1
credit_note.action_post()
credit_note.action_l10n_in_einv_generate()
env.cr.commit()
print("Demo data ready for", company.name, company.vat)
