"""The part of a message its sender wrote now: quoted history and signatures dropped.

An e-mail reply (and sometimes an SMS pasted from one) carries the original it answers below an
attribution line ("Le 3 déc. 2026 à 10:12, Relance <…> a écrit :", "On Thu, 3 Dec 2026 at 10:12,
… wrote:"), as ``>`` lines, under a "-----Original Message-----" rule or an Outlook header block
("De : … Envoyé : …", "From: … Sent: …"), then a signature after "-- ", a device line ("Sent from
my iPhone") or a sign-off ("Cordialement,", "Kind regards,"). `extract_reply` keeps what is above
all that; the understanding (`bot.nlu.understanding`) and the e-mail channel both use it.
"""

from __future__ import annotations

import re

_ATTRIBUTION = re.compile(
    r"(?:^|(?<=\s))(?:le|on|am|el)\s[^\n]{4,160}?(?:\n[^\n]{0,120}?)?\s(?:a\s+[ée]crit|wrote|schrieb|escribi[óo])\s?:",
    re.IGNORECASE,
)
_RULE = re.compile(
    r"^[ \t]*(?:-{2,}|_{2,}|={2,})?[ \t]*(?:original message|message d.origine|message original|forwarded message"
    r"|message transf[ée]r[ée]|courriel original|mail original)[ \t]*(?:-{2,}|_{2,}|={2,})?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_UNDERSCORES = re.compile(r"^[ \t]*_{8,}[ \t]*$", re.MULTILINE)
_HEADER = re.compile(r"^[ \t]*\*?(?:de|from|envoy[ée]|sent|date|[àa]|to|objet|subject|cc)\*?[ \t]*:", re.IGNORECASE)
_FROM_HEADER = re.compile(r"^[ \t]*\*?(?:de|from)\*?[ \t]*:", re.IGNORECASE)
_DEVICE = re.compile(
    r"^[ \t]*(?:sent from (?:my )?\S.*|envoy[ée] (?:de|depuis) (?:mon|ma|mon )?\S.*|get outlook for \S.*"
    r"|t[ée]l[ée]charger outlook pour \S.*|sent via \S.*|envoy[ée] avec \S.*)$",
    re.IGNORECASE,
)
_SIGNATURE_RULE = re.compile(r"^-- ?$")
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:cordialement|bien cordialement|tr[eè]s cordialement|bien [àa] vous|bien [àa] toi|salutations"
    r"|sinc[eè]res salutations|meilleures salutations|bonnes salutations|salutations distingu[ée]es"
    r"|veuillez agr[ée]er[^\n]*|recevez[^\n]*salutations[^\n]*|je vous prie d.agr[ée]er[^\n]*|bien des choses"
    r"|amicalement|amiti[ée]s|best regards|kind regards|warm regards|regards|best wishes|many thanks|yours sincerely"
    r"|yours faithfully|sincerely|yours truly|respectfully|cheers|best|all the best|thanks and regards"
    r"|mit freundlichen gr[üu](?:ß|ss)en)(?P<rest>[ \t]*[,.!]?[ \t]*(?:\S.{0,60})?)$",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[ \t]*[,.!-]?[ \t]*(?:[A-ZÀ-Ý][\w.'’-]*(?:[ \t]+[A-ZÀ-Ý][\w.'’-]*){0,3})?[ \t]*$")
_ONE_LINE_MARKER = re.compile(r"crit|wrote|schrieb|escribi|original|origine|>|sent from|envoy", re.IGNORECASE)
# the same words, looked for in the lower-cased text: on an ASCII text the same answer as the
# case-blind search ("ſ" or "K", which that search would also take for "s" or "k", are not ASCII)
_ONE_LINE_MARKERS = ("crit", "wrote", "schrieb", "escribi", "original", "origine", ">", "sent from", "envoy")
_MIN_KEPT = 1  # characters: a reply that would vanish entirely is returned as received


def extract_reply(text: str) -> str:
    """The newly written part of `text`: above quoted history, header blocks and signatures."""
    if not text or ("\n" not in text and "\r" not in text and not _one_line_marker(text)):
        return text  # a one-line SMS without an inline attribution: nothing to drop (the common case)
    body = _after_leading_quote(text.replace("\r\n", "\n").replace("\r", "\n"))
    cut = _first_marker(body)
    kept = body[:cut]
    lines = _drop_quoted_lines(kept.split("\n"))
    lines = _drop_signature(lines)
    reply = "\n".join(lines).strip()
    return reply if len(reply) >= _MIN_KEPT else text.strip()


def _one_line_marker(text: str) -> bool:
    """Whether `_ONE_LINE_MARKER` is found in `text`."""
    if text.isascii():
        lowered = text.lower()
        return any(map(lowered.__contains__, _ONE_LINE_MARKERS))
    return _ONE_LINE_MARKER.search(text) is not None


def _after_leading_quote(body: str) -> str:
    """A bottom-posted reply: the quoted original first (a rule, a header block, ">" lines), the reply below.

    Leading lines that are a rule, header lines or quoted lines are dropped with the blank lines
    among them; a body that does not open with one of them is returned as it is.
    """
    lines = body.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return body
    opener = lines[first]
    opens_quote = bool(
        _RULE.match(opener)
        or _FROM_HEADER.match(opener)
        or _UNDERSCORES.match(opener)
        or opener.lstrip().startswith(">")
    ) or bool((m := _ATTRIBUTION.match(opener.strip())) and any(c.isdigit() or c == "@" for c in m.group(0)))
    if not opens_quote:
        return body
    i = first + 1
    while i < len(lines) and (
        not lines[i].strip() or _HEADER.match(lines[i]) or lines[i].lstrip().startswith(">") or _RULE.match(lines[i])
    ):
        i += 1
    rest = "\n".join(lines[i:])
    return rest if rest.strip() else body


def _first_marker(body: str) -> int:
    """Where the quoted history starts (attribution, rule, header block), else the end."""
    positions = [len(body)]
    for pattern in (_ATTRIBUTION, _RULE, _UNDERSCORES):
        for m in pattern.finditer(body):
            # an attribution names a date or an address ("On Monday I wrote:" is no attribution)
            dated = pattern is not _ATTRIBUTION or any(c.isdigit() or c == "@" for c in m.group(0))
            if dated and body[: m.start()].strip():
                positions.append(m.start())
                break
    header = _header_block(body)
    if header is not None:
        positions.append(header)
    return min(positions)


def _header_block(body: str) -> int | None:
    """The offset of an Outlook-style block: a "From:"/"De :" line with two more header lines under it."""
    offset = 0
    lines = body.split("\n")
    for i, line in enumerate(lines):
        block = _FROM_HEADER.match(line) and sum(bool(_HEADER.match(x)) for x in lines[i + 1 : i + 5]) >= 2
        if block and body[:offset].strip():
            return offset
        offset += len(line) + 1
    return None


def _drop_quoted_lines(lines: list[str]) -> list[str]:
    """Without ">" lines (a quote in the middle keeps the text around it)."""
    kept = [line for line in lines if not line.lstrip().startswith(">")]
    return kept if any(x.strip() for x in kept) else lines


# a mail server's confidentiality footer: "Ce message et ses pièces jointes sont confidentiels…", "This email and any
# attachments are confidential…", "If you have received this email in error…" (its "supprimer", "delete", "erreur"
# read as a stop or a dispute once it is taken for the reply); "P" is a Wingdings leaf ("P Please consider the
# environment before printing")
_DISCLAIMER = re.compile(
    r"^(?:P\s+|[\W_]){0,3}(?:confidentiality notice|confidentiality|disclaimer|avis de confidentialit|avertissement ?:"
    r"|this (?:e-?mail|message|communication|transmission)(?: and (?:any|all|its) (?:files|attachments|documents)"
    r"(?: transmitted with it)?)? (?:is|are|may contain|contains?|and its) [^\n]{0,40}?(?:confidential|privileged"
    r"|intended (?:solely|only|exclusively))"
    r"|the (?:information|content|contents) (?:contained )?(?:in|of) this (?:e-?mail|message|communication)"
    r"|if you (?:have )?received this (?:e-?mail|message|communication) (?:in error|by mistake|by error)"
    r"|ce (?:message|courriel|mail|e-mail|m[ée]l)(?: (?:et|ainsi que) (?:toutes )?(?:ses|les|leurs)"
    r" (?:[ée]ventuelles )?pi[èe]ces jointes)? (?:est|sont|peut|peuvent) [^\n]{0,30}?(?:confidenti|destin[ée]"
    r"|r[ée]serv[ée]|contenir des informations)"
    r"|le contenu de ce (?:message|courriel|mail)|si vous avez re[çc]u ce (?:message|courriel|mail|e-mail) par erreur"
    r"|please consider the environment|(?:merci de )?pensez? [àa] l.environnement"
    # an antivirus' stamp, a mailing list's footer ("To unsubscribe from this group …" is no stop of ours)
    r"|this (?:e-?mail|message) has been (?:checked|scanned) for viruses|virus-free\b|sans virus\b"
    r"|ce (?:courrier [ée]lectronique|message|mail|courriel) ne contient aucun virus"
    r"|you received this message because you are subscribed to)",
    re.IGNORECASE,
)


def _drop_signature(lines: list[str]) -> list[str]:
    """Up to a "-- " rule, a device line, a sign-off line standing alone or a confidentiality footer, when text stays
    above it."""
    for i, line in enumerate(lines):
        if i == 0 or not any(x.strip() for x in lines[:i]):
            continue
        stripped = line.strip()
        if (
            _SIGNATURE_RULE.match(line.rstrip())
            or _DEVICE.match(stripped)
            or _is_sign_off(stripped)
            or _DISCLAIMER.match(stripped)
        ):
            return lines[:i]
        thanks = _THANKS_SIGN_OFF.match(stripped)
        if thanks and _NAME.match(thanks["rest"]) and _signature_block(lines[i + 1 :]):
            return lines[:i]
    return lines


# "Thanks," or "Merci," on its own line (a name may follow, as after a sign-off; a sentence may not: "Thanks, but
# I already paid" opens what follows), closing a mail above a name and a title ("Thanks,\nLinda\nAP Clerk,
# Midwest Feed & Seed"); a sign-off only with its comma and a signature's few short lines under it (a "Thanks"
# line may otherwise open what follows)
_THANKS_SIGN_OFF = re.compile(
    r"^(?:thanks|thank you|thanks again|thanks in advance|merci|merci beaucoup|merci d.avance|merci encore)[ \t]*,"
    r"(?P<rest>[ \t]*(?:\S.{0,60})?)$",
    re.IGNORECASE,
)
_SIGNATURE_LINES = 5  # a name, a title, a company, a telephone, an address
_SIGNATURE_WIDTH = 60


def _signature_block(lines: list[str]) -> bool:
    """Whether the lines under a "Thanks," read as a signature: a few short lines, none a question or a sentence."""
    kept = [line.strip() for line in lines if line.strip()]
    return len(kept) <= _SIGNATURE_LINES and all(
        len(line) <= _SIGNATURE_WIDTH and not line.endswith(("?", ".", "!")) for line in kept
    )


def _is_sign_off(line: str) -> bool:
    """ "Cordialement," or "Kind regards, Jane Doe" (a name may follow; a sentence may not)."""
    m = _SIGN_OFF.match(line)
    if m is None:
        return False
    rest = m["rest"]
    return bool(_NAME.match(rest)) or m.group(0).lower().startswith(("veuillez", "recevez", "je vous prie"))
