"""Structured problems: every key has an English template its params fill, the params carry the
facts (values, limits, item numbers), free lines pass and a zero-value document is refused."""
import copy
import re

import pytest
import test_irp_validation as base
from test_irp_rules_calendar import calendar_problems
from test_irp_validation import DELETE, TODAY, _set, _steps, b2b_inter, b2b_intra, line, with_totals

from irp import validation
from irp.validation import LOCAL_CODE, SCHEMA_CODE, TEMPLATES, Problem, validate_invoice

# Keys no payload can reach with NIC's schemas (every pattern they use has a format of its own,
# every keyword a key of its own): kept as safety nets for a future schema.
UNREACHABLE = {"format_other", "schema_other"}


def _long(text, length):
    return (text * length)[:length]


# (base payload, mutation, expected key, expected path) for the keys the rule tables do not reach.
EXTRA = [
    (b2b_inter, _set("DocDtls.Dt", "2026-08-18"), "format_date", "DocDtls.Dt"),
    (b2b_inter, _set("SellerDtls.Stcd", "0"), "format_state_code", "SellerDtls.Stcd"),
    (b2b_inter, _set("SellerDtls.Gstin", "29aafcc9980m1zr"), "format_gstin", "SellerDtls.Gstin"),
    (b2b_inter, _set("BuyerDtls.Gstin", "27-APFU0939F1ZV"), "format_gstin_or_urp", "BuyerDtls.Gstin"),
    (b2b_inter, _set("BuyerDtls.LglNm", 'Pune "Tools" LLP'), "format_free_text", "BuyerDtls.LglNm"),
    (b2b_inter, _set("SellerDtls.Ph", "080-2345678"), "format_phone", "SellerDtls.Ph"),
    (b2b_inter, _set("SellerDtls.Em", "accounts at bfpl"), "format_email", "SellerDtls.Em"),
    (b2b_inter, _set("ItemList.0.HsnCd", "84AB3010"), "format_hsn", "ItemList[0].HsnCd"),
    (b2b_inter, _set("ItemList.0.SlNo", "A1"), "format_serial_number", "ItemList[0].SlNo"),
    (b2b_inter, _set("ItemList.0.Unit", "N0S"), "format_unit", "ItemList[0].Unit"),
    (b2b_inter, _set("TranDtls.SupTyp", "B2C"), "format_supply_type", "TranDtls.SupTyp"),
    (base.export, _set("ExpDtls.CntCode", "ae"), "format_country", "ExpDtls.CntCode"),
    (base.export, _set("ExpDtls.Port", "IN-MAA"), "format_port", "ExpDtls.Port"),
    (base.export, _set("ExpDtls.ForCur", "US1"), "format_currency", "ExpDtls.ForCur"),
    (base.with_ewaybill, _set("EwbDtls.TransDocNo", "LR 12"), "format_transport_doc_number", "EwbDtls.TransDocNo"),
    (base.with_ewaybill, _set("EwbDtls.VehNo", "KA 01 AB 1234"), "format_vehicle_number", "EwbDtls.VehNo"),
    (b2b_inter, _set("BuyerDtls.LglNm", _long("Pune Tools ", 101)), "too_long", "BuyerDtls.LglNm"),
    (b2b_inter, _set("ItemList.0.Discount", -10.0), "below_minimum", "ItemList[0].Discount"),
]


def _igst_on_intra_with_cgst(payload):
    payload["TranDtls"]["IgstOnIntra"] = "Y"


@pytest.mark.parametrize("factory, mutation, key, path", EXTRA, ids=[case[2] for case in EXTRA])
def test_schema_formats_have_keys_of_their_own(factory, mutation, key, path):
    payload = factory()
    mutation(payload)
    problems = validate_invoice(payload, today=TODAY)
    assert (key, path) in {(problem.key, problem.path) for problem in problems}, problems
    problem = next(problem for problem in problems if problem.key == key)
    assert problem.code == SCHEMA_CODE
    assert "value" in problem.params and str(problem.params["value"]) in problem.message


def _all_problems():
    """Problems of every rule table of the validation tests, and of the extra cases above."""
    for _rule_id, factory, mutation, _code, _path, kwargs in base.RULES:
        yield from validate_invoice(base._mutated(factory, mutation), today=TODAY, **kwargs)
    for _rule_id, payload, invoice, _code, _path in base.EWB_RULES:
        yield from validation.validate_ewaybill(payload, invoice=invoice() if invoice else None, today=TODAY)
    for factory, mutation, _key, _path in EXTRA:
        payload = factory()
        mutation(payload)
        yield from validate_invoice(payload, today=TODAY)
    intra = b2b_intra()
    _igst_on_intra_with_cgst(intra)
    yield from validate_invoice(intra, today=TODAY)
    yield from validate_invoice([])
    yield from validate_invoice(_free_invoice(b2b_intra, all_free=True), today=TODAY)
    yield from validation.validate_cancel("x", "9", "")
    yield from validation.validate_cancel("x", "1", "x" * 101)
    yield from validation.validate_cancel("x", "1", 'said "no"')
    yield from validation.validate_ewaybill_cancel("1", "9", "ok")
    yield from calendar_problems()
    for value in ("", "29AAFCC9980M1Z", "29aafcc9980m1zr", "29AAFCC9980M1-R", "98AAFCC9980M1ZR", "29AAFCC9980M1ZS"):
        problem = validation.gstin_problem("BuyerDtls.Gstin", value)
        if problem:
            yield problem


def test_every_key_has_an_english_template_that_its_params_fill():
    produced = {}
    for problem in _all_problems():
        assert problem.key in TEMPLATES, problem
        text = problem.render(TEMPLATES[problem.key])
        assert text, problem  # every named parameter of the template is in the params
        assert problem.message[0].isupper() and text[1:] in problem.message
        produced.setdefault(problem.key, problem)
    assert set(TEMPLATES) - set(produced) == UNREACHABLE
    assert not UNREACHABLE - set(TEMPLATES)


def test_templates_are_well_formed_and_end_without_the_code():
    for key, template in TEMPLATES.items():
        names = set(re.findall(r"%\((\w+)\)", template))
        params = {name: 1 for name in names}
        assert template % params, key  # "%(x)s" syntax, '%%' for a percent sign
        assert not re.search(r"\(\d{4}\)$", template), key  # the code is added by Problem.message
        assert not template.endswith("."), key  # a clause that follows "<where>: "


# --- structured params and paths --------------------------------------------------------------------

def test_params_carry_the_facts_not_sentences():
    payload = b2b_inter()
    payload["DocDtls"]["Dt"] = "21/08/2026"
    payload["SellerDtls"]["Pin"] = 400001
    payload["ItemList"][1]["SlNo"] = "1"
    payload["ItemList"][0]["IgstAmt"] = 150.0
    payload["ItemList"][0]["TotItemVal"] = 1150.0
    with_totals(payload)
    found = {problem.key: problem for problem in validate_invoice(payload, today=TODAY)}
    assert found["doc_date_future"] == Problem("DocDtls.Dt", "2163", "doc_date_future",
                                               {"date": "21/08/2026", "today": "20/08/2026"})
    assert found["pin_state_mismatch"].params == {"pin": 400001, "state": "29", "state_name": "Karnataka"}
    assert found["duplicate_serial"].params == {"serial": "1", "other_item": 1}
    assert found["duplicate_serial"].path == "ItemList[1].SlNo"
    assert found["igst_amount"].params == {"igst": 150.0, "rate": 18.0, "taxable": 1000.0, "expected": 180.0}
    assert str(found["igst_amount"]) == "Item 1: IGST 150.00 should be 18% of the taxable value 1000.00 = 180.00 (2235)"


def test_schema_params_hold_limits_and_values():
    payload = b2b_inter()
    payload["SellerDtls"]["LglNm"] = "AB"
    del payload["BuyerDtls"]["Loc"]
    problems = {problem.path: problem for problem in validate_invoice(payload, today=TODAY)}
    assert problems["SellerDtls.LglNm"] == Problem("SellerDtls.LglNm", "schema", "too_short",
                                                   {"value": "AB", "min_length": 3})
    assert problems["BuyerDtls.Loc"].key == "required" and problems["BuyerDtls.Loc"].field == "Loc"
    assert str(problems["BuyerDtls.Loc"]) == "Buyer: city/place (Loc) is missing"


def test_paths_are_parsed_into_sections_items_and_fields():
    problem = Problem("ItemList[12].HsnCd", "2176", "hsn_unknown", {"hsn": "1234"})
    assert (problem.section, problem.field, validation.item_index(problem.path)) == ("ItemList", "HsnCd", 12)
    assert validation.path_parts("RefDtls.PrecDocDtls[0].InvDt") == ["RefDtls", "PrecDocDtls", 0, "InvDt"]
    assert validation.format_path(["RefDtls", "PrecDocDtls", 0, "InvDt"]) == "RefDtls.PrecDocDtls[0].InvDt"
    assert validation.where_words("RefDtls.PrecDocDtls[0].InvDt") == "Reference details, preceding document 1"
    assert validation.item_index("ValDtls.TotInvVal") is None and validation.item_index("") is None
    whole = Problem("ItemList[3]", "schema", "wrong_type", {"expected": "object", "value": "'x'"})
    assert whole.field is None and str(whole) == "Item 4: entry must be of type object, not 'x'"


def test_problems_compare_and_hash_by_value():
    one = Problem("DocDtls.Dt", "2163", "doc_date_future", {"date": "21/08/2026", "today": "20/08/2026"})
    same = Problem("DocDtls.Dt", "2163", "doc_date_future", {"date": "21/08/2026", "today": "20/08/2026"})
    assert one == same and hash(one) == hash(same) and len({one, same}) == 1
    assert one != Problem("DocDtls.Dt", "2163", "doc_date_future", {"date": "22/08/2026", "today": "20/08/2026"})


def test_an_unknown_key_or_missing_param_still_reads():
    stray = Problem("DocDtls.No", "2999", "brand_new_rule", {"value": "X"})
    assert stray.message.startswith("Document: brand_new_rule") and stray.message.endswith("(2999)")
    short = Problem("DocDtls.Dt", "2163", "doc_date_future", {"date": "21/08/2026"})  # 'today' missing
    assert short.render(TEMPLATES["doc_date_future"]) is None and "doc_date_future" in short.message


@pytest.mark.parametrize("value, key, params", [
    ("", "gstin_missing", {}),
    ("29AAFCC9980M1Z", "gstin_length", {"value": "29AAFCC9980M1Z", "length": 14}),
    ("29aafcc9980m1zr", "gstin_lowercase", {"value": "29aafcc9980m1zr"}),
    ("29AAFCC9980M1-R", "gstin_shape", {"value": "29AAFCC9980M1-R"}),
    ("98AAFCC9980M1ZR", "gstin_state_prefix", {"value": "98AAFCC9980M1ZR", "prefix": "98"}),
    ("29AAFCC9980M1ZS", "gstin_check_char", {"value": "29AAFCC9980M1ZS"}),
])
def test_gstin_problems_say_what_is_wrong_and_never_correct_it(value, key, params):
    problem = validation.gstin_problem("SellerDtls.Gstin", value)
    assert (problem.key, problem.params, problem.path) == (key, params, "SellerDtls.Gstin")
    assert validation.gstin_problem("SellerDtls.Gstin", base.SELLER_KA) is None
    assert validation.gstin_problem("SellerDtls.Gstin", "29AAFCC9980M1ZS", require_check_digit=False) is None


# --- zero values ----------------------------------------------------------------------------------

def _free(serial, hsn="998314", service=True):
    """A free line: 18 % GST on a taxable value of 0, so every tax is 0."""
    item = line(serial, gross=0.0, rate=18.0, kind="igst", hsn=hsn, service=service)
    assert item["AssAmt"] == item["IgstAmt"] == item["TotItemVal"] == 0.0
    return item


def _free_invoice(factory, all_free=False):
    payload = factory()
    if all_free:
        payload["ItemList"] = [_free(1), _free(2, hsn="73181500", service=False)]
    else:
        payload["ItemList"].append(_free(len(payload["ItemList"]) + 1))
    return with_totals(payload)


@pytest.mark.parametrize("factory", [b2b_intra, b2b_inter, base.sez, base.export], ids=lambda f: f.__name__)
def test_a_free_line_passes_every_tax_rule(factory):
    payload = _free_invoice(factory)
    assert payload["ValDtls"]["TotInvVal"] > 0
    assert validate_invoice(payload, today=TODAY, taxpayer_type=base.taxpayer_types) == []


def test_zero_tax_on_a_taxable_value_is_still_refused():
    payload = b2b_intra()
    payload["ItemList"].append(line(3, gross=100.0, rate=18.0, kind="none"))  # 18 % of 100 is not 0
    with_totals(payload)
    codes = {(problem.code, problem.path) for problem in validate_invoice(payload, today=TODAY)}
    assert ("2241", "ItemList[2].CgstAmt") in codes


def test_a_document_worth_nothing_is_refused_before_it_is_registered():
    payload = _free_invoice(b2b_intra, all_free=True)
    problems = validate_invoice(payload, today=TODAY)
    assert problems == [Problem("ValDtls.TotInvVal", LOCAL_CODE, "total_zero", {"total": 0.0})]
    message = str(problems[0])
    assert message.startswith("Invoice totals: the document total is 0.00") and "24 hours" in message
    assert not message.endswith(")")  # our own rule: no NIC code is claimed
    credit_note = copy.deepcopy(payload)
    credit_note["DocDtls"]["Typ"] = "CRN"
    assert [problem.key for problem in validate_invoice(credit_note, today=TODAY)] == ["total_zero"]


def test_a_missing_total_is_a_schema_problem_not_a_zero_total():
    payload = b2b_inter()
    _steps(_set("ValDtls.TotInvVal", DELETE))(payload)
    keys = [problem.key for problem in validate_invoice(payload, today=TODAY)]
    assert keys == ["required"]
