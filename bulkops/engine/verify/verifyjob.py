"""A job's own record of its writes, as ``verify`` compares it with the platform's audit.

Read from the job's audit log (one line per user or item per pass): every operation it
recorded as sent and accepted (``ops`` with ``ok``, not ``already``) becomes an
``ExpectedWrite`` on the entity the platform's audit names, with what changed; each pass
gives a window (from its start, named in its run id, to its last line, a margin either side).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bulkops.domain.verification import ExpectedWrite, Window, folded, merge_windows
from bulkops.kinds.folder import KindFolder
from bulkops.kinds.registry import folder_of
from bulkops.state.auditline import read_audit
from bulkops.state.ndjson import BadLine
from bulkops.state.records import ItemOutcome, OpResult, UserOutcome

#: Seconds added before a pass's start and after its last line: the platform stamps its own
#: clock, and a user's line is written after its writes (a queue batch up to seconds later).
DEFAULT_MARGIN = 60.0

_SKILL_OPS = {"upsert_skills": "upsert_skills", "upsert_languages": "upsert_languages"}
_ONE_OPS = {"delete_skill": "skill", "delete_language": "language"}
_MEMBER_OPS = frozenset({"join_queue", "leave_queue"})
#: What an item of a kind the registry does not list is asked (an audit written by another version).
_ANY_KIND = KindFolder()


@dataclass(frozen=True, slots=True)
class JobWrites:
    """What the job says it wrote, who each owner is, and when the platform should be read."""

    expected: tuple[ExpectedWrite, ...]
    owners: tuple[str, ...]
    labels: Mapping[str, str]  # owner -> email (a user) or name (an item)
    wrote_at: Mapping[str, float]  # owner -> time of its last line that recorded a write
    windows: tuple[Window, ...]
    last_line: float | None
    bad_lines: int = 0
    runs: tuple[str, ...] = field(default_factory=tuple)


#: The store's key for each pass's clock skew (run id -> the API's clock minus this machine's,
#: seconds, as the client measured it from the Date header): the job's own times are this
#: machine's, the platform's audit stamps the API's.
CLOCK_SKEWS = "clock_skews"


class _Store(Protocol):
    def get(self, key: str) -> Any: ...
    def set(self, **values: Any) -> None: ...


def record_skew(store: _Store, run_id: str, skew: float | None) -> None:
    """Keep this pass's skew (nothing when no answer carried a Date)."""
    if skew is None:
        return
    skews = dict(store.get(CLOCK_SKEWS) or {})
    skews[run_id] = round(skew, 3)
    store.set(**{CLOCK_SKEWS: skews})


def run_started(run_id: str) -> float | None:
    """The start of a pass, from its id (``20260101T120000Z-abc123``), to the second."""
    try:
        return datetime.strptime(run_id.split("-", 1)[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


_fold = folded


def _differing(before: Mapping[str, Any], after: Mapping[str, Any]) -> frozenset[str]:
    return _fold(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def user_writes(rec: UserOutcome) -> Iterator[ExpectedWrite]:
    """The writes one user's line records as accepted, each on the entity the platform names."""
    uid = rec.user_id
    if rec.confirmed_after_restart:
        yield ExpectedWrite(uid, uid, "confirmed_after_restart", optional=True)
    changes = rec.changes or {}
    for op in rec.ops:
        if not op.ok or op.detail.get("already"):
            continue
        yield from _op_writes(uid, op, changes, rec.before or {})


def _op_writes(uid: str, op: OpResult, changes: Mapping[str, Any], before: Mapping[str, Any]) -> Iterator[ExpectedWrite]:
    d = op.detail
    if op.op in _MEMBER_OPS and isinstance(d.get("queue"), str):
        yield ExpectedWrite(uid, d["queue"], op.op, _fold([uid]))
    elif op.op == "patch_user":
        yield ExpectedWrite(uid, uid, op.op, _fold(d.get("fields") or changes.get("fields") or ()))
    elif op.op == "move_division":
        yield ExpectedWrite(uid, uid, op.op, _fold([d.get("division") or changes.get("division")]))
    elif op.op in _SKILL_OPS:
        yield ExpectedWrite(uid, uid, op.op, _fold((changes.get(_SKILL_OPS[op.op]) or {}).keys()))
    elif op.op in _ONE_OPS:
        yield ExpectedWrite(uid, uid, op.op, _fold([d.get(_ONE_OPS[op.op])]))
    elif op.op == "replace_skills":
        yield ExpectedWrite(uid, uid, op.op, _differing(before.get("skills") or {}, changes.get("replace_skills") or {}))
    else:  # an operation this version does not know: any message on the user confirms it
        yield ExpectedWrite(uid, uid, op.op)


def item_owner(rec: ItemOutcome) -> str:
    return f"{rec.kind}:{rec.key}"


def item_writes(rec: ItemOutcome) -> Iterator[ExpectedWrite]:
    """An item the job changed (applied, with a change it sent): the writes its kind's folder says
    the change stands for, on the entity the platform names (a kind this version does not know: one
    write on the object's id)."""
    if rec.outcome != "applied" or not rec.changes or not rec.attempts:
        return
    folder = folder_of(rec.kind) or _ANY_KIND
    entity = folder.entity_of(rec)
    if entity is None:
        return
    yield from folder.expected_writes(rec, item_owner(rec), entity)


def read_job_writes(audit: Path, *, created: float | None = None, margin: float = DEFAULT_MARGIN, skews: Mapping[str, float] | None = None) -> JobWrites:
    """Every line of the job's audit log (damaged lines counted, skipped); each pass's times moved
    into the API's clock by its recorded ``skews`` (run id -> seconds), so the window is the
    platform's even when this machine's clock was off."""
    skews = skews or {}
    expected: list[ExpectedWrite] = []
    owners: dict[str, None] = {}
    labels: dict[str, str] = {}
    wrote_at: dict[str, float] = {}
    spans: dict[str, list[float]] = {}
    bad = 0
    for line in read_audit(audit):
        if isinstance(line, BadLine):
            bad += 1
            continue
        run = line.run_id
        ts = _shifted(line.t or None, skews.get(run))
        owner, writes, label = _owner_writes(line.record)
        owners[owner] = None
        labels.setdefault(owner, label)
        expected.extend(writes)
        if ts is not None:
            span = spans.setdefault(run, [ts, ts])
            span[0], span[1] = min(span[0], ts), max(span[1], ts)
            if writes:
                wrote_at[owner] = max(wrote_at.get(owner, ts), ts)
    windows = []
    first = min(spans, key=lambda r: spans[r][0]) if spans else None
    for run, (lo, hi) in spans.items():
        start = _shifted(run_started(run), skews.get(run))
        begin = min(x for x in (lo, start, _shifted(created, skews.get(run)) if run == first else None) if x is not None)
        windows.append(Window(begin - margin, hi + margin))
    last = max((hi for _, hi in spans.values()), default=None)
    return JobWrites(tuple(expected), tuple(owners), labels, wrote_at, tuple(merge_windows(windows)), last, bad, tuple(sorted(spans)))


def _owner_writes(record: UserOutcome | ItemOutcome) -> tuple[str, list[ExpectedWrite], str]:
    """(owner, expected writes, label) of one audit line's record."""
    if isinstance(record, ItemOutcome):
        return item_owner(record), list(item_writes(record)), record.name
    return record.user_id, list(user_writes(record)), record.email or record.user_id


def _shifted(t: float | None, skew: float | None) -> float | None:
    return None if t is None else t + (skew or 0.0)
