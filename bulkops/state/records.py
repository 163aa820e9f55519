"""The records that cross layers, each a frozen dataclass with one encoder and one decoder.

An operation's result (``OpResult``), the error an API answered (``ErrorInfo``), a user's
outcome as the audit log keeps it (``UserOutcome``, ``ItemOutcome``; ``auditline`` stamps and
reads the whole line) and an entry of the reconciliation queue (``ReconciliationEntry``). The engine builds them, the state files store their JSON, and
every reader decodes them here, so one change has one spelling on disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.domain.guard import HeldBack
from bulkops.domain.model import UserIntent
from bulkops.errors import ApiError
from bulkops.state.codec import after_of, intent_from_dict, intent_to_dict
from bulkops.state.stamps import stamp_text

#: Audit outcomes, in the order reports list them.
OUTCOMES = ("applied", "unchanged", "reconciliation", "failed")


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What the API answered when it refused (or kept failing): enough to look it up with Genesys."""

    status: int | None
    code: str | None
    message: str
    correlation_id: str | None = None

    @classmethod
    def of(cls, error: ApiError) -> ErrorInfo:
        return cls(error.status, error.code, error.message, error.correlation_id)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "code": self.code, "message": self.message, "correlation_id": self.correlation_id}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ErrorInfo:
        return cls(d.get("status"), d.get("code"), str(d.get("message") or ""), d.get("correlation_id"))


@dataclass(frozen=True, slots=True)
class OpResult:
    """One write of one user (or one queue batch the user was in), as it completed."""

    op: str
    ok: bool
    requests: float
    #: What the write touched: a skill id, a count, a queue and its batch size, ``already`` ...
    detail: Mapping[str, Any] = field(default_factory=dict)
    error: ErrorInfo | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "ok": self.ok, "requests": self.requests, **self.detail}
        if self.error is not None:
            out.update(status=self.error.status, code=self.error.code, error=self.error.message)
            if self.error.correlation_id:
                out["correlation_id"] = self.error.correlation_id
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> OpResult:
        detail = {k: v for k, v in d.items() if k not in _OP_KEYS}
        error = None if d.get("ok") else ErrorInfo(d.get("status"), d.get("code"), str(d.get("error") or ""), d.get("correlation_id"))
        return cls(str(d["op"]), bool(d.get("ok")), float(d.get("requests") or 0), detail, error)


_OP_KEYS = frozenset({"op", "ok", "requests", "status", "code", "error", "correlation_id"})


@dataclass(frozen=True, slots=True)
class UserOutcome:
    """One audit line: how one user ended in one pass, with before and after (what undo needs)."""

    outcome: str
    user_id: str
    email: str | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    #: What was finally written (after any 409 re-merge); empty for a user confirmed on resume.
    changes: Mapping[str, Any] = field(default_factory=dict)
    #: The first diff, kept only when it differs from what was written (a 409 changed it).
    first_changes: Mapping[str, Any] | None = None
    version: int | None = None
    attempts: int = 0
    conflicts: int = 0
    requests: float = 0.0
    latency_ms: float | None = None
    correlation_id: str | None = None
    ops: tuple[OpResult, ...] = ()
    reason: str | None = None
    error: ErrorInfo | None = None
    confirmed_after_restart: bool = False
    #: An undo's elements changed since the undone job, not restored (before, written, now each).
    held_back: tuple[HeldBack, ...] = ()

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    def to_json(self) -> dict[str, Any]:
        """The audit line's fields (``auditline.encode_line`` adds ts, run_id, job_id); absent values
        are left out. ``after`` is left out when it is exactly ``before`` with ``changes`` applied (the
        usual case, a third of a dense line); the decoder puts it back, the one place that does."""
        out: dict[str, Any] = {"outcome": self.outcome, "user_id": self.user_id}
        if self.before is not None:
            out.update(email=self.email, before=dict(self.before))
            if self.after is not None and dict(self.after) != after_of(self.before, self.changes):
                out["after"] = dict(self.after)
            out.update(
                changes=dict(self.changes),
                version=self.version,
                attempts=self.attempts,
                conflicts=self.conflicts,
                requests=round(self.requests, 3),
                latency_ms=self.latency_ms,
                correlation_id=self.correlation_id,
                ops=[op.to_json() for op in self.ops],
            )
        if self.first_changes is not None:
            out["first_changes"] = dict(self.first_changes)
        if self.confirmed_after_restart:
            out["confirmed_after_restart"] = True
        if self.held_back:
            out["held_back"] = [h.to_json() for h in self.held_back]
        if self.reason:
            out["reason"] = self.reason
        if self.error is not None:
            out["error"] = self.error.to_json()
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> UserOutcome:
        error = d.get("error")
        return cls(
            outcome=str(d["outcome"]),
            user_id=str(d["user_id"]),
            email=d.get("email"),
            before=d.get("before"),
            after=_after(d),
            changes=d.get("changes") or {},
            first_changes=d.get("first_changes"),
            version=d.get("version"),
            attempts=int(d.get("attempts") or 0),
            conflicts=int(d.get("conflicts") or 0),
            requests=float(d.get("requests") or 0),
            latency_ms=d.get("latency_ms"),
            correlation_id=d.get("correlation_id"),
            ops=tuple(OpResult.from_json(op) for op in d.get("ops") or ()),
            reason=d.get("reason"),
            error=ErrorInfo.from_json(error) if isinstance(error, Mapping) else None,
            confirmed_after_restart=bool(d.get("confirmed_after_restart")),
            held_back=_held(d),
        )


#: The kind of a reconciliation entry that is a user (items name their own kind: ``queue``, ``skill`` ...).
USER = "user"


@dataclass(frozen=True, slots=True)
class ReconciliationEntry:
    """A user or item a person must look at: what was intended, what was last seen, and why it stopped.

    ``kind`` and ``key`` name it: ``user`` and the user's id, or an item's kind and key. Written
    lines carry both (a user's also its ``user_id``); lines of older versions named an item under
    the users' field (``user_id`` ``"queue:<id>"``) and are read the same."""

    key: str
    outcome: str
    reason: str | None
    run_id: str
    email: str | None = None
    intent: UserIntent | None = None
    last_state: Mapping[str, Any] | None = None
    error: ErrorInfo | None = None
    attempts: int = 0
    held_back: tuple[HeldBack, ...] = ()
    kind: str = USER
    #: When it was queued (``stamps``' form); set by the queue's file, empty on a new entry.
    ts: str = ""

    @property
    def entry_id(self) -> str:
        """How commands and the queue's events name it (``reconcile show/drop``, the report)."""
        return entry_id(self.kind, self.key)

    def to_json(self) -> dict[str, Any]:
        held = {"held_back": [h.to_json() for h in self.held_back]} if self.held_back else {}
        return (
            held
            | entry_fields(self.kind, self.key)
            | {
                "email": self.email,
                "outcome": self.outcome,
                "reason": self.reason,
                "intent": intent_to_dict(self.intent) if self.intent is not None else None,
                "last_state": dict(self.last_state) if self.last_state is not None else None,
                "error": self.error.to_json() if self.error is not None else None,
                "attempts": self.attempts,
                "run_id": self.run_id,
            }
        )

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ReconciliationEntry:
        intent, error = d.get("intent"), d.get("error")
        named = entry_named(d)
        if named is None:
            raise KeyError("a reconciliation entry names no user or item (kind and key, or user_id)")
        return cls(
            kind=named[0],
            key=named[1],
            outcome=str(d.get("outcome") or "reconciliation"),
            reason=d.get("reason"),
            run_id=str(d.get("run_id") or ""),
            email=d.get("email"),
            intent=intent_from_dict(dict(intent)) if isinstance(intent, Mapping) else None,
            last_state=d.get("last_state"),
            error=ErrorInfo.from_json(error) if isinstance(error, Mapping) else None,
            attempts=int(d.get("attempts") or 0),
            held_back=_held(d),
            ts=stamp_text(d.get("ts")),
        )


def entry_id(kind: str, key: str) -> str:
    """A reconciliation entry's name: the user's id, or ``kind:key`` for an item."""
    return key if kind == USER else f"{kind}:{key}"


def entry_fields(kind: str, key: str) -> dict[str, str]:
    """How a reconciliation line names its entry: ``kind`` and ``key``, and a user's also ``user_id``
    (as every version wrote it; an item's is never put there)."""
    return {"kind": kind, "key": key, "user_id": key} if kind == USER else {"kind": kind, "key": key}


def split_entry_id(name: str) -> tuple[str, str]:
    """``entry_id``'s inverse: (kind, key). A user's id holds no colon (Genesys ids are GUIDs)."""
    kind, colon, key = name.partition(":")
    return (kind, key) if colon else (USER, name)


def entry_named(d: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, key) of a reconciliation line (an entry or an event): its ``kind`` and ``key``, or,
    written by an older version, its ``user_id``; None when it names nothing (a hand-edited line)."""
    kind, key = d.get("kind"), d.get("key")
    if isinstance(kind, str) and isinstance(key, str):
        return kind, key
    old = d.get("user_id")
    return split_entry_id(old) if isinstance(old, str) else None


def _after(d: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The line's ``after``; a line of an older version left out an ``after`` equal to ``before``
    with ``changes`` applied: the one place it is put back (no reader derives it)."""
    if "after" in d or not isinstance(d.get("before"), Mapping):
        after: Mapping[str, Any] | None = d.get("after")
        return after
    return after_of(d["before"], d.get("changes") or {})


def _held(d: Mapping[str, Any]) -> tuple[HeldBack, ...]:
    return tuple(HeldBack.from_json(h) for h in d.get("held_back") or () if isinstance(h, Mapping))


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """One item of another kind (a skill definition, ...) as the audit log keeps it.

    ``kind`` tells it from a user's line (which has none); ``before``/``after`` are the kind's
    own description of the object, ``changes`` what was written."""

    kind: str
    key: str
    outcome: str
    name: str = ""
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    changes: Mapping[str, Any] | None = None
    attempts: int = 0
    conflicts: int = 0
    requests: int = 0
    reason: str | None = None
    error: ErrorInfo | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "key": self.key, "outcome": self.outcome, "name": self.name}
        for name in ("before", "after", "changes"):
            value = getattr(self, name)
            if value is not None:
                out[name] = dict(value)
        out.update(attempts=self.attempts, conflicts=self.conflicts, requests=self.requests)
        if self.reason:
            out["reason"] = self.reason
        if self.error is not None:
            out["error"] = self.error.to_json()
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ItemOutcome:
        error = d.get("error")
        return cls(
            kind=str(d["kind"]),
            key=str(d["key"]),
            outcome=str(d["outcome"]),
            name=str(d.get("name") or ""),
            before=d.get("before"),
            after=d.get("after"),
            changes=d.get("changes"),
            attempts=int(d.get("attempts") or 0),
            conflicts=int(d.get("conflicts") or 0),
            requests=int(d.get("requests") or 0),
            reason=d.get("reason"),
            error=ErrorInfo.from_json(error) if isinstance(error, Mapping) else None,
        )
