"""Structured problems of the pre-flight, and their English wording.

A Problem says where (path), which NIC code the IRP would answer with (code), what
kind of problem it is (key, a stable identifier) and the facts (params: values,
limits, amounts...). The sentence is not part of the problem: this module words
every key once in plain English (TEMPLATES, "%(name)s" style) so that irp/ reads
well on its own, and the Odoo layer words the same keys with translatable texts and
names its own records from the path.

Rendering adds two parameters derived from the path: ``field`` (the NIC property
name, e.g. 'HsnCd') and ``field_label`` (words for it, e.g. 'HSN code').
"""
from dataclasses import dataclass, field as dataclass_field

SCHEMA_CODE = "schema"  # a pure schema violation (the IRP answers with a generic code)
LOCAL_CODE = "local"  # our own rule: the IRP would accept it, but the document should not go


def path_parts(path):
    """'ItemList[2].HsnCd' -> ['ItemList', 2, 'HsnCd']; '' -> []."""
    parts = []
    for chunk in path.split(".") if path else ():
        name, *indexes = chunk.split("[")
        if name:
            parts.append(name)
        parts.extend(int(index.rstrip("]")) for index in indexes)
    return parts


def format_path(parts):
    """['ItemList', 2, 'HsnCd'] -> 'ItemList[2].HsnCd'."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += "[%d]" % part
        else:
            text += ("." if text else "") + str(part)
    return text


def item_index(path):
    """The index of the item a path is about ('ItemList[2].HsnCd' -> 2), else None."""
    parts = path_parts(path)
    if len(parts) > 1 and parts[0] == "ItemList" and isinstance(parts[1], int):
        return parts[1]
    return None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request.

    path: where, e.g. 'ItemList[2].HsnCd' or 'BuyerDtls.Gstin' ('' for the whole request);
    code: the NIC error code the IRP would return, 'schema' for a pure schema violation,
        'local' for a rule of ours that the IRP does not have;
    key: the kind of problem, a stable identifier (e.g. 'doc_date_future'), see TEMPLATES;
    params: the facts, by name (values, limits, amounts, item numbers...).
    """

    path: str
    code: str
    key: str
    params: dict = dataclass_field(default_factory=dict, hash=False)

    @property
    def field(self):
        """The NIC property the problem is about ('HsnCd'), or None for a whole block or entry."""
        parts = path_parts(self.path)
        return parts[-1] if parts and isinstance(parts[-1], str) else None

    @property
    def section(self):
        """The top-level block of the path ('ItemList', 'BuyerDtls'...), or ''."""
        parts = path_parts(self.path)
        return parts[0] if parts and isinstance(parts[0], str) else ""

    def render(self, template, field_label=None):
        """`template` filled with the params plus field/field_label; None when they do not fit."""
        values = dict(self.params)
        values.setdefault("field", self.field or "")
        values.setdefault("field_label", field_label or field_words(self.field))
        try:
            return template % values
        except (KeyError, ValueError, TypeError):
            return None

    @property
    def text(self):
        """What is wrong, in English, without saying where (for callers that name the place themselves)."""
        template = TEMPLATES.get(self.key)
        text = self.render(template) if template else None
        return text or "%s %r" % (self.key, self.params)

    @property
    def message(self):
        """'<where>: <what is wrong> (<code>)', in English."""
        text = self.text
        where = where_words(self.path)
        message = "%s: %s" % (where, text) if where else text[:1].upper() + text[1:]
        if self.code not in (SCHEMA_CODE, LOCAL_CODE):
            message += " (%s)" % self.code
        return message

    def __str__(self):
        return self.message


# --- English words for places and fields --------------------------------------------------------

SECTION_NAMES = {
    "TranDtls": "Transaction details",
    "DocDtls": "Document",
    "SellerDtls": "Seller",
    "BuyerDtls": "Buyer",
    "DispDtls": "Dispatch-from address",
    "ShipDtls": "Ship-to address",
    "ValDtls": "Invoice totals",
    "PayDtls": "Payment details",
    "RefDtls": "Reference details",
    "DocPerdDtls": "invoice period",
    "PrecDocDtls": "preceding document",
    "ContrDtls": "contract reference",
    "AddlDocDtls": "Additional document",
    "ExpDtls": "Export details",
    "EwbDtls": "E-way bill details",
    "ExpShipDtls": "Export ship-to address",
    "BchDtls": "batch",
    "AttribDtls": "attribute",
}

FIELD_LABELS = {
    "Version": "schema version", "Irn": "IRN",
    "TranDtls": "transaction details", "DocDtls": "document details", "SellerDtls": "seller details",
    "BuyerDtls": "buyer details", "DispDtls": "dispatch-from details", "ShipDtls": "ship-to details",
    "ItemList": "item list", "ValDtls": "invoice totals", "PayDtls": "payment details",
    "RefDtls": "reference details", "AddlDocDtls": "additional documents", "ExpDtls": "export details",
    "EwbDtls": "e-way bill details", "ExpShipDtls": "export ship-to details", "BchDtls": "batch details",
    "DocPerdDtls": "invoice period", "PrecDocDtls": "preceding documents", "ContrDtls": "contract references",
    "AttribDtls": "attributes",
    "TaxSch": "tax scheme", "SupTyp": "supply type", "RegRev": "reverse-charge flag",
    "EcmGstin": "e-commerce operator GSTIN", "IgstOnIntra": "IGST-on-intra-state flag",
    "Typ": "document type", "No": "document number", "Dt": "document date",
    "Gstin": "GSTIN", "LglNm": "legal name", "TrdNm": "trade name", "Nm": "name",
    "Addr1": "address line 1", "Addr2": "address line 2", "Loc": "city/place", "Pin": "PIN code",
    "Stcd": "state code", "Pos": "place of supply (state code)", "Ph": "phone number", "Em": "e-mail address",
    "SlNo": "serial number", "PrdDesc": "description", "IsServc": "service flag", "HsnCd": "HSN code",
    "Barcde": "barcode", "Qty": "quantity", "FreeQty": "free quantity", "Unit": "unit (UQC)",
    "UnitPrice": "unit price", "TotAmt": "gross amount", "Discount": "discount", "PreTaxVal": "pre-tax value",
    "AssAmt": "taxable value", "GstRt": "GST rate", "IgstAmt": "IGST amount", "CgstAmt": "CGST amount",
    "SgstAmt": "SGST amount", "CesRt": "cess rate", "CesAmt": "cess amount",
    "CesNonAdvlAmt": "non-ad-valorem cess amount", "StateCesRt": "state cess rate",
    "StateCesAmt": "state cess amount", "StateCesNonAdvlAmt": "non-ad-valorem state cess amount",
    "OthChrg": "other charges", "TotItemVal": "item total", "OrdLineRef": "order line reference",
    "OrgCntry": "country of origin", "PrdSlNo": "product serial number", "ExpDt": "expiry date",
    "WrDt": "warranty date", "Val": "value",
    "AssVal": "total taxable value", "CgstVal": "total CGST", "SgstVal": "total SGST", "IgstVal": "total IGST",
    "CesVal": "total cess", "StCesVal": "total state cess", "RndOffAmt": "rounding amount",
    "TotInvVal": "invoice total", "TotInvValFc": "invoice total in foreign currency",
    "AccDet": "account number", "Mode": "payment mode", "FinInsBr": "IFSC/branch code", "PayTerm": "payment terms",
    "PayInstr": "payment instruction", "CrTrn": "credit transfer", "DirDr": "direct debit",
    "CrDay": "credit days", "PaidAmt": "amount paid", "PaymtDue": "amount due",
    "InvRm": "remarks", "InvStDt": "period start date", "InvEndDt": "period end date",
    "InvNo": "original invoice number", "InvDt": "original invoice date", "OthRefNo": "other reference",
    "RecAdvRefr": "receipt advice number", "RecAdvDt": "receipt advice date", "TendRefr": "tender reference",
    "ContrRefr": "contract reference", "ExtRefr": "external reference", "ProjRefr": "project reference",
    "PORefr": "purchase order reference", "PORefDt": "purchase order date",
    "Url": "URL", "Docs": "document", "Info": "information",
    "ShipBNo": "shipping bill number", "ShipBDt": "shipping bill date", "Port": "port code",
    "RefClm": "refund claim flag", "ForCur": "foreign currency", "CntCode": "country code", "ExpDuty": "export duty",
    "TransId": "transporter ID", "TransName": "transporter name", "TransMode": "transport mode",
    "Distance": "distance (km)", "TransDocNo": "transport document number", "TransDocDt": "transport document date",
    "VehNo": "vehicle number", "VehType": "vehicle type",
    "CnlRsn": "cancellation reason", "CnlRem": "cancellation remark", "ewbNo": "e-way bill number",
    "cancelRsnCode": "cancellation reason", "cancelRmrk": "cancellation remark",
}


def field_words(name):
    """English words for a NIC property name ('HsnCd' -> 'HSN code'); 'entry' for a list entry."""
    return FIELD_LABELS.get(name, name) if name else "entry"


def where_words(path):
    """'Item 3', 'Buyer', 'Reference details, preceding document 1'... for the container of the
    field at `path`; '' when the field is at the top of the request."""
    parts = path_parts(path)
    if parts and isinstance(parts[-1], str):
        parts = parts[:-1]
    words = []
    previous = None
    for part in parts:
        if isinstance(part, int):
            if previous == "ItemList":
                words[-1] = "Item %d" % (part + 1)
            elif words:
                words[-1] = "%s %d" % (words[-1], part + 1)
        else:
            name = "Items" if part == "ItemList" else SECTION_NAMES.get(part)
            if name is not None:
                words.append(name)
        previous = part
    return ", ".join(words)


# --- English templates, one per key ----------------------------------------------------------------
# Each says what is wrong; the place ("Item 3: ", "Buyer: ") and the code are added around it.

_SHIP_TO_GSTIN = "the consignee's GSTIN (or URP when the consignee is unregistered) is mandatory "

TEMPLATES = {
    # schema (types, lengths, formats, required properties)
    "payload_not_object": "the %(document)s must be a JSON object, not %(type)s",
    "required": "%(field_label)s (%(field)s) is missing",
    "wrong_type": "%(field_label)s must be of type %(expected)s, not %(value)s",
    "too_short": "%(field_label)s '%(value)s' is too short: at least %(min_length)d characters are needed",
    "too_long": "%(field_label)s '%(value)s' is too long: %(length)d characters, at most %(max_length)d allowed",
    "not_allowed": "%(field_label)s '%(value)s' must be one of %(allowed)s",
    "below_minimum": "%(field_label)s %(value)s must be at least %(minimum)s",
    "above_maximum": "%(field_label)s %(value)s must be at most %(maximum)s",
    "no_items": "the invoice has no items: at least one item is needed",
    "too_many_items": "the invoice has %(count)d items; the IRP accepts at most %(maximum)d per invoice",
    "schema_other": "%(field_label)s: %(detail)s",
    "format_date": "%(field_label)s '%(value)s' must be a date written dd/mm/yyyy (years 2010 to 2029)",
    "format_state_code": "%(field_label)s '%(value)s' must be a state code of 1 or 2 digits (not 0)",
    "format_gstin": "%(field_label)s '%(value)s' must be 2 digits followed by 13 capital letters or digits",
    "format_gstin_or_urp": "%(field_label)s '%(value)s' must be a 15-character GSTIN in capitals, or URP for an "
                           "unregistered party",
    "format_free_text": "%(field_label)s '%(value)s' must not contain double quotes (\") or backslashes (\\)",
    "format_phone": "%(field_label)s '%(value)s' must be 6 to 12 digits with no spaces or signs",
    "format_email": "%(field_label)s '%(value)s' is not a valid e-mail address",
    "format_doc_number": "%(field_label)s '%(value)s' may contain only letters, digits, '/' and '-' and must not "
                         "start with 0, '/' or '-'",
    "format_hsn": "%(field_label)s '%(value)s' must be 4, 6 or 8 digits and not all zeros",
    "format_serial_number": "%(field_label)s '%(value)s' must be 1 to 6 digits",
    "format_unit": "%(field_label)s '%(value)s' must be 3 to 8 letters",
    "format_supply_type": "%(field_label)s '%(value)s' must be one of B2B, SEZWP, SEZWOP, EXPWP, EXPWOP, DEXP",
    "format_doc_type": "%(field_label)s '%(value)s' must be INV (invoice), CRN (credit note) or DBN (debit note)",
    "format_country": "%(field_label)s '%(value)s' must be a 2-letter country code (e.g. AE)",
    "format_port": "%(field_label)s '%(value)s' must be 2 to 10 letters or digits",
    "format_currency": "%(field_label)s '%(value)s' must be a currency code made of letters",
    "format_transport_doc_number": "%(field_label)s '%(value)s' may contain only letters, digits, '/' and '-'",
    "format_vehicle_number": "%(field_label)s '%(value)s' may contain only letters and digits (no spaces)",
    "format_irn": "%(field_label)s '%(value)s' must be 64 lower-case hexadecimal characters",
    "format_other": "%(field_label)s '%(value)s' does not have the expected format",
    # GSTINs
    "gstin_missing": "%(field_label)s is missing",
    "gstin_length": "%(field_label)s '%(value)s' must be 15 characters long (it has %(length)d)",
    "gstin_lowercase": "%(field_label)s '%(value)s' must be written in capital letters",
    "gstin_shape": "%(field_label)s '%(value)s' must be 2 digits followed by 13 capital letters or digits",
    "gstin_state_prefix": "%(field_label)s '%(value)s' starts with '%(prefix)s', which is not an Indian state code",
    "gstin_check_char": "%(field_label)s '%(value)s' fails the check-character test: one of its characters is "
                        "mistyped",
    # document
    "date_not_real": "%(field_label)s '%(value)s' is not a real calendar date",
    "doc_date_future": "document date %(date)s is in the future (today is %(today)s)",
    "doc_date_before_einvoicing": "document date %(date)s is before %(start)s, when e-invoicing began",
    "invoice_with_preceding_doc": "an invoice (INV) must not carry a preceding (original) invoice reference; "
                                  "only credit and debit notes do",
    "period_reversed": "the invoice period starts on %(start)s, after it ends on %(end)s",
    # parties and supply type
    "state_gstin_mismatch": "state code '%(state)s' does not match the state of GSTIN %(gstin)s ('%(gstin_state)s')",
    "buyer_is_seller": "GSTIN %(gstin)s is the seller's own GSTIN",
    "ecom_not_tcs": "e-commerce operator GSTIN %(gstin)s is not a TCS registration (its 14th character must be "
                    "'C')",
    "seller_not_session": "GSTIN %(gstin)s is not the GSTIN %(session_gstin)s these API credentials belong to; only "
                          "the supplier or the e-commerce operator can register the invoice",
    "seller_is_sez": "GSTIN %(gstin)s is an SEZ unit, which does not register e-invoices",
    "buyer_not_sez": "supply type %(supply_type)s needs an SEZ buyer, but GSTIN %(gstin)s is registered as "
                     "'%(taxpayer_type)s'",
    "b2b_to_sez": "buyer GSTIN %(gstin)s is an SEZ unit: use supply type SEZWP or SEZWOP, not B2B",
    "dexp_urp": "a deemed export (DEXP) needs a registered buyer, not URP",
    "urp_not_export": "the GSTIN cannot be URP for supply type %(supply_type)s; URP is only for exports "
                      "(EXPWP/EXPWOP)",
    "export_registered_buyer": "an export (%(supply_type)s) must have buyer GSTIN URP, not %(gstin)s",
    "export_pos": "place of supply must be 96 (other country) for an export (%(supply_type)s), not '%(pos)s'",
    "export_buyer_state": "state code must be 96 (other country) for an export (%(supply_type)s), not '%(state)s'",
    "export_intra_state": "an export cannot be an intra-state supply: place of supply equals the seller's state or "
                          "IGST-on-intra-state is Y",
    "pos_foreign_not_export": "place of supply 96 (other country) is only for exports, not for supply type "
                              "%(supply_type)s",
    "reverse_charge_not_b2b": "reverse charge (RegRev Y) is only allowed for B2B supplies, not %(supply_type)s",
    "igst_on_intra_other_pos": "IGST-on-intra-state is Y but the place of supply '%(pos)s' differs from the "
                               "seller's state '%(seller_state)s'",
    # addresses
    "state_code_invalid": "state code '%(state)s' is not a valid state code",
    "pos_invalid": "place of supply '%(pos)s' is not a valid state code",
    "buyer_pin_missing": "the PIN code is missing: it is mandatory (999999 for a foreign buyer)",
    "ship_to_gstin_required": _SHIP_TO_GSTIN + "when an e-way bill is made with or by the IRN (ship-to rule, in "
                              "force from %(start)s when switched on)",
    "ship_to_same_as_buyer": "the ship-to GSTIN %(gstin)s is the buyer's own: a delivery to the buyer's own place "
                             "is a regular supply, so leave the ship-to GSTIN out or deliver to another party",
    "ship_to_state_mismatch": "state code '%(state)s' does not match the state of the ship-to GSTIN %(gstin)s",
    # dated rules (rules_calendar)
    "reporting_limit_passed": "document date %(date)s is more than %(days)d days ago: the IRP took it only until "
                              "%(last_day)s for a taxpayer of this turnover",
    "hsn_digits_by_aato": "HSN code '%(hsn)s' must have at least %(digits)d digits for a taxpayer of this turnover "
                          "(since %(start)s)",
    "gst_rate_before_slab": "GST rate %(rate)g%% did not exist on %(date)s: the 40%% slab starts on %(start)s",
    "ewb_document_too_old": "the invoice dated %(date)s is more than %(days)d days old: an e-way bill could be made "
                            "for it only until %(last_day)s",
    "foreign_pin_required": "the address is outside India (state 96), so its PIN code must be 999999, not %(pin)d",
    "foreign_pin_in_india": "PIN code 999999 is only for places outside India, but the state is '%(state)s' "
                            "(%(state_name)s)",
    "pin_state_mismatch": "PIN code %(pin)d does not belong to state '%(state)s' (%(state_name)s)",
    "address_foreign_state": "the address must be in India: state 96 is not allowed",
    "address_foreign_pin": "the address must be in India: PIN code 999999 is not allowed",
    # items
    "duplicate_serial": "serial number '%(serial)s' is already used by item %(other_item)d",
    "hsn_unknown": "HSN code '%(hsn)s' is not in the HSN master",
    "service_without_sac": "marked as a service but HSN code '%(hsn)s' is not a SAC (service codes start with 99)",
    "goods_with_sac": "marked as goods but HSN code '%(hsn)s' is a service code (SAC); set it as a service",
    "unit_unknown": "unit '%(unit)s' is not a unit quantity code (UQC) of the GST master; use e.g. NOS, KGS, MTR "
                    "or OTH",
    "goods_quantity_missing": "the quantity is required for goods",
    "goods_unit_missing": "the unit (UQC) is required for goods",
    "gst_rate_invalid": "GST rate %(rate)g%% is not a GST rate (allowed: %(allowed)s)",
    "country_unknown": "%(field_label)s '%(value)s' is not an ISO country code",
    "igst_intra_state": "IGST %(igst).2f is not applicable to an intra-state supply (seller state = place of "
                        "supply); charge CGST and SGST, or set IGST-on-intra-state to Y",
    "cgst_sgst_required": "an intra-state supply at %(rate)g%% needs CGST and SGST amounts",
    "cgst_sgst_unequal": "CGST %(cgst).2f and SGST %(sgst).2f must be equal",
    "cgst_sgst_export": "CGST/SGST (%(cgst).2f/%(sgst).2f) are not applicable to an export (%(supply_type)s); "
                        "charge IGST",
    "cgst_sgst_sez": "CGST/SGST (%(cgst).2f/%(sgst).2f) are not applicable to a supply to an SEZ "
                     "(%(supply_type)s); charge IGST",
    "cgst_sgst_igst_on_intra": "CGST/SGST (%(cgst).2f/%(sgst).2f) are not applicable to a supply charged to IGST "
                               "(IGST-on-intra-state is Y); charge IGST",
    "cgst_sgst_inter_state": "CGST/SGST (%(cgst).2f/%(sgst).2f) are not applicable to an inter-state supply (place "
                             "of supply differs from the seller's state); charge IGST",
    "cgst_sgst_amount": "CGST %(cgst).2f and SGST %(sgst).2f should each be %(half_rate)g%% of the taxable value "
                        "%(taxable).2f = %(expected).2f",
    "igst_amount": "IGST %(igst).2f should be %(rate)g%% of the taxable value %(taxable).2f = %(expected).2f",
    "taxable_value_mismatch": "taxable value %(taxable).2f should equal gross amount %(gross).2f minus discount "
                              "%(discount).2f = %(expected).2f",
    "cess_amount": "cess %(cess).2f should be %(rate)g%% of the taxable value %(taxable).2f = %(expected).2f",
    "state_cess_amount": "state cess %(cess).2f should be %(rate)g%% of the taxable value %(taxable).2f = "
                         "%(expected).2f",
    "state_cess_without_rate": "state cess %(cess).2f is charged without a state cess rate",
    "item_total_mismatch": "item total %(total).2f should be taxable value + taxes + cess + other charges = "
                           "%(expected).2f",
    # totals
    "total_mismatch": "%(field_label)s %(stated).2f should be the sum over the items, %(summed).2f",
    "other_charges_too_low": "other charges %(stated).2f must include the items' other charges %(items).2f",
    "discount_not_below_total": "discount %(discount).2f must be less than the invoice total %(total).2f",
    "invoice_total_mismatch": "invoice total %(total).2f should be taxable value + taxes + cess + other charges - "
                              "discount + rounding = %(expected).2f (tolerance 1.00)",
    "total_zero": "the document total is %(total).2f. An IRN can be cancelled only within 24 hours and then stays "
                  "on the GST record, so a document without value should not be registered: add the missing "
                  "value, or do not register it",
    # export
    "export_details_missing": "an export (%(supply_type)s) needs export details (ExpDtls) with at least the "
                              "country code",
    "export_country_missing": "the destination country code (CntCode) is mandatory for an export",
    "currency_unknown": "currency '%(value)s' is not an ISO 4217 currency code",
    # e-way bills (in the invoice, or by IRN)
    "ewb_for_note": "an e-way bill cannot be generated for a credit or debit note (%(doc_type)s)",
    "ewb_services_only": "an e-way bill needs at least one goods item; this invoice has only services",
    "ewb_road_needs_vehicle": "transport by road needs the vehicle number and the vehicle type",
    "ewb_needs_transport_doc": "transport mode %(mode)s (rail, air or ship) needs the transport document number "
                               "and date",
    "vehicle_number_unknown": "vehicle number '%(value)s' is not in a format the e-way bill system accepts (e.g. "
                              "KA01AB1234, KA011234, 22BH1234AB, TMxxxxx for a temporary registration)",
    "odc_not_road_or_ship": "over-dimensional cargo (vehicle type O) is only for road or ship transport",
    "transport_date_future": "transport document date %(date)s is in the future (today is %(today)s)",
    "transport_date_before_invoice": "transport document date %(date)s is before the invoice date %(invoice_date)s",
    "distance_zero_same_pin": "distance 0 asks the IRP to compute it, which it cannot when both PIN codes are "
                              "%(pin)d; enter the actual distance in km",
    "distance_zero_foreign_pin": "distance cannot be 0 when a PIN code is 999999: enter the actual distance in km",
    "road_needs_vehicle_number": "transport by road needs the vehicle number",
    "road_needs_vehicle_type": "transport by road needs the vehicle type (R regular or O over-dimensional)",
    "transport_doc_number_missing": "transport mode %(mode)s (rail, air or ship) needs the transport document "
                                    "number",
    "transport_doc_date_missing": "transport mode %(mode)s (rail, air or ship) needs the transport document date",
    "ship_vehicle_type_regular": "vehicle type cannot be R (regular) for transport by ship; use O or leave it out",
    "transport_mode_missing": "a vehicle or transport document number is given without the transport mode (1 road, "
                              "2 rail, 3 air, 4 ship)",
    "part_a_needs_transporter": "without transport details (mode, vehicle, document) the e-way bill is Part-A only "
                                "and needs the transporter ID",
    "export_ewb_needs_ship_to": "an export e-way bill needs the ship-to address: the place or port in India the "
                                "goods leave from",
    "ship_to_locked": "the ship-to address of a %(supply_type)s supply was fixed when the IRN was generated and "
                      "cannot be changed in the e-way bill request (differs in %(fields)s); leave it out",
    # cancellations
    "irn_invalid": "IRN %(value)s is not valid: it must be 64 lower-case hexadecimal characters",
    "ewb_number_invalid": "e-way bill number %(value)s is not valid: it must be 12 digits",
    "cancel_reason_invalid": "cancellation reason %(value)s must be one of %(allowed)s",
    "cancel_remark_missing": "the cancellation remark is missing: say briefly why",
    "cancel_remark_too_long": "the cancellation remark is %(length)d characters long; at most %(max_length)d are "
                              "allowed",
    "cancel_remark_format": "the cancellation remark must not contain double quotes (\") or backslashes (\\)",
}
