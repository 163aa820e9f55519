"""Rows of the per-run result files, generated one at a time (no file is ever held whole).

Columns are meant for a person with a spreadsheet filter: one user per row, flat text,
changes as ``name=proficiency`` lists (ids unless a name map is given: the audit keeps
ids only). Applied/unchanged/failed come from each user's *last* audit line, so a user
fixed by a later pass shows where it ended, with the ``run_id`` of that pass. The rows
are pure functions of a record; ``JobData`` reads the records back from the job folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from bulkops.report.load import JobData, OpenUser
from bulkops.state.auditline import UserLine
from bulkops.state.codec import intent_to_dict
from bulkops.state.records import ReconciliationEntry, UserOutcome

Row = dict[str, Any]
Names = Mapping[str, str]  # org id -> name (skills, languages, queues, divisions, users)

CHANGE_COLUMNS = (
    "skills_set", "skills_removed", "languages_set", "languages_removed", "fields", "division", "queues_joined", "queues_left",
)  # fmt: skip
OUTCOME_COLUMNS = (
    "user_id", "email", "outcome", "reason", "error_status", "error_code", "error_message",
    "attempts", "conflicts", "requests", "latency_ms", *CHANGE_COLUMNS, "confirmed_after_restart", "correlation_id", "run_id", "ts",
)  # fmt: skip
RECONCILIATION_COLUMNS = (
    "user_id", "email", "outcome", "reason", "error_status", "error_code", "error_message", "attempts",
    *CHANGE_COLUMNS, "correlation_id", "run_id", "queued_at",
)  # fmt: skip
UNPROCESSED_COLUMNS = ("user_id", "email", "status", "spec_line", *CHANGE_COLUMNS, "note")


def outcome_rows(data: JobData, names: Names | None = None) -> Iterator[tuple[str, Row]]:
    """(outcome, row) of each user whose last outcome is applied, unchanged or failed, in order of
    the user's first audit line; each last line is read back, turned into a row and let go."""
    names = names or {}
    for outcome, line in data.last_records():
        yield outcome, outcome_row(line, names)


def reconciliation_rows(data: JobData, names: Names | None = None) -> Iterator[Row]:
    names = names or {}
    for entry in data.reconciliation:
        yield reconciliation_row(entry, names)


def unprocessed_rows(users: Iterable[OpenUser], names: Names | None = None) -> Iterator[Row]:
    names = names or {}
    for user in users:
        yield unprocessed_row(user, names)


def error_of(line: UserOutcome) -> Mapping[str, Any]:
    """The Genesys error behind an outcome: the line's ``error``, else its first failed op."""
    if line.error:
        return {"status": line.error.status, "code": line.error.code, "message": line.error.message}
    for op in line.ops:
        if not op.ok and op.error is not None:
            return {"status": op.error.status, "code": op.error.code, "message": op.error.message}
    return {}


def outcome_row(line: UserLine, names: Names) -> Row:
    rec = line.record
    err = error_of(rec)
    return {
        "user_id": rec.user_id,
        "email": rec.email or "",
        "outcome": rec.outcome,
        "reason": rec.reason or "",
        "error_status": err.get("status"),
        "error_code": err.get("code"),
        "error_message": err.get("message"),
        "attempts": rec.attempts,
        "conflicts": rec.conflicts,
        "requests": _num(rec.requests),
        "latency_ms": rec.latency_ms,
        **change_cells(rec.changes, names),
        "confirmed_after_restart": "yes" if rec.confirmed_after_restart else "",
        "correlation_id": rec.correlation_id or (rec.error.correlation_id if rec.error else None),
        "run_id": line.run_id,
        "ts": line.ts,
    }


def reconciliation_row(entry: ReconciliationEntry, names: Names) -> Row:
    err = entry.error
    return {
        "user_id": entry.entry_id,
        "email": entry.email,
        "outcome": entry.outcome,
        "reason": entry.reason,
        "error_status": err.status if err else None,
        "error_code": err.code if err else None,
        "error_message": err.message if err else None,
        "attempts": entry.attempts,
        **change_cells(intent_changes(intent_to_dict(entry.intent) if entry.intent else {}), names),
        "correlation_id": err.correlation_id if err else None,
        "run_id": entry.run_id,
        "queued_at": entry.ts,
    }


def unprocessed_row(user: OpenUser, names: Names) -> Row:
    return {
        "user_id": user.user_id,
        "email": "",  # never fetched: the run stopped before reaching this user
        "status": user.status,
        "spec_line": user.spec_line or "",
        **change_cells(intent_changes(user.intent), names),
        "note": "writes may have been sent; `bulkops resume` re-checks it" if user.status == "inflight" else "not reached; `bulkops resume` carries on",
    }


def intent_changes(intent: Mapping[str, Any]) -> dict[str, Any]:
    """A stored intent (``codec.intent_to_dict``) in the audit's ``changes`` shape."""
    return {
        "upsert_skills": intent.get("skills") or {},
        "delete_skills": intent.get("remove_skills") or [],
        "upsert_languages": intent.get("languages") or {},
        "delete_languages": intent.get("remove_languages") or [],
        "fields": intent.get("fields") or {},
        "division": intent.get("division"),
        "join_queues": intent.get("join_queues") or [],
        "leave_queues": intent.get("leave_queues") or [],
    }


def change_cells(changes: Mapping[str, Any], names: Names) -> Row:
    skills = changes.get("replace_skills") or changes.get("upsert_skills") or {}
    return {
        "skills_set": levels(skills, names),
        "skills_removed": refs(changes.get("delete_skills") or (), names),
        "languages_set": levels(changes.get("upsert_languages") or {}, names),
        "languages_removed": refs(changes.get("delete_languages") or (), names),
        "fields": "; ".join(f"{k}={names.get(v, v) if k == 'manager' else v}" for k, v in sorted((changes.get("fields") or {}).items())),
        "division": names.get(changes.get("division") or "", changes.get("division") or ""),
        "queues_joined": refs(changes.get("join_queues") or (), names),
        "queues_left": refs(changes.get("leave_queues") or (), names),
    }


def levels(mapping: Mapping[str, float], names: Names) -> str:
    if not names:  # the common case (a run's own files): ids, sorted as they are (keys are unique: no value is compared)
        try:
            return "; ".join(map(_PAIRS.__getitem__, sorted(mapping.items())))
        except TypeError:  # an unhashable value: not something the audit writes
            pass
    return "; ".join(f"{names.get(k, k)}={_num(v)}" for k, v in sorted(mapping.items(), key=lambda kv: names.get(kv[0], kv[0])))


def refs(items: Iterable[str], names: Names) -> str:
    return "; ".join(sorted(names.get(i, i) for i in items))


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else v


class _Pairs(dict[tuple[str, float], str]):
    """(id, proficiency) -> ``"id=proficiency"``, remembered: a job has few distinct pairs (skills x levels)."""

    def __missing__(self, kv: tuple[str, float]) -> str:
        text = f"{kv[0]}={_num(kv[1])}"
        if len(self) < 16384:
            self[kv] = text
        return text


_PAIRS = _Pairs()
