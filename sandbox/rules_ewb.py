"""The sandbox's e-way bill rules: the request schema of EWB by IRN and the checks of
§9.2 (transport, document, places, distance, validity), plus the dated ship-to
GSTIN rule of 2026 (nic-rules-2025-26.md §4) for e-way bills made with or by IRN.

Split from rules.py (the invoice rules), whose helpers it uses; the schema pieces are rules_schema.py's.
"""
import re

from . import pins
from .calendar import ewb_doc_too_old
from .ewb_rules import validity_end  # one validity rule for e-way bills by IRN and by the EWB API (§7)
from .rules import (
    EXPORT,
    FOREIGN_PIN,
    FOREIGN_STATE,
    SEZ,
    _state,
    is_service,
    parse_date,
)
from .rules_schema import (
    DATE,
    GSTIN,
    GSTIN_OR_URP,
    INVOICE,
    PIN,
    STATE,
    Number,
    Obj,
    Text,
    _address,
    _normalise,
)

SHIP_TO = "ship_to_gstin"
# NIC has published no code for changing a kept ship-to at EWB time: the generic "error creating e-way bill".
CODE_SHIP_TO_LOCKED = "4001"
# (GSTIN missing, bill-to = ship-to, state of the GSTIN != Stcd), per API (nic-rules-2025-26.md §4.3)
CODES_WITH_IRN = ("5002", "2323", "2325")
CODES_BY_IRN = ("5001", "4073", "4074")
DISTANCE_MARGIN = 1.10  # an entered distance may exceed the PIN-to-PIN one by 10 %
SAME_PIN_MAX_DISTANCE = 100


# --- schema -----------------------------------------------------------------------------------

_EWB_SHIP = Obj(_address({"Gstin": Text(3, 15, GSTIN_OR_URP), "LglNm": Text(3, 100), "TrdNm": Text(3, 100)},
                         Loc=Text(3, 100), Pin=PIN, Stcd=Text(1, 2, STATE)),
                required=("Addr1", "Loc", "Pin", "Stcd"))
EWAYBILL = Obj({
    "Irn": Text(64, 64, r"[0-9a-fA-F]{64}"),
    "Distance": Number(0, 1000000),  # above 4000 is a business error (4038), not a schema one
    "TransMode": Text(1, 1, r"[1-4]"),
    "TransId": Text(15, 15, GSTIN),
    "TransName": Text(3, 100),
    "TransDocDt": Text(10, 10, DATE),
    "TransDocNo": Text(1, 15, r"[a-zA-Z0-9/-]{1,15}"),
    "VehNo": Text(4, 20, r"[A-Za-z0-9]{4,20}"),
    "VehType": Text(1, 1, r"[OR]", upper=True),
    "ExpShipDtls": _EWB_SHIP,
    "ShipDtls": _EWB_SHIP,
    "DispDtls": INVOICE.fields["DispDtls"],
}, required=("Irn", "Distance"))

# e-way bill schema problems carry the e-way bill code of the field where one exists
_EWB_FIELD_CODES = {"Irn": "4003", "Distance": "4013", "TransMode": "4028", "TransId": "4018",
                    "TransDocDt": "4017", "TransDocNo": "4012", "VehNo": "4014", "VehType": "4020"}



def normalise_ewaybill(payload):
    problems = []
    request = _normalise(payload, EWAYBILL, "", problems)
    errors = [(_EWB_FIELD_CODES.get(path.split(".")[0], "4001"), f"Invalid e-way bill request: {path} {problem}")
              for path, problem in problems]
    return request or {}, errors



# --- e-way bill by IRN (§9.2) ---------------------------------------------------------------

def pin_distance(from_pin, to_pin):
    """The road distance (km) the sandbox computes between two PINs, as the e-way bill system's
    own API does (pins.road_distance: real PIN centroids of India Post's directory, great-circle
    x 1.2): 0 for the same PIN, None when either PIN is not in the PIN data, never above 4000."""
    return pins.road_distance(from_pin, to_pin)


_VEHICLE_PATTERNS = tuple(re.compile(pattern) for pattern in (
    r"[A-Z]{2}[0-9]{1,2}[A-Z]{0,3}[0-9]{4}",   # KA01AB1234, GJ07DL9009, DL1C1234
    r"[A-Z]{3}[0-9]{4}",                       # old series ABC1234
    r"[0-9]{2}BH[0-9]{4}[A-Z]{1,2}",           # Bharat series 22BH1234AB
    r"TR[A-Z0-9]{6,18}",                       # temporary registration
    r"(DF|CD|CC|UN)[A-Z0-9]{4,12}",            # defence, diplomatic
))


def valid_vehicle_number(number):
    return any(pattern.fullmatch(number.upper()) for pattern in _VEHICLE_PATTERNS)


def _same_ship_to(given, kept):
    """Same place as the ship-to kept with the IRN; a GSTIN may be added where the IRN had none."""
    keys = ("Addr1", "Loc", "Pin", "Stcd") + (("Gstin",) if "Gstin" in kept else ())
    return all(str(given.get(key, "")).strip().upper() == str(kept.get(key, "")).strip().upper()
               for key in keys if key in given)


def ship_to_gstin_errors(ship, buyer, codes):
    """The 2026 ship-to GSTIN checks of one ship-to block (§4.2 rows 1, 2, 6, 7); `codes` is
    CODES_WITH_IRN or CODES_BY_IRN. URP (unregistered consignee, exports) passes."""
    missing, same_as_buyer, wrong_state = codes
    gstin = ship.get("Gstin")
    if not gstin:
        return [(missing, "Ship-to GSTIN is mandatory when an e-way bill is generated with ship-to details: give "
                          "the consignee's GSTIN, or URP when unregistered")]
    if gstin == "URP":
        return []
    errors = []
    if gstin == buyer.get("Gstin"):
        errors.append((same_as_buyer, f"Ship-to GSTIN {gstin} is the bill-to GSTIN: a delivery to the buyer's own "
                                      "place is a Regular transaction, leave the ship-to GSTIN out of it"))
    state = _state(ship.get("Stcd"))
    if state and gstin[:2] != state:
        errors.append((wrong_state, f"Ship-to state code {ship.get('Stcd')} does not match the state of the "
                                    f"ship-to GSTIN {gstin}"))
    return errors


def check_with_irn(invoice, ctx):
    """Rules of an IRN that asks for its e-way bill in the same call (EwbDtls): the ship-to GSTIN rule
    (§4.2 row 1). An IRN without EwbDtls is not affected (row 3)."""
    ship = invoice.get("ShipDtls")
    if ship is None or "EwbDtls" not in invoice or not ctx.calendar.in_force(SHIP_TO, ctx.today):
        return []
    return ship_to_gstin_errors(ship, invoice.get("BuyerDtls", {}), CODES_WITH_IRN)


def plan_ewaybill(request, invoice, ctx, now):
    """(errors, plan) for an e-way bill on a registered invoice.

    `request` is normalised (normalise_ewaybill or the invoice's EwbDtls),
    `invoice` the normalised invoice of the IRN, `now` the sandbox time (IST).
    The plan: distance, computed (bool), remarks, valid_till (datetime or None).

    Checks run in three groups and stop after the first group that fails:
    transport details, then the document and its parties, then places and
    distance. NIC does the same: an e-way bill for a services-only invoice
    without transporter is refused with 4019 alone (india-compliance records).
    """
    errors = []
    doc = invoice.get("DocDtls", {})
    seller = invoice.get("SellerDtls", {})
    buyer = invoice.get("BuyerDtls", {})
    sup_type = invoice.get("TranDtls", {}).get("SupTyp")
    items = invoice.get("ItemList", [])
    today = now.date()

    mode = request.get("TransMode")
    vehicle, vehicle_type = request.get("VehNo"), request.get("VehType")
    transport_doc, transport_date = request.get("TransDocNo"), request.get("TransDocDt")
    transporter = request.get("TransId")
    if (vehicle or transport_doc) and not mode:
        errors.append(("4028", "Transport mode is required when a vehicle or transport document number is "
                               "given"))
    if mode == "1":
        if not vehicle:
            errors.append(("4011", "Vehicle number is required for transport by road"))
        if not vehicle_type:
            errors.append(("4022", "Vehicle type is required for transport by road"))
    elif mode in ("2", "3", "4"):
        if not transport_doc:
            errors.append(("4012", "Transport document number is required for transport by rail, air or ship"))
        if not transport_date:
            errors.append(("4023", "Transport document date is required for transport by rail, air or ship"))
        if vehicle_type == "O" and mode in ("2", "3"):
            errors.append(("4024", "Over-dimensional cargo applies to road or ship only"))
    part_a_only = not (mode and (vehicle or transport_doc))
    if part_a_only and not mode and not transporter:
        errors.append(("4019", "Provide Transporter ID in order to generate Part A of e-Way Bill"))
    if vehicle and not valid_vehicle_number(vehicle):
        errors.append(("4014", f"Invalid vehicle number {vehicle}"))
    if transport_date:
        parsed = parse_date(transport_date)
        doc_date = parse_date(doc.get("Dt"))
        if parsed is None:
            errors.append(("4017", f"Incorrect transport document date {transport_date}: use dd/mm/yyyy"))
        elif parsed > today:
            errors.append(("4016", f"Transport document date {transport_date} is in the future"))
        elif doc_date and parsed < doc_date:
            errors.append(("4021", f"Transport document date {transport_date} is before the invoice date "
                                   f"{doc.get('Dt')}"))
    if transporter:
        record = ctx.lookup_gstin(transporter)
        if record and record.get("status") != "ACT":
            errors.append(("3052", f"Transporter Id {transporter} is cancelled or invalid"))

    if errors:
        return errors, None

    # the document and its parties
    if doc.get("Typ") in ("CRN", "DBN") or (items and all(is_service(item) for item in items)):
        errors.append(("4010", "E-way bill cannot be generated for credit/debit notes or invoices of services "
                               "only"))
    # Since CBIC notification 15/2021-CT (18/05/2021) rule 138E blocks only the defaulting
    # supplier: a blocked recipient or transporter no longer stops an e-way bill.
    supplier = seller.get("Gstin")
    record = ctx.lookup_gstin(supplier) if supplier else None
    if record and record.get("blk_status") == "B":
        errors.append(("4015", f"Supplier GSTIN {supplier} is blocked from generating e-way bills "
                               "(returns not filed)"))
    doc_date = parse_date(doc.get("Dt"))
    if doc_date and ctx.calendar.in_force("ewb_doc_age_180_days", today) and ewb_doc_too_old(doc_date, today):
        errors.append(("4043", f"E-way bill cannot be generated: the document date {doc.get('Dt')} is more than "
                               f"180 days before today ({today:%d/%m/%Y})"))
    if errors:
        return errors, None

    # places and distance
    dispatch = request.get("DispDtls") or invoice.get("DispDtls") or seller
    kept_ship = invoice.get("ShipDtls")
    given_ship = request.get("ExpShipDtls") or request.get("ShipDtls")
    ship_rule = ctx.calendar.in_force(SHIP_TO, today)
    if given_ship is not None:
        if _state(given_ship.get("Stcd")) == FOREIGN_STATE:
            errors.append(("4032", "Ship-to state cannot be 96 (other country): give the place of export"))
        if given_ship.get("Pin") == FOREIGN_PIN:
            errors.append(("4033", "Ship-to PIN 999999 is not allowed: give the PIN of the place of export"))
    if request.get("DispDtls"):
        if _state(request["DispDtls"].get("Stcd")) == FOREIGN_STATE:
            errors.append(("4035", "Dispatch-from state cannot be 96 (other country)"))
        if request["DispDtls"].get("Pin") == FOREIGN_PIN:
            errors.append(("4036", "Dispatch-from PIN 999999 is not allowed"))
    ship_to = kept_ship or buyer
    if given_ship is not None:
        # part of the held 2026 change set (§4.2 row 4): only with the ship-to rule in force
        locked = ship_rule and kept_ship and (sup_type == "B2B" or sup_type in SEZ)
        if locked and not _same_ship_to(given_ship, kept_ship):
            errors.append((CODE_SHIP_TO_LOCKED, "Ship-to details given at IRN generation of a B2B/SEZ supply "
                                                "cannot be changed in the e-way bill request"))
        else:
            ship_to = given_ship
    if sup_type in EXPORT and given_ship is None and (kept_ship is None or kept_ship.get("Pin") == FOREIGN_PIN):
        errors.append(("4031", "Ship-to details (place of export) are required for an export e-way bill"))
        ship_to = {}
    elif ship_rule and (given_ship or kept_ship):
        errors += ship_to_gstin_errors(given_ship or kept_ship, buyer, CODES_BY_IRN)

    from_pin, to_pin = dispatch.get("Pin"), ship_to.get("Pin")
    distance = request.get("Distance", 0)
    plan = {"distance": distance, "computed": False, "remarks": None, "valid_till": None}
    if from_pin and to_pin:
        foreign = FOREIGN_PIN in (from_pin, to_pin)
        computed = None if foreign else pin_distance(from_pin, to_pin)
        if computed is None and not foreign and distance == 0:
            errors.append(("4013", f"The PIN-to-PIN distance between {int(from_pin)} and {int(to_pin)} is not "
                                   "available: give the actual distance"))
        elif distance == 0:
            if from_pin == to_pin:
                errors.append(("4029", f"Dispatch and delivery PIN are the same ({int(from_pin)}): give the "
                                       "actual distance, 0 is not allowed"))
            elif foreign:
                errors.append(("4034", "PIN 999999 is involved: distance cannot be 0, give the actual distance"))
            else:
                plan.update(distance=computed, computed=True, remarks=f"Pin-Pin calc distance: {computed}KM")
        elif distance > 4000:
            errors.append(("4038", f"Distance {distance} km is too high: at most 4000 km"))
        elif not foreign and computed is not None:
            limit = SAME_PIN_MAX_DISTANCE if from_pin == to_pin else computed * DISTANCE_MARGIN
            if distance > limit:
                errors.append(("4013", f"Distance {distance} km is more than 10% above the PIN-to-PIN distance "
                                       f"{computed} km between {int(from_pin)} and {int(to_pin)}"))
    if not part_a_only and plan["distance"]:
        plan["valid_till"] = validity_end(today, float(plan["distance"]), vehicle_type == "O")
    return errors, plan
