"""Does the platform's audit record what the job says it wrote, and nothing else by this client?

Pure: the job's writes (``ExpectedWrite``, built from its audit log) and the platform's messages
(``AuditMessage``) in, a verdict per user and per item out. Matching is on the entity id and
what changed (the property names and values the message carries), never on exact timestamps:
the platform stamps its own clock and a write's audit line is written after the write.

* confirmed: every write the job recorded for the user (item) has a platform message on the
  same entity that names what changed;
* missing: the job recorded a write the platform has no message for;
* unexpected: the platform has a message by this OAuth client in the window that no write of
  the job accounts for (on one of the job's users, or on another entity: then listed apart);
* another job's: a message no write of this job accounts for but a write another job of the same
  state folder recorded does, within that job's window (two jobs run by one OAuth client close
  together, #27 §9): named with that job, never unexpected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bulkops.domain.platformaudit import AuditMessage

CONFIRMED = "confirmed"
MISSING = "missing"
UNEXPECTED = "unexpected"
#: An owner whose writes are all confirmed but who also has unexpected ones.
MIXED = "missing+unexpected"


def folded(values: Iterable[Any]) -> frozenset[str]:
    """The tokens a message must show, case-folded (blanks and None left out)."""
    return frozenset(str(v).casefold() for v in values if v not in (None, ""))


@dataclass(frozen=True, slots=True)
class ExpectedWrite:
    """One write the job recorded as sent and accepted.

    ``entity_id`` is what the platform's message names (the user; the queue for a membership
    change; the skill, queue or label for an item). ``tokens`` say what changed (a skill id, a
    field name, the division id, the member's user id), case-folded; the message must show one
    of them. No tokens: any message on the entity counts. ``optional``: a write the job knows
    landed but not in detail (a user confirmed after a restart): it claims the messages on or
    naming its owner and is never missing."""

    owner: str
    entity_id: str
    op: str
    tokens: frozenset[str] = frozenset()
    optional: bool = False
    #: Actions (case-folded) the message must carry, where an entity takes writes of several
    #: sorts (a queue: its settings, its members); empty: any.
    actions: frozenset[str] = frozenset()

    def claims(self, message: AuditMessage, tokens: frozenset[str]) -> bool:
        if self.optional:
            return message.entity_id == self.entity_id or self.owner.casefold() in tokens
        if message.entity_id != self.entity_id:
            return False
        if self.actions and message.action.casefold() not in self.actions:
            return False
        return not self.tokens or bool(self.tokens & tokens)


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of time (epoch seconds, end excluded) the platform's audit is read for."""

    start: float
    end: float


def merge_windows(windows: Iterable[Window]) -> list[Window]:
    """Overlapping or touching windows as one, in order."""
    out: list[Window] = []
    for w in sorted(windows, key=lambda x: x.start):
        if out and w.start <= out[-1].end:
            out[-1] = Window(out[-1].start, max(out[-1].end, w.end))
        else:
            out.append(w)
    return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One write, from the job's side (an op) or the platform's (a message), said in ids."""

    op: str
    entity_id: str
    what: tuple[str, ...] = ()
    message_id: str | None = None
    at: float | None = None
    #: The entity's name as the platform's message gives it, if it does.
    name: str | None = None
    #: The other job of the state folder that recorded this write (``OtherJob``), if it is one's.
    job: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "entity_id": self.entity_id, "what": list(self.what)}
        if self.message_id is not None:
            out.update(message_id=self.message_id, at=self.at)
        if self.name is not None:
            out["name"] = self.name
        if self.job is not None:
            out["job"] = self.job
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Finding:
        return cls(str(d["op"]), str(d["entity_id"]), tuple(d.get("what") or ()), d.get("message_id"), d.get("at"), d.get("name"), d.get("job"))


@dataclass(frozen=True, slots=True)
class OwnerVerdict:
    """One user (or item, ``kind:key``): its writes confirmed, missing and unexpected."""

    owner: str
    confirmed: tuple[Finding, ...] = ()
    missing: tuple[Finding, ...] = ()
    unexpected: tuple[Finding, ...] = ()

    @property
    def status(self) -> str:
        if self.missing and self.unexpected:
            return MIXED
        if self.missing:
            return MISSING
        if self.unexpected:
            return UNEXPECTED
        return CONFIRMED

    def to_json(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "status": self.status,
            "confirmed": [f.to_json() for f in self.confirmed],
            "missing": [f.to_json() for f in self.missing],
            "unexpected": [f.to_json() for f in self.unexpected],
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> OwnerVerdict:
        def many(key: str) -> tuple[Finding, ...]:
            return tuple(Finding.from_json(x) for x in d.get(key) or ())

        return cls(str(d["owner"]), many("confirmed"), many("missing"), many("unexpected"))


@dataclass(frozen=True, slots=True)
class OtherJob:
    """Another job of the same state folder: the writes its audit log records and when it ran.
    A message one of them claims within one of ``windows`` is that job's."""

    job: str
    expected: tuple[ExpectedWrite, ...]
    windows: tuple[Window, ...]

    def ran_at(self, t: float) -> bool:
        return any(w.start <= t < w.end for w in self.windows)


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict: per owner, the platform's writes on entities the job never named, and the
    writes other jobs of the state folder made (``other_jobs``: named, not unexpected)."""

    owners: tuple[OwnerVerdict, ...]
    elsewhere: tuple[Finding, ...] = ()
    messages: int = 0
    windows: tuple[Window, ...] = ()
    client_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    other_jobs: tuple[Finding, ...] = ()

    @property
    def verified(self) -> bool:
        return not self.elsewhere and all(o.status == CONFIRMED for o in self.owners)

    def counts(self) -> dict[str, int]:
        out = {CONFIRMED: 0, MISSING: 0, UNEXPECTED: 0, MIXED: 0}
        for o in self.owners:
            out[o.status] += 1
        return out

    def missing_writes(self) -> list[Finding]:
        return [f for o in self.owners for f in o.missing]

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "client_id": self.client_id,
            "windows": [{"start": w.start, "end": w.end} for w in self.windows],
            "messages": self.messages,
            "counts": self.counts(),
            "owners": [o.to_json() for o in self.owners],
            "elsewhere": [f.to_json() for f in self.elsewhere],
            "other_jobs": [f.to_json() for f in self.other_jobs],
            **dict(self.extra),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Verification:
        known = {"verified", "client_id", "windows", "messages", "counts", "owners", "elsewhere", "other_jobs"}
        return cls(
            owners=tuple(OwnerVerdict.from_json(o) for o in d.get("owners") or ()),
            elsewhere=tuple(Finding.from_json(f) for f in d.get("elsewhere") or ()),
            other_jobs=tuple(Finding.from_json(f) for f in d.get("other_jobs") or ()),
            messages=int(d.get("messages") or 0),
            windows=tuple(Window(float(w["start"]), float(w["end"])) for w in d.get("windows") or ()),
            client_id=d.get("client_id"),
            extra={k: v for k, v in d.items() if k not in known},
        )


def _describe(m: AuditMessage) -> Finding:
    what = tuple(sorted({c.property for c in m.changes}))
    return Finding(m.action or "write", m.entity_id, what, m.id, m.event_time, m.entity_name)


def verify(expected: Sequence[ExpectedWrite], messages: Sequence[AuditMessage], *, owners: Iterable[str] = (), others: Sequence[OtherJob] = ()) -> Verification:
    """Match the job's writes with the platform's messages (see the module docstring).

    ``owners``: every user and item of the job, so one with nothing written still has a row
    (and a message on it is attributed to it rather than listed elsewhere). ``others``: the other
    jobs of the state folder; a message this job's writes leave unclaimed and one of theirs claims
    is that job's."""
    tokens = {m.id: m.tokens() for m in messages}
    matched = match_expected(expected, messages, tokens)
    theirs = claimed_by_others(messages, matched.claimed, tokens, others)
    known = list(dict.fromkeys([*owners, *(w.owner for w in expected)]))
    unexpected, elsewhere = unclaimed(messages, matched.claimed | theirs.keys(), tokens, known)
    verdicts = tuple(
        OwnerVerdict(o, tuple(matched.confirmed.get(o, ())), tuple(matched.missing.get(o, ())), tuple(unexpected.get(o, ())))
        for o in known
        if o in matched.confirmed or o in matched.missing or o in unexpected
    )
    by_others = tuple(replace(_describe(m), job=theirs[m.id]) for m in messages if m.id in theirs)
    return Verification(owners=verdicts, elsewhere=tuple(elsewhere), messages=len(messages), other_jobs=by_others)


def claimed_by_others(
    messages: Sequence[AuditMessage], claimed: frozenset[str], tokens: Mapping[str, frozenset[str]], others: Sequence[OtherJob]
) -> dict[str, str]:
    """Message id -> the other job whose recorded write accounts for it (on the same entity,
    naming what changed, within that job's window), for the messages this job left unclaimed;
    the first such job in ``others`` order."""
    out: dict[str, str] = {}
    for other in others:
        by_entity: dict[str, list[ExpectedWrite]] = defaultdict(list)
        optional = [w for w in other.expected if w.optional]
        for w in other.expected:
            by_entity[w.entity_id].append(w)
        for m in messages:
            if m.id in claimed or m.id in out or not other.ran_at(m.event_time):
                continue
            if any(w.claims(m, tokens[m.id]) for w in (*by_entity.get(m.entity_id, ()), *optional)):
                out[m.id] = other.job
    return out


@dataclass(frozen=True, slots=True)
class Matched:
    """The job's writes against the messages: the messages that confirm one (by id), and each
    owner's confirmed and missing writes."""

    claimed: frozenset[str]
    confirmed: Mapping[str, list[Finding]]
    missing: Mapping[str, list[Finding]]


def match_expected(expected: Sequence[ExpectedWrite], messages: Sequence[AuditMessage], tokens: Mapping[str, frozenset[str]]) -> Matched:
    """Each expected write confirmed by the messages on its entity (an optional one by any message),
    or missing (an optional one is never missing)."""
    by_entity: dict[str, list[AuditMessage]] = defaultdict(list)
    for m in messages:
        by_entity[m.entity_id].append(m)
    claimed: set[str] = set()
    confirmed: dict[str, list[Finding]] = defaultdict(list)
    missing: dict[str, list[Finding]] = defaultdict(list)
    for w in expected:
        pool = messages if w.optional else by_entity.get(w.entity_id, ())
        hits = [m for m in pool if w.claims(m, tokens[m.id])]
        claimed.update(m.id for m in hits)
        finding = Finding(w.op, w.entity_id, tuple(sorted(w.tokens)))
        if hits:
            confirmed[w.owner].append(finding)
        elif not w.optional:
            missing[w.owner].append(finding)
    return Matched(frozenset(claimed), confirmed, missing)


def unclaimed(
    messages: Sequence[AuditMessage], claimed: frozenset[str], tokens: Mapping[str, frozenset[str]], known: Sequence[str]
) -> tuple[dict[str, list[Finding]], list[Finding]]:
    """The messages no expected write claims: unexpected for the owner they are on (its entity, else
    the owners they name), or elsewhere when they are about no owner of the job."""
    folded = {o.casefold(): o for o in known}
    unexpected: dict[str, list[Finding]] = defaultdict(list)
    elsewhere: list[Finding] = []
    for m in messages:
        if m.id in claimed:
            continue
        whose = [m.entity_id] if m.entity_id in known else [folded[t] for t in sorted(tokens[m.id]) if t in folded]
        for owner in whose:
            unexpected[owner].append(_describe(m))
        if not whose:
            elsewhere.append(_describe(m))
    return unexpected, elsewhere


def audit_lags(verification: Verification, expected_times: Mapping[str, float], messages: Sequence[AuditMessage]) -> float | None:
    """When every missing write is later than the newest message the platform returned, its
    audit has most likely not caught up yet (rather than lost the writes): the time of the
    earliest such write; None when some missing write is older than what the platform shows.

    ``expected_times``: owner -> when the job recorded its line (the write happened before)."""
    missing_owners = [o.owner for o in verification.owners if o.missing]
    if not missing_owners:
        return None
    newest = max((m.event_time for m in messages), default=float("-inf"))
    times = [expected_times.get(o) for o in missing_owners]
    if any(t is None or t <= newest for t in times):
        return None
    return min(t for t in times if t is not None)
