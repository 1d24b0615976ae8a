"""GSTIN shape and check character (nic-irp-api.md §15), with known answers from published GSTINs."""
import base64
import json
import random
import re
from pathlib import Path

import pytest

from irp import gstin, masters

REPO = Path(__file__).resolve().parents[2]
DATA_DIRS = [REPO.parent / "shared" / "data", Path("/work/shared/data")]
DATA = next((path for path in DATA_DIRS if path.is_dir()), None)
needs_data = pytest.mark.skipif(DATA is None, reason="NIC data folder (../shared/data) not available")

# Published GSTINs: python-stdnum's documentation example, and GSTZen's IRN example (§6).
PUBLISHED_VALID = ["27AAPFU0939F1ZV", "29AAFCC9980M1ZR"]
# NIC's own sandbox test GSTINs carry no valid check character (§15).
NIC_SANDBOX = ["01AMBPG7773M002", "02AMBPG7773M002", "36AMBPG7773M002"]


@pytest.mark.parametrize("value", PUBLISHED_VALID)
def test_published_gstins_are_valid(value):
    assert gstin.check_char(value[:14]) == value[14]
    assert gstin.has_valid_check_digit(value)
    assert gstin.validate_gstin(value) is None


def test_check_char_known_answers():
    assert gstin.check_char("27AAPFU0939F1Z") == "V"
    assert gstin.check_char("29AAFCC9980M1Z") == "R"
    assert gstin.check_char("01AMBPG7773M00") == "Y"
    assert gstin.check_char("27aapfu0939f1z") == "V"  # case-insensitive input


@pytest.mark.parametrize("value", NIC_SANDBOX)
def test_nic_sandbox_gstins_fail_the_check_but_pass_when_relaxed(value):
    assert gstin.is_well_formed(value)
    assert not gstin.has_valid_check_digit(value)
    reason = gstin.validate_gstin(value)
    assert reason and value in reason and "mistyped" in reason
    assert gstin.validate_gstin(value, require_check_digit=False) is None


def test_every_single_character_typo_is_caught():
    value = "27AAPFU0939F1ZV"
    for position in range(14):
        for char in gstin.ALPHABET:
            if char == value[position]:
                continue
            typo = value[:position] + char + value[position + 1:]
            assert not gstin.has_valid_check_digit(typo), typo


def test_matches_python_stdnum_on_random_gstins():
    stdnum_gstin = pytest.importorskip("stdnum.in_.gstin")
    rng = random.Random(20260801)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for _ in range(500):
        state = rng.choice([code for code in masters.STATE_CODES if code not in ("96", "97", "38")])
        pan = "".join(rng.choice(letters) for _ in range(5)) + "%04d" % rng.randrange(1, 10000) + rng.choice(letters)
        if pan[3] not in "ABCFGHLJPTK":  # stdnum checks the PAN holder type letter
            pan = pan[:3] + "C" + pan[4:]
        first14 = state + pan + rng.choice("123456789") + "Z"
        candidate = first14 + gstin.check_char(first14)
        assert stdnum_gstin.is_valid(candidate), candidate
        wrong = first14 + gstin.ALPHABET[(gstin.ALPHABET.index(candidate[14]) + 1) % 36]
        assert not stdnum_gstin.is_valid(wrong)


@pytest.mark.parametrize("value, fragment", [
    ("", "missing"),
    (None, "missing"),
    ("27AAPFU0939F1Z", "15 characters"),
    ("27aapfu0939f1zv", "capital letters"),
    ("2XAAPFU0939F1ZV", "2 digits followed by 13"),
    ("98AAPFU0939F1ZV", "not an Indian state code"),
    ("27AAPFU0939F1ZW", "check-character"),
])
def test_validate_gstin_reasons(value, fragment):
    reason = gstin.validate_gstin(value)
    assert reason is not None and fragment in reason


def test_shape_state_code_and_tcs_marker():
    assert gstin.state_code("27AAPFU0939F1ZV") == "27"
    assert not gstin.is_well_formed("URP")
    tcs = "29AABCF1234A1C"
    tcs += gstin.check_char(tcs)
    assert gstin.is_tcs_gstin(tcs) and gstin.validate_gstin(tcs) is None
    assert not gstin.is_tcs_gstin("27AAPFU0939F1ZV")
    oidar = "9917USA29001OS"  # Centre jurisdiction (99) registrations exist for foreign online services
    assert gstin.validate_gstin(oidar + gstin.check_char(oidar)) is None
    with pytest.raises(ValueError):
        gstin.check_char("27AAPFU0939F1")
    with pytest.raises(ValueError):
        gstin.check_char("27AAPFU0939F1*")


def _jwt_data(token):
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data = claims["data"]
    return json.loads(data) if isinstance(data, str) else data


@needs_data
def test_gstins_in_production_signed_tokens_have_valid_check_characters():
    tokens = json.loads((DATA / "jwts" / "nic_irp_signed_jwts_collected.json").read_text())
    production = [token for token in tokens if token.get("environment_inferred") == "production"]
    assert production
    seen = set()
    for token in production:
        data = _jwt_data(token["jwt"])
        # SignedQRCode data names them SellerGstin/BuyerGstin, SignedInvoice data nests them.
        for flat, section in (("SellerGstin", "SellerDtls"), ("BuyerGstin", "BuyerDtls")):
            value = data.get(flat) or (data.get(section) or {}).get("Gstin")
            if value and value != "URP":
                seen.add(value)
    assert len(seen) >= 4
    for value in seen:
        assert gstin.validate_gstin(value) is None, value


@needs_data
def test_gstins_in_nic_bulk_tool_output_have_valid_check_characters():
    text = (DATA / "nagainvoice" / "ewaybill.txt").read_text()
    recipients = set()
    for line in text.splitlines():
        columns = line.split("\t")
        if len(columns) > 8 and re.fullmatch(r"[0-9]{2}[0-9A-Z]{13}", columns[8]):
            recipients.add(columns[8])
    assert len(recipients) >= 5
    assert [value for value in recipients if not gstin.has_valid_check_digit(value)] == []


@needs_data
def test_nic_sandbox_test_gstins_in_genuine_tokens_fail_the_check():
    tokens = json.loads((DATA / "jwts" / "nic_irp_signed_jwts_collected.json").read_text())
    sellers = {token["seller_gstin"] for token in tokens if token.get("seller_gstin")}
    assert set(NIC_SANDBOX) <= sellers
    for value in NIC_SANDBOX:
        assert not gstin.has_valid_check_digit(value)


# --- forms (GSTN API-portal patterns, as india-compliance's GSTIN_FORMATS and Odoo's check_vat_in) -----------

def _complete(first14):
    return first14 + gstin.check_char(first14)


FORMS = [
    ("27AAPFU0939F1ZV", "regular"),
    ("07DELD12345A1Z", "regular"),             # TAN-based government department form
    ("29AABCF1234A1C", "tcs"),
    ("27AAICA3918J1C", "tcs"),
    ("29BLRA12345B1D", "tds"),                 # TAN-based tax deductor
    ("27AAPFU0939F1D", "tds"),                 # PAN-based tax deductor
    ("0717UNO00157UN", "uin"),                 # UN body
    ("0717USA00001ON", "uin"),                 # other notified person
    ("2717USA12345NR", "nrtp"),
    ("9917USA29001OS", "oidar"),
]


@pytest.mark.parametrize("first, kind", FORMS)
def test_every_form_is_recognised_and_accepted_with_its_check_character(first, kind):
    value = first if len(first) == 15 else _complete(first.strip())
    assert gstin.gstin_kind(value) == kind
    assert gstin.validate_gstin(value) is None
    assert gstin.validate_gstin(value, kinds=(kind,)) is None
    wrong = value[:14] + gstin.ALPHABET[(gstin.ALPHABET.index(value[14]) + 1) % 36]
    assert "mistyped" in gstin.validate_gstin(wrong)


def test_published_special_form_gstins_carry_the_check_character():
    # an OIDAR registration printed on a foreign cloud provider's invoices, and another OIDAR number
    for value in ("9917USA29005OS9", "9924USA29003OSI"):
        assert gstin.gstin_kind(value) == "oidar" and gstin.validate_gstin(value) is None


@pytest.mark.parametrize("value", NIC_SANDBOX)
def test_nic_sandbox_gstins_are_of_no_known_form_but_pass_when_relaxed(value):
    assert gstin.gstin_kind(value) == "unknown"
    assert gstin.validate_gstin(value, require_check_digit=False) is None


def test_kinds_restricts_the_form():
    reason = gstin.validate_gstin("27AAPFU0939F1ZV", kinds=("tcs",))
    assert reason and "TCS" in reason and "regular" in reason
    assert gstin.gstin_kind(None) == "unknown" and gstin.gstin_kind("URP") == "unknown"
    assert gstin.gstin_kind("27aapfu0939f1zv") == "regular"


def test_stdnum_and_the_hand_computation_agree_on_every_form():
    pytest.importorskip("stdnum.luhn")
    rng = random.Random(20261203)
    for first, _kind in FORMS:
        first14 = first[:14]
        assert gstin.check_char(first14) == gstin._check_char_by_hand(first14)
    for _ in range(2000):
        first14 = "".join(rng.choice(gstin.ALPHABET) for _ in range(14))
        assert gstin.check_char(first14) == gstin._check_char_by_hand(first14), first14


def test_stdnum_gstin_module_refuses_valid_special_forms():
    """Why stdnum.in_.gstin.validate is not used as a whole: it refuses valid special forms."""
    stdnum_gstin = pytest.importorskip("stdnum.in_.gstin")
    assert stdnum_gstin.is_valid("27AAPFU0939F1ZV")
    for first in ("29AABCF1234A1C", "9917USA29001OS", "0717UNO00157UN", "2717USA12345NR", "38AAPFU0939F1Z"):
        value = _complete(first)
        assert gstin.validate_gstin(value) is None
        assert not stdnum_gstin.is_valid(value), value
