"""The e-way bill system's rules for GENEWAYBILL (nic-ewb-api.md §5.1, §6, §7, §8), its
validity arithmetic, and the e-way bill record the GET APIs show (§5.8).

The sandbox's own reading of NIC's rules: nothing here comes from the addon's
irp/validation* or policy. Codes and wording are NIC's (ewb_master.ERRORS).
Checks run in groups (the request's shape, then parties and document, then
transport, then places and distance) and stop after the first group that
fails, as NIC answers with the codes of one stage at a time.
"""
import math
import re
from datetime import date, datetime, timedelta

from . import master, pins
from ._irp import gstin as gstin_rules, masters
from .calendar import ewb_doc_too_old, min_hsn_digits
from .clock import IST

DISTANCE_MARGIN = 1.10          # an entered distance may exceed the PIN-to-PIN one by 10 % (§5.1)
SAME_PIN_MAX_DISTANCE = 100     # same PIN at both ends: 1-100 km (§5.1)
MAX_DISTANCE = 4000
KM_PER_DAY = 200                # regular cargo, since 01/01/2021 (§7)
KM_PER_DAY_ODC = 20             # over-dimensional cargo (§7)
GST_START = date(2017, 7, 1)    # 819
SUB_SUPPLY_TYPES = {str(code) for code in range(1, 13)}
DOC_TYPES = ("INV", "BIL", "BOE", "CHL", "OTH", "CNT")
EWB_STATES = set(masters.STATE_CODES) - {"96"} | {"99"}   # 97 Other Territory, 99 Other Country (§6)
FOREIGN_STATES = ("97", "99")
DOC_NO = re.compile(r"[A-Za-z0-9/-]{1,16}")
TRANS_DOC_NO = re.compile(r"[A-Za-z0-9/-]{1,15}")
_VEHICLE = tuple(re.compile(pattern) for pattern in (
    r"[A-Z]{2}[0-9]{1,2}[A-Z]{0,3}[0-9]{4}",   # AB121234, AB12A1234, AB12AB1234, AB12ABC1234, DL1C1234
    r"[A-Z]{3}[0-9]{4}",                       # ABC1234
    r"[A-Z]{2}[0-9]{3}[A-Z][0-9]{4}",          # AB123A1234
    r"[0-9]{2}BH[0-9]{4}[A-Z]{1,2}",           # Bharat series
    r"(DF|TR|TM|BP|NP)[A-Z0-9]{5,18}",         # defence, temporary registration, Bhutan, Nepal (§6)
))


class Problems(list):
    """(code, message) pairs."""

    def add(self, code, detail=None):
        self.append((code, detail or None))


def parse_date(text):
    try:
        return datetime.strptime(str(text or "").strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def fmt_moment(moment):
    """'dd/MM/yyyy hh:mm:00 AM' as the EWB system writes timestamps (to the minute)."""
    return moment.astimezone(IST).strftime("%d/%m/%Y %I:%M:00 %p")


def valid_text_to_moment(valid_till):
    """The stored 'yyyy-MM-dd HH:mm:ss' (IST) as an aware datetime, or None."""
    if not valid_till:
        return None
    return datetime.strptime(valid_till, "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)


def fmt_valid(valid_till):
    moment = valid_text_to_moment(valid_till)
    return fmt_moment(moment) if moment else None


def validity_days(distance, over_dimensional=False):
    return max(1, math.ceil(float(distance) / (KM_PER_DAY_ODC if over_dimensional else KM_PER_DAY)))


def validity_end(start_day, distance, over_dimensional=False):
    """23:59 of the last day: one day per 200 km (20 km ODC) counted from the day after `start_day`
    (generated 05/10/2022 12:39 PM, 10 km -> valid to 06/10/2022 11:59 PM, §7)."""
    days = validity_days(distance, over_dimensional)
    return datetime.combine(start_day + timedelta(days=days), datetime.min.time()).replace(hour=23, minute=59)


def stored_valid(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else None


def valid_vehicle(number):
    return any(pattern.fullmatch(str(number).upper()) for pattern in _VEHICLE)


def _number(value):
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(payload, key):
    value = payload.get(key)
    return str(value).strip() if value is not None and str(value).strip() else ""


def _code(value):
    """'1', 1 and '1  ' (NIC pads subSupplyType) alike."""
    text = str(value).strip() if value is not None else ""
    return str(int(float(text))) if re.fullmatch(r"[0-9]+(\.0+)?", text) else text


def _state(value):
    code = _code(value)
    return code.zfill(2) if code.isdigit() else code


def _pin(value):
    text = _code(value)
    return int(text) if re.fullmatch(r"[1-9][0-9]{5}", text) else None


def pin_state_mismatch(pin, state):
    """True when a PIN cannot lie in that state (PIN prefix ranges of the PIN master). 999999 (abroad) goes
    with any state: an export's actual ship-to state is its port's."""
    pin, state = _pin(pin), _state(state)
    if pin is None or not state or pin == pins.FOREIGN_PIN:
        return False
    states = masters.pin_states(pin)
    return states is not None and state not in states and state not in FOREIGN_STATES


def _gstin_ok(value):
    return value == "URP" or gstin_rules.is_well_formed(value)


# --- GENEWAYBILL ----------------------------------------------------------------------------------

def check_generate(payload, header_gstin, today, calendar):
    """(problems, plan) for a GENEWAYBILL payload; plan: the normalised request, distance, computed
    (bool), alert, info, part_b (bool), valid_till (datetime or None), generator."""
    problems = Problems()
    supply = _text(payload, "supplyType").upper()
    sub = _code(payload.get("subSupplyType"))
    doc_type = _text(payload, "docType").upper()
    doc_no = _text(payload, "docNo")
    doc_date = parse_date(payload.get("docDate"))
    tran_type = _code(payload.get("transactionType")) or None
    from_gstin = _text(payload, "fromGstin").upper()
    to_gstin = _text(payload, "toGstin").upper()
    user_gstin = _text(payload, "userGstin").upper()

    # 1. the request's shape
    if supply not in ("O", "I"):
        problems.add("201")
    if sub not in SUB_SUPPLY_TYPES:
        problems.add("202")
    elif sub == "8" and not _text(payload, "subSupplyDesc"):
        problems.add("377")
    if doc_type not in DOC_TYPES:
        problems.add("204")
    if not DOC_NO.fullmatch(doc_no):
        problems.add("206", "docNo: 1-16 characters, letters, digits, / and -")
    if doc_date is None:
        problems.add("207", "docDate: dd/mm/yyyy")
    elif doc_date > today:
        problems.add("207", "docDate is in the future")
    if tran_type is None:
        problems.add("614")
    elif tran_type not in ("1", "2", "3", "4"):
        problems.add("612")
    if not _gstin_ok(from_gstin):
        problems.add("208")
    if not _gstin_ok(to_gstin):
        problems.add("212")
    if _pin(payload.get("fromPincode")) is None:
        problems.add("210")
    if _pin(payload.get("toPincode")) is None:
        problems.add("214")
    if _state(payload.get("fromStateCode")) not in EWB_STATES:
        problems.add("211")
    if _state(payload.get("toStateCode")) not in EWB_STATES:
        problems.add("215")
    if _state(payload.get("actFromStateCode") or payload.get("fromStateCode")) not in EWB_STATES:
        problems.add("371")
    if _state(payload.get("actToStateCode") or payload.get("toStateCode")) not in EWB_STATES:
        problems.add("372")
    # An export is billed to Other Country (99, PIN 999999), an import from it; the place in
    # India the goods leave from or arrive at is the act(ual) from/to state.
    if supply == "O" and sub == "3":
        if _state(payload.get("toStateCode")) != "99":
            problems.add("373")
        if _code(payload.get("toPincode")) != "999999":
            problems.add("374")
    if supply == "I" and sub == "2":
        if _state(payload.get("fromStateCode")) != "99":
            problems.add("375")
        if _code(payload.get("fromPincode")) != "999999":
            problems.add("376")
    items = payload.get("itemList")
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        problems.add("233")
        items = []
    values = {key: _number(payload.get(key)) for key in (
        "totalValue", "cgstValue", "sgstValue", "igstValue", "cessValue", "cessNonAdvolValue", "otherValue",
        "totInvValue")}
    if values["totalValue"] is None and values["totInvValue"] is None:
        problems.add("234")
    for key, code in (("totalValue", "627"), ("totInvValue", "628"), ("igstValue", "629"), ("cgstValue", "630"),
                      ("sgstValue", "631"), ("cessValue", "632"), ("cessNonAdvolValue", "633")):
        if (values[key] or 0) < 0:
            problems.add(code)
    if problems:
        return problems, None

    # 2. parties, document and items
    if user_gstin and user_gstin != header_gstin:
        problems.add("358")
    if supply == "O" and from_gstin != header_gstin:
        problems.add("359")
    if supply == "I" and to_gstin != header_gstin:
        problems.add("360")
    consignor = master.PORTAL.get(from_gstin)
    consignee = master.PORTAL.get(to_gstin)
    if consignor and consignor["status"] not in ("ACT",):
        problems.add("208", f"supplier GSTIN {from_gstin} is not active ({consignor['status']})")
    if consignor and consignor["blk_status"] == "B":
        problems.add("715")
    # 716 (consignee blocked) is no longer raised: notification 15/2021-CT limited rule 138E to the supplier.
    if consignee and consignee["status"] == "CNL" and consignee.get("dt_dreg") and doc_date \
            and doc_date > date.fromisoformat(consignee["dt_dreg"]):
        problems.add("722")
    if doc_date and doc_date < GST_START:
        problems.add("819")
    elif doc_date and calendar.in_force("ewb_doc_age_180_days", today) and ewb_doc_too_old(doc_date, today):
        problems.add("820", f"document date {doc_date:%d/%m/%Y} is more than 180 days before {today:%d/%m/%Y}")
    # an e-invoicing supplier (AATO 5 cr or more) makes B2B / export invoices' e-way bills via the IRP (720)
    if (supply == "O" and doc_type == "INV" and from_gstin != "URP" and calendar.aato(from_gstin) != "lt5"
            and (to_gstin != "URP" or sub == "3")):
        problems.add("720")
    hsn_floor = min_hsn_digits(calendar.aato(from_gstin)) if calendar.in_force("hsn_six_digits", today) else 4
    goods = False
    for item in items:
        hsn = _code(item.get("hsnCode"))
        if not re.fullmatch(r"[0-9]{4,8}", hsn):
            problems.add("216", f"item {item.get('itemNo')}: HSN {hsn!r}")
            continue
        if len(hsn) < hsn_floor:
            problems.add("283" if hsn_floor == 6 else "282")
        goods = goods or not hsn.startswith("99")
        unit = _text(item, "qtyUnit").upper()
        if unit and unit not in masters.UQC_CODES:
            problems.add("217", f"item {item.get('itemNo')}: unit {unit}")
        rates = {key: _number(item.get(key)) or 0.0 for key in ("cgstRate", "sgstRate", "igstRate")}
        if rates["cgstRate"] != rates["sgstRate"]:
            problems.add("251")
        if rates["cgstRate"] and rates["cgstRate"] * 2 not in masters.GST_RATES:
            problems.add("252")
        if rates["igstRate"] and rates["igstRate"] not in masters.GST_RATES:
            problems.add("254")
    if items and not goods:
        problems.add("724")
    bill_from, bill_to = _state(payload.get("fromStateCode")), _state(payload.get("toStateCode"))
    sez = any(party and party["txp_type"] in masters.SEZ_TAXPAYER_TYPES for party in (consignor, consignee))
    if bill_from == bill_to and not sez and (values["igstValue"] or 0) > 0:
        problems.add("623")
    if (bill_from != bill_to or sez) and ((values["cgstValue"] or 0) > 0 or (values["sgstValue"] or 0) > 0):
        problems.add("624")
    parts = sum(values[key] or 0 for key in ("totalValue", "cgstValue", "sgstValue", "igstValue", "cessValue",
                                             "cessNonAdvolValue"))
    if values["totInvValue"] is not None and values["totInvValue"] + 1 < parts + min(0.0, values["otherValue"] or 0):
        problems.add("620")
    problems += ship_to_problems(payload, tran_type, from_gstin, to_gstin, calendar.in_force("ship_to_gstin", today))
    if problems:
        return problems, None

    # 3. transport (Part-B)
    transport = check_transport(payload, doc_date, today)
    problems += transport.problems
    transporter = _text(payload, "transporterId").upper()
    if transporter and not gstin_rules.is_well_formed(transporter):
        problems.add("222")
    elif transporter and master.PORTAL.get(transporter, {}).get("blk_status") == "B":
        problems.add("717")
    if not transport.mode and not transporter:
        problems.add("619")
    if problems:
        return problems, None

    # 4. places and distance
    if pin_state_mismatch(payload.get("fromPincode"), payload.get("actFromStateCode") or payload.get("fromStateCode")):
        problems.add("437", f"PIN {payload.get('fromPincode')} is not in state {payload.get('actFromStateCode')}")
    if pin_state_mismatch(payload.get("toPincode"), payload.get("actToStateCode") or payload.get("toStateCode")):
        problems.add("436", f"PIN {payload.get('toPincode')} is not in state {payload.get('actToStateCode')}")
    if problems:
        return problems, None
    distance, computed, info = check_distance(payload.get("fromPincode"), payload.get("toPincode"),
                                              payload.get("transDistance"), problems, "221")
    if problems:
        return problems, {"info": info}
    plan = {
        "supply": supply, "doc_type": doc_type, "doc_no": doc_no, "doc_date": doc_date, "transporter": transporter,
        "distance": distance, "computed": computed, "alert": info or "", "part_b": transport.part_b,
        "over_dimensional": transport.vehicle_type == "O", "mode": transport.mode, "vehicle": transport.vehicle,
        "vehicle_type": transport.vehicle_type or "R", "trans_doc_no": transport.doc_no,
        "trans_doc_date": transport.doc_date_text,
    }
    plan["valid_till"] = validity_end(today, distance, plan["over_dimensional"]) if transport.part_b else None
    return problems, plan


def ship_to_problems(payload, tran_type, from_gstin, to_gstin, rule_in_force):
    """Ship-to / dispatch-from GSTINs of 2026 (nic-rules-2025-26.md §4.2 row 8; codes 607-618), only with the
    calendar's ship_to_gstin switch: before it NIC ignored the keys."""
    if not rule_in_force:
        return []
    problems = Problems()
    ship, dispatch = _text(payload, "shipToGSTIN").upper(), _text(payload, "dispatchFromGSTIN").upper()
    if tran_type in ("1", "3") and ship:
        problems.add("616")
    if tran_type in ("1", "2") and dispatch:
        problems.add("615")
    if tran_type in ("2", "4"):
        if not ship:
            problems.add("608")
        elif not _gstin_ok(ship):
            problems.add("609")
        elif ship == to_gstin and ship != "URP":
            problems.add("618")
    if tran_type in ("3", "4"):
        if not dispatch:
            problems.add("607")
        elif not _gstin_ok(dispatch):
            problems.add("610")
        elif dispatch == from_gstin:
            problems.add("617")
    return problems


class Transport:
    """Part-B fields of a request, checked (GENEWAYBILL codes by default, VEHEWB/EXTENDVALIDITY by `codes`)."""

    GENERATE = {"mode": "220", "vehicle_missing": "226", "vehicle": "225", "doc_no": "394", "doc_date": "224",
                "doc_date_missing": "385", "vehicle_type": "361", "odc": "634", "mode_needed_vehicle": "621",
                "mode_needed_doc": "622"}
    UPDATE = dict(GENERATE, mode="302", vehicle_missing="303", vehicle="304")

    def __init__(self, payload, doc_date, today, codes=None, modes=("1", "2", "3", "4")):
        codes = codes or self.GENERATE
        self.problems = Problems()
        self.mode = _code(payload.get("transMode")) or None
        if self.mode == "0":
            self.mode = None
        self.vehicle = _text(payload, "vehicleNo").upper().replace(" ", "").replace("-", "")
        self.vehicle_type = _text(payload, "vehicleType").upper() or None
        self.doc_no = _text(payload, "transDocNo")
        self.doc_date_text = _text(payload, "transDocDate")
        if self.mode is not None and self.mode not in modes:
            self.problems.add(codes["mode"])
        if self.vehicle and not self.mode:
            self.problems.add(codes["mode_needed_vehicle"])
        if self.doc_no and not self.mode:
            self.problems.add(codes["mode_needed_doc"])
        if self.mode == "1" and not self.vehicle:
            self.problems.add(codes["vehicle_missing"])
        if self.mode in ("2", "3", "4"):
            if self.mode == "4" and self.vehicle and not self.doc_no:
                pass  # ship: a vessel number alone is enough (727)
            elif not self.doc_no:
                self.problems.add(codes["doc_no"])
            if self.doc_no and not self.doc_date_text:
                self.problems.add(codes["doc_date_missing"])
        if self.vehicle and not valid_vehicle(self.vehicle):
            self.problems.add(codes["vehicle"], f"vehicle number {self.vehicle}")
        if self.doc_no and not TRANS_DOC_NO.fullmatch(self.doc_no):
            self.problems.add("223")
        if self.vehicle_type and self.vehicle_type not in ("R", "O"):
            self.problems.add(codes["vehicle_type"])
        if self.vehicle_type == "O" and self.mode in ("2", "3"):
            self.problems.add(codes["odc"])
        if self.doc_date_text:
            parsed = parse_date(self.doc_date_text)
            if parsed is None or parsed > today:
                self.problems.add(codes["doc_date"], f"transDocDate {self.doc_date_text}")
            elif doc_date and parsed < doc_date:
                self.problems.add("362")
        self.part_b = bool(self.mode in ("1", "2", "3", "4") and (self.vehicle or self.doc_no))


def check_transport(payload, doc_date, today):
    return Transport(payload, doc_date, today)


def check_distance(from_pin, to_pin, given, problems, invalid_code):
    """(distance, computed, info): the distance to keep, whether the sandbox computed it, and the text
    'Pin-Pin calc distance: N KM' when the PIN-to-PIN distance is known. Adds 721/702/`invalid_code`."""
    number = _number(given)
    if given not in (None, "") and (number is None or number < 0 or number > MAX_DISTANCE):
        problems.add(invalid_code, f"distance {given}: 0-{MAX_DISTANCE} km")
        return 0, False, None
    distance = int(math.ceil(number or 0))
    a, b = _pin(from_pin), _pin(to_pin)
    if a is None or b is None:
        return distance, False, None
    if a == b:
        if distance == 0:
            problems.add("721", "same PIN at both ends: give the actual distance (1-100 km)")
        elif distance > SAME_PIN_MAX_DISTANCE:
            problems.add("702", f"same PIN at both ends: at most {SAME_PIN_MAX_DISTANCE} km")
            return distance, False, f"Pin-Pin calc distance: {SAME_PIN_MAX_DISTANCE}KM"
        return distance, False, None
    computed = pins.road_distance(a, b) if pins.FOREIGN_PIN not in (a, b) else None
    if computed is None:
        if distance == 0:
            problems.add("721", f"no PIN-to-PIN distance for {a} and {b}: give the actual distance")
        return distance, False, None
    info = f"Pin-Pin calc distance: {computed}KM"
    if distance == 0:
        return computed, True, info
    if distance > computed * DISTANCE_MARGIN:
        problems.add("702", f"{distance} km is more than 10 % above the PIN-to-PIN distance {computed} km")
        return distance, False, info
    return distance, False, None


# --- the record GET shows ---------------------------------------------------------------------------

_REQUEST_KEYS = (
    "userGstin", "supplyType", "subSupplyType", "subSupplyDesc", "docType", "docNo", "docDate", "fromGstin",
    "fromTrdName", "fromAddr1", "fromAddr2", "fromPlace", "fromPincode", "fromStateCode", "actFromStateCode",
    "toGstin", "toTrdName", "toAddr1", "toAddr2", "toPlace", "toPincode", "toStateCode", "actToStateCode",
    "totalValue", "cgstValue", "sgstValue", "igstValue", "cessValue", "cessNonAdvolValue", "otherValue",
    "totInvValue", "transactionType", "transporterId", "transporterName")


def vehicle_entry(moment, user_gstin, mode, vehicle, from_place, from_state, doc_no, doc_date):
    return {"updMode": "API", "vehicleNo": vehicle or "", "fromPlace": from_place or "",
            "fromState": int(from_state) if str(from_state or "").isdigit() else 0, "tripshtNo": 0,
            "userGSTINTransin": user_gstin, "enteredDate": fmt_moment(moment), "transMode": str(mode or ""),
            "transDocNo": doc_no or "", "transDocDate": doc_date or None, "groupNo": "0"}


def new_record(payload, plan, header_gstin, now):
    """The e-way bill as kept (GetEwayBill's fields less ewbNo, ewayBillDate, status and validUpto)."""
    record = {key: payload.get(key) for key in _REQUEST_KEYS if key in payload}
    record.update({
        "genMode": "API", "userGstin": header_gstin, "docType": plan["doc_type"], "docNo": plan["doc_no"],
        "subSupplyType": _code(payload.get("subSupplyType")), "transactionType": int(_code(payload.get(
            "transactionType"))), "transporterId": plan["transporter"], "transporterName":
        _text(payload, "transporterName"), "actualDist": plan["distance"], "noValidDays":
        validity_days(plan["distance"], plan["over_dimensional"]) if plan["part_b"] else 0, "extendedTimes": 0,
        "rejectStatus": "N", "vehicleType": plan["vehicle_type"],
        "itemList": [dict({"productId": 0, "productName": ""}, **item) for item in payload.get("itemList") or []],
        "VehiclListDetails": [],
    })
    for key in ("fromPincode", "toPincode", "fromStateCode", "toStateCode", "actFromStateCode", "actToStateCode"):
        if key in record and _code(record[key]).isdigit():
            record[key] = int(_code(record[key]))
    if plan["part_b"]:
        record["VehiclListDetails"].append(vehicle_entry(
            now, header_gstin, plan["mode"], plan["vehicle"], _text(payload, "fromPlace"),
            _state(payload.get("actFromStateCode") or payload.get("fromStateCode")), plan["trans_doc_no"],
            plan["trans_doc_date"]))
    return record


def record_from_irn(row, invoice, request, gstin):
    """The EWB system's view of an e-way bill made by IRN (§9.2 of nic-irp-api.md): parties, values and
    items of the registered invoice, transport of the e-way bill request."""
    seller, buyer = invoice.get("SellerDtls", {}), invoice.get("BuyerDtls", {})
    dispatch = request.get("DispDtls") or invoice.get("DispDtls")
    ship = request.get("ExpShipDtls") or request.get("ShipDtls") or invoice.get("ShipDtls")
    to = ship or buyer
    values = invoice.get("ValDtls", {})
    export = invoice.get("TranDtls", {}).get("SupTyp") in ("EXPWP", "EXPWOP")
    transaction = 1 + (2 if dispatch else 0) + (1 if ship else 0)
    record = {
        "genMode": "API", "userGstin": gstin, "supplyType": "O", "subSupplyType": "3" if export else "1",
        "docType": "INV", "docNo": invoice.get("DocDtls", {}).get("No"), "docDate": invoice.get("DocDtls", {})
        .get("Dt"), "fromGstin": seller.get("Gstin"), "fromTrdName": seller.get("TrdNm") or seller.get("LglNm"),
        "fromAddr1": seller.get("Addr1"), "fromAddr2": seller.get("Addr2") or "", "fromPlace": seller.get("Loc"),
        "fromPincode": int((dispatch or seller).get("Pin") or 0), "fromStateCode": int(seller.get("Stcd") or 0),
        "actFromStateCode": int((dispatch or seller).get("Stcd") or 0), "toGstin": buyer.get("Gstin"),
        "toTrdName": buyer.get("TrdNm") or buyer.get("LglNm"), "toAddr1": to.get("Addr1"), "toAddr2":
        to.get("Addr2") or "", "toPlace": to.get("Loc"), "toPincode": int(to.get("Pin") or 0),
        "toStateCode": int(_state(buyer.get("Stcd")) or 0) if _state(buyer.get("Stcd")).isdigit() else 99,
        "actToStateCode": int(_state(to.get("Stcd"))) if _state(to.get("Stcd")).isdigit() else 99,
        "totalValue": values.get("AssVal", 0), "cgstValue": values.get("CgstVal", 0), "sgstValue":
        values.get("SgstVal", 0), "igstValue": values.get("IgstVal", 0), "cessValue": values.get("CesVal", 0),
        "cessNonAdvolValue": values.get("StCesVal", 0), "otherValue": values.get("OthChrg", 0), "totInvValue":
        values.get("TotInvVal", 0), "transactionType": transaction, "transporterId": request.get("TransId") or "",
        "transporterName": request.get("TransName") or "", "actualDist": row["distance"], "noValidDays": 0,
        "extendedTimes": 0, "rejectStatus": "N", "vehicleType": request.get("VehType") or "R",
        "itemList": [{"itemNo": index, "productId": 0, "productName": "", "productDesc": item.get("PrdDesc", ""),
                      "hsnCode": int(item["HsnCd"]) if str(item.get("HsnCd", "")).isdigit() else item.get("HsnCd"),
                      "quantity": item.get("Qty", 0), "qtyUnit": item.get("Unit", "OTH"),
                      "taxableAmount": item.get("AssAmt", 0), "cgstRate": item.get("GstRt", 0) / 2
                      if item.get("CgstAmt") else 0, "sgstRate": item.get("GstRt", 0) / 2 if item.get("SgstAmt")
                      else 0, "igstRate": item.get("GstRt", 0) if item.get("IgstAmt") else 0, "cessRate":
                      item.get("CesRt", 0), "cessNonAdvol": item.get("CesNonAdvlAmt", 0)}
                     for index, item in enumerate(invoice.get("ItemList", []), start=1)],
        "VehiclListDetails": [],
    }
    mode = request.get("TransMode")
    if mode and (request.get("VehNo") or request.get("TransDocNo")):
        generated = datetime.fromtimestamp(row["generated_at"], IST)
        record["VehiclListDetails"].append(vehicle_entry(
            generated, gstin, mode, request.get("VehNo"), record["fromPlace"], record["actFromStateCode"],
            request.get("TransDocNo"), request.get("TransDocDt")))
        record["noValidDays"] = validity_days(row["distance"] or 1, record["vehicleType"] == "O")
    return record


def public_record(row, record):
    """GetEwayBill's data: the kept record with the row's number, date, status and validity."""
    data = {"ewbNo": row["ewb_no"], "ewayBillDate": fmt_moment(datetime.fromtimestamp(row["generated_at"], IST)),
            "status": row["status"], "validUpto": fmt_valid(row["valid_till"])}
    data.update({key: value for key, value in record.items() if not key.startswith("_")})
    data["VehiclListDetails"] = list(record.get("VehiclListDetails", []))
    return data
