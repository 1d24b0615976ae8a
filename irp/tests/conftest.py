"""Fixtures of the pure irp/ tests: the real NIC artifacts (when present) and a
local IRP sandbox running in-process on a free loopback port."""
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
_DATA_CANDIDATES = (REPO_ROOT.parent / "shared" / "data", Path("/work/shared/data"))


def _shared_data_dir():
    for candidate in _DATA_CANDIDATES:
        if (candidate / "jwts").is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def shared_data():
    """Folder of the published NIC artifacts; tests needing it skip when it is absent
    (they are known-answer checks, the artifacts are never copied into the repository)."""
    folder = _shared_data_dir()
    if folder is None:
        pytest.skip("NIC artifacts folder (../shared/data) not present")
    return folder


@pytest.fixture(scope="session")
def nic_tokens(shared_data):
    return json.loads((shared_data / "jwts" / "nic_irp_signed_jwts_collected.json").read_text())


@pytest.fixture(scope="session")
def nic_keys(shared_data):
    """file name -> bytes of every key/certificate file of the artifacts."""
    return {path.name: path.read_bytes() for path in (shared_data / "keys").iterdir() if path.is_file()}


@pytest.fixture(scope="session")
def einvoice_samples(shared_data):
    return json.loads((shared_data / "india-compliance" / "test_e_invoice.json").read_text())


@pytest.fixture(scope="module")
def sandbox():
    """One sandbox per test module: its own temp SQLite, clock and faults."""
    from sandbox.testing import RunningSandbox

    with RunningSandbox() as running:
        yield running


# --- helpers for the client <-> sandbox tests -------------------------------------------------------------

class ManualClock:
    """A clock the test moves; starts at real UTC time like the sandbox's."""

    def __init__(self, start=None):
        self.now = start or datetime.now(timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock_guard(sandbox):
    """Put the sandbox clock back (and clear faults) whatever the test did."""
    yield sandbox
    sandbox.reset_clock()
    sandbox.clear_faults()


@pytest.fixture
def make_client(sandbox):
    """Factory of IrpClient objects wired to the sandbox; each keeps its CallRecords in `.records`."""
    from irp.client import IrpClient, IrpConfig
    from sandbox import master

    made = []

    def factory(user=None, session_store=None, clock=None, **config_changes):
        user = user or next(u for u in master.USERS if u["gstin"] == master.SELLER_KA["gstin"])
        values = dict(base_url=sandbox.url, gstin=user["gstin"], client_id=sandbox.client_id,
                      client_secret=sandbox.client_secret, user_name=user["user_name"], password=user["password"],
                      encryption_public_key=sandbox.encryption_public_pem,
                      signing_certificates=[sandbox.signing_certificate_pem], connect_timeout=5, read_timeout=20)
        values.update(config_changes)
        records = []
        client = IrpClient(IrpConfig(**values), session_store=session_store, on_call=records.append, clock=clock)
        client.records = records
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


def endpoints_of(records):
    return [record.endpoint for record in records]


def new_doc_no(prefix="T"):
    """A document number unique to this run (NIC pattern: no leading 0, / or -; at most 16 chars)."""
    return f"{prefix}{uuid.uuid4().hex[:9].upper()}"


def _party(taxpayer):
    return {"Gstin": taxpayer["gstin"], "LglNm": taxpayer["legal_name"], "Addr1": taxpayer["addr1"],
            "Loc": taxpayer["loc"], "Pin": int(taxpayer["pin"]), "Stcd": taxpayer["state_code"]}


def build_invoice(seller, buyer, doc_no, doc_date, lines=(("8471", 2, 25000.0, 18.0),), doc_type="INV", **extra):
    """A schema 1.1 invoice whose arithmetic adds up by construction.

    lines: (HSN, quantity, unit price, GST rate); intra-state (same state) gets CGST+SGST,
    otherwise IGST. `extra` adds top-level blocks (EwbDtls, ShipDtls, RefDtls...).
    """
    intra = seller["state_code"] == buyer["state_code"]
    items = []
    for number, (hsn, quantity, price, rate) in enumerate(lines, 1):
        amount = round(quantity * price, 2)
        tax = round(amount * rate / 100, 2)
        half = round(tax / 2, 2)
        item = {"SlNo": str(number), "PrdDesc": f"Item {number}", "IsServc": "Y" if hsn.startswith("99") else "N",
                "HsnCd": hsn, "Qty": quantity, "Unit": "NOS", "UnitPrice": price, "TotAmt": amount,
                "Discount": 0, "AssAmt": amount, "GstRt": rate,
                "IgstAmt": 0 if intra else tax, "CgstAmt": half if intra else 0, "SgstAmt": half if intra else 0,
                "TotItemVal": round(amount + (2 * half if intra else tax), 2)}
        items.append(item)
    totals = {"AssVal": round(sum(i["AssAmt"] for i in items), 2),
              "CgstVal": round(sum(i["CgstAmt"] for i in items), 2),
              "SgstVal": round(sum(i["SgstAmt"] for i in items), 2),
              "IgstVal": round(sum(i["IgstAmt"] for i in items), 2)}
    totals["TotInvVal"] = round(sum(i["TotItemVal"] for i in items), 2)
    date_text = doc_date.strftime("%d/%m/%Y") if hasattr(doc_date, "strftime") else doc_date
    invoice = {
        "Version": "1.1",
        "TranDtls": {"TaxSch": "GST", "SupTyp": "B2B", "RegRev": "N"},
        "DocDtls": {"Typ": doc_type, "No": doc_no, "Dt": date_text},
        "SellerDtls": _party(seller),
        "BuyerDtls": dict(_party(buyer), Pos=buyer["state_code"]),
        "ItemList": items,
        "ValDtls": totals,
    }
    invoice.update(extra)
    return invoice


@pytest.fixture
def invoice_for(sandbox):
    """invoice_for(buyer, **kw): an invoice of the main demo seller (Karnataka) dated the sandbox's today."""
    from sandbox import master

    def factory(buyer=None, doc_no=None, seller=None, doc_date=None, **kwargs):
        return build_invoice(seller or master.SELLER_KA, buyer or master.BUYER_KA, doc_no or new_doc_no(),
                             doc_date or sandbox.now().date(), **kwargs)

    return factory


def foreign_signer():
    """(private key, self-signed certificate) of a signer that is not the IRP."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Not the IRP")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    return key, certificate


@pytest.fixture(scope="session")
def kit():
    """The helpers above, for test modules (which cannot import conftest reliably)."""
    return SimpleNamespace(ManualClock=ManualClock, endpoints_of=endpoints_of, new_doc_no=new_doc_no,
                           build_invoice=build_invoice, foreign_signer=foreign_signer)
