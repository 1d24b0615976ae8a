"""Authentication (§3), headers (§2) and payload decryption errors (§8.1)."""
import base64
import json
from datetime import timedelta

import pytest
import requests
from sandbox_helpers import AUTH, GSTIN, INVOICE, KA_USER, MH_USER, Nic, codes

from irp import crypto
from sandbox import master
from sandbox.clock import parse_ist


def test_info_and_key_downloads(sandbox):
    info = requests.get(sandbox.url + "/sandbox/info", timeout=5).json()
    assert info["client_id"] == master.CLIENT_ID and info["client_secret"] == master.CLIENT_SECRET
    assert {"gstin": KA_USER["gstin"], "user_name": KA_USER["user_name"], "password": KA_USER["password"]} \
        in info["users"]
    by_gstin = {entry["gstin"]: entry for entry in info["gstins"]}
    assert by_gstin[master.BUYER_CANCELLED["gstin"]]["status"] == "CNL"
    assert by_gstin[master.BUYER_BLOCKED["gstin"]]["blk_status"] == "B"
    assert info["token_minutes"] == 360
    parse_ist(info["now"])  # IST 'yyyy-MM-dd HH:mm:ss'

    encryption = requests.get(sandbox.url + "/sandbox/keys/encryption.pem", timeout=5)
    assert encryption.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert crypto.load_public_key(encryption.content).key_size == 2048
    signing = requests.get(sandbox.url + "/sandbox/keys/signing.pem", timeout=5)
    certificate = crypto.load_certificate(signing.content)
    assert crypto.kid_of(certificate) == info["signing_kid"]
    # two different key pairs: one to encrypt the handshake, one to sign invoices
    assert certificate.public_key().public_numbers() != crypto.load_public_key(encryption.content).public_numbers()


def test_authenticate_returns_token_and_sek(sandbox):
    nic = Nic(sandbox)
    envelope = nic.authenticate()
    assert envelope["Status"] == 1 and envelope["ErrorDetails"] is None and envelope["InfoDtls"] is None
    data = envelope["Data"]
    assert set(data) == {"ClientId", "UserName", "AuthToken", "Sek", "TokenExpiry"}
    assert data["ClientId"] == master.CLIENT_ID and data["UserName"] == KA_USER["user_name"]
    assert len(base64.b64decode(data["Sek"])) == 48 and len(nic.sek) == 32
    expiry = parse_ist(data["TokenExpiry"])
    minutes = (expiry - sandbox.now()).total_seconds() / 60
    assert 359 <= minutes <= 360


def test_same_token_inside_validity_and_new_sek_wrapping(sandbox):
    first, second = Nic(sandbox).login(), Nic(sandbox).login()
    assert first.token == second.token
    assert first.sek == second.sek  # same session key, wrapped in each caller's own AppKey
    assert first.auth_data["Sek"] != second.auth_data["Sek"]


def test_force_refresh_only_in_last_ten_minutes(sandbox):
    nic = Nic(sandbox, user=MH_USER).login()
    token = nic.token
    nic.authenticate(force=True)
    assert nic.token == token  # far from expiry: force refresh is ignored
    sandbox.advance_clock(minutes=360 - 9)
    nic.authenticate(force=False)
    assert nic.token == token  # without the flag the old token is returned until it expires
    nic.authenticate(force=True)
    assert nic.token != token
    expiry = parse_ist(nic.auth_data["TokenExpiry"])
    assert (expiry - sandbox.now()).total_seconds() > 359 * 60


def test_expired_token_gives_1005_and_reauth_gives_new_token(sandbox, today):
    nic = Nic(sandbox, user=MH_USER).login()
    old_token = nic.token
    assert nic.get(GSTIN + master.BUYER_KA["gstin"])["Status"] == 1
    sandbox.set_clock(parse_ist(nic.auth_data["TokenExpiry"]) + timedelta(seconds=1))
    envelope = nic.get(GSTIN + master.BUYER_KA["gstin"])
    assert envelope["Status"] == 0 and codes(envelope) == ["1005"]
    nic.login()
    assert nic.token != old_token
    assert nic.get(GSTIN + master.BUYER_KA["gstin"])["Status"] == 1


def test_token_minutes_is_configurable():
    from sandbox.testing import RunningSandbox

    with RunningSandbox(token_minutes=60) as short:
        nic = Nic(short).login()
        minutes = (parse_ist(nic.auth_data["TokenExpiry"]) - short.now()).total_seconds() / 60
        assert 59 <= minutes <= 60
        assert short.info["token_minutes"] == 60


@pytest.mark.parametrize("change, code", [
    ({"client_id": None}, "1011"),
    ({"client_secret": None}, "1012"),
    ({"client_id": "WRONGCLIENT"}, "1010"),
    ({"client_secret": "wrong"}, "1010"),
    ({"Gstin": None}, "1004"),
])
def test_auth_header_errors(sandbox, change, code):
    nic = Nic(sandbox)
    headers = {name: value for name, value in dict(nic.auth_headers(), **change).items() if value is not None}
    envelope = nic.authenticate(headers=headers)
    assert envelope["Status"] == 0 and codes(envelope) == [code] and envelope["Data"] is None


def test_auth_credential_errors(sandbox):
    nic = Nic(sandbox)
    assert codes(nic.authenticate(user_name="nobody")) == ["1017"]
    assert codes(nic.authenticate(password="wrong-password")) == ["1019"]
    # a user of another GSTIN is not a user of this one
    assert codes(nic.authenticate(user_name=MH_USER["user_name"], password=MH_USER["password"])) == ["1017"]
    other_client = Nic(sandbox, client_id=master.OTHER_CLIENT_ID, client_secret=master.OTHER_CLIENT_SECRET)
    assert codes(other_client.authenticate()) == ["1018"]


def test_auth_payload_errors(sandbox):
    nic = Nic(sandbox)
    assert codes(nic.authenticate(body={})) == ["1007"]
    assert codes(nic.authenticate(body={"Data": ""})) == ["1007"]
    # encrypted with some other public key: the sandbox cannot decrypt it
    from cryptography.hazmat.primitives.asymmetric import rsa

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    data = crypto.build_auth_data(stranger, KA_USER["user_name"], KA_USER["password"], crypto.new_app_key())
    assert codes(nic.authenticate(body={"Data": data})) == ["1013"]
    # an AppKey that is not 32 bytes
    payload = json.dumps({"UserName": KA_USER["user_name"], "Password": KA_USER["password"], "AppKey": "c2hvcnQ=",
                          "ForceRefreshAccessToken": False})
    data = base64.b64encode(crypto.rsa_encrypt(nic.public_key, base64.b64encode(payload.encode()))).decode()
    assert codes(nic.authenticate(body={"Data": data})) == ["1016"]
    # empty credentials
    payload = json.dumps({"UserName": "", "Password": "", "AppKey": base64.b64encode(b"k" * 32).decode()})
    data = base64.b64encode(crypto.rsa_encrypt(nic.public_key, base64.b64encode(payload.encode()))).decode()
    assert codes(nic.authenticate(body={"Data": data})) == ["1008"]


@pytest.mark.parametrize("change, code", [
    ({"client_id": None}, "1011"),
    ({"client_secret": None}, "1012"),
    ({"client_secret": "wrong"}, "1010"),
    ({"Gstin": None}, "1004"),
    ({"user_name": None}, "1006"),
    ({"AuthToken": None}, "1005"),
    ({"AuthToken": "NotARealToken123"}, "1005"),
    ({"user_name": "someone_else"}, "1005"),
    ({"Gstin": master.SELLER_MH["gstin"]}, "1015"),
])
def test_call_header_errors(nic, change, code):
    envelope = nic.get(GSTIN + master.BUYER_KA["gstin"], headers=nic.headers(**change))
    assert envelope["Status"] == 0 and codes(envelope) == [code]


def test_headers_accept_hyphens_and_any_case(nic):
    headers = {"CLIENT-ID": nic.client_id, "Client-Secret": nic.client_secret, "gstin": nic.user["gstin"],
               "User-Name": nic.user["user_name"], "authtoken": nic.token}
    envelope = nic.get(GSTIN + master.BUYER_KA["gstin"], headers=headers)
    assert envelope["Status"] == 1
    assert nic.data(envelope)["Gstin"] == master.BUYER_KA["gstin"]


def test_corrupt_or_empty_payload(nic):
    response = nic.post_raw(INVOICE, {"Data": base64.b64encode(b"not AES at all!!" * 3).decode()})
    envelope = response.json()
    assert response.status_code == 200 and envelope["Status"] == 0 and codes(envelope) == ["1020"]
    stranger_sek = crypto.new_app_key()
    envelope = nic.post_raw(INVOICE, {"Data": crypto.encrypt_json(stranger_sek, {"Version": "1.1"})}).json()
    assert codes(envelope) == ["1020"]
    assert codes(nic.post_raw(INVOICE, {"Data": ""}).json()) == ["5003"]
    assert codes(nic.post_raw(INVOICE, {}).json()) == ["5003"]
    envelope = nic.post_raw(INVOICE, {"Data": crypto.encrypt_json(nic.sek, ["not", "an", "object"])}).json()
    assert codes(envelope) == ["2140"]


def test_unknown_path_and_wrong_method(sandbox):
    assert requests.get(sandbox.url + "/eicore/v1.03/Nothing", timeout=5).status_code == 404
    assert requests.get(sandbox.url + AUTH, timeout=5).status_code == 405


def test_paths_are_case_insensitive(nic):
    envelope = nic.get("/EIVITAL/v1.04/master/GSTIN/" + master.BUYER_KA["gstin"])
    assert envelope["Status"] == 1
