"""Translatable words for the pre-flight problems of irp/validation.

irp/ returns structured problems (path, code, key, params) and words them in English
only. Here each key is worded once, lazily translated (Odoo 18's module-level
LazyTranslate), with the same named parameters as irp's English template plus
``field`` / ``field_label`` (the NIC property and its words). The Odoo layer
(models/account_move_payload.py) puts the record to fix in front: the invoice line
with its product, the customer, the company, the delivery address...

A key missing here falls back to irp's English template, so a new rule in irp/ is
never silent; tests check that every key is worded here with the same parameters.
"""
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# Words for the NIC properties users fix from Odoo (%(field_label)s); others keep irp's English label.
FIELD_LABELS = {
    "Gstin": _lt("GSTIN"),
    "EcmGstin": _lt("GSTIN"),
    "LglNm": _lt("name"),
    "TrdNm": _lt("trade name"),
    "Nm": _lt("name"),
    "Addr1": _lt("street"),
    "Addr2": _lt("street 2"),
    "Loc": _lt("city"),
    "Pin": _lt("PIN code (ZIP)"),
    "Stcd": _lt("state"),
    "Pos": _lt("place of supply"),
    "Ph": _lt("phone"),
    "Em": _lt("email"),
    "Typ": _lt("document type"),
    "No": _lt("number"),
    "Dt": _lt("invoice date"),
    "PrdDesc": _lt("description"),
    "HsnCd": _lt("HSN/SAC code"),
    "Qty": _lt("quantity"),
    "Unit": _lt("unit of measure"),
    "UnitPrice": _lt("unit price"),
    "GstRt": _lt("GST rate"),
    "OrgCntry": _lt("country of origin"),
    "InvNo": _lt("original invoice number"),
    "InvDt": _lt("original invoice date"),
    "AccDet": _lt("bank account number"),
    "FinInsBr": _lt("IFSC code"),
    "PayTerm": _lt("payment terms"),
    "ShipBNo": _lt("shipping bill number"),
    "ShipBDt": _lt("shipping bill date"),
    "Port": _lt("port code"),
    "CntCode": _lt("country"),
    "ForCur": _lt("currency"),
    "AssVal": _lt("total taxable value"),
    "CgstVal": _lt("total CGST"),
    "SgstVal": _lt("total SGST"),
    "IgstVal": _lt("total IGST"),
    "CesVal": _lt("total cess"),
    "StCesVal": _lt("total state cess"),
    "TotInvVal": _lt("total"),
    "TransId": _lt("transporter GSTIN"),
    "VehNo": _lt("vehicle number"),
    "TransDocNo": _lt("transport document number"),
    "TransDocDt": _lt("transport document date"),
    "Distance": _lt("distance (km)"),
}

PROBLEM_TEXTS = {
    # schema (types, lengths, formats, required properties)
    "payload_not_object": _lt("the %(document)s must be a JSON object, not %(type)s"),
    "required": _lt("%(field_label)s (%(field)s) is missing"),
    "wrong_type": _lt("%(field_label)s must be of type %(expected)s, not %(value)s"),
    "too_short": _lt("%(field_label)s '%(value)s' is too short: at least %(min_length)d characters are needed"),
    "too_long": _lt("%(field_label)s '%(value)s' is too long: %(length)d characters, at most %(max_length)d are "
                    "allowed"),
    "not_allowed": _lt("%(field_label)s '%(value)s' must be one of %(allowed)s"),
    "below_minimum": _lt("%(field_label)s %(value)s must be at least %(minimum)s"),
    "above_maximum": _lt("%(field_label)s %(value)s must be at most %(maximum)s"),
    "no_items": _lt("the invoice has no lines to register: at least one is needed"),
    "too_many_items": _lt("the invoice has %(count)d lines; the IRP accepts at most %(maximum)d per invoice: split "
                          "it into several invoices"),
    "schema_other": _lt("%(field_label)s: %(detail)s"),
    "format_date": _lt("%(field_label)s '%(value)s' must be a date written dd/mm/yyyy (years 2010 to 2029)"),
    "format_state_code": _lt("%(field_label)s '%(value)s' must be a GST state code of 1 or 2 digits (not 0)"),
    "format_gstin": _lt("%(field_label)s '%(value)s' must be 2 digits followed by 13 capital letters or digits"),
    "format_gstin_or_urp": _lt("%(field_label)s '%(value)s' must be a 15-character GSTIN in capitals (or nothing "
                               "for an unregistered party)"),
    "format_free_text": _lt("%(field_label)s '%(value)s' must not contain double quotes (\") or backslashes (\\)"),
    "format_phone": _lt("%(field_label)s '%(value)s' must be 6 to 12 digits"),
    "format_email": _lt("%(field_label)s '%(value)s' is not a valid email address"),
    "format_doc_number": _lt("%(field_label)s '%(value)s' may contain only letters, digits, '/' and '-' and must "
                             "not start with 0, '/' or '-'"),
    "format_hsn": _lt("%(field_label)s '%(value)s' must be exactly 4, 6 or 8 digits, not all zeros"),
    "format_serial_number": _lt("%(field_label)s '%(value)s' must be 1 to 6 digits"),
    "format_unit": _lt("%(field_label)s '%(value)s' must be 3 to 8 letters"),
    "format_supply_type": _lt("%(field_label)s '%(value)s' must be one of B2B, SEZWP, SEZWOP, EXPWP, EXPWOP, "
                              "DEXP"),
    "format_doc_type": _lt("%(field_label)s '%(value)s' must be INV (invoice), CRN (credit note) or DBN (debit "
                           "note)"),
    "format_country": _lt("%(field_label)s '%(value)s' must be a 2-letter country code (e.g. AE)"),
    "format_port": _lt("%(field_label)s '%(value)s' must be 2 to 10 letters or digits"),
    "format_currency": _lt("%(field_label)s '%(value)s' must be a currency code made of letters"),
    "format_transport_doc_number": _lt("%(field_label)s '%(value)s' may contain only letters, digits, '/' and "
                                       "'-'"),
    "format_vehicle_number": _lt("%(field_label)s '%(value)s' may contain only letters and digits (no spaces)"),
    "format_irn": _lt("%(field_label)s '%(value)s' must be 64 lower-case hexadecimal characters"),
    "format_other": _lt("%(field_label)s '%(value)s' does not have the format the IRP expects"),
    # GSTINs
    "gstin_missing": _lt("set the %(field_label)s"),
    "gstin_length": _lt("%(field_label)s '%(value)s' must be 15 characters long (it has %(length)d)"),
    "gstin_lowercase": _lt("%(field_label)s '%(value)s' must be written in capital letters"),
    "gstin_shape": _lt("%(field_label)s '%(value)s' must be 2 digits followed by 13 capital letters or digits"),
    "gstin_state_prefix": _lt("%(field_label)s '%(value)s' starts with '%(prefix)s', which is not an Indian state "
                              "code"),
    "gstin_check_char": _lt("%(field_label)s '%(value)s' fails the check-character test: one of its characters is "
                            "mistyped"),
    # document
    "date_not_real": _lt("%(field_label)s '%(value)s' is not a real calendar date"),
    "doc_date_future": _lt("the invoice date %(date)s is in the future (today in India is %(today)s)"),
    "doc_date_before_einvoicing": _lt("the invoice date %(date)s is before %(start)s, when e-invoicing began"),
    "invoice_with_preceding_doc": _lt("an invoice must not refer to an original invoice; only credit and debit "
                                      "notes do"),
    "period_reversed": _lt("the invoice period starts on %(start)s, after it ends on %(end)s"),
    # parties and supply type
    "state_gstin_mismatch": _lt("the state (GST code '%(state)s') does not match the state of GSTIN %(gstin)s "
                                "('%(gstin_state)s')"),
    "buyer_is_seller": _lt("GSTIN %(gstin)s is the company's own GSTIN"),
    "ecom_not_tcs": _lt("GSTIN %(gstin)s is not an e-commerce operator's TCS registration (its 14th character "
                        "must be 'C')"),
    "seller_not_session": _lt("GSTIN %(gstin)s is not the GSTIN %(session_gstin)s of the e-invoice credentials; "
                              "only the supplier or the e-commerce operator can register the invoice"),
    "seller_is_sez": _lt("GSTIN %(gstin)s is an SEZ unit, which does not register e-invoices"),
    "buyer_not_sez": _lt("supply type %(supply_type)s needs an SEZ customer, but GSTIN %(gstin)s is registered as "
                         "'%(taxpayer_type)s': check the GST treatment"),
    "b2b_to_sez": _lt("GSTIN %(gstin)s is an SEZ unit: set the GST treatment to 'Special Economic Zone'"),
    "dexp_urp": _lt("a deemed export needs a registered customer: set the customer's GSTIN"),
    "urp_not_export": _lt("the customer has no GSTIN, which is allowed only for exports, not for supply type "
                          "%(supply_type)s"),
    "export_registered_buyer": _lt("an export (%(supply_type)s) must not carry the customer's GSTIN "
                                   "%(gstin)s"),
    "export_pos": _lt("the place of supply of an export (%(supply_type)s) must be 'Other country' (96), not "
                      "'%(pos)s'"),
    "export_buyer_state": _lt("the customer of an export (%(supply_type)s) must be abroad (state 96), not in "
                              "state '%(state)s'"),
    "export_intra_state": _lt("an export cannot be an intra-state supply: the place of supply is the company's "
                              "state, or IGST is charged within the state"),
    "pos_foreign_not_export": _lt("place of supply 'Other country' (96) is only for exports, not for supply type "
                                  "%(supply_type)s"),
    "reverse_charge_not_b2b": _lt("reverse charge is only allowed for B2B supplies, not %(supply_type)s"),
    "igst_on_intra_other_pos": _lt("IGST is charged as an intra-state supply but the place of supply '%(pos)s' "
                                   "differs from the company's state '%(seller_state)s'"),
    # addresses
    "state_code_invalid": _lt("the state's GST code '%(state)s' is not a valid state code"),
    "pos_invalid": _lt("the place of supply '%(pos)s' is not a valid state code"),
    "buyer_pin_missing": _lt("set the PIN code (ZIP)"),
    "ship_to_gstin_required": _lt("the consignee's GSTIN (or URP when the consignee is unregistered) is mandatory "
                                  "when an e-way bill is made with or by the IRN (ship-to rule, in force from "
                                  "%(start)s when switched on in the settings)"),
    "ship_to_same_as_buyer": _lt("the delivery address has the customer's own GSTIN %(gstin)s: a delivery to the "
                                 "customer's own place is a regular supply; leave its GSTIN out or deliver to "
                                 "another party"),
    "ship_to_state_mismatch": _lt("the state '%(state)s' does not match the state of the delivery address's GSTIN "
                                  "%(gstin)s"),
    # dated rules (irp/rules_calendar.py)
    "reporting_limit_passed": _lt("the invoice date %(date)s is more than %(days)d days ago: for a company of this "
                                  "turnover the IRP took it only until %(last_day)s, and it can no longer get an IRN"),
    "hsn_digits_by_aato": _lt("the HSN code '%(hsn)s' must have at least %(digits)d digits for a company of this "
                              "turnover (since %(start)s): set the full code on the product and the line"),
    "gst_rate_before_slab": _lt("the GST rate %(rate)g%% did not exist on %(date)s: the 40%% slab starts on "
                                "%(start)s"),
    "ewb_document_too_old": _lt("the invoice dated %(date)s is more than %(days)d days old: an e-way bill could be "
                                "made for it only until %(last_day)s"),
    "foreign_pin_required": _lt("the address is outside India, so its PIN code must be 999999, not %(pin)d"),
    "foreign_pin_in_india": _lt("PIN code 999999 is only for addresses outside India, but the state is "
                                "'%(state)s' (%(state_name)s)"),
    "pin_state_mismatch": _lt("the PIN code %(pin)d is not in state '%(state)s' (%(state_name)s): correct the ZIP "
                              "or the state"),
    "address_foreign_state": _lt("the address must be in India: state 96 is not allowed"),
    "address_foreign_pin": _lt("the address must be in India: PIN code 999999 is not allowed"),
    # items
    "duplicate_serial": _lt("serial number '%(serial)s' is already used by item %(other_item)d"),
    "hsn_unknown": _lt("the HSN/SAC code '%(hsn)s' is not in the IRP's HSN master: correct it on the product"),
    "service_without_sac": _lt("the product is a service but its HSN code '%(hsn)s' is not a SAC (service codes "
                               "start with 99): correct the code or the product type"),
    "goods_with_sac": _lt("the product is goods but its code '%(hsn)s' is a service code (SAC): correct the code "
                          "or the product type"),
    "unit_unknown": _lt("the unit '%(unit)s' is not a GST unit quantity code (UQC): set the UQC on the unit of "
                        "measure"),
    "goods_quantity_missing": _lt("the quantity is required for goods"),
    "goods_unit_missing": _lt("the unit of measure is required for goods"),
    "gst_rate_invalid": _lt("GST rate %(rate)g%% is not a GST rate (allowed: %(allowed)s): check the taxes"),
    "country_unknown": _lt("%(field_label)s '%(value)s' is not an ISO country code"),
    "igst_intra_state": _lt("IGST %(igst).2f is charged on an intra-state supply: use the CGST + SGST taxes"),
    "cgst_sgst_required": _lt("an intra-state supply at %(rate)g%% needs CGST and SGST: use the CGST + SGST taxes"),
    "cgst_sgst_unequal": _lt("CGST %(cgst).2f and SGST %(sgst).2f must be equal"),
    "cgst_sgst_export": _lt("CGST/SGST (%(cgst).2f/%(sgst).2f) cannot be charged on an export (%(supply_type)s): "
                            "use an IGST tax"),
    "cgst_sgst_sez": _lt("CGST/SGST (%(cgst).2f/%(sgst).2f) cannot be charged on a supply to an SEZ "
                         "(%(supply_type)s): use an IGST tax"),
    "cgst_sgst_igst_on_intra": _lt("CGST/SGST (%(cgst).2f/%(sgst).2f) cannot be mixed with IGST charged within "
                                   "the state: use IGST taxes only"),
    "cgst_sgst_inter_state": _lt("CGST/SGST (%(cgst).2f/%(sgst).2f) cannot be charged on an inter-state supply: "
                                 "use an IGST tax"),
    "cgst_sgst_amount": _lt("CGST %(cgst).2f and SGST %(sgst).2f should each be %(half_rate)g%% of the taxable "
                            "value %(taxable).2f = %(expected).2f"),
    "igst_amount": _lt("IGST %(igst).2f should be %(rate)g%% of the taxable value %(taxable).2f = %(expected).2f"),
    "taxable_value_mismatch": _lt("taxable value %(taxable).2f should equal gross amount %(gross).2f minus "
                                  "discount %(discount).2f = %(expected).2f"),
    "cess_amount": _lt("cess %(cess).2f should be %(rate)g%% of the taxable value %(taxable).2f = "
                       "%(expected).2f"),
    "state_cess_amount": _lt("state cess %(cess).2f should be %(rate)g%% of the taxable value %(taxable).2f = "
                             "%(expected).2f"),
    "state_cess_without_rate": _lt("state cess %(cess).2f is charged without a state cess rate"),
    "item_total_mismatch": _lt("line total %(total).2f should be taxable value + taxes + cess + other charges = "
                               "%(expected).2f"),
    # totals
    "total_mismatch": _lt("%(field_label)s %(stated).2f should be the sum over the lines, %(summed).2f"),
    "other_charges_too_low": _lt("other charges %(stated).2f must include the lines' other charges %(items).2f"),
    "discount_not_below_total": _lt("the discount %(discount).2f must be less than the invoice total "
                                    "%(total).2f"),
    "invoice_total_mismatch": _lt("the total %(total).2f should be taxable value + taxes + cess + other charges - "
                                  "discount + rounding = %(expected).2f"),
    "total_zero": _lt("the total is %(total).2f. An IRN can be cancelled only within 24 hours of its registration; "
                      "after that it stays on the GST record for good, so a document without value should not be "
                      "registered: add the missing prices, or do not register this document"),
    # export
    "export_details_missing": _lt("an export (%(supply_type)s) needs the customer's country"),
    "export_country_missing": _lt("set the customer's country: it is mandatory for an export"),
    "currency_unknown": _lt("currency '%(value)s' is not an ISO 4217 currency code"),
    # e-way bills
    "ewb_for_note": _lt("an e-way bill cannot be generated for a credit or debit note (%(doc_type)s)"),
    "ewb_services_only": _lt("an e-way bill needs at least one line of goods; this invoice has only services"),
    "ewb_road_needs_vehicle": _lt("transport by road needs the vehicle number and the vehicle type"),
    "ewb_needs_transport_doc": _lt("transport mode %(mode)s (rail, air or ship) needs the transport document "
                                   "number and date"),
    "vehicle_number_unknown": _lt("vehicle number '%(value)s' is not in a format the e-way bill system accepts "
                                  "(e.g. KA01AB1234, KA011234, 22BH1234AB, TMxxxxx for a temporary registration)"),
    "odc_not_road_or_ship": _lt("over-dimensional cargo is only for road or ship transport"),
    "transport_date_future": _lt("the transport document date %(date)s is in the future (today is %(today)s)"),
    "transport_date_before_invoice": _lt("the transport document date %(date)s is before the invoice date "
                                         "%(invoice_date)s"),
    "distance_zero_same_pin": _lt("distance 0 asks the IRP to compute it, which it cannot when both PIN codes are "
                                  "%(pin)d: enter the actual distance in km"),
    "distance_zero_foreign_pin": _lt("the distance cannot be 0 when a PIN code is 999999: enter the actual distance "
                                     "in km"),
    "road_needs_vehicle_number": _lt("transport by road needs the vehicle number"),
    "road_needs_vehicle_type": _lt("transport by road needs the vehicle type (regular or over-dimensional)"),
    "transport_doc_number_missing": _lt("transport mode %(mode)s (rail, air or ship) needs the transport document "
                                        "number"),
    "transport_doc_date_missing": _lt("transport mode %(mode)s (rail, air or ship) needs the transport document "
                                      "date"),
    "ship_vehicle_type_regular": _lt("the vehicle type cannot be 'regular' for transport by ship"),
    "transport_mode_missing": _lt("a vehicle or transport document number is given without the transport mode"),
    "part_a_needs_transporter": _lt("without transport details (mode, vehicle, document) the e-way bill is Part-A "
                                    "only and needs the transporter's GSTIN"),
    "export_ewb_needs_ship_to": _lt("an export e-way bill needs the ship-to address: the place or port in India "
                                    "the goods leave from"),
    "ship_to_locked": _lt("the delivery address of a %(supply_type)s supply was fixed when the IRN was generated "
                          "and cannot be changed in the e-way bill (differs in %(fields)s)"),
    # cancellations
    "irn_invalid": _lt("IRN %(value)s is not valid: it must be 64 lower-case hexadecimal characters"),
    "ewb_number_invalid": _lt("e-way bill number %(value)s is not valid: it must be 12 digits"),
    "cancel_reason_invalid": _lt("cancellation reason %(value)s must be one of %(allowed)s"),
    "cancel_remark_missing": _lt("the cancellation remark is missing: say briefly why"),
    "cancel_remark_too_long": _lt("the cancellation remark is %(length)d characters long; at most %(max_length)d "
                                  "are allowed"),
    "cancel_remark_format": _lt("the cancellation remark must not contain double quotes (\") or backslashes (\\)"),
}
