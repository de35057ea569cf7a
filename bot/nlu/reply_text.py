"""The new text of an e-mail reply: without the quoted history and the signature (pure)."""

from __future__ import annotations

import re

# a line that opens the quoted message: "On … wrote:", "Le … a écrit :", Outlook's header block
_QUOTE_HEADER = re.compile(
    r"^\s*(on\b.{0,200}\bwrote:|le\b.{0,200}\ba\s+écrit\s*:|-{2,}\s*(original message|message d'origine)\s*-{2,}"
    r"|_{5,}|(from|de)\s*:\s.+)\s*$",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^(--|—|-- )\s*$|^(sent from|envoyé de(puis)?) (my|mon) ", re.IGNORECASE)


def extract_reply(text: str) -> str:
    """The lines the sender wrote: up to the quoted message (`>` lines, "On … wrote:") or the signature."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.lstrip().startswith(">") or _QUOTE_HEADER.match(line) or _SIGNATURE.match(line.strip()):
            break
        kept.append(line)
    return "\n".join(kept).strip()
