"""Helpers of the sandbox tests: a bare NIC caller built from requests + irp.crypto
only (the real irp client is tested elsewhere, against this sandbox), and an
invoice builder whose arithmetic is right by construction.

A module of its own (not conftest) so that test modules import it by a name no
other test folder uses."""
import uuid

import requests

from irp import crypto
from sandbox import master

AUTH = "/eivital/v1.04/auth"
INVOICE = "/eicore/v1.03/Invoice"
CANCEL = "/eicore/v1.03/Invoice/Cancel"
BY_IRN = "/eicore/v1.03/Invoice/irn/"
BY_DOC = "/eicore/v1.03/Invoice/irnbydocdetails"
GSTIN = "/eivital/v1.04/Master/gstin/"
SYNC = "/eivital/v1.03/Master/syncgstin/"
EWB = "/eiewb/v1.03/ewaybill"
EWB_BY_IRN = "/eiewb/v1.03/ewaybill/irn/"
EWB_CANCEL = "/ewaybillapi/v1.03/ewayapi"

KA_USER = next(user for user in master.USERS if user["gstin"] == master.SELLER_KA["gstin"])
MH_USER = next(user for user in master.USERS if user["gstin"] == master.SELLER_MH["gstin"])


def codes(envelope):
    return [detail["ErrorCode"] for detail in envelope.get("ErrorDetails") or []]


class Nic:
    """Speaks the NIC protocol by hand: headers, RSA auth, AES payloads."""

    def __init__(self, sandbox, user=KA_USER, client_id=None, client_secret=None, timeout=10):
        self.sandbox = sandbox
        self.url = sandbox.url
        self.user = dict(user)
        self.client_id = client_id or sandbox.client_id
        self.client_secret = client_secret or sandbox.client_secret
        self.public_key = crypto.load_public_key(sandbox.encryption_public_pem)
        self.http = requests.Session()
        self.timeout = timeout
        self.token = self.sek = None
        self.auth_data = None

    def auth_headers(self):
        return {"client_id": self.client_id, "client_secret": self.client_secret, "Gstin": self.user["gstin"]}

    def authenticate(self, force=False, user_name=None, password=None, headers=None, body=None):
        app_key = crypto.new_app_key()
        data = crypto.build_auth_data(self.public_key, user_name or self.user["user_name"],
                                      password or self.user["password"], app_key, force)
        response = self.http.post(self.url + AUTH, json=body if body is not None else {"Data": data},
                                  headers=headers if headers is not None else self.auth_headers(),
                                  timeout=self.timeout)
        assert response.status_code == 200, response.text
        envelope = response.json()
        if envelope["Status"] == 1:
            self.auth_data = envelope["Data"]
            self.token = envelope["Data"]["AuthToken"]
            self.sek = crypto.decrypt_sek(app_key, envelope["Data"]["Sek"])
        return envelope

    def login(self):
        envelope = self.authenticate()
        assert envelope["Status"] == 1, envelope
        return self

    def headers(self, **changes):
        headers = dict(self.auth_headers(), user_name=self.user["user_name"], AuthToken=self.token)
        headers.update(changes)
        return {name: value for name, value in headers.items() if value is not None}

    def post_raw(self, path, body, headers=None):
        return self.http.post(self.url + path, json=body, headers=headers or self.headers(), timeout=self.timeout)

    def post(self, path, payload, headers=None):
        response = self.post_raw(path, {"Data": crypto.encrypt_json(self.sek, payload)}, headers)
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, path, params=None, headers=None):
        response = self.http.get(self.url + path, params=params, headers=headers or self.headers(),
                                 timeout=self.timeout)
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, envelope):
        assert envelope["Status"] == 1, envelope
        return crypto.decrypt_json(self.sek, envelope["Data"])

    # shortcuts
    def generate(self, invoice):
        return self.post(INVOICE, invoice)

    def generated(self, invoice):
        return self.data(self.generate(invoice))

    def cancel(self, irn, reason="2", remark="Data entry mistake"):
        return self.post(CANCEL, {"Irn": irn, "CnlRsn": reason, "CnlRem": remark})

    def ewaybill(self, irn, **fields):
        return self.post(EWB, {"Irn": irn, "Distance": 0, **fields})

    def cancel_ewaybill(self, ewb_no, reason="2", remark="Order cancelled"):
        body = {"action": "CANEWB", "data": crypto.encrypt_json(self.sek, {
            "ewbNo": ewb_no, "cancelRsnCode": reason, "cancelRmrk": remark})}
        response = self.post_raw(EWB_CANCEL, body)
        assert response.status_code == 200, response.text
        return response.json()


def new_doc_no():
    return "SBX/" + uuid.uuid4().hex[:10].upper()


def make_invoice(today, *, seller=master.SELLER_KA, buyer=master.BUYER_MH, doc_no=None, doc_type="INV",
                 doc_date=None, sup_type="B2B", items=None, pos=None, ship=None, dispatch=None, ewb=None,
                 export=None, igst_on_intra=False):
    """A Generate IRN payload with consistent arithmetic.

    items: (hsn, qty, unit_price, gst_rate, is_service) tuples. Intra-state
    (seller state = place of supply, B2B/DEXP) is taxed CGST+SGST, anything
    else IGST (EXPWOP/SEZWOP without tax).
    """
    items = items or [("84713010", 2, 45000.0, 18, False)]
    if buyer == "URP":
        buyer_block = {"Gstin": "URP", "LglNm": "Gulf Trading LLC", "Pos": "96", "Addr1": "Sheikh Zayed Road 12",
                       "Loc": "Dubai", "Pin": 999999, "Stcd": "96"}
    else:
        buyer_block = {"Gstin": buyer["gstin"], "LglNm": buyer["legal_name"], "TrdNm": buyer["trade_name"],
                       "Pos": pos or buyer["state_code"], "Addr1": buyer["addr1"], "Loc": buyer["loc"],
                       "Pin": buyer["pin"], "Stcd": buyer["state_code"]}
    pos = buyer_block["Pos"]
    intra = sup_type in ("B2B", "DEXP") and pos == seller["state_code"] and not igst_on_intra
    without_tax = sup_type in ("EXPWOP", "SEZWOP")
    lines, sums = [], dict.fromkeys(("AssVal", "CgstVal", "SgstVal", "IgstVal"), 0.0)
    for number, (hsn, qty, price, rate, service) in enumerate(items, start=1):
        assessable = round(qty * price, 2)
        half = 0.0 if without_tax else round(assessable * rate / 200, 2)
        igst = 0.0 if without_tax or intra else round(assessable * rate / 100, 2)
        cgst = sgst = half if intra else 0.0
        line = {"SlNo": str(number), "PrdDesc": f"Item {number}", "IsServc": "Y" if service else "N", "HsnCd": hsn,
                "Qty": qty, "Unit": "NOS", "UnitPrice": price, "TotAmt": assessable, "Discount": 0,
                "AssAmt": assessable, "GstRt": rate, "IgstAmt": igst, "CgstAmt": cgst, "SgstAmt": sgst,
                "TotItemVal": round(assessable + igst + cgst + sgst, 2)}
        lines.append(line)
        sums["AssVal"] += assessable
        sums["CgstVal"] += cgst
        sums["SgstVal"] += sgst
        sums["IgstVal"] += igst
    sums = {key: round(value, 2) for key, value in sums.items()}
    tran = {"TaxSch": "GST", "SupTyp": sup_type, "RegRev": "N"}
    if igst_on_intra:
        tran["IgstOnIntra"] = "Y"
    invoice = {
        "Version": "1.1",
        "TranDtls": tran,
        "DocDtls": {"Typ": doc_type, "No": doc_no or new_doc_no(), "Dt": doc_date or today.strftime("%d/%m/%Y")},
        "SellerDtls": {"Gstin": seller["gstin"], "LglNm": seller["legal_name"], "TrdNm": seller["trade_name"],
                       "Addr1": seller["addr1"], "Loc": seller["loc"], "Pin": seller["pin"],
                       "Stcd": seller["state_code"]},
        "BuyerDtls": buyer_block,
        "ItemList": lines,
        "ValDtls": {**sums, "Discount": 0, "OthChrg": 0, "RndOffAmt": 0,
                    "TotInvVal": round(sum(line["TotItemVal"] for line in lines), 2)},
    }
    if dispatch:
        invoice["DispDtls"] = dispatch
    if ship:
        invoice["ShipDtls"] = ship
    if export:
        invoice["ExpDtls"] = export
    if ewb:
        invoice["EwbDtls"] = ewb
    return invoice
