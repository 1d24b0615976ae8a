"""The e-way bill's life after generation (nic-ewb-api.md §5.2-§5.7, §7): Part-B updates,
transporter changes, cancellation, rejection, extension and (behind the calendar's
ewb_voluntary_closure switch) closure. Each works on the shared store, so an e-way
bill made by IRN is updated, extended or cancelled here like one made by GENEWAYBILL.

Who may act (§5.2-§5.6): the generator while no other transporter is assigned; once
one is, that transporter for Part-B and extensions (the generator only until the
transporter has entered Part-B: 635/637).
"""
import re
from datetime import datetime, timedelta

from . import ewb_rules, master
from ._irp import crypto, gstin as gstin_rules
from .calendar import ewb_extension_cap, ewb_extension_refused
from .clock import IST
from .ewb_rules import Problems, _code, _pin, _state, _text, fmt_moment, parse_date

CANCEL_WINDOW = timedelta(hours=24)        # §5.4
REJECT_WINDOW = timedelta(hours=72)        # §5.5
EXTENSION_WINDOW = timedelta(hours=8)      # §5.6: from 8 h before to 8 h after expiry
CANCEL_REASONS = ("1", "2", "3", "4")      # Duplicate, Order cancelled, Data entry mistake, Others
VEHICLE_REASONS = ("1", "2", "3", "4")     # Break down, Transshipment, Others, First time
EXTENSION_REASONS = ("1", "2", "4", "5", "99")  # Natural calamity, Law and order, Transshipment, Accident, Others


def run(api, action, session, payload):
    from .ewb_api import EwbError, fail

    number = str(_code(payload.get("ewbNo")))
    if not re.fullmatch(r"[0-9]{12}", number):
        raise fail("301", f"ewbNo {payload.get('ewbNo')!r}")
    row, record = api.load(number)
    if row is None:
        raise fail("312" if action != "EXTENDVALIDITY" else "380", f"no e-way bill {number}")
    now = api.app.clock.now()
    handler = {"VEHEWB": update_part_b, "UPDATETRANSPORTER": update_transporter, "CANEWB": cancel,
               "REJEWB": reject, "EXTENDVALIDITY": extend, "CLOSEEWB": close}[action]
    problems = Problems()
    result, changes = handler(api, session["gstin"], row, record, payload, now, problems)
    if problems:
        raise EwbError(problems, changes.get("info") if isinstance(changes, dict) else None)
    fields = {"record_json": crypto.dumps(record), **changes}
    if not api.app.store.update_ewaybill(row["ewb_no"], fields):
        raise fail("312", "the e-way bill changed meanwhile (cancelled)")
    return result


def _valid_until(row):
    return ewb_rules.valid_text_to_moment(row["valid_till"])


def _generated(row):
    return datetime.fromtimestamp(row["generated_at"], IST)


def _transporter(row, record):
    """The assigned transporter when it is someone else than the generator, else None."""
    transporter = record.get("transporterId") or ""
    return transporter if transporter and transporter != row["gstin"] else None


def _transporter_entered_part_b(record, transporter):
    return any(entry.get("userGSTINTransin") == transporter for entry in record.get("VehiclListDetails", []))


def _doc_date(record):
    return parse_date(record.get("docDate"))


# --- VEHEWB (§5.2) -------------------------------------------------------------------------------

def update_part_b(api, gstin, row, record, payload, now, problems):
    if row["status"] != "ACT":
        problems.add("312")
        return None, {}
    transporter = _transporter(row, record)
    if transporter and gstin == row["gstin"] and _transporter_entered_part_b(record, transporter):
        problems.add("635")
    elif gstin not in (row["gstin"], transporter):
        problems.add("636")
    valid = _valid_until(row)
    if valid and now > valid:
        problems.add("311")
    if problems:
        return None, {}
    transport = ewb_rules.Transport(payload, _doc_date(record), now.date(), ewb_rules.Transport.UPDATE)
    problems += transport.problems
    if not transport.mode:
        problems.add("302")
    if not _text(payload, "fromPlace") or len(_text(payload, "fromPlace")) > 50:
        problems.add("305")
    if _state(payload.get("fromState")) not in ewb_rules.EWB_STATES:
        problems.add("306")
    if _code(payload.get("reasonCode")) not in VEHICLE_REASONS:
        problems.add("307")
    remark = _text(payload, "reasonRem")
    if not remark or len(remark) > 50:
        problems.add("308")
    if problems:
        return None, {}
    record.setdefault("VehiclListDetails", []).insert(0, ewb_rules.vehicle_entry(
        now, gstin, transport.mode, transport.vehicle, _text(payload, "fromPlace"), _state(payload.get("fromState")),
        transport.doc_no, transport.doc_date_text))
    if transport.vehicle_type:
        record["vehicleType"] = transport.vehicle_type
    changes = {}
    if valid is None:  # Part-A only until now: the validity starts with the first Part-B
        valid = ewb_rules.validity_end(now.date(), record.get("actualDist") or 1, record.get("vehicleType") == "O")
        record["noValidDays"] = ewb_rules.validity_days(record.get("actualDist") or 1,
                                                        record.get("vehicleType") == "O")
        changes["valid_till"] = ewb_rules.stored_valid(valid)
    return {"vehUpdDate": fmt_moment(now), "validUpto": ewb_rules.fmt_moment(valid.replace(tzinfo=IST))}, changes


# --- UPDATETRANSPORTER (§5.3) -------------------------------------------------------------------------

def update_transporter(api, gstin, row, record, payload, now, problems):
    new = _text(payload, "transporterId").upper()
    if not gstin_rules.is_well_formed(new):
        problems.add("222")
    if row["status"] != "ACT":
        problems.add("312")
    if problems:
        return None, {}
    current = _transporter(row, record)
    if gstin not in (row["gstin"], current):
        problems.add("339")
    elif current and gstin == row["gstin"] and _transporter_entered_part_b(record, current):
        problems.add("338")
    valid = _valid_until(row)
    if valid and now > valid:
        problems.add("281")
    if master.PORTAL.get(gstin, {}).get("blk_status") == "B":
        problems.add("718")
    if master.PORTAL.get(new, {}).get("blk_status") == "B":
        problems.add("719")
    if problems:
        return None, {}
    record["transporterId"] = new
    record["transporterName"] = master.PORTAL.get(new, {}).get("trade_name", record.get("transporterName", ""))
    return {"ewayBillNo": str(row["ewb_no"]), "transporterId": new, "transUpdateDate": fmt_moment(now)}, {}


# --- CANEWB (§5.4) -------------------------------------------------------------------------------------

def cancel(api, gstin, row, record, payload, now, problems):
    reason = _code(payload.get("cancelRsnCode"))
    remark = payload.get("cancelRmrk")
    if reason not in CANCEL_REASONS:
        problems.add("307", "cancelRsnCode: 1 Duplicate, 2 Order cancelled, 3 Data entry mistake, 4 Others")
    if remark is not None and (not isinstance(remark, str) or len(remark) > 50):
        problems.add("308", "cancelRmrk: at most 50 characters")
    if row["status"] != "ACT" or row["gstin"] != gstin:
        problems.add("312")
    elif now - _generated(row) > CANCEL_WINDOW:
        problems.add("315", "only within 24 hours of generation")
    if problems:
        return None, {}
    record["cancelRsnCode"], record["cancelRmrk"] = reason, (remark or "").strip()
    return ({"ewayBillNo": str(row["ewb_no"]), "cancelDate": fmt_moment(now)},
            {"status": "CNL", "cancelled_at": now.timestamp(), "cancel_reason": reason,
             "cancel_remark": (remark or "").strip()})


# --- REJEWB (§5.5) -------------------------------------------------------------------------------------

def reject(api, gstin, row, record, payload, now, problems):
    other_party = record.get("toGstin") if record.get("supplyType", "O") == "O" else record.get("fromGstin")
    if row["status"] != "ACT":
        problems.add("343")
    elif gstin == row["gstin"]:
        problems.add("341")
    elif gstin != other_party or record.get("rejectStatus") == "Y":
        problems.add("342")
    elif now - _generated(row) > REJECT_WINDOW:
        problems.add("346")
    elif _valid_until(row) is None:
        problems.add("348")
    elif now > _valid_until(row):
        problems.add("345")
    if problems:
        return None, {}
    record["rejectStatus"] = "Y"
    record["rejectDate"] = fmt_moment(now)
    return {"ewayBillNo": str(row["ewb_no"]), "ewbRejectedDate": fmt_moment(now)}, {}


# --- EXTENDVALIDITY (§5.6, §7, nic-rules-2025-26.md §3) -----------------------------------------------------

def extend(api, gstin, row, record, payload, now, problems):
    calendar = api.app.calendar
    if row["status"] == "CNL":
        problems.add("379")
        return None, {}
    if row["status"] != "ACT" or record.get("rejectStatus") == "Y":
        problems.add("380")
        return None, {}
    valid = _valid_until(row)
    if valid is None:
        problems.add("381")
        return None, {}
    transporter = _transporter(row, record)
    if transporter and gstin == row["gstin"] and _transporter_entered_part_b(record, transporter):
        problems.add("637")
    elif gstin not in (row["gstin"], transporter):
        problems.add("700" if transporter else "384")
    if not (valid - EXTENSION_WINDOW <= now <= valid + EXTENSION_WINDOW):
        problems.add("382", f"valid until {fmt_moment(valid)}: extensions from {fmt_moment(valid - EXTENSION_WINDOW)}"
                            f" to {fmt_moment(valid + EXTENSION_WINDOW)}")
    generated_on = _generated(row).date()
    capped = calendar.in_force("ewb_extension_360_days", now.date())
    if capped and ewb_extension_refused(generated_on, now.date()):
        problems.add("821", f"generated on {generated_on:%d/%m/%Y}: more than 360 days ago")
    if problems:
        return None, {}

    status = _text(payload, "consignmentStatus").upper()
    transit = _text(payload, "transitType").upper()
    mode = _code(payload.get("transMode"))
    if status not in ("M", "T"):
        problems.add("711", "consignmentStatus: M (in movement) or T (in transit)")
    elif status == "M":
        transport = ewb_rules.Transport(payload, _doc_date(record), now.date(), ewb_rules.Transport.UPDATE)
        problems += transport.problems
        if mode not in ("1", "2", "3", "4"):
            problems.add("302")
        if transit:
            problems.add("712")
        if any(_text(payload, f"addressLine{n}") for n in (1, 2, 3)):
            problems.add("713")
    else:
        if mode != "5":
            problems.add("302", "in transit: transMode 5")
        if transit not in ("R", "W", "O"):
            problems.add("705")
        for n, code in ((1, "706"), (2, "707"), (3, "708")):
            if not _text(payload, f"addressLine{n}"):
                problems.add(code)
    if not _text(payload, "fromPlace"):
        problems.add("305")
    if _state(payload.get("fromState")) not in ewb_rules.EWB_STATES:
        problems.add("306")
    from_pin = _pin(payload.get("fromPincode"))
    if from_pin is None:
        problems.add("421")
    elif ewb_rules.pin_state_mismatch(from_pin, payload.get("fromState")):
        problems.add("710", f"PIN {from_pin} is not in state {payload.get('fromState')}")
    reason, remarks = _code(payload.get("extnRsnCode")), _text(payload, "extnRemarks")
    if reason not in EXTENSION_REASONS or not remarks:
        problems.add("386")
    remaining = ewb_rules._number(payload.get("remainingDistance"))
    if not remaining or remaining <= 0:
        problems.add("389")
    elif remaining > (record.get("actualDist") or ewb_rules.MAX_DISTANCE) or remaining > ewb_rules.MAX_DISTANCE:
        problems.add("390", f"remaining {remaining:g} km, e-way bill distance {record.get('actualDist')} km")
    info = None
    if not problems and from_pin and _pin(record.get("toPincode")):
        ewb_rules.check_distance(from_pin, record.get("toPincode"), remaining, problems, "390")
        if problems:
            computed = ewb_rules.pins.road_distance(from_pin, record.get("toPincode"))
            info = f"Pin-Pin calc distance: {computed}KM" if computed is not None else None
    if problems:
        return None, {"info": info}

    new_valid = ewb_rules.validity_end(now.date(), remaining, record.get("vehicleType") == "O").replace(tzinfo=IST)
    if capped:
        cap = datetime.combine(ewb_extension_cap(generated_on), datetime.min.time()).replace(
            hour=23, minute=59, tzinfo=IST)
        new_valid = min(new_valid, cap)
    record["extendedTimes"] = int(record.get("extendedTimes") or 0) + 1
    if status == "M":
        record.setdefault("VehiclListDetails", []).insert(0, ewb_rules.vehicle_entry(
            now, gstin, mode, _text(payload, "vehicleNo").upper(), _text(payload, "fromPlace"),
            _state(payload.get("fromState")), _text(payload, "transDocNo"), _text(payload, "transDocDate")))
    record.setdefault("extensions", []).append({
        "updatedDate": fmt_moment(now), "remainingDistance": remaining, "consignmentStatus": status,
        "transitType": transit, "fromPincode": from_pin, "extnRsnCode": reason, "extnRemarks": remarks})
    return ({"ewayBillNo": str(row["ewb_no"]), "updatedDate": fmt_moment(now), "validUpto": fmt_moment(new_valid)},
            {"valid_till": new_valid.strftime("%Y-%m-%d %H:%M:%S")})


# --- closure (§5.7: announced 2026, on hold) -------------------------------------------------------------

def close(api, gstin, row, record, payload, now, problems):
    """CLOSEEWB {ewbNo, closureDate dd/mm/yyyy, closureRemarks}: NIC has not confirmed the action name or the
    keys [U]; the rules are the FAQ's: ACTIVE with Part-B, by supplier, recipient or transporter, on the
    delivery day or the next, at the latest one day after validity ends."""
    if not api.app.calendar.in_force("ewb_voluntary_closure", now.date()):
        problems.add("239", "voluntary closure is on hold (calendar switch ewb_voluntary_closure)")
        return None, {}
    if row["status"] != "ACT" or record.get("closed") == "Y":
        problems.add("312")
        return None, {}
    if gstin not in {row["gstin"], record.get("fromGstin"), record.get("toGstin"), record.get("transporterId")}:
        problems.add("312", "only the supplier, the recipient or the transporter close an e-way bill")
    valid = _valid_until(row)
    if valid is None:
        problems.add("381")
    day = parse_date(payload.get("closureDate") or payload.get("closeDate"))
    remarks = _text(payload, "closureRemarks") or _text(payload, "remarks")
    if day is None:
        problems.add("601", "closureDate: dd/mm/yyyy")
    elif not (now.date() - timedelta(days=1) <= day <= now.date()) or day < _generated(row).date():
        problems.add("601", "closure on the delivery day or the next day only")
    if valid and now.date() > valid.date() + timedelta(days=1):
        problems.add("311", "closure is possible until one day after the validity")
    if not remarks:
        problems.add("659")
    if problems:
        return None, {}
    record.update(closed="Y", closureDate=f"{day:%d/%m/%Y}", closureRemarks=remarks, closedBy=gstin)
    return {"ewayBillNo": str(row["ewb_no"]), "closureDate": fmt_moment(now)}, {}
