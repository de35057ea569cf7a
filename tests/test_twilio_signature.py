"""Our Twilio signature check accepts exactly what the SDK's `RequestValidator.validate` accepts."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from bot.twilio_signature import signature_valid, url_forms

TOKEN = "12345"
# Twilio's documented validator example (known answer)
DOCUMENTED_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOCUMENTED_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
DOCUMENTED_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_documented_example() -> None:
    assert signature_valid(TOKEN.encode(), DOCUMENTED_URL, DOCUMENTED_PARAMS, DOCUMENTED_SIGNATURE)
    assert not signature_valid(TOKEN.encode(), DOCUMENTED_URL, DOCUMENTED_PARAMS, DOCUMENTED_SIGNATURE[:-2] + "A=")
    assert not signature_valid(b"54321", DOCUMENTED_URL, DOCUMENTED_PARAMS, DOCUMENTED_SIGNATURE)
    assert not signature_valid(
        TOKEN.encode(), DOCUMENTED_URL, {**DOCUMENTED_PARAMS, "Digits": "1235"}, DOCUMENTED_SIGNATURE
    )


URLS = [
    "https://relance.example.com/webhooks/twilio/sms",
    "https://relance.example.com:443/webhooks/twilio/sms",
    "http://127.0.0.1:8000/webhooks/twilio/sms",
    "http://127.0.0.1/webhooks/twilio/sms",
    "http://127.0.0.1:80/webhooks/twilio/sms?x=1",
    "HTTPS://Relance.example.com/webhooks/twilio/sms",
]
FORMS = [
    {},
    {"MessageSid": "SM" + "1" * 32, "From": "+33612345678", "To": "+33700000001", "Body": "je paierai vendredi"},
    {"Body": "café & <b>€</b> 😀", "From": "+33612345678", "NumMedia": "0", "body": "lower-case name"},
]


@pytest.mark.parametrize("signed_for", URLS)
@pytest.mark.parametrize("checked_at", URLS)
@pytest.mark.parametrize("form", FORMS)
def test_agrees_with_the_sdk(signed_for: str, checked_at: str, form: dict[str, str]) -> None:
    """Whatever URL form Twilio signed and whichever we check against, the same verdict as the SDK."""
    sdk = RequestValidator(TOKEN)
    signed = sdk.compute_signature(signed_for, form)
    assert signature_valid(TOKEN.encode(), checked_at, form, signed) == sdk.validate(checked_at, form, signed)
    forged = "x" + signed[1:]
    assert signature_valid(TOKEN.encode(), checked_at, form, forged) == sdk.validate(checked_at, form, forged)


def test_the_url_as_given_is_tried_first() -> None:
    assert url_forms("http://127.0.0.1:8000/webhooks/twilio/sms") == (
        "http://127.0.0.1:8000/webhooks/twilio/sms",
        "http://127.0.0.1/webhooks/twilio/sms",
    )
    assert url_forms("https://relance.example.com/sms") == (
        "https://relance.example.com/sms",
        "https://relance.example.com:443/sms",
    )


def test_a_signature_with_other_characters_is_refused() -> None:
    assert not signature_valid(TOKEN.encode(), DOCUMENTED_URL, DOCUMENTED_PARAMS, "é" * 28)
    assert not signature_valid(TOKEN.encode(), DOCUMENTED_URL, DOCUMENTED_PARAMS, "")
