"""The e-way bill recovery policy (irp/ewb_policy.py) against the scripted fake: what a real
server produces only by accident (a reply lost after the commit, 604 for another document,
an untrusted look-up) and the outcomes it leads to."""
from datetime import timedelta

import pytest

from irp import ewb_policy
from irp.errors import UNKNOWN_OUTCOME
from irp.ewb_client import extend_payload, part_b_payload
from irp.ewb_policy import (
    CLOSURE_NOT_AVAILABLE, DUPLICATE_MISMATCH, EWB_REFUSED, MAYBE_SENT, PREFLIGHT, Adopted, Done, Generated,
    GstinGate, Refused, RetryAt, Unknown,
)
from irp.ewb_results import EwbBill, EwbGenerated
from irp.rules_calendar import Calendar


def _sends(fake, action="GENEWAYBILL"):
    return fake.calls.count(action)


# --- generate ----------------------------------------------------------------------------------

def test_generate_plain(ewb_fake):
    outcome = ewb_policy.generate(ewb_fake.client(), ewb_fake.payload())
    assert isinstance(outcome, Generated) and not outcome.recovered
    assert isinstance(outcome.result, EwbGenerated) and len(outcome.result.ewb_no) == 12


@pytest.mark.parametrize("fault", ["timeout_after_commit", "http_error_after_commit"])
def test_lost_reply_after_commit_is_found_by_document_before_any_resend(ewb_fake, fault):
    client = ewb_fake.client()
    payload = ewb_fake.payload()
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": fault}]
    outcome = ewb_policy.generate(client, payload)
    assert isinstance(outcome, Generated) and outcome.recovered
    assert isinstance(outcome.result, EwbBill) and outcome.result.doc_no == payload["docNo"]
    assert _sends(ewb_fake) == 1  # never sent again
    assert ewb_fake.calls[-2:] == ["GetEwayBillGeneratedByConsigner", "GetEwayBill"]


@pytest.mark.parametrize("fault", ["timeout", "http_error"])
def test_lost_reply_without_commit_stays_unknown_and_is_looked_up_first_next_time(ewb_fake, fault, kit):
    clock = kit.ManualClock()
    client = ewb_fake.client()
    payload = ewb_fake.payload()
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": fault}]
    outcome = ewb_policy.generate(client, payload, clock=clock)
    assert isinstance(outcome, Unknown) and outcome.reason == "lost_reply"
    assert outcome.error.kind == UNKNOWN_OUTCOME and outcome.at > clock.now
    assert _sends(ewb_fake) == 1 and ewb_fake.calls[-1] == "GetEwayBillGeneratedByConsigner"
    again = ewb_policy.generate(client, payload, MAYBE_SENT, attempts=1, clock=clock)
    assert isinstance(again, Generated) and not again.recovered
    assert ewb_fake.calls[-2:] == ["GetEwayBillGeneratedByConsigner", "GENEWAYBILL"]


def test_maybe_sent_adopts_what_the_lookup_finds(ewb_fake):
    client = ewb_fake.client()
    payload = ewb_fake.payload()
    client.generate(payload)
    outcome = ewb_policy.generate(client, payload, MAYBE_SENT)
    assert isinstance(outcome, Generated) and outcome.recovered and _sends(ewb_fake) == 1


def test_untrusted_lookup_is_unknown_not_a_resend(ewb_fake):
    client = ewb_fake.client()
    payload = ewb_fake.payload()
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": "timeout_after_commit"},
                       {"on": "GetEwayBill", "kind": "bad_hmac"}]
    outcome = ewb_policy.generate(client, payload)
    assert isinstance(outcome, Unknown) and outcome.reason == "untrusted_reply"
    assert _sends(ewb_fake) == 1


def test_604_adopts_the_same_document_whatever_the_letter_case(ewb_fake):
    client = ewb_fake.client()
    payload = ewb_fake.payload()
    first = client.generate(payload)
    outcome = ewb_policy.generate(client, dict(payload, docNo=payload["docNo"].lower(), totInvValue=59000.6))
    assert isinstance(outcome, Adopted) and outcome.result.ewb_no == first.ewb_no


@pytest.mark.parametrize("change", [{"totInvValue": 59002}, {"toGstin": "29AABCR1718E1ZL"},
                                    {"docDate": "01/01/2026"}])
def test_604_for_another_document_is_refused(ewb_fake, change):
    client = ewb_fake.client()
    payload = ewb_fake.payload()
    client.generate(payload)
    outcome = ewb_policy.generate(client, dict(payload, **change), preflight=False)
    assert isinstance(outcome, Refused) and outcome.reason == DUPLICATE_MISMATCH
    assert outcome.codes == ["604"] and outcome.params["differences"]


def test_data_error_is_refused_with_explained_codes(ewb_fake):
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": "error", "codes": "702,215"}]
    outcome = ewb_policy.generate(ewb_fake.client(), ewb_fake.payload())
    assert isinstance(outcome, Refused) and outcome.reason == EWB_REFUSED
    assert outcome.codes == ["702", "215"] and "distance" in outcome.problems[0].message


def test_702_carries_nic_distance(ewb_fake):
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": "error", "codes": "702", "info": "Pin-Pin calc distance: 147KM"}]
    outcome = ewb_policy.generate(ewb_fake.client(), ewb_fake.payload(transDistance=400))
    assert isinstance(outcome, Refused) and outcome.params == {"nic_distance": 147}


def test_transient_error_backs_off(ewb_fake, kit):
    clock = kit.ManualClock()
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": "error", "codes": "240"}]
    outcome = ewb_policy.generate(ewb_fake.client(), ewb_fake.payload(), attempts=2, clock=clock)
    assert isinstance(outcome, RetryAt) and outcome.at == clock.now + timedelta(minutes=5)


def test_request_limit_pauses_the_gstin(ewb_fake, kit):
    clock = kit.ManualClock()
    gate = GstinGate(clock=clock)
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": "error", "codes": "658"}]
    outcome = ewb_policy.generate(ewb_fake.client(), ewb_fake.payload(), gate=gate, clock=clock)
    assert isinstance(outcome, RetryAt) and outcome.why == "rate_limited" and not outcome.spends_attempt
    assert outcome.at == clock.now + timedelta(minutes=15) and gate.is_open()
    assert ewb_policy.generate(ewb_fake.client(), ewb_fake.payload(), gate=gate, clock=clock).deferred


def test_preflight_refuses_without_sending(ewb_fake):
    payload = ewb_fake.payload(toPincode=560001, transDistance=0, vehicleNo="K1")
    outcome = ewb_policy.generate(ewb_fake.client(), payload)
    assert isinstance(outcome, Refused) and outcome.reason == PREFLIGHT
    assert {p.key for p in outcome.problems} == {"ewb_distance_zero_same_pin", "ewb_vehicle_number_format"}
    assert ewb_fake.calls == []


def test_gate_pauses_after_repeated_outages(ewb_fake, kit):
    clock = kit.ManualClock()
    gate = GstinGate(clock=clock)
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": "error", "codes": "240", "times": 3}]
    client = ewb_fake.client()
    outcomes = [ewb_policy.generate(client, ewb_fake.payload(), gate=gate, clock=clock) for _ in range(4)]
    assert outcomes[-1].deferred and gate.is_open() and _sends(ewb_fake) == 3
    success = GstinGate(clock=clock)
    assert isinstance(ewb_policy.generate(client, ewb_fake.payload(), gate=success, clock=clock), Generated)


def test_look_up_alone(ewb_fake):
    client = ewb_fake.client()
    payload = ewb_fake.payload()
    assert ewb_policy.look_up(client, payload) is None
    client.generate(payload)
    assert isinstance(ewb_policy.look_up(client, payload), Generated)


# --- Part-B and the other actions --------------------------------------------------------------

def _bill(ewb_fake, client):
    return client.generate(ewb_fake.payload()).ewb_no


def _part_b(number, vehicle="KA05MN4321"):
    return part_b_payload(number, vehicle_no=vehicle, from_place="Hassan", from_state=29, reason_code=1,
                          reason_remark="Break down")


def test_part_b_lost_reply_after_commit_is_resolved_by_get(ewb_fake):
    client = ewb_fake.client()
    number = _bill(ewb_fake, client)
    ewb_fake.faults = [{"on": "VEHEWB", "kind": "timeout_after_commit"}]
    outcome = ewb_policy.update_part_b(client, _part_b(number))
    assert isinstance(outcome, Done) and outcome.recovered and outcome.action == "update_part_b"
    assert outcome.result.current_part_b.vehicle_no == "KA05MN4321"
    assert _sends(ewb_fake, "VEHEWB") == 1


def test_part_b_lost_reply_before_commit_is_unknown_then_sent_after_a_read(ewb_fake):
    client = ewb_fake.client()
    number = _bill(ewb_fake, client)
    ewb_fake.faults = [{"on": "VEHEWB", "kind": "timeout"}]
    outcome = ewb_policy.update_part_b(client, _part_b(number))
    assert isinstance(outcome, Unknown) and outcome.reason == "lost_reply"
    again = ewb_policy.update_part_b(client, _part_b(number), MAYBE_SENT)
    assert isinstance(again, Done) and not again.recovered
    assert ewb_fake.calls[-2:] == ["GetEwayBill", "VEHEWB"] and _sends(ewb_fake, "VEHEWB") == 2


def test_part_b_preflight(ewb_fake):
    payload = part_b_payload("331000000001", vehicle_no="", from_place="", from_state=29, reason_code=9,
                             reason_remark="", trans_mode="2")
    outcome = ewb_policy.update_part_b(ewb_fake.client(), payload)
    assert isinstance(outcome, Refused) and outcome.reason == PREFLIGHT
    assert {p.code for p in outcome.problems} >= {"305", "307", "308", "394"}


def test_cancel_lost_reply_and_repeat(ewb_fake):
    client = ewb_fake.client()
    number = _bill(ewb_fake, client)
    ewb_fake.faults = [{"on": "CANEWB", "kind": "http_error_after_commit"}]
    outcome = ewb_policy.cancel(client, number, 2, "Order cancelled")
    assert isinstance(outcome, Done) and outcome.recovered and outcome.result.is_cancelled
    repeat = ewb_policy.cancel(client, number, 2, "Order cancelled")  # 312, and GET shows CNL
    assert isinstance(repeat, Done) and repeat.recovered


def test_cancel_312_of_an_active_bill_is_refused(ewb_fake):
    client = ewb_fake.client()
    number = _bill(ewb_fake, client)
    ewb_fake.faults = [{"on": "CANEWB", "kind": "error", "codes": "312"}]
    outcome = ewb_policy.cancel(client, number, 2, "Order cancelled")
    assert isinstance(outcome, Refused) and outcome.codes == ["312"]


def test_transporter_lost_reply(ewb_fake):
    client = ewb_fake.client()
    number = _bill(ewb_fake, client)
    ewb_fake.faults = [{"on": "UPDATETRANSPORTER", "kind": "timeout_after_commit"}]
    outcome = ewb_policy.update_transporter(client, number, "29AWGPV7107B1ZF")
    assert isinstance(outcome, Done) and outcome.recovered


def _extension(number):
    return extend_payload(number, from_place="Hassan", from_state=29, from_pincode=573201, remaining_distance=50,
                          reason_code=5, remarks="Accident", vehicle_no="KA05MN4321")


def test_extend_window_is_checked_before_sending(ewb_fake, kit):
    client = ewb_fake.client()
    number = _bill(ewb_fake, client)
    early = ewb_policy.extend(client, _extension(number), clock=kit.ManualClock())
    assert isinstance(early, Refused) and early.reason == PREFLIGHT
    assert [p.key for p in early.problems] == ["ewb_extension_too_early"] and early.codes == ["382"]
    assert "EXTENDVALIDITY" not in ewb_fake.calls


def test_extend_lost_reply_is_resolved_by_get(ewb_fake, kit):
    client = ewb_fake.client()
    number = _bill(ewb_fake, client)
    before = client.get(number)
    clock = kit.ManualClock(before.valid_until - timedelta(hours=2))
    ewb_fake.faults = [{"on": "EXTENDVALIDITY", "kind": "timeout_after_commit"}]
    outcome = ewb_policy.extend(client, _extension(number), before=before, clock=clock)
    assert isinstance(outcome, Done) and outcome.recovered and outcome.result.extended_times == 1
    assert _sends(ewb_fake, "EXTENDVALIDITY") == 1


def test_close_is_refused_while_on_hold(ewb_fake):
    outcome = ewb_policy.close(ewb_fake.client(), "331000000001", ewb_fake.now.date(), "Delivered")
    assert isinstance(outcome, Refused) and outcome.reason == CLOSURE_NOT_AVAILABLE
    assert ewb_fake.calls == []
    on = ewb_fake.client(calendar=Calendar({"ewb_voluntary_closure": True}))
    number = on.generate(ewb_fake.payload()).ewb_no
    done = ewb_policy.close(on, number, ewb_fake.now.date(), "Delivered")
    assert isinstance(done, Done) and done.action == "close"
