"""Our pre-flight and the sandbox (an independent reading of NIC's rules) agree on free lines:
a line given away (taxable value 0, GST rate 18 %, tax 0) passes both, intra- and inter-state,
over real HTTP and crypto. On a zero-value document they differ on purpose: NIC has no rule
against it, our pre-flight refuses it ('total_zero')."""
import pytest

from irp import validation
from sandbox import master

LAPTOP = ("84713010", 1, 44067.8, 18.0)  # 44,067.80 + 18 % = 52,000.00
FREE_SUPPORT = ("998314", 1, 0.0, 18.0)  # given away: 18 % of 0


@pytest.mark.parametrize("buyer", [master.BUYER_KA, master.BUYER_MH], ids=["intra-state", "inter-state"])
def test_free_line_passes_the_preflight_and_the_sandbox(sandbox, make_client, invoice_for, buyer):
    invoice = invoice_for(buyer=buyer, lines=(LAPTOP, FREE_SUPPORT))
    free = invoice["ItemList"][1]
    assert (free["AssAmt"], free["IgstAmt"], free["CgstAmt"], free["SgstAmt"]) == (0.0, 0, 0, 0)
    assert invoice["ValDtls"]["TotInvVal"] == 52000.0
    assert validation.validate_invoice(invoice, today=sandbox.now().date()) == []
    result = make_client().generate_irn(invoice)
    assert len(result.irn) == 64 and result.status == "ACT"
    assert [item["AssAmt"] for item in result.invoice_data["ItemList"]] == [44067.8, 0.0]


def test_zero_value_document_refused_by_us_not_by_the_irp(sandbox, make_client, invoice_for):
    invoice = invoice_for(buyer=master.BUYER_KA, lines=(FREE_SUPPORT,))
    problems = validation.validate_invoice(invoice, today=sandbox.now().date())
    assert [(problem.code, problem.key, problem.path) for problem in problems] == [
        ("local", "total_zero", "ValDtls.TotInvVal")]
    assert len(make_client().generate_irn(invoice).irn) == 64  # the IRP itself would register it
