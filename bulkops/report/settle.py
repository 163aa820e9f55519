"""A reconciliation entry as a person settles it: what the job wanted, what it last saw and what
the org holds now, element by element and in names, with the commands that settle it.

``reconcile show``/``list`` and the report's reconciliation section build the same view
from an entry (``state.reconciliation``'s record), the job's id -> name catalogue and, when one
was read, the user as the org holds it now (``OrgNow``). An id the catalogue does not name is
shown as "an unnamed ..." rather than as a UUID; a person settles names, not ids. The views are
pure; the last functions read the store and the file of what ``reconcile show`` read of the org.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkops.state.codec import intent_to_dict
from bulkops.state.ndjson import BadLine, NdjsonWriter, read_ndjson
from bulkops.state.records import USER, ErrorInfo, ReconciliationEntry, entry_named
from bulkops.state.stamps import parse_ts

#: The file beside the queue where ``reconcile show`` keeps what it read of the org (latest wins).
NOW_FILE = "reconcile-now.ndjson"
NOT_HELD = "not held"
UNSEEN = "not recorded"


@dataclass(frozen=True, slots=True)
class OrgNow:
    """A user as ``reconcile show`` read the org: the audit's state shape (ids), the names the
    answers carried (skill, language, division, manager), queue membership of the named queues."""

    state: Mapping[str, Any]
    names: Mapping[str, str] = field(default_factory=dict)
    queues: Mapping[str, bool] = field(default_factory=dict)
    read_at: float = 0.0
    error: str = ""  # the org could not be read: why

    def to_json(self) -> dict[str, Any]:
        return {"state": dict(self.state), "names": dict(self.names), "queues": dict(self.queues), "read_at": self.read_at, "error": self.error}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> OrgNow:
        return cls(dict(d.get("state") or {}), dict(d.get("names") or {}), dict(d.get("queues") or {}), float(d.get("read_at") or 0), str(d.get("error") or ""))


@dataclass(frozen=True, slots=True)
class Row:
    """One element: the three values side by side (``now`` is None when the org was not read)."""

    what: str
    wanted: str
    seen: str
    now: str | None = None

    @property
    def settled(self) -> bool:
        """The org now holds what the job wanted."""
        return self.now is not None and self.now == self.wanted


@dataclass(frozen=True, slots=True)
class SettleView:
    key: str  # the queue's key: a user id, or "kind:key" for an item
    label: str  # the email (or the item's name): what a person calls it
    outcome: str
    reason: str
    error: str
    attempts: int
    run_id: str
    queued_at: str
    rows: tuple[Row, ...]
    commands: tuple[tuple[str, str], ...]  # (what it does, the command)
    now_read_at: str = ""
    now_error: str = ""

    @property
    def anchor(self) -> str:
        return anchor_of(self.label or self.key)


def anchor_of(label: str) -> str:
    """``reconcile-<email or key>``: an HTML id (no whitespace; ``#`` and quotes replaced)."""
    return "reconcile-" + re.sub(r"[\s#\"'<>%]+", "-", label.strip().lower())


def readable_time(t: float | None) -> str:
    """Epoch seconds as UTC and local time, to the second; '' when unknown."""
    if not t:
        return ""
    utc = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t))
    local = time.strftime("%H:%M:%S %Z", time.localtime(t))
    return utc if local.endswith("UTC") else f"{utc} ({local} local)"


class Namer:
    """id -> name from the job's catalogue, a now-read's answers, and user emails (managers)."""

    def __init__(self, *tables: Mapping[str, str]):
        # Later tables win (a now-read's names are the org's latest); looked up in turn, not
        # copied: one Namer is made per entry, and a catalogue can hold thousands of names.
        self.tables = tuple(reversed(tables))

    def get(self, ident: str) -> str | None:
        for table in self.tables:
            if name := table.get(ident):
                return name
        return None

    def __call__(self, ident: Any, what: str) -> str:
        if ident is None or ident == "":
            return "(none)"
        return self.get(str(ident)) or f"an unnamed {what}"


def _level(v: Any) -> str:
    return NOT_HELD if v is None else f"proficiency {float(v):g}"


def _wanted_of(kind: str, intent: Mapping[str, Any], seen: Mapping[str, Any] | None, now: OrgNow | None) -> dict[str, Any]:
    """id -> level wanted (None: not held); replacing skills, every other skill seen or held now is to go."""
    wanted: dict[str, Any] = dict(intent.get(kind) or {})
    wanted.update({k: None for k in intent.get(f"remove_{kind}") or ()})
    if kind == "skills" and intent.get("replace_skills"):
        others = set((seen or {}).get("skills") or {}) | set((now.state.get("skills") or {}) if now else {})
        wanted.update({k: None for k in others if k not in wanted})
    return wanted


def _assignment_rows(kind: str, intent: Mapping[str, Any], seen: Mapping[str, Any] | None, now: OrgNow | None, namer: Namer) -> list[Row]:
    """Skills or languages the intent names (and, replacing skills, every skill seen or held now)."""
    wanted = _wanted_of(kind, intent, seen, now)
    seen_held = None if seen is None else (seen.get(kind) or {})
    now_held = None if now is None or now.error else (now.state.get(kind) or {})
    what = kind[:-1]
    return [
        Row(
            f"{what} {namer(ident, what)}",
            _level(wanted[ident]),
            UNSEEN if seen_held is None else _level(seen_held.get(ident)),
            None if now_held is None else _level(now_held.get(ident)),
        )
        for ident in sorted(wanted, key=lambda i: namer(i, what).lower())
    ]


def _field_value(name: str, v: Any, namer: Namer) -> str:
    if v is None or v == "":
        return "(empty)"
    if name == "manager":
        return namer(v, "user")
    if name == "division":
        return namer(v, "division")
    return str(v)


def _field_rows(intent: Mapping[str, Any], seen: Mapping[str, Any] | None, now: OrgNow | None, namer: Namer) -> list[Row]:
    wanted: dict[str, Any] = dict(intent.get("fields") or {})
    if intent.get("division"):
        wanted["division"] = intent["division"]
    now_state = None if now is None or now.error else now.state
    return [
        Row(
            name,
            _field_value(name, v, namer),
            UNSEEN if seen is None else _field_value(name, seen.get(name), namer),
            None if now_state is None else _field_value(name, now_state.get(name), namer),
        )
        for name, v in wanted.items()
    ]


def _queue_rows(intent: Mapping[str, Any], now: OrgNow | None, namer: Namer) -> list[Row]:
    """The audit's last state has no membership: 'last seen' says so; now is read per queue."""
    rows = []
    for key, member in (("join_queues", True), ("leave_queues", False)):
        for qid in intent.get(key) or ():
            held = None if now is None or now.error or qid not in now.queues else now.queues[qid]
            rows.append(Row(f"queue {namer(qid, 'queue')}", _membership(member), UNSEEN, None if held is None else _membership(held)))
    return rows


def _membership(member: bool) -> str:
    return "member" if member else "not a member"


def _item_rows(last_state: Mapping[str, Any], namer: Namer) -> list[Row]:
    """An item of another kind (a skill definition, a queue's settings): what it last saw, by field."""
    rows = []
    for k, v in last_state.items():
        if k == "heldBack" or isinstance(v, (dict, list)):
            continue
        shown = (namer.get(v) or v) if isinstance(v, str) else str(v)
        rows.append(Row(k, "see the job's spec", shown))
    return rows


def rows_of(intent: Mapping[str, Any] | None, seen: Mapping[str, Any] | None, now: OrgNow | None, namer: Namer) -> tuple[Row, ...]:
    """``intent``: the entry's stored intent as ``codec.intent_to_dict`` writes it (ids); None for an item."""
    if intent is None:
        return tuple(_item_rows(seen, namer)) if seen is not None else ()
    return tuple(
        _assignment_rows("skills", intent, seen, now, namer)
        + _assignment_rows("languages", intent, seen, now, namer)
        + _field_rows(intent, seen, now, namer)
        + _queue_rows(intent, now, namer)
    )


def commands_of(job: str, ref: str, where: str, spec: Sequence[Mapping[str, Any]] = ()) -> tuple[tuple[str, str], ...]:
    """The ways to settle an entry, each a command that works as printed. ``spec``: the user's
    intent as a one-user job spec in names (header first), for edit and rerun; none for an item."""
    quoted = _quote(ref)
    out = [
        ("retry: the job re-reads the user and applies what it wanted onto what is there now", f"bulkops reconcile retry {job} {quoted}{where}"),
        (
            "drop: you settled it by hand in Genesys Cloud (counted as settled, not failed)",
            f"bulkops reconcile drop {job} {quoted} --note 'fixed by hand'{where}",
        ),
    ]
    if spec:
        name = re.sub(r"[^a-z0-9]+", "-", ref.split("@")[0].lower()).strip("-") or "user"
        lines = " ".join(_quote(json.dumps(line, ensure_ascii=False)) for line in spec)
        out.append(
            (
                f"edit and rerun: save what it wanted as a spec in names (fix-{name}.jsonl), edit it, then drop the entry and run the spec as a job of its own",
                f"printf '%s\\n' {lines} > fix-{name}.jsonl",
            )
        )
        out.append(
            (
                "then, after editing",
                f"bulkops reconcile drop {job} {quoted} --note 'rerun as {job}-fix-{name}'{where} && bulkops run fix-{name}.jsonl --job {job}-fix-{name}{where}",
            )
        )
    return tuple(out)


def named_spec(intent: Mapping[str, Any], label: str, mode: str, namer: Namer) -> list[dict[str, Any]]:
    """A stored intent as a one-user JSON Lines job spec, in names (an id the catalogue lacks stays an id)."""

    def ref(ident: Any) -> str:
        return namer.get(str(ident)) or str(ident)

    user: dict[str, Any] = {"user": label}
    for key, spec_key in (("skills", "skills"), ("languages", "languages")):
        if intent.get(key):
            user[spec_key] = {ref(k): v for k, v in intent[key].items()}
    for key, spec_key in (
        ("remove_skills", "removeSkills"),
        ("remove_languages", "removeLanguages"),
        ("join_queues", "joinQueues"),
        ("leave_queues", "leaveQueues"),
    ):
        if intent.get(key):
            user[spec_key] = sorted(ref(k) for k in intent[key])
    for name, value in sorted((intent.get("fields") or {}).items()):
        user[name] = ref(value) if name == "manager" else value
    if intent.get("division"):
        user["division"] = ref(intent["division"])
    return [{"version": 1, "mode": mode}, user]


def _quote(s: str) -> str:
    return s if re.fullmatch(r"[A-Za-z0-9@._:/+=-]+", s) else "'" + s.replace("'", "'\\''") + "'"


_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")


def with_names(text: str, name_of: Callable[[str], str | None]) -> str:
    """The API's words with every id it names that has a name replaced by the name (``--json`` keeps them)."""
    return _UUID.sub(lambda m: name_of(m.group(0)) or m.group(0), text)


def error_text(error: ErrorInfo | None) -> str:
    if error is None:
        return ""
    head = " ".join(str(x) for x in (error.status, error.code) if x)
    return f"{head}: {error.message}" if head and error.message else head or error.message


@dataclass(frozen=True, slots=True)
class JobContext:
    """What every view of one job's entries shares."""

    job: str
    where: str  # " --state-dir X" when not the default, else ""
    names: Mapping[str, str] = field(default_factory=dict)
    emails: Mapping[str, str] = field(default_factory=dict)  # user id -> email, for entries that lack one
    mode: str = "merge"  # the job's spec mode, for the edit-and-rerun spec


def settle_view(entry: ReconciliationEntry, ctx: JobContext, now: OrgNow | None = None) -> SettleView:
    key = entry.entry_id
    intent = intent_to_dict(entry.intent) if entry.intent is not None else None
    label = entry.email or ctx.emails.get(entry.key) or key
    ref = label if label != key and "@" in label else key
    namer = Namer(ctx.names, ctx.emails, now.names if now else {})
    return SettleView(
        key=key,
        label=label,
        outcome=entry.outcome,
        reason=entry.reason or "(no reason recorded)",
        error=with_names(error_text(entry.error), lambda ident: label if ident == entry.key else namer.get(ident)),
        attempts=entry.attempts,
        run_id=entry.run_id,
        queued_at=readable_time(parse_ts(entry.ts) if entry.ts else None),
        rows=rows_of(intent, entry.last_state, now, namer),
        commands=commands_of(ctx.job, ref, ctx.where, named_spec(intent, ref, ctx.mode, namer) if intent is not None else ()),
        now_read_at=readable_time(now.read_at) if now else "",
        now_error=now.error if now else "",
    )


def by_reason(views: Iterable[SettleView]) -> dict[str, list[SettleView]]:
    """Entries grouped by reason, the largest group first (then by reason, for a stable order)."""
    groups: dict[str, list[SettleView]] = {}
    for v in views:
        groups.setdefault(v.reason, []).append(v)
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def table_lines(rows: Sequence[Row], *, with_now: bool) -> list[str]:
    """The rows as aligned plain-text columns (the terminal's view)."""
    head = ("", "the job wanted", "it last saw", "the org holds now")
    cells = [(r.what, r.wanted, r.seen, (r.now or "not read") if with_now else "") for r in rows]
    table = [head] + cells if with_now else [head[:3]] + [c[:3] for c in cells]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]


def keep_org_now(job_root: Path, user_id: str, now: OrgNow) -> None:
    """Appended (the latest line of a user wins): the report shows it, with when it was read."""
    writer = NdjsonWriter(job_root / NOW_FILE, fsync_every=0.0)
    try:
        writer.write({"user_id": user_id, **now.to_json()})
    finally:
        writer.close()


def kept_org_now(job_root: Path) -> dict[str, OrgNow]:
    """The latest read of each user ``reconcile show`` read; {} when none was."""
    path = job_root / NOW_FILE
    if not path.exists():
        return {}
    out: dict[str, OrgNow] = {}
    for rec in read_ndjson(path):
        if isinstance(rec, BadLine) or not isinstance(rec.get("user_id"), str):
            continue
        try:
            out[rec["user_id"]] = OrgNow.from_json(rec)
        except (TypeError, ValueError):
            continue
    return out


def where_flag(state_dir: str | Path) -> str:
    """`` --state-dir DIR`` for a command a person copies, or nothing for the default folder."""
    return "" if os.path.normpath(str(state_dir)) == "checkpoints" else f" --state-dir {shlex.quote(str(state_dir))}"


def users_named(entries: Iterable[ReconciliationEntry]) -> set[str]:
    """The user ids a person needs named: users' entries without an email, and the managers they mention."""
    ids: set[str] = set()
    for e in entries:
        if e.kind == USER and not e.email:
            ids.add(e.key)
        for manager in (e.intent.fields.get("manager") if e.intent else None, (e.last_state or {}).get("manager")):
            if isinstance(manager, str) and manager:
                ids.add(manager)
    return ids


def job_context(store: Any, job: str, state_dir: str | Path, entries: Iterable[ReconciliationEntry], *, queue: Path | None = None) -> JobContext:
    """The job's catalogue (``names``), and an email for each user the entries need named: from the
    users set-up read, else from the queue's earlier entries of the same user (a user not found by a
    later pass was named by its spec line, and queued with that email before)."""
    entries = list(entries)
    wanted = sorted(users_named(entries))
    emails = {uid: s.email for uid, (s, _) in store.states(wanted).items() if s.email} if wanted else {}
    missing = {e.key for e in entries if e.kind == USER and not e.email} - set(emails)
    if missing and queue is not None:
        emails |= {uid: email for uid, email in emails_queued(queue).items() if uid in missing}
    names = dict(store.get("names") or {}) | dict(store.get("user_names") or {})
    return JobContext(job, where_flag(state_dir), names, emails, str(store.get("mode") or "merge"))


def emails_queued(queue: Path) -> dict[str, str]:
    """user id -> the last email any event of the queue's log gave it (the log is small: one line per entry event)."""
    out: dict[str, str] = {}
    if not queue.exists():
        return out
    for rec in read_ndjson(queue):
        if isinstance(rec, BadLine) or not isinstance(rec.get("email"), str) or not rec["email"]:
            continue
        named = entry_named(rec)
        if named is not None and named[0] == USER:
            out[named[1]] = rec["email"]
    return out
