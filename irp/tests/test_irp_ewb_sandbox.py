"""EwbClient and the e-way bill policy over real HTTP against the sandbox's e-way bill
system API (/ewaybillapi/v1.03), real crypto, no patching: auth, every action, the
look-ups, the token re-authentication, and lost replies from the sandbox's faults."""
from datetime import timedelta

import pytest

from irp import ewb_policy
from irp.errors import AUTH, DUPLICATE, UNKNOWN_OUTCOME
from irp.ewb_client import EwbClient, EwbConfig, extend_payload, part_b_payload
from irp.ewb_errors import NOT_FOUND, EwbError
from irp.ewb_policy import MAYBE_SENT, Adopted, Done, Generated, Refused, Unknown
from irp.ewb_results import EwbBill
from sandbox import master

KA = master.SELLER_KA


@pytest.fixture(autouse=True)
def _no_faults_left(clock_guard):
    clock_guard.clear_faults()
    yield


@pytest.fixture
def ewb_client(sandbox):
    """Factory of EwbClients on the sandbox; each keeps its CallRecords in `.records`."""
    made = []

    def factory(gstin=KA["gstin"], clock=None, **changes):
        user = next(u for u in sandbox.ewb_users if u["gstin"] == gstin)
        values = dict(base_url=sandbox.ewb_url, gstin=gstin, client_id=sandbox.client_id,
                      client_secret=sandbox.client_secret, username=user["username"], password=user["password"],
                      public_key=sandbox.encryption_public_pem, connect_timeout=5, read_timeout=10)
        values.update(changes)
        records = []
        client = EwbClient(EwbConfig(**values), on_call=records.append, clock=clock)
        client.records = records
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close_sessions()


def payload_for(sandbox, kit, buyer=master.BUYER_KA, seller=KA, **changes):
    """A GENEWAYBILL request built from nic-ewb-api.md §5.1 (Bengaluru -> Mysuru by road)."""
    intra = seller["state_code"] == buyer["state_code"]
    taxable, rate = 50000.0, 18
    tax = taxable * rate / 100
    payload = {
        "supplyType": "O", "subSupplyType": "1", "docType": "CHL", "docNo": kit.new_doc_no("W"),
        "docDate": sandbox.now().strftime("%d/%m/%Y"), "transactionType": 1,
        "fromGstin": seller["gstin"], "fromTrdName": seller["trade_name"], "fromAddr1": seller["addr1"][:100],
        "fromAddr2": "", "fromPlace": seller["loc"], "fromPincode": seller["pin"],
        "fromStateCode": int(seller["state_code"]), "actFromStateCode": int(seller["state_code"]),
        "toGstin": buyer["gstin"], "toTrdName": buyer["trade_name"], "toAddr1": buyer["addr1"][:100], "toAddr2": "",
        "toPlace": buyer["loc"], "toPincode": buyer["pin"], "toStateCode": int(buyer["state_code"]),
        "actToStateCode": int(buyer["state_code"]),
        "totalValue": taxable, "cgstValue": tax / 2 if intra else 0, "sgstValue": tax / 2 if intra else 0,
        "igstValue": 0 if intra else tax, "cessValue": 0, "cessNonAdvolValue": 0, "otherValue": 0,
        "totInvValue": taxable + tax, "transMode": "1", "transDistance": "0", "transporterId": "",
        "transporterName": "", "transDocNo": "", "transDocDate": "", "vehicleNo": "KA01AB1234", "vehicleType": "R",
        "itemList": [{"itemNo": 1, "productName": "Laptop", "productDesc": "Laptop computer", "hsnCode": 847130,
                      "quantity": 2, "qtyUnit": "NOS", "taxableAmount": taxable,
                      "cgstRate": rate / 2 if intra else 0, "sgstRate": rate / 2 if intra else 0,
                      "igstRate": 0 if intra else rate, "cessRate": 0, "cessNonAdvol": 0}],
    }
    payload.update(changes)
    return payload


def _generate(sandbox, kit, client, **changes):
    payload = payload_for(sandbox, kit, **changes)
    return payload, client.generate(payload)


# --- auth, generate, get --------------------------------------------------------------------------

def test_auth_generate_and_get(sandbox, kit, ewb_client):
    client = ewb_client()
    payload, generated = _generate(sandbox, kit, client)
    assert len(generated.ewb_no) == 12 and generated.ewb_date and generated.valid_until
    bill = client.get(generated.ewb_no)
    assert isinstance(bill, EwbBill) and bill.is_active and bill.doc_no == payload["docNo"]
    assert bill.from_gstin == KA["gstin"] and bill.to_gstin == master.BUYER_KA["gstin"]
    assert abs(bill.total_value - payload["totInvValue"]) < 0.01
    assert bill.distance and bill.distance > 0  # NIC's PIN-to-PIN distance when 0 was sent
    assert bill.current_part_b.vehicle_no == "KA01AB1234"
    assert [r.endpoint for r in client.records] == ["ewb_auth", "ewb_generate", "ewb_get"]
    assert all(r.ok for r in client.records)


def test_computed_distance_is_reported(sandbox, kit, ewb_client):
    client = ewb_client()
    _payload, generated = _generate(sandbox, kit, client)
    bill = client.get(generated.ewb_no)
    if generated.distance is not None:  # NIC states it in the alert; GET carries it always
        assert generated.distance == bill.distance


def test_wrong_password_is_refused(sandbox, ewb_client):
    client = ewb_client(password="not-the-password")
    with pytest.raises(EwbError) as excinfo:
        client.authenticate()
    assert excinfo.value.kind == AUTH and excinfo.value.codes


def test_irp_credentials_are_not_ewb_credentials(sandbox, ewb_client):
    irp_user = next(u for u in master.USERS if u["gstin"] == KA["gstin"])
    client = ewb_client(username=irp_user["user_name"], password=irp_user["password"])
    with pytest.raises(EwbError) as excinfo:
        client.authenticate()
    assert excinfo.value.kind == AUTH


def test_token_reused_and_renewed_after_a_lost_token(sandbox, kit, ewb_client):
    client = ewb_client()
    _generate(sandbox, kit, client)
    _generate(sandbox, kit, client)
    assert [r.endpoint for r in client.records].count("ewb_auth") == 1
    sandbox.advance_clock(hours=7)  # the sandbox's token expired; ours too, by its own clock later
    try:
        _generate(sandbox, kit, client)
    finally:
        sandbox.reset_clock()
    endpoints = [r.endpoint for r in client.records]
    assert endpoints.count("ewb_auth") == 2 and endpoints[-1] == "ewb_generate" and client.records[-1].ok


def test_duplicate_and_lookup_by_document(sandbox, kit, ewb_client):
    client = ewb_client()
    payload, generated = _generate(sandbox, kit, client)
    with pytest.raises(EwbError) as excinfo:
        client.generate(payload)
    assert excinfo.value.kind == DUPLICATE and excinfo.value.codes == ["604"]
    ref = client.get_by_document(payload["docType"], payload["docNo"])
    assert ref.ewb_no == generated.ewb_no
    with pytest.raises(EwbError) as excinfo:
        client.get_by_document("CHL", kit.new_doc_no("NONE"))
    assert excinfo.value.kind == NOT_FOUND


def test_secrets_never_reach_the_log(sandbox, kit, ewb_client):
    client = ewb_client()
    _payload, generated = _generate(sandbox, kit, client)
    client.get(generated.ewb_no)
    state = client.session_state
    text = repr([(r.request_text, r.response_text, r.request_headers) for r in client.records])
    user = next(u for u in sandbox.ewb_users if u["gstin"] == KA["gstin"])
    for secret in (user["password"], sandbox.client_secret, state.auth_token):
        assert secret not in text
    assert '"rek":"***"' in client.records[-1].response_text


# --- Part-B, transporter, extend, cancel ----------------------------------------------------------

def test_part_b_history_transporter_and_cancel(sandbox, kit, ewb_client):
    client = ewb_client()
    _payload, generated = _generate(sandbox, kit, client)
    updated = client.update_part_b(generated.ewb_no, vehicle_no="KA05MN4321", from_place="Hassan", from_state=29,
                                   reason_code=1, reason_remark="Vehicle broke down")
    assert updated.updated_at and updated.valid_until
    bill = client.get(generated.ewb_no)
    assert [entry.vehicle_no for entry in bill.part_b][-2:] == ["KA01AB1234", "KA05MN4321"]
    moved = client.update_transporter(generated.ewb_no, master.TRANSPORTER["gstin"])
    assert moved.transporter_id == master.TRANSPORTER["gstin"]
    assert client.get(generated.ewb_no).transporter_id == master.TRANSPORTER["gstin"]
    cancelled = client.cancel(generated.ewb_no, 2, "Order cancelled")
    assert cancelled.cancel_date and client.get(generated.ewb_no).is_cancelled
    outcome = ewb_policy.cancel(client, generated.ewb_no, 2, "Order cancelled")  # 312: already cancelled
    assert isinstance(outcome, Done) and outcome.recovered


def test_extend_in_its_window(sandbox, kit, ewb_client):
    client = ewb_client()
    _payload, generated = _generate(sandbox, kit, client)
    before = client.get(generated.ewb_no)
    early = ewb_policy.extend(client, extend_payload(
        generated.ewb_no, from_place="Hassan", from_state=29, from_pincode=573201, remaining_distance=10,
        reason_code=5, remarks="Accident", vehicle_no="KA01AB1234"), before=before)
    assert isinstance(early, Refused) and early.codes == ["382"]  # refused here, 8 h rule
    sandbox.set_clock(before.valid_until - timedelta(hours=2))
    try:
        extended = client.extend(extend_payload(
            generated.ewb_no, from_place="Hassan", from_state=29, from_pincode=573201, remaining_distance=10,
            reason_code=5, remarks="Accident", vehicle_no="KA01AB1234"))
    finally:
        sandbox.reset_clock()
    assert extended.valid_until > before.valid_until
    assert client.get(generated.ewb_no).extended_times == 1


def test_closure_refused_while_on_hold(sandbox, kit, ewb_client):
    client = ewb_client()
    outcome = ewb_policy.close(client, "381000000001", sandbox.now().date(), "Delivered")
    assert isinstance(outcome, Refused) and outcome.reason == ewb_policy.CLOSURE_NOT_AVAILABLE


# --- lost replies (the sandbox's faults) ------------------------------------------------------------

def test_lost_reply_on_generate_is_recovered_by_document(sandbox, kit, ewb_client):
    client = ewb_client()
    client.authenticate()
    payload = payload_for(sandbox, kit)
    before = sandbox.count_ewaybills(KA["gstin"])
    sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "ewb_generate", "times": 1}])
    outcome = ewb_policy.generate(client, payload)
    assert isinstance(outcome, Generated) and outcome.recovered
    assert outcome.result.doc_no == payload["docNo"]
    assert sandbox.count_ewaybills(KA["gstin"]) == before + 1  # one e-way bill, never two
    endpoints = [r.endpoint for r in client.records]
    assert endpoints.count("ewb_generate") == 1
    assert endpoints[-2:] == ["ewb_get_by_doc", "ewb_get"]
    assert client.records[endpoints.index("ewb_generate")].error_kind == UNKNOWN_OUTCOME


def test_5xx_before_commit_is_unknown_then_sent_after_a_lookup(sandbox, kit, ewb_client):
    client = ewb_client()
    payload = payload_for(sandbox, kit)
    sandbox.set_faults([{"kind": "http_error", "endpoint": "ewb_generate", "status": 502, "times": 1}])
    outcome = ewb_policy.generate(client, payload)
    assert isinstance(outcome, Unknown) and outcome.reason == "lost_reply"
    again = ewb_policy.generate(client, payload, MAYBE_SENT, attempts=1)
    assert isinstance(again, Generated) and not again.recovered


def test_5xx_after_commit_then_604_is_adopted(sandbox, kit, ewb_client):
    client = ewb_client()
    payload = payload_for(sandbox, kit)
    sandbox.set_faults([{"kind": "http_error", "endpoint": "ewb_generate", "status": 504, "commit": True,
                         "times": 1}, {"kind": "http_error", "endpoint": "ewb_get_by_consigner", "status": 502,
                                       "times": 1}])
    outcome = ewb_policy.generate(client, payload)
    assert isinstance(outcome, Unknown) and outcome.reason == "lookup_failed"
    # the operator resends blindly (NEVER_SENT): NIC says 604 and the policy adopts the same document
    adopted = ewb_policy.generate(client, dict(payload, docNo=payload["docNo"].lower()))
    assert isinstance(adopted, Adopted) and adopted.result.doc_no == payload["docNo"]


def test_lost_reply_on_part_b_is_resolved_by_get(sandbox, kit, ewb_client):
    client = ewb_client()
    _payload, generated = _generate(sandbox, kit, client)
    sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "ewb_vehicle", "times": 1}])
    outcome = ewb_policy.update_part_b(client, part_b_payload(
        generated.ewb_no, vehicle_no="KA05MN4321", from_place="Hassan", from_state=29, reason_code=1,
        reason_remark="Vehicle broke down"))
    assert isinstance(outcome, Done) and outcome.recovered
    assert outcome.result.current_part_b.vehicle_no == "KA05MN4321"
    assert [r.endpoint for r in client.records].count("ewb_update_part_b") == 1
    assert len(client.get(generated.ewb_no).part_b) == 2  # one update, not two


def test_closure_when_switched_on_and_its_lost_reply(sandbox, kit, ewb_client):
    from irp.rules_calendar import Calendar

    sandbox.set_rules(ewb_voluntary_closure=True)
    try:
        client = ewb_client()
        client.calendar = Calendar({"ewb_voluntary_closure": True})
        _payload, generated = _generate(sandbox, kit, client)
        sandbox.set_faults([{"kind": "http_error", "endpoint": "ewb_close", "status": 502, "commit": True,
                             "times": 1}])
        outcome = ewb_policy.close(client, generated.ewb_no, sandbox.now().date(), "Delivered")
        assert isinstance(outcome, Done) and outcome.recovered and outcome.result.is_closed
    finally:
        sandbox.reset_rules()


def test_distance_too_high_is_refused_with_nic_distance(sandbox, kit, ewb_client):
    outcome = ewb_policy.generate(ewb_client(), payload_for(sandbox, kit, transDistance=900))
    assert isinstance(outcome, Refused) and outcome.codes == ["702"]
    assert 100 < outcome.params["nic_distance"] < 900


def test_corrupt_reply_on_generate_is_recovered_and_on_get_untrusted(sandbox, kit, ewb_client):
    from irp.ewb_errors import UntrustedReply

    client = ewb_client()
    payload = payload_for(sandbox, kit)
    sandbox.set_faults([{"kind": "corrupt_data", "endpoint": "ewb_generate", "times": 1}])
    outcome = ewb_policy.generate(client, payload)
    assert isinstance(outcome, Generated) and outcome.recovered  # the bill was made; its reply unreadable
    sandbox.set_faults([{"kind": "corrupt_data", "endpoint": "ewb_get", "times": 1}])
    with pytest.raises(UntrustedReply):
        client.get(outcome.result.ewb_no)
    assert client.get(outcome.result.ewb_no).ewb_no == outcome.result.ewb_no


def test_token_lifetime_matches_the_sandbox(sandbox, kit, ewb_client):
    clock = kit.ManualClock(sandbox.now())
    client = ewb_client(clock=clock)
    client.authenticate()
    sandbox.advance_clock(hours=5, minutes=58)
    clock.advance(hours=5, minutes=58)
    try:
        _generate(sandbox, kit, client)
        sandbox.advance_clock(minutes=3)
        clock.advance(minutes=3)
        _generate(sandbox, kit, client)  # our 6 hours ended: a new token before the call, no 238
    finally:
        sandbox.reset_clock()
    assert [r.endpoint for r in client.records] == ["ewb_auth", "ewb_generate", "ewb_auth", "ewb_generate"]
    assert all(r.ok for r in client.records)
