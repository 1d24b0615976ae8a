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


# --- e-way bill system API (irp/ewb_client.py): a scripted fake, for what a real server cannot do -----

class FakeEwbResponse:
    def __init__(self, status_code, obj=None, text=None, headers=None):
        self.status_code = status_code
        self.content = (text if text is not None else json.dumps(obj)).encode() if (obj is not None or text) else b""
        self.headers = headers or {}


class FakeEwb:
    """An in-memory e-way bill system speaking nic-ewb-api.md §3-§5 (auth, envelope, rek/hmac,
    base64 errors), used as the `http` of an EwbClient. `faults`: list of dicts
    {"on": action name or GET method, "kind": "timeout" | "timeout_after_commit" | "http_error" |
    "http_error_after_commit" | "error" | "bad_hmac" | "no_hmac", "codes": "238", "status": 502,
    "times": 1}. `calls`: every action / GET method name asked, auth included."""

    GSTIN = "29AAACK4521F1ZS"
    USER = "ewbuser1"
    PASSWORD = "Ewb@pass1"

    def __init__(self):
        import base64 as _b64
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        self._b64 = _b64
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        self.tokens = {}
        self.bills = {}
        self.by_doc = {}
        self.faults = []
        self.calls = []
        self.headers_seen = []
        self.auth_count = 0
        self.next_no = 331000000001
        self.now = datetime.now(timezone.utc)
        self.status_as_int = False

    # what EwbClient calls
    def __call__(self):
        return self

    def close(self):
        pass

    def config(self, **changes):
        from irp.ewb_client import EwbConfig

        values = dict(base_url="https://fake-ewb.test/ewaybillapi/v1.03", gstin=self.GSTIN, client_id="cid",
                      client_secret="csecret-1234", username=self.USER, password=self.PASSWORD,
                      public_key=self.public_pem)
        values.update(changes)
        return EwbConfig(**values)

    def client(self, **kwargs):
        from irp.ewb_client import EwbClient

        records = []
        config_changes = kwargs.pop("config", {})
        client = EwbClient(self.config(**config_changes), http=self, on_call=records.append, **kwargs)
        client.records = records
        return client

    def _ist(self, moment):
        from irp.ist import IST
        return moment.astimezone(IST).strftime("%d/%m/%Y %I:%M:%S %p")

    def _fault(self, name):
        for fault in self.faults:
            if fault.get("on") == name and fault.get("times", 1) != 0:
                fault["times"] = fault.get("times", 1) - 1
                return fault
        return None

    def _error(self, *codes, info=None):
        from irp.ewb_envelope import error_body
        return FakeEwbResponse(200, error_body(*codes, info=info))

    def _ok(self, sek, data):
        from irp import crypto
        status = 1 if self.status_as_int else "1"
        return FakeEwbResponse(200, {"status": status, "data": crypto.encrypt_json(sek, data)})

    def request(self, method, url, data=None, headers=None, timeout=None, verify=None, allow_redirects=None):
        import os
        from urllib.parse import parse_qs, urlsplit

        import requests
        from irp import crypto, ewb_envelope

        self.headers_seen.append(dict(headers or {}))
        parts = urlsplit(url)
        body = json.loads(data) if data else None
        if parts.path.endswith("/auth"):
            name = "ACCESSTOKEN"
        elif method == "GET":
            name = parts.path.rsplit("/", 1)[-1]
        else:
            name = body.get("action")
        self.calls.append(name)
        fault = self._fault(name)
        kind = fault and fault["kind"]
        if kind == "timeout":
            raise requests.exceptions.ReadTimeout("fake: no reply")
        if kind == "http_error":
            return FakeEwbResponse(fault.get("status", 502), text="<html>Bad Gateway</html>")
        if kind == "error":
            return self._error(*str(fault["codes"]).split(","), info=fault.get("info"))
        if name == "ACCESSTOKEN":
            self.auth_count += 1
            inner = crypto.open_auth_data(self.private_key, body["Data"])
            if inner.get("action") != "ACCESSTOKEN" or (inner.get("username"), inner.get("password")) != (
                    self.USER, self.PASSWORD):
                return self._error("108")
            app_key = self._b64.b64decode(inner["app_key"])
            token, sek = f"tok{len(self.tokens) + 1}-{os.urandom(4).hex()}", os.urandom(32)
            self.tokens[token] = sek
            return FakeEwbResponse(200, {"status": "1", "authtoken": token, "sek": crypto.encrypt_sek(app_key, sek)})
        sek = self.tokens.get((headers or {}).get("authtoken"))
        if sek is None:
            return self._error("238")
        if method == "GET":
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            found = self._get(name, query)
            if isinstance(found, FakeEwbResponse):
                return found
            reply = ewb_envelope.seal_get_reply(sek, os.urandom(32), found)
            if kind == "bad_hmac":
                reply["hmac"] = self._b64.b64encode(b"x" * 32).decode()
            if kind == "no_hmac":
                reply.pop("hmac")
            return FakeEwbResponse(200, reply)
        payload = crypto.decrypt_json(sek, body["data"])
        response = getattr(self, "_" + name.lower())(payload, sek)
        if kind == "timeout_after_commit":
            raise requests.exceptions.ReadTimeout("fake: processed, reply lost")
        if kind == "http_error_after_commit":
            return FakeEwbResponse(fault.get("status", 502), text="<html>Bad Gateway</html>")
        return response

    # --- actions
    def _genewaybill(self, payload, sek):
        key = (payload["docType"], payload["docNo"].upper())
        if key in self.by_doc:
            return self._error("604")
        number = self.next_no
        self.next_no += 1
        has_b = bool(payload.get("vehicleNo") or payload.get("transDocNo"))
        valid = (self.now + timedelta(days=1)).replace(hour=18, minute=29, second=0, microsecond=0) if has_b else None
        bill = {"ewbNo": number, "ewayBillDate": self._ist(self.now), "genMode": "API",
                "userGstin": payload.get("fromGstin"), "supplyType": payload.get("supplyType"),
                "docType": payload["docType"], "docNo": payload["docNo"], "docDate": payload["docDate"],
                "fromGstin": payload.get("fromGstin"), "toGstin": payload.get("toGstin"),
                "totInvValue": payload.get("totInvValue"), "status": "ACT",
                "actualDist": int(payload.get("transDistance") or 0) or 120, "noValidDays": 1,
                "validUpto": self._ist(valid) if valid else "", "extendedTimes": 0, "rejectStatus": "N",
                "vehicleType": payload.get("vehicleType", "R"), "transporterId": payload.get("transporterId", ""),
                "transporterName": payload.get("transporterName", ""), "itemList": payload.get("itemList", []),
                "VehiclListDetails": []}
        if has_b:
            bill["VehiclListDetails"].append(
                {"updMode": "API", "vehicleNo": payload.get("vehicleNo", ""), "fromPlace": payload.get("fromPlace"),
                 "fromState": payload.get("fromStateCode"), "tripshtNo": 0, "userGSTINTransin": payload.get("fromGstin"),
                 "enteredDate": self._ist(self.now), "transMode": payload.get("transMode"),
                 "transDocNo": payload.get("transDocNo", ""), "transDocDate": payload.get("transDocDate", ""),
                 "groupNo": "0"})
        self.bills[str(number)] = bill
        self.by_doc[key] = str(number)
        alert = "" if int(payload.get("transDistance") or 0) else ", Distance between these two pincodes is 120, "
        return self._ok(sek, {"ewayBillNo": number, "ewayBillDate": bill["ewayBillDate"],
                              "validUpto": bill["validUpto"] or None, "alert": alert})

    def _vehewb(self, payload, sek):
        bill = self.bills.get(str(payload["ewbNo"]))
        if bill is None or bill["status"] != "ACT":
            return self._error("312")
        self.now += timedelta(minutes=1)
        bill["VehiclListDetails"].insert(0,  # NIC lists the newest first
            {"updMode": "API", "vehicleNo": payload.get("vehicleNo", ""), "fromPlace": payload["fromPlace"],
             "fromState": payload["fromState"], "tripshtNo": 0, "userGSTINTransin": self.GSTIN,
             "enteredDate": self._ist(self.now), "transMode": payload["transMode"],
             "transDocNo": payload.get("transDocNo", ""), "transDocDate": payload.get("transDocDate", ""),
             "groupNo": "0"})
        valid = (self.now + timedelta(days=2)).replace(hour=18, minute=29, second=0, microsecond=0)
        bill["validUpto"] = self._ist(valid)
        return self._ok(sek, {"vehUpdDate": self._ist(self.now), "validUpto": bill["validUpto"]})

    def _canewb(self, payload, sek):
        bill = self.bills.get(str(payload["ewbNo"]))
        if bill is None or bill["status"] != "ACT":
            return self._error("312")
        bill["status"] = "CNL"
        return self._ok(sek, {"ewayBillNo": str(payload["ewbNo"]), "cancelDate": self._ist(self.now)})

    def _updatetransporter(self, payload, sek):
        bill = self.bills.get(str(payload["ewbNo"]))
        if bill is None:
            return self._error("312")
        bill["transporterId"] = payload["transporterId"]
        return self._ok(sek, {"ewayBillNo": str(payload["ewbNo"]), "transporterId": payload["transporterId"],
                              "transUpdateDate": self._ist(self.now)})

    def _extendvalidity(self, payload, sek):
        bill = self.bills.get(str(payload["ewbNo"]))
        if bill is None:
            return self._error("312")
        bill["extendedTimes"] += 1
        bill["validUpto"] = self._ist(self.now + timedelta(days=1))
        return self._ok(sek, {"ewayBillNo": str(payload["ewbNo"]), "updatedDate": self._ist(self.now),
                              "validUpto": bill["validUpto"]})

    def _closeewb(self, payload, sek):
        return self._ok(sek, {"ewayBillNo": str(payload["ewbNo"]), "closureDate": self._ist(self.now)})

    def _get(self, name, query):
        if name == "GetEwayBill":
            bill = self.bills.get(query.get("ewbNo"))
            return bill if bill is not None else self._error("325")
        if name == "GetEwayBillGeneratedByConsigner":
            number = self.by_doc.get((query.get("docType"), str(query.get("docNo")).upper()))
            if number is None:
                return self._error("325")
            bill = self.bills[number]
            return {"ewayBillNo": bill["ewbNo"], "ewayBillDate": bill["ewayBillDate"], "validUpto": bill["validUpto"],
                    "status": bill["status"]}
        return self._error("239")

    def payload(self, doc_no=None, **changes):
        """A GENEWAYBILL request of the fake's GSTIN (Bengaluru -> Mysuru, by road)."""
        payload = {"supplyType": "O", "subSupplyType": "1", "docType": "INV", "docNo": doc_no or new_doc_no("E"),
                   "docDate": self.now.strftime("%d/%m/%Y"), "transactionType": 1, "fromGstin": self.GSTIN,
                   "fromTrdName": "Seller", "fromAddr1": "1 MG Road", "fromPlace": "Bengaluru",
                   "fromPincode": 560001, "fromStateCode": 29, "actFromStateCode": 29,
                   "toGstin": "29AWGPV7107B1ZF", "toTrdName": "Buyer", "toAddr1": "2 Palace Road",
                   "toPlace": "Mysuru", "toPincode": 570001, "toStateCode": 29, "actToStateCode": 29,
                   "totalValue": 50000, "cgstValue": 4500, "sgstValue": 4500, "igstValue": 0, "cessValue": 0,
                   "totInvValue": 59000, "transMode": "1", "transDistance": "0", "transporterId": "",
                   "transporterName": "", "vehicleNo": "KA01AB1234", "vehicleType": "R",
                   "itemList": [{"itemNo": 1, "productName": "Laptop", "hsnCode": 847130, "quantity": 2,
                                 "qtyUnit": "NOS", "taxableAmount": 50000, "cgstRate": 9, "sgstRate": 9,
                                 "igstRate": 0, "cessRate": 0}]}
        payload.update(changes)
        return payload


@pytest.fixture
def ewb_fake():
    return FakeEwb()
