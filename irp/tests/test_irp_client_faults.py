"""IrpClient against a misbehaving IRP: the sandbox's fault injection over real HTTP.

What matters is the kind of each failure: `transient` (nothing happened, retry),
`unknown_outcome` (the request may have been committed: look it up, never resend
blindly), and that the look-up then finds what the lost reply would have said.
"""
import time

import pytest

from irp import errors
from irp.errors import IrpError
from sandbox import master

KA = master.SELLER_KA


@pytest.fixture(autouse=True)
def _no_faults_left(clock_guard):
    """Each test starts and ends with no active fault and the real clock."""
    clock_guard.clear_faults()
    yield


def _fault(kind, endpoint=None, times=1, **params):
    fault = {"kind": kind, "times": times, **params}
    if endpoint:
        fault["endpoint"] = endpoint
    return fault


def _doc(payload):
    return payload["DocDtls"]["Typ"], payload["DocDtls"]["No"], payload["DocDtls"]["Dt"]


# --- HTTP errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 504])
def test_5xx_on_generate_is_an_unknown_outcome(sandbox, make_client, invoice_for, status):
    client = make_client()
    client.authenticate()
    payload = invoice_for()
    sandbox.set_faults([_fault("http_error", "generate_irn", status=status)])
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(payload)
    error = excinfo.value
    assert error.kind == errors.UNKNOWN_OUTCOME and error.http_status == status and error.codes == []
    assert client.records[-1].http_status == status and not client.records[-1].ok
    assert "<html>" in client.records[-1].response_text  # the gateway's page is kept for the log
    # the look-up says it was not registered; sending again is then safe
    with pytest.raises(IrpError) as excinfo:
        client.get_irn_by_doc(*_doc(payload))
    assert excinfo.value.codes == ["2148"]
    assert client.generate_irn(payload).irn


def test_5xx_after_commit_then_the_lookup_finds_the_irn(sandbox, make_client, invoice_for):
    client = make_client()
    payload = invoice_for()
    client.authenticate()
    sandbox.set_faults([_fault("http_error", "generate_irn", status=502, commit=True)])
    before = sandbox.count_irns()
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(payload)
    assert excinfo.value.kind == errors.UNKNOWN_OUTCOME
    assert sandbox.count_irns() == before + 1
    found = client.get_irn_by_doc(*_doc(payload))
    assert found.qr_data["DocNo"] == payload["DocDtls"]["No"]
    # a blind resend would only meet 2150, with the same IRN
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(payload)
    assert excinfo.value.kind == errors.DUPLICATE and excinfo.value.duplicate["Irn"] == found.irn


@pytest.mark.parametrize("status", [500, 502, 504])
def test_5xx_on_a_read_is_transient(sandbox, make_client, status):
    client = make_client()
    sandbox.set_faults([_fault("http_error", "get_gstin", status=status)])
    with pytest.raises(IrpError) as excinfo:
        client.get_gstin(master.BUYER_KA["gstin"])
    assert excinfo.value.kind == errors.TRANSIENT and excinfo.value.http_status == status
    assert client.get_gstin(master.BUYER_KA["gstin"]).status == "ACT"  # the fault hit once


def test_503_on_a_creating_call_is_an_unknown_outcome(sandbox, make_client, invoice_for):
    """A gateway's 503 may come after the IRP committed: look it up before anything else."""
    client = make_client()
    client.authenticate()
    sandbox.set_faults([_fault("http_error", "generate_irn", status=503, commit=True)])
    payload = invoice_for()
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(payload)
    assert excinfo.value.kind == errors.UNKNOWN_OUTCOME and excinfo.value.http_status == 503
    assert client.get_irn_by_doc(*_doc(payload)).irn  # it was registered


def test_503_on_a_read_is_transient(sandbox, make_client):
    client = make_client()
    sandbox.set_faults([_fault("http_error", "get_gstin", status=503)])
    with pytest.raises(IrpError) as excinfo:
        client.get_gstin(master.BUYER_KA["gstin"])
    assert excinfo.value.kind == errors.TRANSIENT and excinfo.value.http_status == 503


def test_429_is_transient_with_retry_after(sandbox, make_client, invoice_for):
    client = make_client()
    client.authenticate()
    payload = invoice_for()
    before = sandbox.count_irns()
    sandbox.set_faults([_fault("rate_limit", "generate_irn", retry_after=7)])
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(payload)
    error = excinfo.value
    assert error.kind == errors.TRANSIENT and error.http_status == 429 and error.retry_after == 7.0
    assert "retry after 7 s" in str(error)
    assert sandbox.count_irns() == before
    assert client.generate_irn(payload).irn


def test_failures_of_authentication_are_transient(sandbox, make_client):
    for fault in (_fault("http_error", "authenticate", status=502), _fault("rate_limit", "authenticate"),
                  _fault("corrupt_data", "authenticate"), _fault("drop_after_commit", "authenticate")):
        client = make_client()
        sandbox.set_faults([fault])
        with pytest.raises(IrpError) as excinfo:
            client.get_gstin(master.BUYER_KA["gstin"])
        assert excinfo.value.kind == errors.TRANSIENT, fault
        assert excinfo.value.endpoint == "authenticate"
        assert [r.endpoint for r in client.records] == ["authenticate"]
        assert client.get_gstin(master.BUYER_KA["gstin"]).status == "ACT"


# --- timeouts and lost replies ------------------------------------------------------------------------------

def test_hang_on_generate_is_a_read_timeout_with_unknown_outcome(sandbox, make_client, invoice_for):
    client = make_client(read_timeout=0.4)
    client.authenticate()
    payload = invoice_for()
    sandbox.set_faults([_fault("hang", "generate_irn", seconds=3)])
    start = time.perf_counter()
    with pytest.raises(IrpError, match="did not answer in time") as excinfo:
        client.generate_irn(payload)
    assert time.perf_counter() - start < 2.5
    assert excinfo.value.kind == errors.UNKNOWN_OUTCOME and excinfo.value.http_status is None
    record = client.records[-1]
    assert record.endpoint == "generate_irn" and record.http_status is None and record.error_kind == \
        errors.UNKNOWN_OUTCOME and record.duration_ms >= 400
    with pytest.raises(IrpError) as excinfo:
        client.get_irn_by_doc(*_doc(payload))
    assert excinfo.value.codes == ["2148"]  # held without committing: nothing to adopt


def test_hang_after_commit_then_the_lookup_finds_it(sandbox, make_client, invoice_for):
    client = make_client(read_timeout=0.4)
    client.authenticate()
    payload = invoice_for()
    sandbox.set_faults([_fault("hang", "generate_irn", seconds=3, commit=True)])
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(payload)
    assert excinfo.value.kind == errors.UNKNOWN_OUTCOME
    assert client.get_irn_by_doc(*_doc(payload)).status == "ACT"


def test_hang_on_a_read_is_transient(sandbox, make_client):
    client = make_client(read_timeout=0.4)
    client.authenticate()
    sandbox.set_faults([_fault("hang", "get_gstin", seconds=3)])
    with pytest.raises(IrpError) as excinfo:
        client.get_gstin(master.BUYER_KA["gstin"])
    assert excinfo.value.kind == errors.TRANSIENT


def test_connection_closed_without_reply_before_the_read_timeout(sandbox, make_client, invoice_for):
    """The proxy drops the connection after a while (shorter than our read timeout)."""
    client = make_client(read_timeout=5)
    client.authenticate()
    payload = invoice_for()
    sandbox.set_faults([_fault("hang", "generate_irn", seconds=0.2, commit=True)])
    with pytest.raises(IrpError, match="connection to the IRP broke") as excinfo:
        client.generate_irn(payload)
    assert excinfo.value.kind == errors.UNKNOWN_OUTCOME
    assert client.get_irn_by_doc(*_doc(payload)).irn


def test_drop_after_commit_on_generate_then_get_by_doc_adopts(sandbox, make_client, invoice_for):
    client = make_client()
    client.authenticate()
    payload = invoice_for(buyer=master.BUYER_TN)
    before = sandbox.count_irns(KA["gstin"])
    sandbox.set_faults([_fault("drop_after_commit", "generate_irn")])
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(payload)
    assert excinfo.value.kind == errors.UNKNOWN_OUTCOME
    assert sandbox.count_irns(KA["gstin"]) == before + 1
    found = client.get_irn_by_doc(*_doc(payload))  # verified like a fresh result
    assert found.buyer_gstin == master.BUYER_TN["gstin"]
    assert found.total_value == payload["ValDtls"]["TotInvVal"]


def test_drop_after_commit_on_cancel_then_the_irn_shows_cancelled(sandbox, make_client, invoice_for):
    client = make_client()
    generated = client.generate_irn(invoice_for())
    sandbox.set_faults([_fault("drop_after_commit", "cancel_irn")])
    with pytest.raises(IrpError) as excinfo:
        client.cancel_irn(generated.irn, "2", "Data entry mistake")
    assert excinfo.value.kind == errors.UNKNOWN_OUTCOME
    assert client.get_irn(generated.irn).status == "CNL"
    with pytest.raises(IrpError) as excinfo:
        client.cancel_irn(generated.irn, "2", "Data entry mistake")
    assert excinfo.value.codes == ["9999"]


def test_drop_after_commit_on_ewaybill_then_get_ewaybill_finds_it(sandbox, make_client, invoice_for):
    client = make_client()
    generated = client.generate_irn(invoice_for(buyer=master.BUYER_MH))
    request = {"Irn": generated.irn, "TransMode": "1", "Distance": 0, "VehNo": "KA01AB1234", "VehType": "R"}
    sandbox.set_faults([_fault("drop_after_commit", "generate_ewaybill")])
    with pytest.raises(IrpError) as excinfo:
        client.generate_ewaybill(request)
    assert excinfo.value.kind == errors.UNKNOWN_OUTCOME
    found = client.get_ewaybill(generated.irn)
    assert found.status == "ACT" and found.ewb_no
    with pytest.raises(IrpError) as excinfo:
        client.generate_ewaybill(request)
    assert excinfo.value.kind == errors.DUPLICATE and excinfo.value.codes == ["4002"]
    sandbox.set_faults([_fault("drop_after_commit", "cancel_ewaybill")])
    with pytest.raises(IrpError) as excinfo:
        client.cancel_ewaybill(found.ewb_no, 1, "Duplicate")
    assert excinfo.value.kind == errors.UNKNOWN_OUTCOME
    assert client.get_ewaybill(generated.irn).status == "CNL"


def test_dropped_reply_to_a_read_is_transient(sandbox, make_client):
    client = make_client()
    client.authenticate()
    sandbox.set_faults([_fault("drop_after_commit", "get_gstin")])
    with pytest.raises(IrpError) as excinfo:
        client.get_gstin(master.BUYER_KA["gstin"])
    assert excinfo.value.kind == errors.TRANSIENT


# --- corrupt data ---------------------------------------------------------------------------------------

def test_corrupt_data_on_generate_is_an_unknown_outcome(sandbox, make_client, invoice_for):
    client = make_client()
    client.authenticate()
    payload = invoice_for()
    sandbox.set_faults([_fault("corrupt_data", "generate_irn")])
    with pytest.raises(IrpError, match="could not be decrypted") as excinfo:
        client.generate_irn(payload)
    assert excinfo.value.kind == errors.UNKNOWN_OUTCOME and excinfo.value.http_status == 200
    assert client.get_irn_by_doc(*_doc(payload)).irn


def test_corrupt_data_on_a_read_is_transient(sandbox, make_client, invoice_for):
    client = make_client()
    generated = client.generate_irn(invoice_for())
    sandbox.set_faults([_fault("corrupt_data", "get_irn")])
    with pytest.raises(IrpError) as excinfo:
        client.get_irn(generated.irn)
    assert excinfo.value.kind == errors.TRANSIENT
    assert client.get_irn(generated.irn).irn == generated.irn


# --- latency and concurrency --------------------------------------------------------------------------------

def test_latency_shows_in_the_call_log(sandbox, make_client):
    client = make_client()
    client.authenticate()
    sandbox.set_faults([_fault("latency", "get_gstin", ms=300)])
    client.get_gstin(master.BUYER_KA["gstin"])
    assert client.records[-1].duration_ms >= 300


def test_parallel_calls_overlap_under_latency(sandbox, make_client, invoice_for):
    """Bulk sends: one client, several threads, calls in flight together (not serialised by the client)."""
    from concurrent.futures import ThreadPoolExecutor

    client = make_client()
    client.authenticate()
    payloads = [invoice_for() for _ in range(8)]
    sandbox.set_faults([_fault("latency", "generate_irn", times=None, ms=250)])
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(client.generate_irn, payloads))
    elapsed = time.perf_counter() - start
    assert len({result.irn for result in results}) == 8
    assert elapsed < 8 * 0.25 / 2, f"8 calls of 250 ms took {elapsed:.2f} s"
    assert [r.endpoint for r in client.records].count("authenticate") == 1
