"""The e-way bill by IRN policy against the sandbox over real HTTP: every fault ends in
exactly one e-way bill at the IRP, or in an outcome that says what happens next."""
import pytest

from irp import ewb_irn_policy, policy
from irp.ewb_irn_policy import Adopted, Cancelled, CancelRefused, Generated, cancel, generate, look_up
from irp.policy import MAYBE_SENT, GstinGate, Pause, Refused, RetryAt, Unknown
from sandbox import master, rules_ewb


@pytest.fixture(autouse=True)
def _clean(clock_guard):
    clock_guard.clear_faults()
    yield


def _fault(kind, endpoint, times=1, **params):
    return {"kind": kind, "times": times, "endpoint": endpoint, **params}


def _road(irn, distance=0, **extra):
    return {"Irn": irn, "TransMode": "1", "Distance": distance, "VehNo": "KA01AB1234", "VehType": "R", **extra}


def _irn(client, invoice_for):
    return client.generate_irn(invoice_for(buyer=master.BUYER_MH)).irn


def _count(sandbox):
    return sandbox.app.store.count_ewaybills()


def test_generates_and_reports_the_computed_distance(make_client, invoice_for, kit):
    client = make_client()
    irn = _irn(client, invoice_for)
    client.records.clear()
    outcome = generate(client, _road(irn))
    assert isinstance(outcome, Generated) and not outcome.recovered
    assert outcome.bill.distance == rules_ewb.pin_distance(master.SELLER_KA["pin"], master.BUYER_MH["pin"])
    assert outcome.bill.valid_till > outcome.bill.ewb_date and outcome.bill.status == "ACT"
    assert kit.endpoints_of(client.records) == ["generate_ewaybill"]


def test_part_a_only_has_no_validity(make_client, invoice_for):
    client = make_client()
    outcome = generate(client, {"Irn": _irn(client, invoice_for), "Distance": 0,
                                "TransId": master.BUYER_KA["gstin"], "TransName": "Kaveri Movers"})
    assert isinstance(outcome, Generated) and outcome.bill.valid_till is None


@pytest.mark.parametrize("fault", [
    _fault("drop_after_commit", "generate_ewaybill"),
    _fault("http_error", "generate_ewaybill", status=502, commit=True),
])
def test_lost_reply_is_looked_up_before_any_resend(sandbox, make_client, invoice_for, kit, fault):
    client = make_client()
    irn = _irn(client, invoice_for)
    before = _count(sandbox)
    sandbox.set_faults([fault])
    client.records.clear()
    outcome = generate(client, _road(irn))
    assert isinstance(outcome, Generated) and outcome.recovered
    assert kit.endpoints_of(client.records) == ["generate_ewaybill", "get_ewaybill"]
    assert _count(sandbox) == before + 1
    assert outcome.bill.ewb_no == client.get_ewaybill(irn).ewb_no


def test_lost_reply_with_a_failing_lookup_is_unknown_and_never_resent(sandbox, make_client, invoice_for, kit):
    client = make_client()
    irn = _irn(client, invoice_for)
    before = _count(sandbox)
    sandbox.set_faults([_fault("drop_after_commit", "generate_ewaybill"),
                        _fault("http_error", "get_ewaybill", status=503)])
    outcome = generate(client, _road(irn))
    assert isinstance(outcome, Unknown) and outcome.reason == "lookup_failed"
    # next time: looked up first, found, never generated twice
    client.records.clear()
    again = generate(client, _road(irn), MAYBE_SENT)
    assert isinstance(again, Generated) and again.recovered
    assert kit.endpoints_of(client.records) == ["get_ewaybill"]
    assert _count(sandbox) == before + 1


def test_maybe_sent_but_absent_generates(make_client, invoice_for, kit):
    client = make_client()
    irn = _irn(client, invoice_for)
    client.records.clear()
    outcome = generate(client, _road(irn), MAYBE_SENT)
    assert isinstance(outcome, Generated) and not outcome.recovered
    assert kit.endpoints_of(client.records) == ["get_ewaybill", "generate_ewaybill"]


def test_a_cancelled_one_already_known_is_not_taken_for_the_new_one(sandbox, make_client, invoice_for):
    client = make_client()
    irn = _irn(client, invoice_for)
    first = generate(client, _road(irn)).bill
    client.cancel_ewaybill(first.ewb_no, 1, "Duplicate")
    outcome = generate(client, _road(irn), MAYBE_SENT, known=[first.ewb_no])
    assert isinstance(outcome, Generated) and outcome.bill.ewb_no != first.ewb_no


def test_duplicate_adopts_the_active_one(make_client, invoice_for, kit):
    client = make_client()
    irn = _irn(client, invoice_for)
    first = client.generate_ewaybill(_road(irn))
    client.records.clear()
    outcome = generate(client, _road(irn))
    assert isinstance(outcome, Adopted) and outcome.bill.ewb_no == first.ewb_no
    assert kit.endpoints_of(client.records) == ["generate_ewaybill", "get_ewaybill"]


def test_a_gateway_error_is_unknown_then_looked_up_and_generated_once(sandbox, make_client, invoice_for, kit):
    """A 503 on a creating call may hide a committed e-way bill: never resent blindly."""
    client = make_client()
    irn = _irn(client, invoice_for)
    before = _count(sandbox)
    sandbox.set_faults([_fault("http_error", "generate_ewaybill", status=503)])
    outcome = generate(client, _road(irn))
    assert isinstance(outcome, Unknown) and outcome.reason == "lost_reply" and outcome.at > policy.utc_now()
    assert _count(sandbox) == before
    client.records.clear()
    assert isinstance(generate(client, _road(irn), MAYBE_SENT), Generated)
    assert kit.endpoints_of(client.records) == ["get_ewaybill", "generate_ewaybill"]
    assert _count(sandbox) == before + 1


def test_rate_limit_pauses_the_gstin(sandbox, make_client, invoice_for):
    client = make_client()
    irn = _irn(client, invoice_for)
    sandbox.set_faults([_fault("rate_limit", "generate_ewaybill", retry_after=120)])
    gate = GstinGate()
    outcome = generate(client, _road(irn), gate=gate)
    assert isinstance(outcome, RetryAt) and outcome.why == policy.RATE_LIMITED
    assert gate.is_open()
    deferred = generate(client, _road(irn), gate=gate)
    assert isinstance(deferred, RetryAt) and deferred.deferred


def test_a_paused_gstin_sends_nothing(make_client, invoice_for, kit):
    client = make_client()
    irn = _irn(client, invoice_for)
    client.records.clear()
    gate = GstinGate(Pause(policy.utc_now().replace(year=2100), policy.OUTAGE))
    assert isinstance(generate(client, _road(irn), gate=gate), RetryAt)
    assert client.records == []


def test_data_errors_are_refused_with_codes(make_client, invoice_for):
    client = make_client()
    irn = _irn(client, invoice_for)
    outcome = generate(client, _road(irn, VehNo="XX"))
    assert isinstance(outcome, Refused) and outcome.reason == ewb_irn_policy.IRP_REFUSED
    assert "4014" in outcome.codes


def test_look_up(make_client, invoice_for):
    client = make_client()
    irn = _irn(client, invoice_for)
    assert look_up(client, irn) is None
    bill = generate(client, _road(irn)).bill
    found = look_up(client, irn)
    assert (found.ewb_no, found.status, found.valid_till) == (bill.ewb_no, "ACT", bill.valid_till)


def test_cancel_within_24_hours_and_not_after(sandbox, make_client, invoice_for):
    client = make_client()
    irn = _irn(client, invoice_for)
    bill = generate(client, _road(irn)).bill
    done = cancel(client, bill.ewb_no, "2", "Order cancelled", irn=irn)
    assert isinstance(done, Cancelled) and not done.recovered
    assert look_up(client, irn).status == "CNL"
    # repeating it: 312, found cancelled at the IRP
    again = cancel(client, bill.ewb_no, "2", "Order cancelled", irn=irn)
    assert isinstance(again, Cancelled) and again.recovered
    late = generate(client, _road(irn)).bill
    sandbox.advance_clock(hours=25)
    refused = cancel(client, late.ewb_no, "4", "Too late", irn=irn)
    assert isinstance(refused, CancelRefused) and refused.reason == "window_closed"


def test_cancel_with_a_lost_reply_is_resolved_by_a_lookup(sandbox, make_client, invoice_for):
    client = make_client()
    irn = _irn(client, invoice_for)
    bill = generate(client, _road(irn)).bill
    sandbox.set_faults([_fault("drop_after_commit", "cancel_ewaybill")])
    outcome = cancel(client, bill.ewb_no, "1", "Duplicate", irn=irn)
    assert isinstance(outcome, Cancelled) and outcome.recovered


def test_cancel_unanswered_says_so(sandbox, make_client, invoice_for):
    client = make_client()
    irn = _irn(client, invoice_for)
    bill = generate(client, _road(irn)).bill
    sandbox.set_faults([_fault("http_error", "cancel_ewaybill", status=503),
                        _fault("http_error", "get_ewaybill", status=503)])
    outcome = cancel(client, bill.ewb_no, "1", "Duplicate", irn=irn)
    assert isinstance(outcome, CancelRefused) and outcome.reason == "not_answered"
