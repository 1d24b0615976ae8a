"""The registration policy against the sandbox over real HTTP: every fault ends in
exactly one IRN at the IRP, or in an outcome that says what happens next."""
from datetime import datetime, timedelta, timezone

import pytest

from irp import policy
from irp.policy import (
    MAYBE_SENT, NEVER_SENT, Adopted, GstinGate, Pause, Refused, Registered, RetryAt, Unknown, register,
)
from sandbox import master


@pytest.fixture(autouse=True)
def _clean(clock_guard):
    clock_guard.clear_faults()
    yield


def _fault(kind, endpoint=None, times=1, **params):
    return dict({"kind": kind, "times": times, **params}, **({"endpoint": endpoint} if endpoint else {}))


def test_never_sent_registers(make_client, invoice_for, kit):
    client = make_client()
    outcome = register(client, invoice_for())
    assert isinstance(outcome, Registered) and not outcome.recovered
    assert kit.endpoints_of(client.records) == ["authenticate", "generate_irn"]


def test_maybe_sent_looks_up_first_and_adopts_without_resending(make_client, invoice_for, kit):
    client = make_client()
    payload = invoice_for()
    first = register(client, payload)
    client.records.clear()
    again = register(client, payload, MAYBE_SENT)
    assert isinstance(again, Registered) and again.recovered and again.result.irn == first.result.irn
    assert kit.endpoints_of(client.records) == ["get_irn_by_doc"]


def test_maybe_sent_but_absent_generates(make_client, invoice_for, kit):
    client = make_client()
    client.authenticate()
    outcome = register(client, invoice_for(), MAYBE_SENT)
    assert isinstance(outcome, Registered)
    assert kit.endpoints_of(client.records)[-2:] == ["get_irn_by_doc", "generate_irn"]


@pytest.mark.parametrize("fault", [
    _fault("drop_after_commit", "generate_irn"),
    _fault("http_error", "generate_irn", status=502, commit=True),
])
def test_lost_reply_is_recovered_by_lookup_right_after(sandbox, make_client, invoice_for, kit, fault):
    client = make_client()
    client.authenticate()
    payload = invoice_for()
    sandbox.set_faults([fault])
    outcome = register(client, payload)
    assert isinstance(outcome, Registered) and outcome.recovered
    assert kit.endpoints_of(client.records)[-2:] == ["generate_irn", "get_irn_by_doc"]
    assert client.get_irn_by_doc("INV", payload["DocDtls"]["No"], payload["DocDtls"]["Dt"]).irn == outcome.result.irn


def test_lost_reply_and_failed_lookup_is_unknown_never_a_refusal(sandbox, make_client, invoice_for):
    client = make_client()
    client.authenticate()
    payload = invoice_for()
    sandbox.set_faults([_fault("drop_after_commit", "generate_irn"),
                        _fault("http_error", "get_irn_by_doc", status=503)])
    outcome = register(client, payload, attempts=7)
    assert isinstance(outcome, Unknown) and policy.maybe_holds_irn(outcome)
    # looked up again within the cap however many attempts came before
    assert outcome.at - datetime.now(timezone.utc) <= policy.UNKNOWN_BACKOFF_CAP + timedelta(seconds=5)
    # the next attempt looks up first and finds the IRN the lost reply carried: one IRN, no resend
    again = register(client, payload, MAYBE_SENT)
    assert isinstance(again, Registered) and again.recovered
    assert "generate_irn" not in [r.endpoint for r in client.records[-1:]]


def test_long_outage_with_lost_replies_ends_with_every_irn(sandbox, make_client, invoice_for):
    """Replies lost for longer than any retry budget: every document is looked up until found."""
    client = make_client()
    client.authenticate()
    payloads = [invoice_for() for _ in range(3)]
    sandbox.set_faults([_fault("drop_after_commit", "generate_irn", times=None),
                        _fault("http_error", "get_irn_by_doc", status=502, times=20)])
    knowledge = {p["DocDtls"]["No"]: NEVER_SENT for p in payloads}
    results = {}
    for attempt in range(12):
        for payload in payloads:
            number = payload["DocDtls"]["No"]
            if number in results:
                continue
            outcome = register(client, payload, knowledge[number], attempts=attempt)
            if isinstance(outcome, Registered):
                results[number] = outcome.result.irn
            else:
                assert isinstance(outcome, Unknown), outcome
                knowledge[number] = MAYBE_SENT
    assert len(results) == 3
    for payload in payloads:
        doc = payload["DocDtls"]
        assert client.get_irn_by_doc("INV", doc["No"], doc["Dt"]).irn == results[doc["No"]]


def test_duplicate_that_matches_is_adopted(make_client, invoice_for, kit):
    client = make_client()
    payload = invoice_for()
    first = register(client, payload)
    outcome = register(client, payload)  # said never sent, but it was: 2150
    assert isinstance(outcome, Adopted) and outcome.result.irn == first.result.irn
    assert "get_irn" in kit.endpoints_of(client.records)


def test_duplicate_within_one_rupee_is_adopted(make_client, invoice_for):
    client = make_client()
    payload = invoice_for()
    register(client, payload)
    payload["ValDtls"]["TotInvVal"] += 0.99
    assert isinstance(register(client, payload), Adopted)


def test_duplicate_with_another_total_or_buyer_is_refused(make_client, invoice_for):
    client = make_client()
    payload = invoice_for()
    register(client, payload)
    other = invoice_for(buyer=master.BUYER_MH, doc_no=payload["DocDtls"]["No"])
    outcome = register(client, other)
    assert isinstance(outcome, Refused) and outcome.reason == policy.DUPLICATE_MISMATCH
    assert outcome.params["held_buyer"] == master.BUYER_KA["gstin"]
    assert outcome.params["buyer"] == master.BUYER_MH["gstin"]
    assert outcome.codes == ["2150"]


def test_duplicate_older_than_two_days_is_unverifiable(sandbox, make_client, invoice_for):
    client = make_client()
    payload = invoice_for(doc_date=sandbox.now().date())
    first = register(client, payload)
    sandbox.advance_clock(days=3)
    client2 = make_client()
    outcome = register(client2, payload)
    assert isinstance(outcome, Refused) and outcome.reason == policy.DUPLICATE_UNVERIFIABLE
    assert outcome.params["irn"] == first.result.irn and "2283" in outcome.codes


def test_gstin_not_in_irp_master_is_synced_and_resent_once(sandbox, make_client, invoice_for, kit):
    client = make_client()
    outcome = register(client, invoice_for(buyer=master.BUYER_NOT_IN_MASTER))
    assert isinstance(outcome, Registered)
    assert kit.endpoints_of(client.records).count("generate_irn") == 2
    assert "sync_gstin" in kit.endpoints_of(client.records)


def test_cancelled_gstin_is_refused_without_resend(make_client, invoice_for, kit):
    client = make_client()
    outcome = register(client, invoice_for(buyer=master.BUYER_INACTIVE))
    assert isinstance(outcome, Refused) and outcome.reason == policy.GSTIN_NOT_ACTIVE
    assert outcome.params["statuses"] == {master.BUYER_INACTIVE["gstin"]: "INA"}
    assert kit.endpoints_of(client.records).count("generate_irn") == 1


def test_data_refusal_has_structured_problems(make_client, invoice_for):
    client = make_client()
    payload = invoice_for()
    payload["ItemList"][0]["HsnCd"] = "1234"  # not an HSN code the IRP knows
    outcome = register(client, payload)
    assert isinstance(outcome, Refused) and outcome.reason == policy.IRP_REFUSED
    assert outcome.codes and all(problem.message for problem in outcome.problems)


def test_rate_limit_pauses_the_gstin_for_retry_after_and_defers_the_rest(sandbox, make_client, invoice_for):
    client = make_client()
    client.authenticate()
    sandbox.set_faults([_fault("rate_limit", "generate_irn", retry_after=600)])
    gate = GstinGate()
    first = register(client, invoice_for(), gate=gate)
    assert isinstance(first, RetryAt) and first.reason == policy.RATE_LIMITED
    assert first.pause and first.at == first.pause.until
    assert timedelta(seconds=590) < first.at - datetime.now(timezone.utc) <= timedelta(seconds=600)
    calls = len(client.records)
    deferred = register(client, invoice_for(), gate=gate)
    assert isinstance(deferred, RetryAt) and deferred.deferred and deferred.at == first.at  # the same time
    assert len(client.records) == calls  # no call made


def test_outage_opens_the_breaker_and_everything_comes_back_together(sandbox, make_client, invoice_for):
    client = make_client()
    client.authenticate()
    sandbox.set_faults([_fault("http_error", "generate_irn", status=503, times=None)])
    gate = GstinGate()
    outcomes = [register(client, invoice_for(), gate=gate) for _ in range(5)]
    # a 503 on generate may come after a commit: looked up at once, then unknown (never "not sent")
    assert all(isinstance(o, Unknown) for o in outcomes[:3])
    assert gate.pause.reason == policy.OUTAGE
    assert [getattr(o, "deferred", False) for o in outcomes] == [False, False, False, True, True]
    assert outcomes[-1].at == outcomes[-2].at == gate.pause.until


def test_refused_credentials_pause_the_gstin(make_client, invoice_for):
    client = make_client(password="wrong-password")
    gate = GstinGate()
    outcome = register(client, invoice_for(), gate=gate)
    assert isinstance(outcome, RetryAt) and outcome.reason == policy.CREDENTIALS
    assert gate.pause.reason == policy.CREDENTIALS


def test_wrong_url_is_a_configuration_pause_not_a_refusal(sandbox, make_client, invoice_for):
    client = make_client(base_url=sandbox.url + "/not-the-irp")
    outcome = register(client, invoice_for())
    assert isinstance(outcome, RetryAt) and outcome.reason == policy.CONFIGURATION


def test_untrusted_signature_is_unknown_with_the_reported_irn(make_client, invoice_for):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    client = make_client(signing_certificates=[other])
    outcome = register(client, invoice_for())
    assert isinstance(outcome, Unknown) and outcome.reason == "untrusted_signature" and len(outcome.irn) == 64


def test_a_persisted_pause_defers_without_calling(make_client, invoice_for):
    client = make_client()
    until = datetime.now(timezone.utc) + timedelta(minutes=3)
    outcome = register(client, invoice_for(), gate=GstinGate(Pause(until, policy.RATE_LIMITED)))
    assert isinstance(outcome, RetryAt) and outcome.deferred and outcome.at == until and not client.records


def test_backoff_is_capped_and_honours_retry_after():
    assert policy.backoff(1) == timedelta(minutes=1)
    assert policy.backoff(50) == timedelta(minutes=policy.BACKOFF_MINUTES[-1])
    assert policy.backoff(50, maybe_sent=True) == policy.UNKNOWN_BACKOFF_CAP
    assert policy.backoff(1, retry_after=600) == timedelta(seconds=600)
    assert policy.backoff(1, retry_after=10 ** 9) == policy.MAX_RETRY_AFTER


def test_a_person_is_warned_well_before_the_windows_close():
    sent = datetime(2026, 1, 1, tzinfo=timezone.utc)
    deadlines = policy.unknown_deadlines(sent)
    assert not policy.needs_person(sent, sent + timedelta(hours=1))
    assert policy.needs_person(sent, sent + policy.UNKNOWN_ALERT_AFTER)
    assert sent + policy.UNKNOWN_ALERT_AFTER < deadlines.cancel_closes < deadlines.lookup_closes
    assert policy.needs_person(None, sent, attempts=policy.TRANSIENT_ALERT_ATTEMPTS, maybe_sent=False)


def test_unknown_knowledge_is_a_programming_error(make_client, invoice_for):
    with pytest.raises(ValueError):
        register(make_client(), invoice_for(), "perhaps")


def test_look_up_never_sends(make_client, invoice_for, kit):
    client = make_client()
    payload = invoice_for()
    assert policy.look_up(client, payload) is None
    register(client, payload)
    found = policy.look_up(client, payload)
    assert isinstance(found, Registered) and found.recovered
    assert kit.endpoints_of(client.records).count("generate_irn") == 1


def test_a_crash_of_ours_is_unknown_never_raised(make_client, invoice_for):
    class Exploding:
        def get_irn_by_doc(self, *args):
            raise RuntimeError("bug")

        def generate_irn(self, payload):
            raise RuntimeError("bug")

    outcome = register(Exploding(), invoice_for())
    assert isinstance(outcome, Unknown) and outcome.reason == "crash"


def test_cancel_with_a_lost_reply_is_recovered(sandbox, make_client, invoice_for):
    client = make_client()
    irn = register(client, invoice_for()).result.irn
    sandbox.set_faults([_fault("drop_after_commit", "cancel_irn")])
    outcome = policy.cancel(client, irn, "2", "Data entry mistake")
    assert isinstance(outcome, policy.Cancelled) and outcome.recovered
    again = policy.cancel(client, irn, "2", "Data entry mistake")  # 9999: already cancelled
    assert isinstance(again, policy.Cancelled)


def test_cancel_after_24_hours_is_refused_with_the_reason(sandbox, make_client, invoice_for):
    client = make_client()
    irn = register(client, invoice_for()).result.irn
    sandbox.advance_clock(hours=25)
    outcome = policy.cancel(make_client(), irn, "2", "Too late")
    assert isinstance(outcome, policy.CancelRefused) and outcome.reason == "window_closed"
    assert "2270" in [p.code for p in outcome.problems]


def test_only_the_documents_own_failures_spend_attempts():
    now = datetime.now(timezone.utc)
    assert RetryAt(at=now, reason="transient").spends_attempt
    assert not RetryAt(at=now, reason=policy.RATE_LIMITED).spends_attempt
    assert not RetryAt(at=now, reason="transient", pause=Pause(now, policy.CREDENTIALS)).spends_attempt
    assert not RetryAt(at=now, reason=policy.OUTAGE, deferred=True).spends_attempt
    assert RetryAt(at=now, reason="transient", pause=Pause(now, policy.OUTAGE)).why == policy.OUTAGE
