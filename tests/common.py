"""Shared set-up of the Odoo tests: an Indian company on a sandbox GSTIN, its
IRP credential pointing at an in-process sandbox (real HTTP, real crypto),
customers of every GST treatment and products with HSN/SAC codes."""
import itertools
import time

from odoo import SUPERUSER_ID, Command, api, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..sandbox import master
from ..sandbox.testing import RunningSandbox


class L10nInEinvoiceCommon(AccountTestInvoicingCommon):

    _journal_codes = itertools.count(1)

    @classmethod
    @AccountTestInvoicingCommon.setup_country("in")
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = RunningSandbox().start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.state_ka = cls.env.ref("base.state_in_ka")
        cls.state_mh = cls.env.ref("base.state_in_mh")
        cls.state_tn = cls.env.ref("base.state_in_tn")
        cls.country_in = cls.env.ref("base.in")

        seller = master.SELLER_KA
        cls.company = cls.company_data["company"]
        cls.company.write({
            "name": seller["legal_name"], "vat": seller["gstin"], "state_id": cls.state_ka.id,
            "country_id": cls.country_in.id, "street": seller["addr1"], "city": seller["loc"],
            "zip": str(seller["pin"]), "l10n_in_einv_enabled": True,
        })
        cls.credential = cls._sandbox_credential(cls.company, seller["gstin"])

        cls.partner_intra = cls._partner_from_master(master.BUYER_KA, cls.state_ka)
        cls.partner_inter = cls._partner_from_master(master.BUYER_MH, cls.state_mh)
        cls.partner_sez = cls._partner_from_master(master.BUYER_SEZ_TN, cls.state_tn,
                                                   l10n_in_gst_treatment="special_economic_zone")
        cls.partner_overseas = cls.env["res.partner"].create({
            "name": "Gulf Trading LLC", "country_id": cls.env.ref("base.ae").id, "street": "Sheikh Zayed Road 12",
            "city": "Dubai", "zip": "00000", "l10n_in_gst_treatment": "overseas",
        })
        cls.partner_unregistered = cls.env["res.partner"].create({
            "name": "Walk-in Customer", "country_id": cls.country_in.id, "state_id": cls.state_ka.id,
            "street": "MG Road 5", "city": "Bengaluru", "zip": "560001", "l10n_in_gst_treatment": "consumer",
        })

        chart = cls.env["account.chart.template"]
        cls.gst_18 = chart.ref("sgst_sale_18")      # CGST 9% + SGST 9% (intra-state)
        cls.igst_18 = chart.ref("igst_sale_18")
        cls.gst_5 = chart.ref("sgst_sale_5")
        cls.igst_5 = chart.ref("igst_sale_5")
        cls.product_laptop = cls._product("Laptop", "84713010", 50000.0, cls.gst_18)
        cls.product_rice = cls._product("Basmati rice 25 kg", "10063020", 2500.0, cls.gst_5,
                                        uom=cls.env.ref("uom.product_uom_kgm"))
        cls.product_service = cls._product("Software support", "998314", 12000.0, cls.gst_18, service=True)

    def setUp(self):
        super().setUp()
        # The sandbox outlives each test's rollback, so every test numbers its
        # documents in a series of its own (as a company with several journals would).
        self.company_data["default_journal_sale"].code = f"T{next(self._journal_codes):03d}"
        self.sandbox.clear_faults()
        self.sandbox.reset_clock()

    @staticmethod
    def _generate(move):
        move.action_l10n_in_einv_generate()
        return move

    @classmethod
    def _sandbox_credential(cls, company, gstin):
        user = next(u for u in cls.sandbox.users if u["gstin"] == gstin)
        return cls.env["l10n_in.einvoice.credential"].create({
            "company_id": company.id, "gstin": gstin, "environment": "local_sandbox",
            "base_url": cls.sandbox.url, "client_id": cls.sandbox.client_id,
            "client_secret": cls.sandbox.client_secret, "user_name": user["user_name"],
            "password": user["password"], "read_timeout": 5,
            "encryption_public_key": cls.sandbox.encryption_public_pem.decode(),
            "signing_certificate": cls.sandbox.signing_certificate_pem.decode(),
        })

    @classmethod
    def _partner_from_master(cls, entry, state, **values):
        return cls.env["res.partner"].create({
            "name": entry["legal_name"], "vat": entry["gstin"], "country_id": cls.country_in.id,
            "state_id": state.id, "street": entry["addr1"], "city": entry["loc"], "zip": str(entry["pin"]),
            "is_company": True, "l10n_in_gst_treatment": values.pop("l10n_in_gst_treatment", "regular"),
            **values,
        })

    @classmethod
    def _product(cls, name, hsn, price, taxes, service=False, uom=None):
        uom = uom or cls.env.ref("uom.product_uom_unit")
        return cls.env["product.product"].create({
            "name": name, "l10n_in_hsn_code": hsn, "lst_price": price, "type": "service" if service else "consu",
            "uom_id": uom.id, "uom_po_id": uom.id, "taxes_id": [Command.set(taxes.ids)],
        })

    @classmethod
    def _invoice(cls, partner, lines, move_type="out_invoice", post=True, **values):
        """lines: (product, quantity, price_unit[, taxes[, discount]]) tuples or line value dicts."""
        line_vals = []
        for line in lines:
            if isinstance(line, dict):
                line_vals.append(Command.create(line))
                continue
            product, quantity, price = line[:3]
            taxes = line[3] if len(line) > 3 else product.taxes_id
            line_vals.append(Command.create({
                "product_id": product.id, "quantity": quantity, "price_unit": price,
                "tax_ids": [Command.set(taxes.ids)], "discount": line[4] if len(line) > 4 else 0.0,
            }))
        move = cls.env["account.move"].create({
            "move_type": move_type, "partner_id": partner.id, "invoice_date": fields.Date.context_today(cls.env.user),
            "invoice_line_ids": line_vals, **values,
        })
        if post:
            move.action_post()
        return move


def commit_seller(registry, sandbox, seller, buyer, state_xmlid, label, **company_values):
    """For tests whose other workers need committed data: a company of its own on `seller`'s
    GSTIN with its sandbox credential, a buyer and a product, committed in the throw-away
    test database. Returns (company id, buyer id, product id, intra-state GST 18 % tax id)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        state = env.ref(state_xmlid)
        company = env["res.company"].create({
            "name": f"{label} {time.time_ns()}", "country_id": env.ref("base.in").id, "state_id": state.id,
            "vat": seller["gstin"], "street": seller["addr1"], "city": seller["loc"], "zip": str(seller["pin"]),
            "l10n_in_einv_enabled": True, **company_values,
        })
        env = env(context={"allowed_company_ids": company.ids})
        env["account.chart.template"].try_loading("in", company=company, install_demo=False)
        user = next(u for u in sandbox.users if u["gstin"] == seller["gstin"])
        env["l10n_in.einvoice.credential"].create({
            "company_id": company.id, "gstin": seller["gstin"], "environment": "local_sandbox",
            "base_url": sandbox.url, "client_id": sandbox.client_id, "client_secret": sandbox.client_secret,
            "user_name": user["user_name"], "password": user["password"], "read_timeout": 10,
            "encryption_public_key": sandbox.encryption_public_pem.decode(),
            "signing_certificate": sandbox.signing_certificate_pem.decode(),
        })
        partner = env["res.partner"].create({
            "name": buyer["legal_name"], "vat": buyer["gstin"], "country_id": env.ref("base.in").id,
            "state_id": state.id, "street": buyer["addr1"], "city": buyer["loc"], "zip": str(buyer["pin"]),
            "is_company": True, "l10n_in_gst_treatment": "regular",
        })
        tax = env["account.chart.template"].with_company(company).ref("sgst_sale_18")
        product = env["product.product"].create({
            "name": "Drill machine", "l10n_in_hsn_code": "84672100", "type": "consu", "lst_price": 5000.0})
        return company.id, partner.id, product.id, tax.id


class L10nInEinvoiceMappingCommon(L10nInEinvoiceCommon):
    """What the payload tests and the golden payloads share: the chart's SEZ/export and
    reverse-charge taxes, a foreign currency, a deemed-export buyer, a port, cess and
    tax-included taxes carrying l10n_in's tags, and products taxed with them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        chart = cls.env["account.chart.template"]
        cls.igst_18_paid = chart.ref("igst_sale_18_sez_exp")  # export/SEZ, IGST paid by the supplier
        cls.igst_18_lut = chart.ref("igst_sale_18_sez_exp_lut")  # export/SEZ under LUT, no IGST
        cls.igst_18_rc = chart.ref("igst_sale_18_rc")
        cls.gst_28 = chart.ref("sgst_sale_28")
        cls.usd = cls.setup_other_currency("USD", rates=[("2017-01-01", 0.0125)])  # 1 USD = 80 INR
        cls.partner_deemed = cls._partner_from_master(master.BUYER_TN, cls.state_tn,
                                                      l10n_in_gst_treatment="deemed_export")
        cls.port = cls.env.ref("l10n_in.port_code_innsa1")
        tag = cls.env.ref
        # Compensation cess is levied on the taxable value, not on value + GST: l10n_in's cess
        # taxes raise the base of the GST after them (include_base_amount), which NIC's
        # arithmetic refuses; these carry the same tags and are computed before the GST.
        cls.cess_12 = cls._tagged_tax("Cess 12%", "percent", 12.0, tag("l10n_in.tax_tag_base_cess"),
                                      tag("l10n_in.tax_tag_cess"), sequence=0)
        cls.cess_400 = cls._tagged_tax("Cess Rs 400/unit", "fixed", 400.0, tag("l10n_in.tax_tag_base_cess"),
                                       tag("l10n_in.tax_tag_cess"), sequence=0)
        cls.cgst_9_incl = cls._tagged_tax("CGST 9% incl.", "percent", 9.0, tag("l10n_in.tax_tag_base_cgst"),
                                          tag("l10n_in.tax_tag_cgst"), price_include_override="tax_included")
        cls.sgst_9_incl = cls._tagged_tax("SGST 9% incl.", "percent", 9.0, tag("l10n_in.tax_tag_base_sgst"),
                                          tag("l10n_in.tax_tag_sgst"), price_include_override="tax_included")
        cls.product_car = cls._product("Motor car 1500 cc", "87032291", 600000.0, cls.gst_28 + cls.cess_12
                                       + cls.cess_400)
        cls.product_no_hsn = cls.env["product.product"].create({
            "name": "Loyalty discount", "type": "service", "taxes_id": [Command.set(cls.gst_18.ids)]})

    @classmethod
    def _tagged_tax(cls, name, amount_type, amount, base_tag, tax_tag, **values):
        def repartition():
            return [Command.create({"repartition_type": "base", "tag_ids": [Command.set(base_tag.ids)]}),
                    Command.create({"repartition_type": "tax", "tag_ids": [Command.set(tax_tag.ids)]})]
        return cls.env["account.tax"].create({
            "name": name, "amount_type": amount_type, "amount": amount, "type_tax_use": "sale",
            "company_id": cls.company.id, "invoice_repartition_line_ids": repartition(),
            "refund_repartition_line_ids": repartition(), **values,
        })

    def _cash_rounding(self, strategy):
        return self.env["account.cash.rounding"].create({
            "name": f"Rupee ({strategy})", "rounding": 1.0, "strategy": strategy, "rounding_method": "HALF-UP",
            "profit_account_id": self.company_data["default_account_revenue"].id,
            "loss_account_id": self.company_data["default_account_expense"].id,
        })
