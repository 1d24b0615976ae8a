"""Fault injection and the clock, through RunningSandbox and the HTTP control paths."""
import time

import pytest
import requests
from sandbox_helpers import BY_DOC, GSTIN, SYNC, Nic, codes, make_invoice

from irp import crypto
from sandbox import master
from sandbox.faults import Fault, FaultBox, FaultError
from sandbox.control import is_loopback as _is_loopback
from sandbox.testing import RunningSandbox


def _timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def test_latency_per_endpoint(sandbox, nic):
    sandbox.set_faults([{"kind": "latency", "ms": 300, "endpoint": "get_gstin"}])
    envelope, slow = _timed(lambda: nic.get(GSTIN + master.BUYER_KA["gstin"]))
    assert envelope["Status"] == 1 and slow >= 0.3
    _, fast = _timed(lambda: nic.get(SYNC + master.BUYER_KA["gstin"]))
    assert fast < 0.3


def test_base_latency_from_the_command_line_option():
    with RunningSandbox(latency_ms=200) as slow_sandbox:
        nic = Nic(slow_sandbox)
        _, elapsed = _timed(nic.login)
        assert elapsed >= 0.2
        # control paths are never delayed
        _, elapsed = _timed(lambda: requests.get(slow_sandbox.url + "/sandbox/info", timeout=5))
        assert elapsed < 0.2


def test_http_error_commits_nothing_by_default(sandbox, nic, today):
    invoice = make_invoice(today)
    before = sandbox.count_irns()
    sandbox.set_faults([{"kind": "http_error", "status": 503, "times": 1, "endpoint": "generate_irn"}])
    response = nic.post_raw("/eicore/v1.03/Invoice", {"Data": crypto.encrypt_json(nic.sek, invoice)})
    assert response.status_code == 503 and "Service Unavailable" in response.text
    assert sandbox.count_irns() == before
    assert nic.generate(invoice)["Status"] == 1  # times=1: the next call goes through


def test_http_error_after_commit(sandbox, nic, today):
    invoice = make_invoice(today)
    sandbox.set_faults([{"kind": "http_error", "status": 504, "commit": True, "times": 1}])
    response = nic.post_raw("/eicore/v1.03/Invoice", {"Data": crypto.encrypt_json(nic.sek, invoice)})
    assert response.status_code == 504
    envelope = nic.generate(invoice)
    assert codes(envelope) == ["2150"]  # the gateway lost the reply, the IRP kept the IRN


def test_rate_limit_with_retry_after(sandbox, nic):
    sandbox.set_faults([{"kind": "rate_limit", "retry_after": 2, "times": 2}])
    for _ in range(2):
        response = nic.http.get(nic.url + GSTIN + master.BUYER_KA["gstin"], headers=nic.headers(), timeout=5)
        assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert nic.get(GSTIN + master.BUYER_KA["gstin"])["Status"] == 1


def test_hang_runs_into_the_client_timeout(sandbox, nic, today):
    invoice = make_invoice(today)
    before = sandbox.count_irns()
    sandbox.set_faults([{"kind": "hang", "seconds": 3, "times": 1}])
    with pytest.raises(requests.exceptions.ReadTimeout):
        nic.http.post(nic.url + "/eicore/v1.03/Invoice", json={"Data": crypto.encrypt_json(nic.sek, invoice)},
                      headers=nic.headers(), timeout=(2, 0.5))
    assert sandbox.count_irns() == before


def test_hang_ends_with_a_closed_connection(sandbox, nic):
    sandbox.set_faults([{"kind": "hang", "seconds": 0.3, "times": 1}])
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(nic.url + GSTIN + master.BUYER_KA["gstin"], headers=nic.headers(), timeout=5)


def test_drop_after_commit_then_recover_by_document_lookup(sandbox, nic, today):
    invoice = make_invoice(today)
    before = sandbox.count_irns(master.SELLER_KA["gstin"])
    sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "generate_irn", "times": 1}])
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(nic.url + "/eicore/v1.03/Invoice", json={"Data": crypto.encrypt_json(nic.sek, invoice)},
                      headers=nic.headers(), timeout=5)
    assert sandbox.count_irns(master.SELLER_KA["gstin"]) == before + 1
    doc = invoice["DocDtls"]
    found = nic.data(nic.get(BY_DOC, params={"doctype": doc["Typ"], "docnum": doc["No"], "docdate": doc["Dt"]}))
    assert found["Irn"] == crypto.irn_hash(master.SELLER_KA["gstin"], today, "INV", doc["No"])
    envelope = nic.generate(invoice)
    assert codes(envelope) == ["2150"] and envelope["InfoDtls"][0]["Desc"]["Irn"] == found["Irn"]


def test_corrupt_data(sandbox, nic, today):
    sandbox.set_faults([{"kind": "corrupt_data", "times": 1}])
    envelope = nic.generate(make_invoice(today))
    assert envelope["Status"] == 1
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_json(nic.sek, envelope["Data"])
    sandbox.set_faults([{"kind": "corrupt_data", "endpoint": "auth"}])
    fresh = Nic(sandbox)
    with pytest.raises(crypto.CryptoError):
        fresh.authenticate()
    sandbox.clear_faults()
    assert fresh.authenticate()["Status"] == 1


def test_faults_over_http(sandbox, nic):
    control = sandbox.url + "/sandbox/faults"
    reply = requests.post(control, json={"faults": [
        {"kind": "http_error", "status": 502, "times": 3, "endpoint": "get_gstin"},
        {"kind": "latency", "ms": 10}]}, timeout=5)
    assert reply.status_code == 200
    assert reply.json()["faults"][0] == {"kind": "http_error", "status": 502, "commit": False, "times": 3,
                                         "endpoint": "get_gstin"}
    response = nic.http.get(nic.url + GSTIN + master.BUYER_KA["gstin"], headers=nic.headers(), timeout=5)
    assert response.status_code == 502
    assert requests.get(control, timeout=5).json()["faults"][0]["times"] == 2
    assert requests.delete(control, timeout=5).json() == {"faults": []}
    assert nic.get(GSTIN + master.BUYER_KA["gstin"])["Status"] == 1
    bad = requests.post(control, json={"faults": [{"kind": "gremlins"}]}, timeout=5)
    assert bad.status_code == 400 and "gremlins" in bad.json()["message"]
    assert requests.post(control, json={"faults": [{"kind": "http_error", "status": 404}]},
                         timeout=5).status_code == 400


def test_clock_over_http(sandbox, nic):
    control = sandbox.url + "/sandbox/clock"
    moved = requests.post(control, json={"advance_minutes": 90}, timeout=5).json()
    assert 5390 <= moved["offset_seconds"] <= 5410
    info_now = requests.get(sandbox.url + "/sandbox/info", timeout=5).json()["now"]
    assert info_now[:15] == moved["now"][:15]  # same minute, give or take the request time
    assert requests.post(control, json={"set": "2026-08-01 10:00:00"}, timeout=5).json()["now"].startswith(
        "2026-08-01 10:00")
    assert requests.post(control, json={"reset": True}, timeout=5).json()["offset_seconds"] == pytest.approx(0, abs=1)
    assert requests.post(control, json={"jump": 1}, timeout=5).status_code == 400


def test_clock_moves_today_for_document_dates(sandbox, nic, today):
    from datetime import timedelta

    tomorrow = make_invoice(today + timedelta(days=1))
    assert codes(nic.generate(tomorrow)) == ["2163"]
    sandbox.advance_clock(days=1)
    nic.login()
    assert nic.generate(tomorrow)["Status"] == 1


def test_fault_descriptions():
    fault = Fault.from_cli("http_error:status=503,times=2,endpoint=generate_irn,commit=yes")
    assert fault.to_dict() == {"kind": "http_error", "status": 503, "commit": True, "times": 2,
                               "endpoint": "generate_irn"}
    assert Fault.from_cli("latency:ms=250").to_dict() == {"kind": "latency", "ms": 250.0, "times": None,
                                                          "endpoint": None}
    assert Fault.from_cli("drop_after_commit").kind == "drop_after_commit"
    assert Fault.from_dict({"kind": "hang", "endpoint": "authenticate"}).endpoint == "auth"
    for text in ("gremlins", "latency:ms", "latency:ms=-1", "rate_limit:retry_after=soon",
                 "http_error:status=418", "latency:colour=red", "hang:endpoint=nowhere"):
        with pytest.raises(FaultError):
            Fault.from_cli(text)


def test_fault_box_counts_and_order():
    rate_limit = Fault("rate_limit", times=1, endpoint="auth")
    box = FaultBox([Fault("latency", ms=100), Fault("latency", ms=50, times=1), rate_limit,
                    Fault("http_error", status=500, times=2)])
    delay, fault = box.take("auth")
    assert delay == pytest.approx(0.15) and fault is rate_limit  # latencies add up; the first other fault wins
    delay, fault = box.take("auth")
    assert delay == 0.1 and fault.kind == "http_error"
    delay, fault = box.take("generate_irn")
    assert fault.kind == "http_error"
    assert box.take("generate_irn") == (0.1, None)
    assert [fault["kind"] for fault in box.active()] == ["latency"]


def test_command_line_faults_are_active_from_the_start():
    with RunningSandbox(faults=[Fault.from_cli("rate_limit:retry_after=1,times=1,endpoint=auth")]) as faulty:
        response = requests.post(faulty.url + "/eivital/v1.04/auth", json={}, timeout=5)
        assert response.status_code == 429 and response.headers["Retry-After"] == "1"
        assert Nic(faulty).authenticate()["Status"] == 1


def test_control_only_from_loopback():
    assert _is_loopback("127.0.0.1") and _is_loopback("::1")
    assert not _is_loopback("192.168.1.20") and not _is_loopback("not an address")
