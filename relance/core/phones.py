"""Phone numbers of a portfolio: E.164, region and candidate time zones.

`normalise_phone` answers what `phonenumbers.parse` + `is_valid_number` + `time_zones_for_number`
answer, for ~1/4 of their cost on the common input (already international, `+` and digits with
spaces, dots or dashes): it reads the country code itself, classifies the national number once
(`phonenumbers` classifies it twice, once to validate and once for the time zones) and skips the
parser. Every other input (national formats, `00` prefixes, extensions, letters, a trunk zero
inside an international number) goes through `phonenumbers.parse` unchanged, behind a bounded
cache; so does any number the fast path cannot prove valid, so error messages come from one place.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberType
from phonenumbers import timezone as pn_timezone

_SEPARATORS = str.maketrans("", "", " .-\u00a0\u202f")
_REGIONS = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
_NON_GEO = phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """The IANA zones this machine knows."""
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=4096)
def is_known_zone(name: str) -> bool:
    """`name in known_zones()`, without listing every zone first (a walk of the zone files: slow start-up)."""
    if name == "posixrules" or name.startswith(("posix/", "right/")):  # what available_timezones() leaves out
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def normalise_phone(raw: str, country: str | None) -> tuple[str, str, tuple[str, ...]]:
    """E.164 number, its region and every candidate time zone; raises ValueError."""
    fast = _international(raw)
    return fast if fast is not None else _parsed(raw, country)


def _international(raw: str) -> tuple[str, str, tuple[str, ...]] | None:
    """The fast path for `+<digits>`; None when it cannot answer (the full parser decides)."""
    text = raw.strip()
    if not text.startswith("+"):
        return None
    digits = text[1:].translate(_SEPARATORS)
    if not (digits.isascii() and digits.isdigit()) or not 7 <= len(digits) <= 17:
        return None
    for size in (1, 2, 3):
        regions = _REGIONS.get(int(digits[:size]))
        if regions:
            break
    else:
        return None
    nsn = digits[size:]
    if nsn.startswith("0") or _NON_GEO in regions:  # Italian leading zeros, trunk "(0)": the parser's job
        return None
    code = int(digits[:size])
    found = _classify(nsn, regions)
    if found is None or _strips_national_prefix(nsn, found[0]):
        return None
    metadata, kind = found
    if not pn_timezone.is_number_type_geographical(kind, code):
        return f"+{digits}", metadata.id, _country_zones(code)  # most mobile numbers
    number = PhoneNumber(country_code=code, national_number=int(nsn))
    return f"+{digits}", metadata.id, _known(pn_timezone.time_zones_for_geographical_number(number))


@cache  # one entry per country calling code
def _country_zones(code: int) -> tuple[str, ...]:
    """The known zones of a number whose zones are its country calling code's (not geographical)."""
    return _known(pn_timezone._country_level_time_zones_for_number(PhoneNumber(country_code=code)))


_SPECIAL_TYPES = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)
_Desc = tuple[frozenset[int], Callable[[str], object]] | None


def _desc(desc: Any) -> _Desc:
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length), re.compile(f"(?:{desc.national_number_pattern})").fullmatch


def _matches(nsn: str, desc: _Desc) -> bool:
    if desc is None:
        return False
    lengths, fullmatch = desc
    return (not lengths or len(nsn) in lengths) and fullmatch(nsn) is not None


@dataclass(frozen=True)
class _Region:
    """A region's number patterns, compiled once (`phonenumbers` looks each up again per number)."""

    metadata: PhoneMetadata
    leading: Callable[[str], object] | None
    general: _Desc
    specials: tuple[tuple[_Desc, int], ...]
    any_special: Callable[[str], object] | None  # fullmatches when one of the specials' patterns does
    fixed: _Desc
    mobile: _Desc

    def kind(self, nsn: str) -> int:
        """What `phonenumberutil._number_type_helper` answers, in the same order of tests."""
        if not _matches(nsn, self.general):
            return PhoneNumberType.UNKNOWN
        if self.any_special is not None and self.any_special(nsn) is not None:  # one test for most numbers
            for desc, kind in self.specials:
                if _matches(nsn, desc):
                    return kind
        same = self.metadata.same_mobile_and_fixed_line_pattern
        if _matches(nsn, self.fixed):
            return (
                PhoneNumberType.FIXED_LINE_OR_MOBILE
                if same or _matches(nsn, self.mobile)
                else PhoneNumberType.FIXED_LINE
            )
        if not same and _matches(nsn, self.mobile):
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN


@cache  # one entry per region (~250)
def _region(region_code: str) -> _Region | None:
    md = PhoneMetadata.metadata_for_region(region_code, None)
    if md is None:
        return None
    return _Region(
        metadata=md,
        leading=re.compile(md.leading_digits).match if md.leading_digits is not None else None,
        general=_desc(md.general_desc),
        specials=tuple((_desc(getattr(md, name)), kind) for name, kind in _SPECIAL_TYPES),
        any_special=_any_of(getattr(md, name) for name, _ in _SPECIAL_TYPES),
        fixed=_desc(md.fixed_line),
        mobile=_desc(md.mobile),
    )


def _any_of(descs: Iterable[Any]) -> Callable[[str], object] | None:
    """One fullmatch for the patterns of `descs` (a number none of them matches is the common case)."""
    patterns = [f"(?:{d.national_number_pattern})" for d in descs if d is not None and d.national_number_pattern]
    return re.compile("|".join(patterns)).fullmatch if patterns else None


def _classify(nsn: str, regions: list[str]) -> tuple[PhoneMetadata, int] | None:
    """The region (as `region_code_for_number` picks it) and the number's type; None if not valid."""
    for code in regions:
        region = _region(code)
        if region is None:
            continue
        if len(regions) == 1 or (region.leading is not None and region.leading(nsn)):
            kind = region.kind(nsn)
            return (region.metadata, kind) if kind != PhoneNumberType.UNKNOWN else None
        if region.leading is None and (kind := region.kind(nsn)) != PhoneNumberType.UNKNOWN:
            return region.metadata, kind
    return None


def _strips_national_prefix(nsn: str, metadata: PhoneMetadata) -> bool:
    """The parser may strip a national prefix even from an international number: leave those to it."""
    pattern = metadata.national_prefix_for_parsing
    if not pattern:
        return False
    found = _compiled(pattern).match(nsn)
    return found is not None and (found.end() > 0 or any(g is not None for g in found.groups()))


@cache  # one pattern per region
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# a debtor with several invoices repeats its number; national formats are rare in large files
@lru_cache(maxsize=16_384)
def _parsed(raw: str, country: str | None) -> tuple[str, str, tuple[str, ...]]:
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException as exc:
        hint = "" if country else " (write it as +<country code>… or fill the country column)"
        raise ValueError(f"{raw!r} is not a phone number{hint}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{raw!r} is not a valid phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    region = phonenumbers.region_code_for_number(number) or (country or "")
    return e164, region, _known(pn_timezone.time_zones_for_number(number))


def _known(zones: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(z for z in zones if is_known_zone(z))
