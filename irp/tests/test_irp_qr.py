"""Which signed QR codes may be printed: a real QR signed by the sandbox over HTTP,
compared with the document it is printed on."""
import copy

from irp import qr
from irp.policy import Registered, register


def test_the_signed_qr_describes_its_own_document(make_client, invoice_for):
    payload = invoice_for()
    outcome = register(make_client(), payload)
    assert isinstance(outcome, Registered)
    token = outcome.result.signed_qr_code
    assert qr.qr_differences(token, payload) == []
    assert qr.printable("generated", token, payload)
    lower = copy.deepcopy(payload)
    lower["DocDtls"]["No"] = lower["DocDtls"]["No"].lower()  # numbers are case-insensitive at the IRP
    assert qr.printable("generated", token, lower)


def test_no_qr_for_other_amounts_buyers_numbers_or_a_cancelled_irn(make_client, invoice_for):
    payload = invoice_for()
    token = register(make_client(), payload).result.signed_qr_code
    changed = copy.deepcopy(payload)
    changed["ValDtls"]["TotInvVal"] = round(payload["ValDtls"]["TotInvVal"] - 3776, 2)
    changed["BuyerDtls"]["Gstin"] = "29AAACB1234C1ZB"
    changed["DocDtls"]["No"] = payload["DocDtls"]["No"] + "A"
    assert qr.qr_differences(token, changed) == ["DocNo", "BuyerGstin", "TotInvVal"]
    assert not qr.printable("generated", token, changed)
    within_a_rupee = copy.deepcopy(payload)
    within_a_rupee["ValDtls"]["TotInvVal"] = payload["ValDtls"]["TotInvVal"] + 0.99
    assert qr.printable("generated", token, within_a_rupee)
    assert not qr.printable("cancelled", token, payload)
    assert not qr.printable("generated", "not-a-token", payload)
    assert not qr.printable("generated", token, None)
