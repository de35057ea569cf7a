"""The case file (dossier de preuves): an ordered, hashed ZIP of everything said and done on a case.

Contents of `case-<id>.zip`:
- `transcript.html`: the whole conversation in order (bot, debtor, agent, system events, delivery);
- `events.json`: every event of the case, as `relance.core.events.event_to_dict` exports them;
- `messages.json`, `case.json`: the messages with their delivery data, and the case's facts;
- `notice-<id>.pdf`: each formal notice drafted for the case;
- `email-<id>-<in|out>.eml`: each e-mail of the case (sent, received, bounce reports), its raw source;
- `manifest.json`: the SHA-256 and size of every other file, the event count and the chain head;
- `manifest.sig` and `public-key.pem`: the installation's Ed25519 signature of `manifest.json`
  (base64) and the public key it verifies with (when a signing key is configured);
- `manifest.tsr`: an RFC 3161 time-stamp token over `manifest.json` (when a TSA is configured).

`verify_casefile` checks the manifest's hashes and re-computes the event hash chain; given the
installation's public key (obtained separately, never from the ZIP) it also checks the signature, so
a forger who edits a file and fixes its hash in the manifest is caught without any database.

The export is recorded *after* the ZIP is built, as a `case_file_exported` event holding the SHA-256
of the manifest and of every file. `compare_with_database` finds that event from the manifest's
hash, then requires every file to be the one exported and the exported events to be exactly the
case's events recorded before the export (same ids, same content, none missing, none added).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jinja2
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlmodel import Session, col

from relance.core import signing, timestamps
from relance.core.cases import case_detail
from relance.core.clock import ensure_utc
from relance.core.events import case_events, event_to_dict, jsonable, record_event, verify_chain
from relance.core.models import (
    Case,
    Creditor,
    Debt,
    Debtor,
    Dispute,
    EmailRecord,
    Event,
    Flag,
    FormalNotice,
    Installment,
    Message,
    OptOut,
    Payment,
    PaymentPlan,
    PromiseToPay,
)

FORMAT = "relance-casefile/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public-key.pem"
TIMESTAMP = "manifest.tsr"
EVENTS = "events.json"
EXPORTED = "case_file_exported"
UNLISTED = frozenset({MANIFEST, SIGNATURE, PUBLIC_KEY, TIMESTAMP})
Stamper = Callable[[bytes], "bytes | None"]  # written after the manifest: not in it


# --------------------------------------------------------------------------- loading a case


@dataclass(frozen=True)
class CaseRecord:
    """A case with everything attached to it (read side of the console and of the case file)."""

    case: Case
    debtor: Debtor
    creditor: Creditor
    debts: Sequence[Debt]
    payments: Sequence[Payment]
    promises: Sequence[PromiseToPay]
    plans: Sequence[tuple[PaymentPlan, Sequence[Installment]]]
    disputes: Sequence[Dispute]
    flags: Sequence[Flag]
    notices: Sequence[FormalNotice]
    opt_outs: Sequence[OptOut]
    messages: Sequence[Message]
    events: Sequence[Event]
    emails: Sequence[EmailRecord] = ()


def _rows(session: Session, model: Any, *where: Any, order: Any) -> list[Any]:
    return list(session.execute(sa.select(model).where(*where).order_by(*order)).scalars())


def load_case_record(session: Session, case: Case) -> CaseRecord:
    """Load a case and everything attached to it."""
    detail = case_detail(session, case)
    plans = _rows(session, PaymentPlan, PaymentPlan.case_id == case.id, order=(PaymentPlan.id,))
    installments = _rows(
        session,
        Installment,
        col(Installment.plan_id).in_([p.id for p in plans]),
        order=(Installment.plan_id, Installment.seq),
    )
    return CaseRecord(
        case=case,
        debtor=detail.debtor,
        creditor=detail.creditor,
        debts=detail.debts,
        payments=_rows(session, Payment, Payment.case_id == case.id, order=(Payment.paid_on, Payment.id)),
        promises=_rows(session, PromiseToPay, PromiseToPay.case_id == case.id, order=(PromiseToPay.id,)),
        plans=[(p, [i for i in installments if i.plan_id == p.id]) for p in plans],
        disputes=_rows(session, Dispute, Dispute.case_id == case.id, order=(Dispute.id,)),
        flags=detail.flags,
        notices=_rows(session, FormalNotice, FormalNotice.case_id == case.id, order=(FormalNotice.id,)),
        opt_outs=_rows(session, OptOut, OptOut.debtor_id == detail.debtor.id, order=(OptOut.id,)),
        messages=detail.messages,
        events=detail.events,
        emails=_rows(session, EmailRecord, EmailRecord.case_id == case.id, order=(EmailRecord.id,)),
    )


# --------------------------------------------------------------------------- transcript


@dataclass(frozen=True)
class TranscriptEntry:
    """One line of the transcript: a message (bot, debtor, agent) or a system event."""

    at: datetime
    who: str
    text: str
    is_message: bool
    channel: str | None = None
    status: str | None = None
    direction: str | None = None
    agent_id: int | None = None
    not_before: datetime | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    error: str | None = None


_EVENT_TEXT = {
    "flag_raised": "flagged: {reason} (priority {priority}, recommended: {action})",
    "flags_resolved": "flags resolved{note_part}",
    "payment_recorded": "payment of {amount} {currency} on {reference} (paid {paid_on})",
    "agent_took_over": "an agent took the case over: the bot is silent",
    "agent_replied": "agent reply queued on {channel}, to go from {not_before}",
    "handed_back_to_bot": "handed back to the bot{note_part}",
    "notice_drafted": "formal notice #{notice_id} drafted: {total} {currency}, deadline {deadline}",
    "formal_notice_sent": "formal notice #{notice_id} sent on {sent_on} by {method}, deadline {deadline}",
    "case_closed": "case closed ({reason}){note_part}",
    "dispute_upheld": "dispute upheld, debts cancelled: {cancelled}{note_part}",
    "dispute_rejected": "dispute rejected: reminders resume{note_part}",
    "marked_wrong_person": "marked as the wrong person{note_part}",
    "case_file_exported": "case file exported",
}


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "?"


def describe_event(event: Event) -> str:
    """A one-line, human description of an event."""
    data = event.data or {}
    template = _EVENT_TEXT.get(event.kind)
    if template is not None:
        note = data.get("note")
        values = _Blank({k: _short(v) for k, v in data.items() if v is not None})
        values["note_part"] = f": {_short(note)}" if note else ""
        return template.format_map(values)
    details = ", ".join(f"{k}: {_short(v)}" for k, v in data.items() if v not in (None, "", [], {}))
    label = event.kind.replace("_", " ")
    return f"{label} ({details})" if details else label


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"


def transcript(messages: Sequence[Message], events: Sequence[Event]) -> list[TranscriptEntry]:
    """Messages and events on one timeline, in the order they happened.

    A message an event refers to (`data.message_id`) sits just before that event, so the log's own
    order holds even when instants tie (simulated time); other messages come first on a tie.
    """
    anchors: dict[int, tuple[datetime, int, int, int]] = {}
    keyed: list[tuple[tuple[datetime, int, int, int], TranscriptEntry]] = []
    for e in events:
        entry = TranscriptEntry(at=ensure_utc(e.at), who=e.actor, text=describe_event(e), is_message=False)
        keyed.append(((entry.at, 0, e.id or 0, 1), entry))
        ref = (e.data or {}).get("message_id")
        if isinstance(ref, int) and ref not in anchors:
            anchors[ref] = (entry.at, 0, e.id or 0, 0)
    for m in messages:
        key = anchors.get(m.id or 0, (ensure_utc(m.created_at), -1, m.id or 0, 0))
        keyed.append((key, _message_entry(m)))
    return [entry for _, entry in sorted(keyed, key=lambda pair: pair[0])]


def _message_entry(m: Message) -> TranscriptEntry:
    return TranscriptEntry(
        at=ensure_utc(m.created_at),
        who=m.author,
        text=m.body,
        is_message=True,
        channel=m.channel,
        status=m.status,
        direction=m.direction,
        agent_id=m.agent_id,
        not_before=m.not_before,
        sent_at=m.sent_at,
        delivered_at=m.delivered_at,
        error=m.last_error,
    )


_TRANSCRIPT_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Case #{{ r.case.id }} · transcript</title>
<style>
body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}.event td{color:#666;font-size:.9em}.msg-text{white-space:pre-wrap}
</style></head><body>
<h1>Case #{{ r.case.id }}: {{ r.debtor.name }} ({{ r.debtor.ref }})</h1>
<p>Creditor: {{ r.creditor.name }} · status {{ r.case.status }} · balance {{ r.case.balance }} {{ r.case.currency }}
· exported {{ generated_at }}</p>
<h2>Debts</h2>
<table><tr><th>reference</th><th>amount</th><th>balance</th><th>due</th><th>status</th></tr>
{% for d in r.debts %}<tr><td>{{ d.reference }}</td><td>{{ d.amount }} {{ d.currency }}</td>
<td>{{ d.balance }}</td><td>{{ d.due_date }}</td><td>{{ d.status }}</td></tr>{% endfor %}</table>
<h2>Transcript (times in UTC)</h2>
<table><tr><th>at</th><th>who</th><th>channel</th><th>what</th><th>status</th></tr>
{% for t in entries %}<tr class="{{ 'message' if t.is_message else 'event' }}">
<td>{{ t.at.strftime('%Y-%m-%d %H:%M:%S') }}</td><td>{{ t.who }}</td><td>{{ t.channel or '' }}</td>
<td class="msg-text">{{ t.text }}</td><td>{{ t.status or '' }}{% if t.delivered_at %}
({{ t.delivered_at.strftime('%Y-%m-%d %H:%M') }}){% endif %}</td></tr>
{% endfor %}</table></body></html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def transcript_html(record: CaseRecord, generated_at: datetime) -> str:
    """The standalone HTML transcript of a case (autoescaped: messages are untrusted text)."""
    entries = transcript(record.messages, record.events)
    return _ENV.from_string(_TRANSCRIPT_HTML).render(r=record, entries=entries, generated_at=generated_at.isoformat())


# --------------------------------------------------------------------------- building the ZIP


def _model_dict(row: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    return jsonable({k: v for k, v in row.model_dump().items() if k not in exclude})


def case_json(record: CaseRecord) -> dict[str, Any]:
    """The case's facts as JSON (the PDF bytes are left out: they are files of their own)."""
    return {
        "case": _model_dict(record.case),
        "debtor": _model_dict(record.debtor),
        "creditor": _model_dict(record.creditor),
        "debts": [_model_dict(d) for d in record.debts],
        "payments": [_model_dict(p) for p in record.payments],
        "promises": [_model_dict(p) for p in record.promises],
        "plans": [{**_model_dict(p), "installments": [_model_dict(i) for i in insts]} for p, insts in record.plans],
        "disputes": [_model_dict(d) for d in record.disputes],
        "flags": [_model_dict(f) for f in record.flags],
        "notices": [_model_dict(n, exclude=("pdf",)) for n in record.notices],
        "opt_outs": [_model_dict(o) for o in record.opt_outs],
    }


def _dumps(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")


def casefile_files(record: CaseRecord, generated_at: datetime) -> dict[str, bytes]:
    """Every file of the case file except the manifest, by name."""
    files = {
        "transcript.html": transcript_html(record, generated_at).encode("utf-8"),
        EVENTS: _dumps([event_to_dict(e) for e in record.events]),
        "messages.json": _dumps([_model_dict(m) for m in record.messages]),
        "case.json": _dumps(case_json(record)),
    }
    for notice in record.notices:
        if notice.pdf:
            files[f"notice-{notice.id}.pdf"] = bytes(notice.pdf)
    for email in record.emails:  # the raw source, byte for byte, as it went over the wire
        files[f"email-{email.id:06d}-{email.direction}.eml"] = bytes(email.raw)
    return files


def manifest(
    record: CaseRecord, files: Mapping[str, bytes], generated_at: datetime, key: Ed25519PrivateKey | None = None
) -> dict[str, Any]:
    """The manifest: format, case, instant, chain head, the signing key's fingerprint and every file's SHA-256."""
    return {
        "signed_by": signing.fingerprint(key) if key is not None else None,
        "format": FORMAT,
        "case_id": record.case.id,
        "debtor_ref": record.debtor.ref,
        "creditor": record.creditor.key,
        "generated_at": ensure_utc(generated_at).isoformat(),
        "event_count": len(record.events),
        "chain_head": record.events[-1].hash if record.events else None,
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in sorted(files.items())
        },
    }


def build_casefile(
    record: CaseRecord,
    generated_at: datetime,
    key: Ed25519PrivateKey | None = None,
    stamp: Stamper | None = None,
) -> bytes:
    """The ZIP of a loaded case, every entry dated `generated_at`; the manifest signed with `key` and
    time-stamped by `stamp` (an RFC 3161 TSA, `timestamps.stamper`) when given."""
    files = casefile_files(record, generated_at)
    files[MANIFEST] = _dumps(manifest(record, files, generated_at, key))
    if key is not None:
        files[SIGNATURE] = signing.sign(key, files[MANIFEST])
        files[PUBLIC_KEY] = signing.public_pem(key)
    token = stamp(files[MANIFEST]) if stamp is not None else None
    if token is not None:
        files[TIMESTAMP] = token
    dated = ensure_utc(generated_at).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=dated), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def export_casefile(
    session: Session,
    case: Case,
    *,
    at: datetime,
    actor: str,
    actor_id: int | str | None = None,
    key: Ed25519PrivateKey | None = None,
    stamp: Stamper | None = None,
) -> bytes:
    """Build the case file (signed with `key`, time-stamped by `stamp`), then record the export and its hashes."""
    session.flush()
    data = build_casefile(load_case_record(session, case), at, key, stamp)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        digests = {name: _sha256(archive.read(name)) for name in sorted(archive.namelist())}
    record_event(
        session, case_id=case.id, kind=EXPORTED, actor=actor, actor_id=actor_id, at=at,
        data={"manifest_sha256": digests[MANIFEST], "files": digests, "signed": key is not None,
              "timestamped": TIMESTAMP in digests},
    )  # fmt: skip
    return data


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def casefile_name(case: Case) -> str:
    """The file name of a case's export."""
    return f"case-{case.id}.zip"


# --------------------------------------------------------------------------- verifying


def verify_casefile(data: bytes, public_key: Ed25519PublicKey | None = None) -> list[str]:
    """Everything wrong with a case file: bad ZIP, missing or altered files, broken event chain, and
    (given the installation's public key) a missing or wrong signature of the manifest."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ["not a ZIP file"]
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            return [f"{MANIFEST} is missing: this is not a Relance case file"]
        try:
            man = json.loads(archive.read(MANIFEST))
            listed: dict[str, Any] = man["files"]
        except (ValueError, KeyError, TypeError):
            return [f"{MANIFEST} is not a valid manifest"]
        problems = _check_files(archive, names, listed)
        if public_key is not None:
            problems += _check_signature(archive, names, public_key)
        if TIMESTAMP in names:
            problems += _check_timestamp(archive.read(TIMESTAMP), archive.read(MANIFEST))
        if EVENTS in names and EVENTS in listed:
            problems += _check_events(archive.read(EVENTS), man)
        elif EVENTS not in listed:
            problems.append(f"{EVENTS} is not listed in the manifest")
    return problems


def _check_files(archive: zipfile.ZipFile, names: set[str], listed: Mapping[str, Any]) -> list[str]:
    problems = []
    for name, entry in sorted(listed.items()):
        if name not in names:
            problems.append(f"{name}: listed in the manifest but missing")
            continue
        digest = hashlib.sha256(archive.read(name)).hexdigest()
        if digest != entry.get("sha256"):
            problems.append(f"{name}: SHA-256 {digest} does not match the manifest ({entry.get('sha256')}): altered")
    for name in sorted(names - set(listed) - UNLISTED):
        problems.append(f"{name}: not listed in the manifest (added after export)")
    return problems


def _check_signature(archive: zipfile.ZipFile, names: set[str], key: Ed25519PublicKey) -> list[str]:
    if SIGNATURE not in names:
        return [f"{SIGNATURE} is missing: the case file is not signed, its origin cannot be proven"]
    if not signing.signature_valid(key, archive.read(MANIFEST), archive.read(SIGNATURE)):
        return [
            f"{SIGNATURE}: the signature does not match {MANIFEST} with the given public key "
            f"(key {signing.fingerprint(key)[:16]}…): the manifest was altered or signed by another key"
        ]
    return []


def _check_timestamp(token: bytes, manifest_bytes: bytes) -> list[str]:
    try:
        timestamps.verify_token(token, manifest_bytes)
    except timestamps.TimestampError as exc:
        return [f"{TIMESTAMP}: {exc}"]
    return []


def timestamp_of(data: bytes) -> timestamps.Stamp | None:
    """What the case file's time-stamp certifies (None when it has none); raises TimestampError when invalid."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if TIMESTAMP not in archive.namelist():
            return None
        return timestamps.verify_token(archive.read(TIMESTAMP), archive.read(MANIFEST))


def signature_status(data: bytes) -> tuple[str | None, bool]:
    """(fingerprint named by the manifest, whether the embedded public key verifies it): a consistency
    check only — the key inside the ZIP proves nothing about who signed it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        named = json.loads(archive.read(MANIFEST)).get("signed_by")
        if SIGNATURE not in names or PUBLIC_KEY not in names:
            return named, False
        try:
            key = signing.public_key_from_pem(archive.read(PUBLIC_KEY), PUBLIC_KEY)
        except signing.SigningKeyError:
            return named, False
        ok = signing.signature_valid(key, archive.read(MANIFEST), archive.read(SIGNATURE))
        return named, ok and named == signing.fingerprint(key)


def _check_events(raw: bytes, man: Mapping[str, Any]) -> list[str]:
    try:
        events = json.loads(raw)
        problems = [f"{EVENTS}: {p}" for p in verify_chain(events)]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{EVENTS}: unreadable ({exc.__class__.__name__}: {exc})"]
    if len(events) != man.get("event_count"):
        problems.append(f"{EVENTS}: {len(events)} events, the manifest says {man.get('event_count')}")
    head = events[-1].get("hash") if events else None
    if head != man.get("chain_head"):
        problems.append(f"{EVENTS}: chain head {head} differs from the manifest's {man.get('chain_head')}")
    if any(e.get("case_id") != man.get("case_id") for e in events):
        problems.append(f"{EVENTS}: events of another case are mixed in")
    return problems


def compare_with_database(session: Session, data: bytes) -> list[str]:
    """Check a case file against the database: its export is on record with this very manifest, every
    file is the one exported, and its events are exactly the case's events before the export."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    man = json.loads(contents[MANIFEST])
    try:
        case_id = int(man["case_id"])
    except (KeyError, TypeError, ValueError):
        return [f"{MANIFEST}: no case id"]
    stored = case_events(session, case_id)
    if not stored:
        return [f"case #{case_id} has no events in this database"]
    digest = _sha256(contents[MANIFEST])
    export = next((e for e in stored if e.kind == EXPORTED and (e.data or {}).get("manifest_sha256") == digest), None)
    if export is None:
        return [f"{MANIFEST}: no export of case #{case_id} with this manifest is recorded: not a case file from here"]
    problems = _compare_files(contents, (export.data or {}).get("files") or {})
    before = [event_to_dict(e) for e in stored if (e.id or 0) < (export.id or 0)]
    problems += _compare_events(json.loads(contents.get(EVENTS, b"[]")), before)
    return problems


def _compare_files(contents: Mapping[str, bytes], recorded: Mapping[str, str]) -> list[str]:
    problems = []
    for name in sorted(set(recorded) | set(contents)):
        if name not in contents:
            problems.append(f"{name}: exported but missing from this file")
        elif name not in recorded:
            problems.append(f"{name}: not part of the recorded export (added)")
        elif _sha256(contents[name]) != recorded[name]:
            problems.append(f"{name}: differs from the file exported (SHA-256 {recorded[name]} on record)")
    return problems


def _compare_events(exported: Sequence[Mapping[str, Any]], stored: Sequence[Mapping[str, Any]]) -> list[str]:
    problems = []
    by_id = {e.get("id"): e for e in exported}
    for e in stored:
        mine = by_id.get(e["id"])
        if mine is None:
            problems.append(f"event id {e['id']} ({e['kind']}): in the database but missing from the case file")
        elif dict(mine) != e:
            problems.append(f"event id {e['id']}: differs from the database's (hash {e['hash']})")
    known = {e["id"] for e in stored}
    for e in exported:
        if e.get("id") not in known:
            problems.append(f"event id {e.get('id')}: not in the database before this export")
    if not problems and [e.get("id") for e in exported] != [e["id"] for e in stored]:
        problems.append(f"{EVENTS}: the events are not in the database's order")
    return problems
