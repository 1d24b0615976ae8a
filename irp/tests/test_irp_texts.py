"""Free texts fitted to NIC's lengths at word boundaries, and street + street2 split into Addr1/Addr2."""
import random

import pytest

from irp import texts


def _words(*parts):
    return " ".join(parts).replace(",", " ").split()


def test_clean_makes_one_line_without_quote_or_backslash():
    assert texts.clean('  1/2" pipe\\fitting\n  brass ') == "1/2' pipe/fitting brass"
    assert texts.clean(None) == ""
    assert texts.clean(False) == ""


def test_short_text_is_unchanged():
    fitted = texts.fit("Bengaluru", 50)
    assert (fitted.text, fitted.dropped, fitted.cut, fitted.original) == ("Bengaluru", "", False, "Bengaluru")


def test_cut_at_word_boundary():
    fitted = texts.fit("Plot 12 Industrial Area Phase Two", 20)
    assert fitted.text == "Plot 12 Industrial"
    assert fitted.dropped == "Area Phase Two"
    assert fitted.cut


def test_cut_exactly_at_a_blank_keeps_the_whole_last_word():
    fitted = texts.fit("abcd efgh ijkl", 9)
    assert (fitted.text, fitted.dropped) == ("abcd efgh", "ijkl")


def test_trailing_separators_are_not_kept():
    fitted = texts.fit("Shed 4, Ring Road", 8)
    assert (fitted.text, fitted.dropped) == ("Shed 4", "Ring Road")


def test_a_word_longer_than_the_limit_is_the_only_hard_cut():
    fitted = texts.fit("X" * 30, 10)
    assert (fitted.text, fitted.dropped) == ("X" * 10, "X" * 20)
    # The word crossing the limit is longer than the limit itself: nothing better than a hard cut.
    fitted = texts.fit("ab " + "y" * 30, 10)
    assert (fitted.text, fitted.dropped) == ("ab " + "y" * 7, "y" * 23)
    # A word that would fit on its own moves out whole instead.
    fitted = texts.fit("ab " + "y" * 9, 10)
    assert (fitted.text, fitted.dropped) == ("ab", "y" * 9)


@pytest.mark.parametrize("seed", range(50))
def test_fit_never_exceeds_the_limit_and_loses_no_word(seed):
    rng = random.Random(seed)
    words = ["".join(rng.choice("abcdefgh") for _ in range(rng.randint(1, 12))) for _ in range(rng.randint(1, 40))]
    text = " ".join(words)
    limit = rng.randint(5, 60)
    fitted = texts.fit(text, limit)
    assert len(fitted.text) <= limit
    assert fitted.cut == (len(text) > limit)
    if all(len(word) <= limit for word in words):
        assert _words(fitted.text, fitted.dropped) == words


def test_address_that_fits_is_sent_as_entered():
    address = texts.split_address("12 MG Road", "Near Metro Station")
    assert (address.line1, address.line2, address.cut) == ("12 MG Road", "Near Metro Station", False)


def test_long_street_continues_in_addr2_at_a_word_boundary():
    street = ("Shed 14, Survey No. 233/2, Kumbalgodu Industrial Area, Second Phase, Mysore Road, "
              "Opposite Gas Station, Behind the Bus Depot")  # 127 characters
    address = texts.split_address(street, "")
    assert len(street) > 100
    assert not address.cut
    assert len(address.line1) <= 100 and not address.line1.endswith(",")
    assert _words(address.line1, address.line2) == _words(street)
    assert street.startswith(address.line1)


def test_long_street_then_street2_and_what_is_still_cut_is_reported():
    street = "Unit " + " ".join(f"Block{i}" for i in range(20))  # 144 characters
    street2 = "Landmark " + " ".join(f"Tower{i}" for i in range(12))  # 92 characters
    address = texts.split_address(street, street2)
    assert len(address.line1) <= 100 and len(address.line2) <= 100
    assert address.cut
    assert _words(address.line1, address.line2, address.dropped) == _words(street, street2)
    assert address.original == f"{street}, {street2}"


def test_only_street2_goes_to_addr1():
    address = texts.split_address("", "Plot 7, KIADB")
    assert (address.line1, address.line2) == ("Plot 7, KIADB", "")


def test_street2_too_short_for_addr2_stays_on_addr1():
    address = texts.split_address("12 MG Road", "B")
    assert (address.line1, address.line2, address.cut) == ("12 MG Road, B", "", False)


def test_empty_address():
    address = texts.split_address(None, False)
    assert (address.line1, address.line2, address.cut) == ("", "", False)
