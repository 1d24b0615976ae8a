"""Offline pre-flight of e-way bill system requests (nic-ewb-api.md §5-§7, nic-rules-2025-26.md
§3-§5): every problem at once, as structured Problems (path = the NIC JSON key, code = the
code the e-way bill system would answer with, 'local' for a rule of ours, key + params);
English words in TEMPLATES here. The dated rules (180-day document age, 360-day cap, ship-to
GSTIN, voluntary closure) come from rules_calendar. Nothing here talks to the network.

One function per action: validate_generate, validate_part_b, validate_transporter,
validate_cancel, validate_extend, validate_close.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from . import ist, masters, rules_calendar
from .rules_calendar import RULES
from .validation_document import VEHICLE_NUMBER_PATTERN, gstin_problem, judging_date
from .validation_problems import LOCAL_CODE, SCHEMA_CODE, Problem
from .validation_problems import TEMPLATES as IRP_TEMPLATES

URP = "URP"
FOREIGN_PIN = masters.FOREIGN_PIN  # 999999
OTHER_COUNTRY = "99"  # the e-way bill system's state code for abroad (the IRP uses 96)
EWB_START = date(2017, 7, 1)
MAX_DISTANCE = 4000
SAME_PIN_MAX_DISTANCE = 100
EXTENSION_WINDOW = timedelta(hours=8)  # from 8 h before to 8 h after expiry (382)
CLOSURE_GRACE = timedelta(days=1)  # closure possible until one day after validity ends (§5.7)
PART_B_REASONS = {"1": "Break down", "2": "Transshipment", "3": "Others", "4": "First time"}
EXTENSION_REASONS = {"1": "Natural calamity", "2": "Law and order", "4": "Transshipment", "5": "Accident",
                     "99": "Others"}
TRANSIT_TYPES = {"R": "road", "W": "warehouse", "O": "others"}
MODES = {"1": "road", "2": "rail", "3": "air", "4": "ship"}
EXPORT, IMPORT = "3", "2"  # subSupplyType
REMARK_MAX = 50
DOC_NO_MAX = 16

FIELD_LABELS = {
    "ewbNo": "e-way bill number", "docNo": "document number", "docDate": "document date",
    "docType": "document type", "transDistance": "distance (km)", "transMode": "transport mode",
    "transporterId": "transporter ID", "transDocNo": "transport document number",
    "transDocDate": "transport document date", "vehicleNo": "vehicle number", "vehicleType": "vehicle type",
    "fromPincode": "from PIN code", "toPincode": "to PIN code", "fromStateCode": "from state code",
    "toStateCode": "to state code", "actToStateCode": "ship-to state code", "actFromStateCode": "dispatch-from state code",
    "fromPlace": "place of the change", "fromState": "state of the change", "reasonCode": "reason",
    "reasonRem": "remark", "cancelRsnCode": "cancellation reason", "cancelRmrk": "cancellation remark",
    "remainingDistance": "remaining distance", "consignmentStatus": "consignment status",
    "transitType": "transit type", "extnRsnCode": "extension reason", "extnRemarks": "extension remark",
    "addressLine1": "transit address line 1", "addressLine2": "transit address line 2",
    "addressLine3": "transit address line 3", "shipToGSTIN": "ship-to GSTIN", "dispatchFromGSTIN": "dispatch-from GSTIN",
    "closureDate": "closure date", "closureRemarks": "closure remark", "toGstin": "to-GSTIN",
    "fromGstin": "from-GSTIN", "transactionType": "transaction type",
}

TEMPLATES = {
    "ewb_number_invalid": "the e-way bill number must be 12 digits, not %(value)s",
    "ewb_doc_no_too_long": "the document number '%(value)s' is longer than %(max_length)d characters",
    "ewb_doc_date_invalid": "the document date '%(value)s' is not a date in dd/mm/yyyy",
    "ewb_doc_date_future": "the document date %(date)s is after today (%(today)s)",
    "ewb_doc_date_before_gst": "no e-way bill for a document dated %(date)s: before 01/07/2017",
    "ewb_document_too_old": "the document dated %(date)s is more than %(days)d days old: an e-way bill could be "
                            "made for it until %(last_day)s at the latest",
    "ewb_distance_invalid": "the distance %(value)s must be a whole number of kilometres from 0 to %(max)d",
    "ewb_distance_zero_same_pin": "the distance cannot be 0 when both places have PIN code %(pin)s: give the "
                                  "real distance (1 to 100 km)",
    "ewb_distance_same_pin_too_far": "both places have PIN code %(pin)s: the distance must be at most %(max)d km, "
                                     "not %(value)s",
    "ewb_distance_zero_foreign_pin": "the distance cannot be 0 with PIN code 999999 (outside India): NIC cannot "
                                     "compute it, give the distance to or from the port",
    "ewb_odc_mode": "over-dimensional cargo is carried only by road or ship, not by %(mode)s",
    "ewb_ship_regular_vehicle": "transport by ship takes vehicle type over-dimensional cargo (O), not regular",
    "ewb_vehicle_number_format": "the vehicle number '%(value)s' is not in a format the e-way bill system "
                                 "accepts (e.g. KA01AB1234)",
    "ewb_vehicle_number_missing": "a vehicle number is needed for transport by road",
    "ewb_transport_doc_missing": "transport by %(mode)s needs the transport document (%(field_label)s)",
    "ewb_transport_doc_date_invalid": "the transport document date '%(value)s' is not a date in dd/mm/yyyy",
    "ewb_transport_date_future": "the transport document date %(date)s is after today (%(today)s)",
    "ewb_transport_date_before_doc": "the transport document date %(date)s is before the document date "
                                     "%(doc_date)s",
    "ewb_export_pin": "an export goes to PIN code 999999 and state code 99 (Other Country); "
                      "%(field_label)s is %(value)s",
    "ewb_import_pin": "an import comes from PIN code 999999 and state code 99 (Other Country); "
                      "%(field_label)s is %(value)s",
    "ewb_ship_to_gstin_required": "from %(start)s a bill-to/ship-to e-way bill (transaction type %(type)s) "
                                  "needs the ship-to GSTIN (or URP)",
    "ewb_ship_to_same_as_bill_to": "the ship-to GSTIN %(gstin)s is the bill-to GSTIN: use transaction type "
                                   "Regular (1) or Bill-from/Dispatch-from (3)",
    "ewb_dispatch_same_as_bill_from": "the dispatch-from GSTIN %(gstin)s is the bill-from GSTIN: use transaction "
                                      "type Regular (1) or Bill-to/Ship-to (2)",
    "ewb_ship_to_not_allowed": "a ship-to GSTIN is sent only with transaction type 2 or 4, not %(type)s",
    "ewb_dispatch_not_allowed": "a dispatch-from GSTIN is sent only with transaction type 3 or 4, not %(type)s",
    "ewb_place_missing": "the place where the vehicle changes is missing",
    "ewb_state_invalid": "the state code %(value)s is not a state of the e-way bill system",
    "ewb_reason_invalid": "the reason %(value)s is not one of %(allowed)s",
    "ewb_remark_missing": "the remark is missing",
    "ewb_remark_too_long": "the remark has %(length)d characters: at most %(max_length)d are allowed",
    "ewb_cancelled": "e-way bill %(ewb_no)s is cancelled",
    "ewb_not_active": "e-way bill %(ewb_no)s is not active (status %(status)s)",
    "ewb_no_part_b": "e-way bill %(ewb_no)s has no Part-B (vehicle or transport document) yet: update Part-B first",
    "ewb_extension_too_early": "e-way bill %(ewb_no)s is valid until %(valid_until)s: it can be extended only from "
                               "%(opens)s (8 hours before its expiry)",
    "ewb_extension_too_late": "e-way bill %(ewb_no)s expired at %(valid_until)s: it could be extended only until "
                              "%(closes)s (8 hours after its expiry)",
    "ewb_extension_no_validity": "e-way bill %(ewb_no)s has no validity yet (Part-A only): update Part-B instead",
    "ewb_extension_cap": "e-way bill %(ewb_no)s was generated on %(generated)s: it cannot be extended after "
                         "%(cap)s (%(days)d days)",
    "ewb_remaining_distance_missing": "the remaining distance is required",
    "ewb_remaining_distance_too_far": "the remaining distance %(value)s km exceeds the e-way bill's distance of "
                                      "%(distance)s km",
    "ewb_consignment_status_mode": "consignment status %(status)s does not fit transport mode %(mode)s "
                                   "(M: in movement, modes 1-4; T: in transit, mode 5)",
    "ewb_transit_type_invalid": "goods in transit need a transit type R (road), W (warehouse) or O (others), "
                                "not %(value)s",
    "ewb_transit_type_not_allowed": "goods in movement take no transit type",
    "ewb_transit_address_missing": "goods in transit need %(field_label)s",
    "ewb_transit_address_not_allowed": "goods in movement take no transit address",
    "ewb_closure_not_available": "voluntary closure of e-way bills is not available: %(reason)s",
    "ewb_closure_date_invalid": "the closure date %(value)s is not a date",
    "ewb_closure_date_future": "the closure date %(date)s is after today (%(today)s)",
    "ewb_closure_too_late": "e-way bill %(ewb_no)s expired at %(valid_until)s: it could be closed only until "
                            "%(closes)s",
}


@dataclass(frozen=True)
class EwbProblem(Problem):
    """A Problem worded by this module's templates (and the IRP pre-flight's for shared keys)."""

    @property
    def text(self):
        template = TEMPLATES.get(self.key) or IRP_TEMPLATES.get(self.key)
        text = self.render(template, FIELD_LABELS.get(self.field)) if template else None
        return text or "%s %r" % (self.key, self.params)

    @property
    def message(self):
        text = self.text
        message = text[:1].upper() + text[1:]
        if self.code not in (SCHEMA_CODE, LOCAL_CODE):
            message += " (%s)" % self.code
        return message

    def __str__(self):
        return self.message


class _Report:
    def __init__(self):
        self.problems = []

    def add(self, path, code, key, **params):
        self.problems.append(EwbProblem(path, code, key, params))

    def adopt(self, problem):
        if problem is not None:
            self.problems.append(EwbProblem(problem.path, problem.code, problem.key, dict(problem.params)))


# --- readers --------------------------------------------------------------------------------

def _text(value):
    return str(value).strip() if value not in (None, "") else ""


def _int(value):
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number == int(number) else None


def _date(value):
    if isinstance(value, datetime):
        return ist.date_of(value)
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(str(value).strip(), "%d/%m/%Y").date()
    except (TypeError, ValueError):
        return None


def _dmy(value):
    return value.strftime("%d/%m/%Y")


def _ist_text(moment):
    return moment.astimezone(ist.IST).strftime("%d/%m/%Y %I:%M %p")


def _state_ok(value):
    code = _int(value)
    # the e-way bill system writes 99 for abroad where the IRP writes 96
    return code is not None and code != 96 and (f"{code:02d}" in masters.STATE_CODES or code == 99)


# --- shared checks ------------------------------------------------------------------------------

def _check_ewb_no(report, ewb_no, code="301"):
    if isinstance(ewb_no, bool) or not _text(ewb_no).isdigit() or len(_text(ewb_no)) != 12:
        report.add("ewbNo", code, "ewb_number_invalid", value=repr(ewb_no))


def _check_remark(report, path, remark, code):
    if not isinstance(remark, str) or not remark.strip():
        report.add(path, code, "ewb_remark_missing")
    elif len(remark) > REMARK_MAX:
        report.add(path, code, "ewb_remark_too_long", length=len(remark), max_length=REMARK_MAX)


def _check_vehicle(report, request, mode, format_code, missing_code):
    vehicle = _text(request.get("vehicleNo"))
    if vehicle and not VEHICLE_NUMBER_PATTERN.match("".join(vehicle.upper().split())):
        report.add("vehicleNo", format_code, "ewb_vehicle_number_format", value=vehicle)
    if mode == "1" and not vehicle and missing_code:
        report.add("vehicleNo", missing_code, "ewb_vehicle_number_missing")
    vehicle_type = _text(request.get("vehicleType")).upper()
    if vehicle_type == "O" and mode in ("2", "3"):
        report.add("vehicleType", "634", "ewb_odc_mode", mode=MODES[mode])
    if vehicle_type == "R" and mode == "4" and vehicle:
        report.add("vehicleType", "726", "ewb_ship_regular_vehicle")


def _check_transport_doc(report, request, mode, today, doc_date, number_code, date_code):
    """Rail, air and ship need the transport document number and date; its date is real,
    not in the future and not before the document."""
    raw = request.get("transDocDate")
    if mode in ("2", "3", "4"):
        if not _text(request.get("transDocNo")):
            report.add("transDocNo", number_code, "ewb_transport_doc_missing", mode=MODES[mode])
        if not _text(raw):
            report.add("transDocDate", date_code, "ewb_transport_doc_missing", mode=MODES[mode])
    if _text(raw):
        moved = _date(raw)
        if moved is None:
            report.add("transDocDate", "224", "ewb_transport_doc_date_invalid", value=raw)
        elif moved > today:
            report.add("transDocDate", "224", "ewb_transport_date_future", date=_dmy(moved), today=_dmy(today))
        elif doc_date is not None and moved < doc_date:
            report.add("transDocDate", "362", "ewb_transport_date_before_doc", date=_dmy(moved),
                       doc_date=_dmy(doc_date))


def _check_transporter(report, value, require_check_digit, code="222"):
    value = _text(value)
    if value:
        report.adopt(gstin_problem("transporterId", value.upper(), require_check_digit, code=code))


# --- generate -----------------------------------------------------------------------------------

def validate_generate(payload, *, today=None, calendar=None, require_check_digit=True):
    """Every problem of a GENEWAYBILL request (§5.1, §6, §7; rules §3-§4)."""
    report = _Report()
    if not isinstance(payload, dict):
        report.add("", SCHEMA_CODE, "payload_not_object", document="e-way bill request",
                   type=type(payload).__name__)
        return report.problems
    calendar = calendar or rules_calendar.DEFAULT
    today = judging_date(today)
    doc_no = _text(payload.get("docNo"))
    if len(doc_no) > DOC_NO_MAX:
        report.add("docNo", "206", "ewb_doc_no_too_long", value=doc_no, max_length=DOC_NO_MAX)
    doc_date = _date(payload.get("docDate"))
    if doc_date is None:
        report.add("docDate", "207", "ewb_doc_date_invalid", value=payload.get("docDate"))
    elif doc_date > today:
        report.add("docDate", "207", "ewb_doc_date_future", date=_dmy(doc_date), today=_dmy(today))
    elif doc_date < EWB_START:
        report.add("docDate", "819", "ewb_doc_date_before_gst", date=_dmy(doc_date))
    else:
        last_day = calendar.ewb_last_day(doc_date, today)
        if last_day is not None and today > last_day:
            report.add("docDate", "820", "ewb_document_too_old", date=_dmy(doc_date), last_day=_dmy(last_day),
                       days=rules_calendar.EWB_DOCUMENT_AGE_DAYS)
    mode = _text(payload.get("transMode"))
    _check_distance(report, payload)
    _check_vehicle(report, payload, mode, "225", None)
    _check_transport_doc(report, payload, mode, today, doc_date, "394", "224")
    _check_transporter(report, payload.get("transporterId"), require_check_digit)
    _check_foreign(report, payload)
    _check_ship_to(report, payload, calendar, today, require_check_digit)
    return report.problems


def _check_distance(report, payload):
    raw = payload.get("transDistance")
    distance = _int(raw)
    if raw in (None, ""):
        distance = 0
    elif distance is None or not 0 <= distance <= MAX_DISTANCE:
        report.add("transDistance", "221", "ewb_distance_invalid", value=raw, max=MAX_DISTANCE)
        return
    from_pin, to_pin = _int(payload.get("fromPincode")), _int(payload.get("toPincode"))
    if from_pin is None or to_pin is None:
        return
    if FOREIGN_PIN in (from_pin, to_pin):
        if distance == 0:
            report.add("transDistance", "721", "ewb_distance_zero_foreign_pin")
    elif from_pin == to_pin:
        if distance == 0:
            # NIC knows no PIN-to-PIN distance within one PIN: "give the distance" (721)
            report.add("transDistance", "721", "ewb_distance_zero_same_pin", pin=from_pin)
        elif distance > SAME_PIN_MAX_DISTANCE:
            report.add("transDistance", "221", "ewb_distance_same_pin_too_far", pin=from_pin,
                       max=SAME_PIN_MAX_DISTANCE, value=distance)


def _check_foreign(report, payload):
    sub = _text(payload.get("subSupplyType"))
    supply = _text(payload.get("supplyType")).upper()
    if supply == "O" and sub == EXPORT:
        if _int(payload.get("toPincode")) != FOREIGN_PIN:
            report.add("toPincode", "374", "ewb_export_pin", value=payload.get("toPincode"))
        if _int(payload.get("toStateCode")) != 99:
            report.add("toStateCode", "373", "ewb_export_pin", value=payload.get("toStateCode"))
    if supply == "I" and sub == IMPORT:
        if _int(payload.get("fromPincode")) != FOREIGN_PIN:
            report.add("fromPincode", "376", "ewb_import_pin", value=payload.get("fromPincode"))
        if _int(payload.get("fromStateCode")) != 99:
            report.add("fromStateCode", "375", "ewb_import_pin", value=payload.get("fromStateCode"))


def _check_ship_to(report, payload, calendar, today, require_check_digit):
    """Ship-to / dispatch-from GSTINs of transaction types 2-4 (rules §4.2 row 8), only while the
    calendar's ship_to_gstin switch is on and in force (on hold since advisory 668)."""
    if not calendar.applies("ship_to_gstin", today):
        return
    kind = _text(payload.get("transactionType")) or "1"
    ship_to = _text(payload.get("shipToGSTIN")).upper()
    dispatch = _text(payload.get("dispatchFromGSTIN")).upper()
    if kind in ("2", "4"):
        if not ship_to:
            report.add("shipToGSTIN", "608", "ewb_ship_to_gstin_required", type=kind,
                       start=_dmy(RULES["ship_to_gstin"].start))
        elif ship_to != URP:
            report.adopt(gstin_problem("shipToGSTIN", ship_to, require_check_digit, code="609"))
            if ship_to == _text(payload.get("toGstin")).upper():
                report.add("shipToGSTIN", "618", "ewb_ship_to_same_as_bill_to", gstin=ship_to)
    elif ship_to:
        report.add("shipToGSTIN", "616", "ewb_ship_to_not_allowed", type=kind)
    if kind in ("3", "4"):
        if not dispatch:
            report.add("dispatchFromGSTIN", "607", "required")
        elif dispatch != URP:
            report.adopt(gstin_problem("dispatchFromGSTIN", dispatch, require_check_digit, code="610"))
            if dispatch == _text(payload.get("fromGstin")).upper():
                report.add("dispatchFromGSTIN", "617", "ewb_dispatch_same_as_bill_from", gstin=dispatch)
    elif dispatch:
        report.add("dispatchFromGSTIN", "615", "ewb_dispatch_not_allowed", type=kind)


# --- Part-B, transporter, cancel ------------------------------------------------------------------

def validate_part_b(payload, *, doc_date=None, today=None):
    """Every problem of a VEHEWB request (§5.2); doc_date: the e-way bill's document date (362)."""
    report = _Report()
    today = judging_date(today)
    _check_ewb_no(report, payload.get("ewbNo"))
    mode = _text(payload.get("transMode"))
    if mode not in MODES:
        report.add("transMode", "302", "ewb_reason_invalid", value=repr(payload.get("transMode")),
                   allowed=", ".join(f"{k} ({v})" for k, v in MODES.items()))
    _check_vehicle(report, payload, mode, "304", "303")
    if not _text(payload.get("fromPlace")):
        report.add("fromPlace", "305", "ewb_place_missing")
    if not _state_ok(payload.get("fromState")):
        report.add("fromState", "306", "ewb_state_invalid", value=repr(payload.get("fromState")))
    if _text(payload.get("reasonCode")) not in PART_B_REASONS:
        report.add("reasonCode", "307", "ewb_reason_invalid", value=repr(payload.get("reasonCode")),
                   allowed=", ".join(f"{k} ({v})" for k, v in PART_B_REASONS.items()))
    _check_remark(report, "reasonRem", payload.get("reasonRem"), "308")
    _check_transport_doc(report, payload, mode, today, _date(doc_date) if doc_date else None, "394", "224")
    return report.problems


def validate_transporter(ewb_no, transporter_id, *, require_check_digit=True):
    """Problems of an UPDATETRANSPORTER request (§5.3)."""
    report = _Report()
    _check_ewb_no(report, ewb_no)
    if not _text(transporter_id):
        report.add("transporterId", "222", "required")
    _check_transporter(report, transporter_id, require_check_digit)
    return report.problems


def validate_cancel(ewb_no, reason_code, remark):
    """Problems of a CANEWB request (§5.4): reasons 1-4, remark of at most 50 characters."""
    report = _Report()
    _check_ewb_no(report, ewb_no)
    if _text(reason_code) not in masters.EWB_CANCEL_REASONS:
        report.add("cancelRsnCode", SCHEMA_CODE, "ewb_reason_invalid", value=repr(reason_code),
                   allowed=", ".join(f"{k} ({v})" for k, v in masters.EWB_CANCEL_REASONS.items()))
    _check_remark(report, "cancelRmrk", remark, SCHEMA_CODE)
    return report.problems


# --- extend -------------------------------------------------------------------------------------

def _check_bill_state(report, bill):
    if bill.is_cancelled:
        report.add("ewbNo", "379", "ewb_cancelled", ewb_no=bill.ewb_no)
    elif not bill.is_active:
        report.add("ewbNo", "380", "ewb_not_active", ewb_no=bill.ewb_no, status=bill.status)


def extension_window(valid_until):
    """(opens, closes): an e-way bill is extended from 8 hours before to 8 hours after its expiry."""
    return valid_until - EXTENSION_WINDOW, valid_until + EXTENSION_WINDOW


def validate_extend(payload, *, bill=None, now=None, calendar=None):
    """Every problem of an EXTENDVALIDITY request (§5.6, rules §3). bill: the e-way bill as
    GetEwayBill returned it (ewb_results.EwbBill) for the rules on its state, window, distance
    and 360-day cap; now: aware datetime of the request (default: now)."""
    report = _Report()
    now = now or datetime.now(timezone.utc)
    today = ist.date_of(now)
    calendar = calendar or rules_calendar.DEFAULT
    _check_ewb_no(report, payload.get("ewbNo"))
    mode = _text(payload.get("transMode"))
    status = _text(payload.get("consignmentStatus")).upper() or ("T" if mode == "5" else "M")
    if (status == "M" and mode not in MODES) or (status == "T" and mode != "5") or status not in ("M", "T"):
        report.add("consignmentStatus", "711", "ewb_consignment_status_mode", status=status, mode=mode or "-")
    transit = _text(payload.get("transitType")).upper()
    if status == "T":
        if transit not in TRANSIT_TYPES:
            report.add("transitType", "705", "ewb_transit_type_invalid", value=repr(payload.get("transitType")))
        for index, code in ((1, "706"), (2, "707"), (3, "708")):
            if not _text(payload.get(f"addressLine{index}")):
                report.add(f"addressLine{index}", code, "ewb_transit_address_missing")
    else:
        if transit:
            report.add("transitType", "712", "ewb_transit_type_not_allowed")
        if any(_text(payload.get(f"addressLine{index}")) for index in (1, 2, 3)):
            report.add("addressLine1", "713", "ewb_transit_address_not_allowed")
        _check_vehicle(report, payload, mode, "304", "303")
        _check_transport_doc(report, payload, mode, today, bill.doc_date if bill else None, "385", "385")
    if not _text(payload.get("fromPlace")):
        report.add("fromPlace", "305", "ewb_place_missing")
    if not _state_ok(payload.get("fromState")):
        report.add("fromState", "306", "ewb_state_invalid", value=repr(payload.get("fromState")))
    remaining = _int(payload.get("remainingDistance"))
    if remaining is None or remaining <= 0:
        report.add("remainingDistance", "389", "ewb_remaining_distance_missing")
    elif remaining > MAX_DISTANCE:
        report.add("remainingDistance", "390", "ewb_distance_invalid", value=remaining, max=MAX_DISTANCE)
    elif bill is not None and bill.distance and remaining > bill.distance:
        report.add("remainingDistance", "390", "ewb_remaining_distance_too_far", value=remaining,
                   distance=bill.distance)
    if _text(payload.get("extnRsnCode")) not in EXTENSION_REASONS:
        report.add("extnRsnCode", "386", "ewb_reason_invalid", value=repr(payload.get("extnRsnCode")),
                   allowed=", ".join(f"{k} ({v})" for k, v in EXTENSION_REASONS.items()))
    _check_remark(report, "extnRemarks", payload.get("extnRemarks"), "386")
    if bill is not None:
        _check_bill_state(report, bill)
        if not bill.part_b:
            report.add("ewbNo", "381", "ewb_no_part_b", ewb_no=bill.ewb_no)
        if bill.valid_until is None:
            report.add("ewbNo", "381", "ewb_extension_no_validity", ewb_no=bill.ewb_no)
        else:
            opens, closes = extension_window(bill.valid_until)
            if now < opens:
                report.add("ewbNo", "382", "ewb_extension_too_early", ewb_no=bill.ewb_no,
                           valid_until=_ist_text(bill.valid_until), opens=_ist_text(opens))
            elif now > closes:
                report.add("ewbNo", "382", "ewb_extension_too_late", ewb_no=bill.ewb_no,
                           valid_until=_ist_text(bill.valid_until), closes=_ist_text(closes))
        generated = ist.date_of(bill.ewb_date) if bill.ewb_date else None
        cap = calendar.ewb_validity_cap(generated, today)
        if cap is not None and today > cap:
            report.add("ewbNo", "821", "ewb_extension_cap", ewb_no=bill.ewb_no, generated=_dmy(generated),
                       cap=_dmy(cap), days=rules_calendar.EWB_EXTENSION_CAP_DAYS)
    return report.problems


# --- voluntary closure --------------------------------------------------------------------------

def closure_available(calendar=None, today=None):
    """None when voluntary closure may be used on `today`, else why not (English)."""
    calendar = calendar or rules_calendar.DEFAULT
    today = judging_date(today)
    rule = RULES["ewb_voluntary_closure"]
    if not calendar.is_on(rule.key):
        return f"it is switched off ({rule.source})"
    if today < rule.start:
        return f"it starts on {_dmy(rule.start)}"
    return None


def validate_close(ewb_no, closure_date, remarks, *, calendar=None, today=None, bill=None, now=None):
    """Problems of a voluntary closure (§5.7, rules §5): refused while the calendar's switch is
    off; closure on the delivery day or the next, never in the future, until one day after
    validity ends, only of an active e-way bill with Part-B."""
    report = _Report()
    today = judging_date(today if today is not None else now)
    why_not = closure_available(calendar, today)
    if why_not:
        report.add("", LOCAL_CODE, "ewb_closure_not_available", reason=why_not)
    _check_ewb_no(report, ewb_no)
    closing = _date(closure_date)
    if closing is None:
        report.add("closureDate", SCHEMA_CODE, "ewb_closure_date_invalid", value=repr(closure_date))
    elif closing > today:
        report.add("closureDate", LOCAL_CODE, "ewb_closure_date_future", date=_dmy(closing), today=_dmy(today))
    _check_remark(report, "closureRemarks", remarks, SCHEMA_CODE)
    if bill is not None:
        _check_bill_state(report, bill)
        if not bill.part_b:
            report.add("ewbNo", LOCAL_CODE, "ewb_no_part_b", ewb_no=bill.ewb_no)
        moment = now or datetime.now(timezone.utc)
        if bill.valid_until is not None and moment > bill.valid_until + CLOSURE_GRACE:
            report.add("ewbNo", LOCAL_CODE, "ewb_closure_too_late", ewb_no=bill.ewb_no,
                       valid_until=_ist_text(bill.valid_until), closes=_ist_text(bill.valid_until + CLOSURE_GRACE))
    return report.problems
