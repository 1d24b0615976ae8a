"""`python -m sandbox` as its own process, stopped and started again on the same
SQLite file: keys, sessions, IRNs, counters and synced GSTINs survive; the
clock offset does not."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sandbox_helpers import BY_IRN, GSTIN, SYNC, Nic, codes, make_invoice

from irp import crypto
from sandbox import master

REPO_ROOT = Path(__file__).resolve().parents[2]


class SandboxProcess:
    """Duck-types the parts of RunningSandbox that the Nic helper uses."""

    client_id = master.CLIENT_ID
    client_secret = master.CLIENT_SECRET

    def __init__(self, db_path, *extra):
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", "0", "--db", str(db_path), *extra], cwd=REPO_ROOT,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.process.kill()
            raise AssertionError(f"sandbox did not start: {line!r} {self.process.stderr.read()}")
        self.url = line.split("listening on ")[1].split()[0]
        self.encryption_public_pem = requests.get(self.url + "/sandbox/keys/encryption.pem", timeout=5).content
        self.signing_certificate_pem = requests.get(self.url + "/sandbox/keys/signing.pem", timeout=5).content

    def now(self):
        from sandbox.clock import parse_ist

        return parse_ist(requests.get(self.url + "/sandbox/info", timeout=5).json()["now"])

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=10)
        finally:
            self.process.stdout.close()
            self.process.stderr.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "kept.sqlite3"


def test_restart_on_the_same_database(db_path, tmp_path):
    first = SandboxProcess(db_path, "--token-minutes", "120")
    try:
        nic = Nic(first).login()
        today = first.now().date()
        generated = nic.generated(make_invoice(today))
        assert nic.get(SYNC + master.BUYER_NOT_IN_MASTER["gstin"])["Status"] == 1
        moved = requests.post(first.url + "/sandbox/clock", json={"advance_minutes": 30}, timeout=5).json()
        assert moved["offset_seconds"] > 0
        info = requests.get(first.url + "/sandbox/info", timeout=5).json()
        assert info["token_minutes"] == 120
    finally:
        assert first.stop() == 0
    assert db_path.exists()

    second = SandboxProcess(db_path)
    try:
        assert second.signing_certificate_pem == first.signing_certificate_pem
        assert second.encryption_public_pem == first.encryption_public_pem
        clock = requests.get(second.url + "/sandbox/clock", timeout=5).json()
        assert abs(clock["offset_seconds"]) < 1  # the clock offset is not kept
        # the token and SEK issued before the restart are still good
        nic.url = second.url
        fetched = nic.data(nic.get(BY_IRN + generated["Irn"]))
        assert fetched == generated
        crypto.signed_data(fetched["SignedInvoice"], crypto.SigningKeyring.from_pems(second.signing_certificate_pem))
        assert nic.get(GSTIN + master.BUYER_NOT_IN_MASTER["gstin"])["Status"] == 1
        invoice = make_invoice(today)
        later = nic.generated(invoice)
        assert later["AckNo"] > generated["AckNo"]  # the sequence carries on
        assert codes(nic.generate(invoice)) == ["2150"]
    finally:
        assert second.stop() == 0

    elsewhere = SandboxProcess(tmp_path / "other.sqlite3")
    try:  # a new database gets keys of its own
        assert elsewhere.signing_certificate_pem != first.signing_certificate_pem
    finally:
        elsewhere.stop()


def test_command_line_options(tmp_path):
    hsn_file = tmp_path / "hsn.json"
    hsn_file.write_text('[{"hsn_code": "84713010", "description": "laptops"}, "998314"]')
    process = SandboxProcess(tmp_path / "options.sqlite3", "--hsn-master", str(hsn_file),
                             "--fault", "http_error:status=502,times=1,endpoint=get_gstin", "--latency-ms", "0")
    try:
        info = requests.get(process.url + "/sandbox/info", timeout=5).json()
        assert info["hsn_master"] == {"source": "file", "entries": 2}
        faults = requests.get(process.url + "/sandbox/faults", timeout=5).json()["faults"]
        assert faults == [{"kind": "http_error", "status": 502, "commit": False, "times": 1, "endpoint": "get_gstin"}]
        nic = Nic(process).login()
        today = process.now().date()
        # 84713010 is in the file; 8471 as a heading of it too; 85176290 is not
        assert nic.generate(make_invoice(today))["Status"] == 1
        assert codes(nic.generate(make_invoice(today, items=[("85176290", 1, 100.0, 18, False)]))) == ["2176"]
    finally:
        process.stop()


def test_bad_command_line_is_refused(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sandbox", "--port", "0", "--db", str(tmp_path / "x.sqlite3"),
                             "--fault", "gremlins"], cwd=REPO_ROOT, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "unknown fault kind" in result.stderr


def test_a_file_from_before_the_ewb_api_is_migrated(tmp_path):
    """ewaybills.irn was NOT NULL and had no document columns: the table is copied into the new shape."""
    import sqlite3

    from sandbox.store import Store

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE ewaybills (ewb_no INTEGER PRIMARY KEY, irn TEXT NOT NULL, gstin TEXT NOT NULL,
            generated_at REAL NOT NULL, valid_till TEXT, distance INTEGER NOT NULL, request_json TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'ACT', cancelled_at REAL, cancel_reason TEXT, cancel_remark TEXT);
        INSERT INTO ewaybills (ewb_no, irn, gstin, generated_at, distance, request_json)
            VALUES (381000000001, 'abc', '29AAACK4521F1ZS', 1.0, 10, '{}');
    """)
    old.close()
    store = Store(path)
    try:
        assert store.ewaybill(381000000001)["irn"] == "abc"
        store.add_ewaybill_for_document({"ewb_no": 381000000002, "irn": None, "gstin": "29AAACK4521F1ZS",
                                         "generated_at": 2.0, "distance": 5, "request_json": "{}",
                                         "doc_type": "INV", "doc_no": "A1", "record_json": "{}"})
        assert store.document_ewaybill("29AAACK4521F1ZS", "INV", "a1")["ewb_no"] == 381000000002
    finally:
        store.close()
    Store(path).close()  # a second start finds the new shape
