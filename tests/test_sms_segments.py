"""SMS encoding and segment counting against known examples, and the GSM-7 equivalents."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messages.sms import GSM7, GSM7_BASIC, GSM7_EXTENSION, count_segments, gsm_friendly, is_gsm7, sms_length


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("Hello", "GSM-7", 5, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("a" * 459, "GSM-7", 459, 3),
        ("a" * 460, "GSM-7", 460, 4),
        # extension characters take two septets (escape + character)
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("[]{}", "GSM-7", 8, 1),
        # an escape pair is never split: 152 septets then € (2) does not fit in 153, moves on
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        ("a" * 151 + "€" + "a" * 153, "GSM-7", 306, 2),
        # one character outside GSM-7 turns the whole message into UCS-2
        ("ê" * 70, "UCS-2", 70, 1),
        ("ê" * 71, "UCS-2", 71, 2),
        ("ê" + "a" * 133, "UCS-2", 134, 2),
        ("ê" + "a" * 134, "UCS-2", 135, 3),
        ("1\u202f234,50\xa0€", "UCS-2", 10, 1),
        # characters outside the BMP are surrogate pairs: two UCS-2 units each, never split
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 36, "UCS-2", 72, 2),
        ("😀" * 66, "UCS-2", 132, 2),
        ("😀" * 67, "UCS-2", 134, 3),
        ("a" + "😀" * 33 + "😀", "UCS-2", 69, 1),
    ],
)
def test_known_lengths(text: str, encoding: str, units: int, segments: int) -> None:
    length = sms_length(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)
    assert count_segments(text) == segments


def test_per_segment_capacity() -> None:
    assert sms_length("a" * 10).per_segment == 160
    assert sms_length("a" * 200).per_segment == 153
    assert sms_length("ê").per_segment == 70
    assert sms_length("ê" * 100).per_segment == 67


def test_gsm7_tables() -> None:
    assert len(GSM7_BASIC) == 127  # 128 codes, one of which is the escape to the extension table
    assert frozenset("\f^{}\\[~]|€") == GSM7_EXTENSION
    for ch in "éèùìòÇÉàäöüñÄÖÑÜ£$¥@_\n\r":
        assert ch in GSM7_BASIC
    for ch in "êëîïôûçÈÊ’«»\u202f\u00a0–…":
        assert ch not in GSM7


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("1\u202f234,50\xa0€", "1 234,50 €"),
        ("l’été « chaud » – déjà…", 'l\'été " chaud " - déjà...'),
        ("fenêtre, maïs, hôtel, reçu, août, Œuvre", "fenetre, mais, hotel, recu, aout, OEuvre"),
        ("Crédit Agricole", "Crédit Agricole"),
        ("Ça coûte", "Ça coute"),  # Ç is in the basic table, ç is not
        ("Straße Øresund", "Straße Øresund"),
    ],
)
def test_gsm_friendly_equivalents(source: str, plain: str) -> None:
    assert gsm_friendly(source) == plain
    assert is_gsm7(plain)


def test_gsm_friendly_keeps_what_has_no_plain_equivalent() -> None:
    text = gsm_friendly("Привет 😀 é")
    assert text == "Привет 😀 é"
    assert sms_length(text).encoding == "UCS-2"


@given(st.text(alphabet=st.sampled_from(sorted(GSM7)), max_size=500))
@settings(max_examples=300)
def test_gsm7_text_is_unchanged_and_counted_in_septets(text: str) -> None:
    assert gsm_friendly(text) == text
    length = sms_length(text)
    assert length.encoding == "GSM-7"
    assert length.units == len(text) + sum(ch in GSM7_EXTENSION for ch in text)
    if length.units > 160:
        assert length.segments >= -(-length.units // 153)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x17F), max_size=200))
@settings(max_examples=300)
def test_latin_text_always_becomes_gsm7(text: str) -> None:
    """Every letter of Latin-1 and Latin Extended-A (European languages) has a GSM-7 equivalent."""
    friendly = gsm_friendly(text)
    leftovers = {ch for ch in friendly if ch not in GSM7}
    # only symbols with no letter inside may remain (e.g. ¬, ¦, ˘)
    assert all(not ch.isalpha() for ch in leftovers), leftovers
