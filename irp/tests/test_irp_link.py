"""Linking an IRN registered outside this system (irp/link.py) against the sandbox over
real HTTP: what the IRP serves is verified and compared, a pasted signed QR code stands
in once the IRP no longer serves the IRN, and nothing unverified is ever Linked."""
import base64
import json
from datetime import datetime, timedelta, timezone

import pytest

from irp import crypto, link
from irp.link import Invalid, Linked, Mismatch, NotServed, Unreachable, decide
from sandbox import master


@pytest.fixture(autouse=True)
def _clean(clock_guard):
    clock_guard.clear_faults()
    yield


def _registered(make_client, payload):
    """Registered at the IRP by another system (the NIC portal, an ERP): only the IRP knows it."""
    other = make_client()
    return other.generate_irn(payload)


def _endpoints(client):
    return [record.endpoint for record in client.records]


def _other_rsa_public_pem():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# --- the IRP still serves it ---------------------------------------------------------------------------

def test_served_and_matching_is_linked_with_the_irps_signed_data(make_client, invoice_for):
    payload = invoice_for()
    held = _registered(make_client, payload)
    client = make_client()
    outcome = decide(client, held.irn, payload)
    assert isinstance(outcome, Linked) and outcome.source == link.SOURCE_IRP, outcome
    assert outcome.result.irn == held.irn and outcome.result.ack_no == held.ack_no
    assert outcome.result.signed_invoice and outcome.result.signed_qr_code
    assert _endpoints(client) == ["authenticate", "get_irn"]


def test_an_irn_copied_with_spaces_and_capitals_is_read_as_the_irp_writes_it(make_client, invoice_for):
    payload = invoice_for()
    held = _registered(make_client, payload)
    pasted = " " + held.irn.upper()[:32] + "\n" + held.irn.upper()[32:] + " "
    outcome = decide(make_client(), pasted, payload)
    assert isinstance(outcome, Linked) and outcome.result.irn == held.irn


def test_document_number_differing_in_case_only_still_matches(make_client, invoice_for, kit):
    number = kit.new_doc_no("inv")
    portal = invoice_for(doc_no=number.lower())
    held = _registered(make_client, portal)
    ours = dict(portal, DocDtls=dict(portal["DocDtls"], No=number.upper()))
    assert isinstance(decide(make_client(), held.irn, ours), Linked)


def test_total_within_one_rupee_matches(make_client, invoice_for):
    payload = invoice_for()
    held = _registered(make_client, payload)
    ours = dict(payload, ValDtls=dict(payload["ValDtls"], TotInvVal=payload["ValDtls"]["TotInvVal"] + 0.9))
    assert isinstance(decide(make_client(), held.irn, ours), Linked)


def test_other_buyer_and_total_are_each_named(make_client, invoice_for):
    portal = invoice_for(buyer=master.BUYER_KA)
    held = _registered(make_client, portal)
    ours = dict(portal, BuyerDtls=dict(portal["BuyerDtls"], Gstin=master.BUYER_MH["gstin"]),
                ValDtls=dict(portal["ValDtls"], TotInvVal=portal["ValDtls"]["TotInvVal"] + 5))
    outcome = decide(make_client(), held.irn, ours)
    assert isinstance(outcome, Mismatch) and outcome.source == link.SOURCE_IRP
    assert [p.key for p in outcome.problems] == ["buyer_gstin", "total"]
    assert outcome.params["buyer_gstin"] == {"held": master.BUYER_KA["gstin"], "expected": master.BUYER_MH["gstin"]}
    assert outcome.params["total"]["held"] == portal["ValDtls"]["TotInvVal"]
    words = "; ".join(p.describe() for p in outcome.problems)
    assert master.BUYER_KA["gstin"] in words and master.BUYER_MH["gstin"] in words


def test_an_irn_of_another_document_names_its_number_and_date(make_client, invoice_for, sandbox):
    held = _registered(make_client, invoice_for())
    ours = invoice_for(doc_date=sandbox.now().date() - timedelta(days=1))
    outcome = decide(make_client(), held.irn, ours)
    assert isinstance(outcome, Mismatch)
    assert {p.key for p in outcome.problems} == {"doc_no", "doc_date"}


def test_a_cancelled_irn_is_linked_as_cancelled(make_client, invoice_for):
    payload = invoice_for()
    other = make_client()
    held = other.generate_irn(payload)
    other.cancel_irn(held.irn, "2", "Wrong rate")
    outcome = decide(make_client(), held.irn, payload)
    assert isinstance(outcome, Linked) and outcome.result.status == "CNL"


# --- the IRP no longer serves it -------------------------------------------------------------------------

def test_older_than_two_days_is_not_served(make_client, invoice_for, sandbox):
    payload = invoice_for()
    held = _registered(make_client, payload)
    sandbox.advance_clock(days=3)
    outcome = decide(make_client(), held.irn, payload)
    assert isinstance(outcome, NotServed) and outcome.reason == link.TOO_OLD
    assert outcome.error.codes == ["2283"] and outcome.irn == held.irn


def test_a_pasted_signed_qr_links_what_the_irp_no_longer_serves(make_client, invoice_for, sandbox):
    payload = invoice_for()
    held = _registered(make_client, payload)
    sandbox.advance_clock(days=3)
    client = make_client()
    outcome = decide(client, held.irn, payload, signed_qr=held.signed_qr_code)
    assert isinstance(outcome, Linked) and outcome.source == link.SOURCE_SIGNED_QR, outcome
    result = outcome.result
    assert result.signed_qr_code == held.signed_qr_code and result.signed_invoice is None
    assert result.ack_no is None, "the QR code carries no Ack No"
    assert abs(result.ack_date - held.ack_date) < timedelta(minutes=1)  # IrnDt (seconds) vs AckDt (minute)
    assert _endpoints(client)[-1] == "get_irn", "the IRP is asked first"


def test_a_pasted_signed_qr_with_line_breaks_is_read(make_client, invoice_for, sandbox):
    payload = invoice_for()
    held = _registered(make_client, payload)
    sandbox.advance_clock(days=3)
    wrapped = "\n".join(held.signed_qr_code[i:i + 76] for i in range(0, len(held.signed_qr_code), 76))
    assert isinstance(decide(make_client(), held.irn, payload, signed_qr=wrapped), Linked)


def test_a_pasted_signed_qr_of_another_total_is_a_mismatch(make_client, invoice_for, sandbox):
    portal = invoice_for()
    held = _registered(make_client, portal)
    sandbox.advance_clock(days=3)
    ours = dict(portal, ValDtls=dict(portal["ValDtls"], TotInvVal=portal["ValDtls"]["TotInvVal"] + 100))
    outcome = decide(make_client(), held.irn, ours, signed_qr=held.signed_qr_code)
    assert isinstance(outcome, Mismatch) and outcome.source == link.SOURCE_SIGNED_QR
    assert [p.key for p in outcome.problems] == ["total"]


def test_while_served_the_irps_data_wins_over_the_pasted_qr(make_client, invoice_for):
    payload = invoice_for()
    held = _registered(make_client, payload)
    outcome = decide(make_client(), held.irn, payload, signed_qr=held.signed_qr_code)
    assert isinstance(outcome, Linked) and outcome.source == link.SOURCE_IRP
    assert outcome.result.signed_invoice and outcome.result.ack_no == held.ack_no


def test_unknown_irn_of_this_document_is_not_served(make_client, invoice_for):
    payload = invoice_for()  # never registered: the IRN NIC would compute for it
    irn = crypto.irn_hash(payload["SellerDtls"]["Gstin"], payload["DocDtls"]["Dt"], "INV", payload["DocDtls"]["No"])
    outcome = decide(make_client(), irn, payload)
    assert isinstance(outcome, NotServed) and outcome.reason == link.NOT_AVAILABLE
    assert outcome.error.codes == ["2148"]


def test_without_signed_data_an_irn_of_another_document_is_refused(make_client, invoice_for, sandbox):
    held = _registered(make_client, invoice_for())
    sandbox.advance_clock(days=3)
    ours = invoice_for()
    outcome = decide(make_client(), held.irn, ours)  # a typo or another invoice's IRN
    assert isinstance(outcome, Mismatch) and outcome.source is None
    (problem,) = outcome.problems
    assert problem.key == "irn" and problem.held == held.irn
    assert problem.expected == link.document_irns(ours)[ours["DocDtls"]["No"]]


def test_document_irns_cover_the_number_in_either_case(invoice_for, kit):
    payload = invoice_for(doc_no=kit.new_doc_no("Ab"))
    number = payload["DocDtls"]["No"]
    irns = link.document_irns(payload)
    assert set(irns) == {number, number.upper(), number.lower()}
    assert irns[number] == crypto.irn_hash(payload["SellerDtls"]["Gstin"], payload["DocDtls"]["Dt"], "INV", number)


# --- what cannot be used ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["", "abc", "g" * 64, "a" * 63, "a" * 65])
def test_irn_format_is_checked_before_any_call(make_client, invoice_for, typed):
    client = make_client()
    outcome = decide(client, typed, invoice_for())
    assert isinstance(outcome, Invalid) and outcome.reason == link.IRN_FORMAT
    assert client.records == []


def test_a_tampered_signed_qr_is_refused_before_any_call(make_client, invoice_for):
    payload = invoice_for()
    held = _registered(make_client, payload)
    header, claims, signature = held.signed_qr_code.split(".")
    data = json.loads(json.loads(base64.urlsafe_b64decode(claims + "==="))["data"])
    data["TotInvVal"] += 1000
    forged_claims = base64.urlsafe_b64encode(json.dumps(
        {"data": json.dumps(data), "iss": "NIC Sandbox"}).encode()).rstrip(b"=").decode()
    client = make_client()
    outcome = decide(client, held.irn, payload, signed_qr=f"{header}.{forged_claims}.{signature}")
    assert isinstance(outcome, Invalid) and outcome.reason == link.QR_UNREADABLE
    assert client.records == []
    for garbage in ("not a QR code", "a.b.c"):
        assert decide(client, held.irn, payload, signed_qr=garbage).reason == link.QR_UNREADABLE


def test_a_signed_qr_of_another_irn_is_refused(make_client, invoice_for):
    first = _registered(make_client, invoice_for())
    second = _registered(make_client, invoice_for())
    outcome = decide(make_client(), first.irn, invoice_for(), signed_qr=second.signed_qr_code)
    assert isinstance(outcome, Invalid) and outcome.reason == link.QR_OTHER_IRN
    assert outcome.params["held"] == second.irn


def test_a_qr_signed_by_a_key_the_client_does_not_trust_is_refused(make_client, invoice_for):
    payload = invoice_for()
    held = _registered(make_client, payload)
    distrustful = make_client(signing_certificates=[_other_rsa_public_pem()])
    outcome = decide(distrustful, held.irn, payload, signed_qr=held.signed_qr_code)
    assert isinstance(outcome, Invalid) and outcome.reason == link.QR_UNREADABLE


def test_an_irn_of_another_gstin_is_refused(make_client, sandbox, kit):
    mh_user = next(u for u in master.USERS if u["gstin"] == master.SELLER_MH["gstin"])
    theirs = kit.build_invoice(master.SELLER_MH, master.BUYER_MH, kit.new_doc_no(), sandbox.now().date())
    held = make_client(user=mh_user).generate_irn(theirs)
    outcome = decide(make_client(), held.irn, theirs)
    assert isinstance(outcome, Invalid) and outcome.reason == link.OTHER_GSTIN
    assert outcome.params["gstin"] == master.SELLER_KA["gstin"]


# --- the IRP cannot be asked ------------------------------------------------------------------------------

def test_an_outage_is_unreachable_never_not_served(make_client, invoice_for, sandbox):
    payload = invoice_for()
    held = _registered(make_client, payload)
    client = make_client()
    client.authenticate()
    sandbox.set_faults([{"kind": "http_error", "status": 502, "endpoint": "get_irn"}])
    outcome = decide(client, held.irn, payload, signed_qr=held.signed_qr_code)
    assert isinstance(outcome, Unreachable) and outcome.reason == "transient"
    assert outcome.error.http_status == 502


def test_an_untrusted_reply_is_unreachable_not_linked(make_client, invoice_for):
    payload = invoice_for()
    held = _registered(make_client, payload)
    outcome = decide(make_client(signing_certificates=[_other_rsa_public_pem()]), held.irn, payload)
    assert isinstance(outcome, Unreachable) and outcome.reason == "untrusted_signature"


def test_refused_credentials_are_unreachable(make_client, invoice_for):
    payload = invoice_for()
    held = _registered(make_client, payload)
    outcome = decide(make_client(password="wrong-password"), held.irn, payload)
    assert isinstance(outcome, Unreachable)


# --- a person's confirmation without signed data ------------------------------------------------------------

def test_confirmation_checks_ack_no_and_date(invoice_for, sandbox):
    payload = invoice_for()
    doc_day = datetime.strptime(payload["DocDtls"]["Dt"], "%d/%m/%Y")
    good = (doc_day + timedelta(hours=12)).replace(tzinfo=timezone.utc)
    now = good + timedelta(days=5)
    assert link.confirmation_problems(payload, "112610000000123", good, now) == []
    assert link.confirmation_problems(payload, " 1126 1000 0000 123 ", good, now) == []
    keys = [key for key, _params in link.confirmation_problems(payload, "AB12", now + timedelta(days=1), now)]
    assert keys == ["ack_no_format", "ack_date_future"]
    early = good - timedelta(days=2)
    ((key, params),) = link.confirmation_problems(payload, "112610000000123", early, now)
    assert key == "ack_date_before_document" and params["doc_date"] == payload["DocDtls"]["Dt"]
    assert payload["DocDtls"]["Dt"] in link.describe(key, params)
