"""Twilio's webhook signature (pure): HMAC-SHA1 of the URL and the sorted form fields, in base64.

It accepts exactly what `twilio.request_validator.RequestValidator.validate` accepts for a form
webhook signed with the Auth Token: the URL with or without its port (Twilio's own signing is not
consistent about it), each field name followed by its value, names in sorted order. The SDK
computes both URL forms on every request and compares them character by character in Python;
here the URL as it was given is tried first (one HMAC for a genuine request), the other form only
when that fails, and the comparison is `hmac.compare_digest` (constant time). `test_twilio_signature`
checks it against the SDK.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import urlparse

from twilio.request_validator import add_port, remove_port


@lru_cache(maxsize=64)  # a server is called on one or two URLs
def url_forms(url: str) -> tuple[str, ...]:
    """The URL forms a signature may cover: `url` itself first when it is one of them, then the other."""
    parsed = urlparse(url)
    forms = (remove_port(parsed), add_port(parsed))
    if url in forms:
        return (url, *(form for form in forms if form != url))
    return forms if forms[0] != forms[1] else forms[:1]


def signature_valid(token: bytes, url: str, form: Mapping[str, str], signed: str) -> bool:
    """Whether `signed` (the X-Twilio-Signature header) is Twilio's signature of `form` posted to `url`."""
    expected = signed.encode("utf-8")
    fields = "".join(name + form[name] for name in sorted(form))
    for candidate in url_forms(url):
        computed = base64.b64encode(hmac.digest(token, (candidate + fields).encode("utf-8"), "sha1"))
        if hmac.compare_digest(computed, expected):
            return True
    return False
