"""Translatable words for the e-way bill system pre-flight (irp/ewb_validation.py).

irp/ returns EwbProblems (path, code, key, params) worded in English; here each key is
worded once, lazily translated, with the same named parameters as irp's template (plus
``field_label``). A key missing here falls back to irp's English, so a new rule is never
silent. The Odoo layer appends NIC's code (models/l10n_in_einvoice_ewaybill_system.py).
"""
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# NIC's e-way bill JSON keys, in words (%(field_label)s)
EWB_FIELD_LABELS = {
    'ewbNo': _lt('e-way bill number'),
    'docNo': _lt('document number'),
    'docDate': _lt('document date'),
    'docType': _lt('document type'),
    'transDistance': _lt('distance (km)'),
    'transMode': _lt('transport mode'),
    'transporterId': _lt('transporter ID'),
    'transDocNo': _lt('transport document number'),
    'transDocDate': _lt('transport document date'),
    'vehicleNo': _lt('vehicle number'),
    'vehicleType': _lt('vehicle type'),
    'fromPincode': _lt('from PIN code'),
    'toPincode': _lt('to PIN code'),
    'fromStateCode': _lt('from state code'),
    'toStateCode': _lt('to state code'),
    'actToStateCode': _lt('ship-to state code'),
    'actFromStateCode': _lt('dispatch-from state code'),
    'fromPlace': _lt('place of the change'),
    'fromState': _lt('state of the change'),
    'reasonCode': _lt('reason'),
    'reasonRem': _lt('remark'),
    'cancelRsnCode': _lt('cancellation reason'),
    'cancelRmrk': _lt('cancellation remark'),
    'remainingDistance': _lt('remaining distance'),
    'consignmentStatus': _lt('consignment status'),
    'transitType': _lt('transit type'),
    'extnRsnCode': _lt('extension reason'),
    'extnRemarks': _lt('extension remark'),
    'addressLine1': _lt('transit address line 1'),
    'addressLine2': _lt('transit address line 2'),
    'addressLine3': _lt('transit address line 3'),
    'shipToGSTIN': _lt('ship-to GSTIN'),
    'dispatchFromGSTIN': _lt('dispatch-from GSTIN'),
    'closureDate': _lt('closure date'),
    'closureRemarks': _lt('closure remark'),
    'toGstin': _lt('to-GSTIN'),
    'fromGstin': _lt('from-GSTIN'),
    'transactionType': _lt('transaction type'),
}

EWB_PROBLEM_TEXTS = {
    'ewb_number_invalid': _lt('the e-way bill number must be 12 digits, not %(value)s'),
    'ewb_doc_no_too_long': _lt("the document number '%(value)s' is longer than %(max_length)d characters"),
    'ewb_doc_date_invalid': _lt("the document date '%(value)s' is not a date in dd/mm/yyyy"),
    'ewb_doc_date_future': _lt('the document date %(date)s is after today (%(today)s)'),
    'ewb_doc_date_before_gst': _lt('no e-way bill for a document dated %(date)s: before 01/07/2017'),
    'ewb_document_too_old': _lt('the document dated %(date)s is more than %(days)d days old: an e-way bill could '
                                'be made for it until %(last_day)s at the latest'),
    'ewb_distance_invalid': _lt('the distance %(value)s must be a whole number of kilometres from 0 to %(max)d'),
    'ewb_distance_zero_same_pin': _lt('the distance cannot be 0 when both places have PIN code %(pin)s: give the '
                                      'real distance (1 to 100 km)'),
    'ewb_distance_same_pin_too_far': _lt('both places have PIN code %(pin)s: the distance must be at most %(max)d '
                                         'km, not %(value)s'),
    'ewb_distance_zero_foreign_pin': _lt('the distance cannot be 0 with PIN code 999999 (outside India): NIC '
                                         'cannot compute it, give the distance to or from the port'),
    'ewb_odc_mode': _lt('over-dimensional cargo is carried only by road or ship, not by %(mode)s'),
    'ewb_ship_regular_vehicle': _lt('transport by ship takes vehicle type over-dimensional cargo (O), not regular'),
    'ewb_vehicle_number_format': _lt("the vehicle number '%(value)s' is not in a format the e-way bill system "
                                     'accepts (e.g. KA01AB1234)'),
    'ewb_vehicle_number_missing': _lt('a vehicle number is needed for transport by road'),
    'ewb_transport_doc_missing': _lt('transport by %(mode)s needs the transport document (%(field_label)s)'),
    'ewb_transport_doc_date_invalid': _lt("the transport document date '%(value)s' is not a date in dd/mm/yyyy"),
    'ewb_transport_date_future': _lt('the transport document date %(date)s is after today (%(today)s)'),
    'ewb_transport_date_before_doc': _lt('the transport document date %(date)s is before the document date '
                                         '%(doc_date)s'),
    'ewb_export_pin': _lt('an export goes to PIN code 999999 and state code 99 (Other Country); %(field_label)s is '
                          '%(value)s'),
    'ewb_import_pin': _lt('an import comes from PIN code 999999 and state code 99 (Other Country); %(field_label)s '
                          'is %(value)s'),
    'ewb_ship_to_gstin_required': _lt('from %(start)s a bill-to/ship-to e-way bill (transaction type %(type)s) '
                                      'needs the ship-to GSTIN (or URP)'),
    'ewb_ship_to_same_as_bill_to': _lt('the ship-to GSTIN %(gstin)s is the bill-to GSTIN: use transaction type '
                                       'Regular (1) or Bill-from/Dispatch-from (3)'),
    'ewb_dispatch_same_as_bill_from': _lt('the dispatch-from GSTIN %(gstin)s is the bill-from GSTIN: use '
                                          'transaction type Regular (1) or Bill-to/Ship-to (2)'),
    'ewb_ship_to_not_allowed': _lt('a ship-to GSTIN is sent only with transaction type 2 or 4, not %(type)s'),
    'ewb_dispatch_not_allowed': _lt('a dispatch-from GSTIN is sent only with transaction type 3 or 4, not %(type)s'),
    'ewb_place_missing': _lt('the place where the vehicle changes is missing'),
    'ewb_state_invalid': _lt('the state code %(value)s is not a state of the e-way bill system'),
    'ewb_reason_invalid': _lt('the reason %(value)s is not one of %(allowed)s'),
    'ewb_remark_missing': _lt('the remark is missing'),
    'ewb_remark_too_long': _lt('the remark has %(length)d characters: at most %(max_length)d are allowed'),
    'ewb_cancelled': _lt('e-way bill %(ewb_no)s is cancelled'),
    'ewb_not_active': _lt('e-way bill %(ewb_no)s is not active (status %(status)s)'),
    'ewb_no_part_b': _lt('e-way bill %(ewb_no)s has no Part-B (vehicle or transport document) yet: update Part-B '
                         'first'),
    'ewb_extension_too_early': _lt('e-way bill %(ewb_no)s is valid until %(valid_until)s: it can be extended only '
                                   'from %(opens)s (8 hours before its expiry)'),
    'ewb_extension_too_late': _lt('e-way bill %(ewb_no)s expired at %(valid_until)s: it could be extended only '
                                  'until %(closes)s (8 hours after its expiry)'),
    'ewb_extension_no_validity': _lt('e-way bill %(ewb_no)s has no validity yet (Part-A only): update Part-B '
                                     'instead'),
    'ewb_extension_cap': _lt('e-way bill %(ewb_no)s was generated on %(generated)s: it cannot be extended after '
                             '%(cap)s (%(days)d days)'),
    'ewb_remaining_distance_missing': _lt('the remaining distance is required'),
    'ewb_remaining_distance_too_far': _lt("the remaining distance %(value)s km exceeds the e-way bill's distance "
                                          'of %(distance)s km'),
    'ewb_consignment_status_mode': _lt('consignment status %(status)s does not fit transport mode %(mode)s (M: in '
                                       'movement, modes 1-4; T: in transit, mode 5)'),
    'ewb_transit_type_invalid': _lt('goods in transit need a transit type R (road), W (warehouse) or O (others), '
                                    'not %(value)s'),
    'ewb_transit_type_not_allowed': _lt('goods in movement take no transit type'),
    'ewb_transit_address_missing': _lt('goods in transit need %(field_label)s'),
    'ewb_transit_address_not_allowed': _lt('goods in movement take no transit address'),
    'ewb_closure_not_available': _lt('voluntary closure of e-way bills is not available: %(reason)s'),
    'ewb_closure_date_invalid': _lt('the closure date %(value)s is not a date'),
    'ewb_closure_date_future': _lt('the closure date %(date)s is after today (%(today)s)'),
    'ewb_closure_too_late': _lt('e-way bill %(ewb_no)s expired at %(valid_until)s: it could be closed only until '
                                '%(closes)s'),
    "required": _lt("%(field_label)s is missing"),
}
