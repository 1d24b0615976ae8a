"""account.move -> the parties of the NIC e-invoice request: seller, buyer, dispatch-from
and ship-to blocks (names, addresses, contact details).

Free texts are fitted to NIC's lengths at word boundaries (irp/texts.py): a street too
long for Addr1 continues in Addr2, and whatever still does not fit is noted in `cuts`
so that the pre-flight can tell the user (models/account_move_mapping_warnings.py).
The partner records are never changed: only the payload is shortened.
"""
from odoo import models

from ..irp import masters, texts
from .account_move_payload import EMAIL_PATTERN, FOREIGN_PIN, FOREIGN_STATE, URP, _compact, _digits, _is_pin


def _note_cut(cuts, section, field, fitted, limit):
    """Remember a text sent shorter than entered: {section, field, original, sent, dropped, limit}."""
    if cuts is not None and fitted.cut:
        sent = " / ".join(part for part in (getattr(fitted, "line1", None), getattr(fitted, "line2", None)) if part) \
            if isinstance(fitted, texts.FittedAddress) else fitted.text
        cuts.append({"section": section, "field": field, "original": fitted.original, "sent": sent,
                     "dropped": fitted.dropped, "limit": limit})


class AccountMove(models.Model):
    _inherit = "account.move"

    @staticmethod
    def _l10n_in_einv_fit(value, limit, cuts=None, section=None, field=None):
        """The text as sent for a field of at most `limit` characters, noting a cut in `cuts`."""
        fitted = texts.fit(value, limit)
        _note_cut(cuts, section, field, fitted, limit)
        return fitted.text

    def _l10n_in_einv_address(self, partner, foreign=False, loc_max=100, cuts=None, section=None):
        address = texts.split_address(partner.street, partner.street2, texts.ADDRESS_LINE_LENGTH)
        _note_cut(cuts, section, "Addr", address, texts.ADDRESS_LINE_LENGTH)
        pin = (partner.zip or "").strip()
        values = {
            "Addr1": address.line1,
            "Addr2": address.line2,
            "Loc": self._l10n_in_einv_fit(partner.city, loc_max, cuts, section, "Loc"),
            # Never cleaned ('560 058' is not turned into 560058): the pre-flight names the partner instead.
            "Pin": int(pin) if _is_pin(pin) else None,
            "Stcd": partner.state_id.l10n_in_tin or None,
        }
        if foreign:
            values.update({"Pin": FOREIGN_PIN, "Stcd": FOREIGN_STATE})
        return values

    @staticmethod
    def _l10n_in_einv_contact(partner):
        """Optional contact details. The phone is the one place where characters are dropped:
        separators and the +91 prefix are notation, not digits of the number, and NIC wants
        digits only; a phone or e-mail NIC cannot take is left out, never refused."""
        values = {}
        phone = _digits(partner.phone or partner.mobile)
        # NIC takes 6-12 digits: drop a country code or leading zeros only when too long.
        if len(phone) > 12 and phone.startswith("91"):
            phone = phone[2:]
        if len(phone) > 12:
            phone = phone.lstrip("0")
        if 6 <= len(phone) <= 12:
            values["Ph"] = phone
        email = (partner.email or "").replace(";", ",").split(",")[0].strip()
        if 6 <= len(email) <= 100 and EMAIL_PATTERN.match(email):
            values["Em"] = email
        return values

    @staticmethod
    def _l10n_in_einv_address_key(partner):
        return tuple(" ".join((value or "").lower().split()) for value in (
            partner.street, partner.street2, partner.city, partner.zip)) + (partner.state_id.id, partner.country_id.id)

    def _l10n_in_einv_is_foreign(self, partner):
        return bool(partner.country_id) and partner.country_id.code != "IN"

    def _l10n_in_einv_buyer_address_partner(self):
        partner = self.partner_id
        return partner if partner.street or partner.city else partner.commercial_partner_id

    def _l10n_in_einv_buyer_gstin(self):
        """The customer's GSTIN as entered (surrounding blanks trimmed only)."""
        return (self.l10n_in_gstin or self.partner_id.commercial_partner_id.vat or "").strip()

    def _l10n_in_einv_parties(self, supply_type, cuts=None):
        """SellerDtls, BuyerDtls and, when they differ from those, DispDtls and ShipDtls.
        cuts: a list receiving every text sent shorter than entered (see _note_cut)."""
        company = self.company_id
        seller = company.partner_id
        buyer = self.partner_id.commercial_partner_id
        buyer_address = self._l10n_in_einv_buyer_address_partner()
        export = supply_type in masters.EXPORT_SUPPLY_TYPES
        buyer_foreign = export or self._l10n_in_einv_is_foreign(buyer_address)
        fit = self._l10n_in_einv_fit

        seller_details = {
            "Gstin": (company.vat or "").strip(),
            "LglNm": fit(company.name, 100, cuts, "SellerDtls", "LglNm"),
            **self._l10n_in_einv_address(seller, loc_max=50, cuts=cuts, section="SellerDtls"),
            **self._l10n_in_einv_contact(seller),
        }
        if buyer_foreign:
            pos = FOREIGN_STATE
        else:
            pos = self.l10n_in_state_id.l10n_in_tin or buyer_address.state_id.l10n_in_tin or None
        buyer_details = {
            "Gstin": URP if export else self._l10n_in_einv_buyer_gstin(),
            "LglNm": fit(buyer.name, 100, cuts, "BuyerDtls", "LglNm"),
            "Pos": pos,
            **self._l10n_in_einv_address(buyer_address, foreign=buyer_foreign, cuts=cuts, section="BuyerDtls"),
            **self._l10n_in_einv_contact(buyer_address),
        }
        parties = {"SellerDtls": _compact(seller_details), "BuyerDtls": _compact(buyer_details)}
        parties["BuyerDtls"].setdefault("Gstin", "")

        dispatch = self._l10n_in_get_warehouse_address()
        if dispatch and self._l10n_in_einv_address_key(dispatch) != self._l10n_in_einv_address_key(seller):
            parties["DispDtls"] = _compact({
                "Nm": fit(dispatch.name or company.name, 100, cuts, "DispDtls", "Nm"),
                **self._l10n_in_einv_address(dispatch, cuts=cuts, section="DispDtls"),
            })

        ship = self.partner_shipping_id
        if (ship and not self._l10n_in_einv_is_foreign(ship)
                and self._l10n_in_einv_address_key(ship) != self._l10n_in_einv_address_key(buyer_address)):
            # From 01/08/2026 a ship-to block must name the consignee's GSTIN or URP (§14);
            # always sending it is valid before that date too. A malformed GSTIN is sent as
            # entered (the pre-flight stops it), never swapped for URP or upper-cased.
            parties["ShipDtls"] = _compact({
                "Gstin": (ship.vat or "").strip() or URP,
                "LglNm": fit(ship.commercial_partner_id.name or ship.name, 100, cuts, "ShipDtls", "LglNm"),
                **self._l10n_in_einv_address(ship, cuts=cuts, section="ShipDtls"),
            })
        return parties
