"""A bare caller of the sandbox's e-way bill system API (nic-ewb-api.md §2-§4), built from
requests + irp.crypto primitives only, and a GENEWAYBILL payload builder."""
import base64
import hashlib
import hmac
import json
import uuid

import requests

from irp import crypto
from sandbox import ewb_master, master

KA_EWB = next(user for user in ewb_master.EWB_USERS if user["gstin"] == master.SELLER_KA["gstin"])
MH_EWB = next(user for user in ewb_master.EWB_USERS if user["gstin"] == master.SELLER_MH["gstin"])
TRANSPORTER_EWB = next(user for user in ewb_master.EWB_USERS if user["gstin"] == master.TRANSPORTER["gstin"])
BUYER_EWB = next(user for user in ewb_master.EWB_USERS if user["gstin"] == master.BUYER_MH["gstin"])


def error_codes(envelope):
    """['702'] from {"status": "0", "error": base64 of {"errorCodes": "702"}}."""
    assert envelope["status"] == "0", envelope
    return json.loads(base64.b64decode(envelope["error"]))["errorCodes"].split(",")


class Ewb:
    def __init__(self, sandbox, user=KA_EWB, hyphens=True, timeout=10):
        self.sandbox = sandbox
        self.base = sandbox.ewb_url
        self.user = dict(user)
        self.hyphens = hyphens
        self.public_key = crypto.load_public_key(sandbox.encryption_public_pem)
        self.http = requests.Session()
        self.timeout = timeout
        self.token = self.sek = None

    def client_headers(self, **changes):
        sep = "-" if self.hyphens else "_"
        headers = {f"client{sep}id": self.sandbox.client_id, f"client{sep}secret": self.sandbox.client_secret,
                   "gstin": self.user["gstin"], "authtoken": self.token}
        headers.update(changes)
        return {name: value for name, value in headers.items() if value is not None}

    def auth_body(self, username=None, password=None, app_key=None, action="ACCESSTOKEN"):
        app_key = app_key or crypto.new_app_key()
        payload = json.dumps({"action": action, "username": username or self.user["username"],
                              "password": password or self.user["password"],
                              "app_key": base64.b64encode(app_key).decode()})
        data = base64.b64encode(crypto.rsa_encrypt(self.public_key, base64.b64encode(payload.encode()))).decode()
        return {"Data": data}, app_key

    def authenticate(self, headers=None, **fields):
        body, app_key = self.auth_body(**fields)
        response = self.http.post(self.base + "/auth", json=body, headers=headers or self.client_headers(
            authtoken=None), timeout=self.timeout)
        assert response.status_code == 200, response.text
        envelope = response.json()
        if envelope["status"] == "1":
            self.token = envelope["authtoken"]
            self.sek = crypto.decrypt_sek(app_key, envelope["sek"])
        return envelope

    def login(self):
        envelope = self.authenticate()
        assert envelope["status"] == "1", envelope
        return self

    def post(self, action, payload, path="/ewayapi", headers=None, data_key="data"):
        body = {"action": action, data_key: crypto.encrypt_json(self.sek, payload)}
        response = self.http.post(self.base + path, json=body, headers=headers or self.client_headers(),
                                  timeout=self.timeout)
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, action, payload):
        envelope = self.post(action, payload)
        assert envelope["status"] == "1", (envelope, envelope.get("error") and error_codes(envelope))
        return crypto.decrypt_json(self.sek, envelope["data"])

    def codes(self, action, payload):
        return error_codes(self.post(action, payload))

    def get(self, method, **params):
        response = self.http.get(f"{self.base}/ewayapi/{method}", params=params, headers=self.client_headers(),
                                 timeout=self.timeout)
        assert response.status_code == 200, response.text
        return response.json()

    def open_get(self, envelope):
        """rek = AES(SEK)^-1(rek); data = AES(rek)^-1(data); hmac checked."""
        assert envelope["status"] == "1", (envelope, envelope.get("error") and error_codes(envelope))
        rek = crypto.aes_decrypt(self.sek, base64.b64decode(envelope["rek"]))
        text = crypto.aes_decrypt(rek, base64.b64decode(envelope["data"]))
        expected = base64.b64encode(hmac.new(rek, base64.b64encode(text), hashlib.sha256).digest()).decode()
        assert envelope["hmac"] == expected
        return json.loads(text)

    def get_ewaybill(self, ewb_no):
        return self.open_get(self.get("GetEwayBill", ewbNo=ewb_no))


def new_doc_no():
    return "EWB/" + uuid.uuid4().hex[:8].upper()


def ewb_payload(today, *, seller=master.SELLER_KA, buyer=master.BUYER_MH, doc_no=None, doc_type="INV",
                doc_date=None, distance=0, vehicle="KA01AB1234", mode="1", vehicle_type="R", **more):
    """A GENEWAYBILL payload (NIC's keys) for one item of 2 x 45,000 at 18 %, IGST or CGST+SGST."""
    intra = seller["state_code"] == buyer["state_code"]
    taxable = 90000.0
    tax = round(taxable * 0.18, 2)
    payload = {
        "supplyType": "O", "subSupplyType": "1", "docType": doc_type, "docNo": doc_no or new_doc_no(),
        "docDate": (doc_date or today).strftime("%d/%m/%Y"), "transactionType": 1,
        "fromGstin": seller["gstin"], "fromTrdName": seller["trade_name"], "fromAddr1": seller["addr1"],
        "fromAddr2": "", "fromPlace": seller["loc"], "fromPincode": int(seller["pin"]),
        "fromStateCode": int(seller["state_code"]), "actFromStateCode": int(seller["state_code"]),
        "toGstin": buyer["gstin"], "toTrdName": buyer["trade_name"], "toAddr1": buyer["addr1"], "toAddr2": "",
        "toPlace": buyer["loc"], "toPincode": int(buyer["pin"]), "toStateCode": int(buyer["state_code"]),
        "actToStateCode": int(buyer["state_code"]),
        "totalValue": taxable, "cgstValue": tax / 2 if intra else 0, "sgstValue": tax / 2 if intra else 0,
        "igstValue": 0 if intra else tax, "cessValue": 0, "cessNonAdvolValue": 0, "otherValue": 0,
        "totInvValue": taxable + tax, "transMode": mode, "transDistance": str(distance),
        "transporterId": "", "transporterName": "", "transDocNo": "", "transDocDate": "",
        "vehicleNo": vehicle, "vehicleType": vehicle_type,
        "itemList": [{"itemNo": 1, "productName": "Laptop", "productDesc": "Laptop 14 inch", "hsnCode": 84713010,
                      "quantity": 2, "qtyUnit": "NOS", "taxableAmount": taxable,
                      "cgstRate": 9 if intra else 0, "sgstRate": 9 if intra else 0, "igstRate": 0 if intra else 18,
                      "cessRate": 0, "cessNonAdvol": 0}],
    }
    payload.update(more)
    return payload


def part_b(ewb_no, vehicle="KA05MN4321", reason="1", remark="Vehicle broke down", **more):
    return {"ewbNo": ewb_no, "vehicleNo": vehicle, "fromPlace": "Tumakuru", "fromState": 29, "reasonCode": reason,
            "reasonRem": remark, "transDocNo": "", "transDocDate": "", "transMode": "1", "vehicleType": "R", **more}


def extension(ewb_no, remaining=150, **more):
    return {"ewbNo": ewb_no, "vehicleNo": "KA01AB1234", "fromPlace": "Pune", "fromState": 27, "fromPincode": 411026,
            "remainingDistance": remaining, "transDocNo": "", "transDocDate": "", "transMode": "1",
            "extnRsnCode": 1, "extnRemarks": "Flood on the highway", "consignmentStatus": "M", "transitType": "",
            "addressLine1": "", "addressLine2": "", "addressLine3": "", **more}
