"""Merge and diff: the one place that decides what a user's writes must be.

``diff(state, intent)`` computes the *minimal* changes from what the API shows to what the
spec wants. It is used for the first write, for the re-merge after a 409 (same intent,
fresh state), and for the re-check after a crash (an applied intent diffs to nothing).
Skills are keyed by id, and a skill the intent does not name is never touched in merge
mode: that is how another administrator's concurrent change survives.
"""

from __future__ import annotations

from collections.abc import Mapping

from bulkops.domain.model import Changes, ResolvedIntent, UserState


def _upserts(current: Mapping[str, float], wanted: Mapping[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in wanted.items() if current.get(k) != float(v)}


def diff(state: UserState, intent: ResolvedIntent) -> Changes:
    """The operations that take ``state`` to ``intent`` (ids already resolved)."""
    if intent.replace_skills:
        target = {k: float(v) for k, v in intent.skills.items()}
        replace = None if dict(state.skills) == target else target
        upsert_skills: dict[str, float] = {}
        delete_skills: frozenset[str] = frozenset()
    else:
        replace = None
        upsert_skills = _upserts(state.skills, intent.skills)
        delete_skills = frozenset(s for s in intent.remove_skills if s in state.skills)
    fields = {k: v for k, v in intent.fields.items() if (getattr(state, k) or "") != v}  # "" clears a field
    return Changes(
        upsert_skills=upsert_skills,
        delete_skills=delete_skills,
        replace_skills=replace,
        upsert_languages=_upserts(state.languages, intent.languages),
        delete_languages=frozenset(x for x in intent.remove_languages if x in state.languages),
        fields=fields,
        division=intent.division if intent.division and intent.division != state.division else None,
        join_queues=intent.join_queues - state.queues,
        leave_queues=intent.leave_queues & state.queues,
    )


def applied_holdings(state: UserState, changes: Changes) -> tuple[dict[str, float], dict[str, float], frozenset[str]]:
    """The skills, languages and queues ``state`` holds once ``changes`` are written: what routing
    reads (the impact on routing needs only these, not a whole state per user)."""
    if changes.replace_skills is not None:
        skills = dict(changes.replace_skills)
    else:
        skills = {k: v for k, v in state.skills.items() if k not in changes.delete_skills}
        skills.update(changes.upsert_skills)
    languages = {k: v for k, v in state.languages.items() if k not in changes.delete_languages}
    languages.update(changes.upsert_languages)
    return skills, languages, (state.queues | changes.join_queues) - changes.leave_queues


def holdings_after(state: UserState, intent: ResolvedIntent) -> tuple[dict[str, float], dict[str, float]]:
    """The skills and languages ``state`` holds once ``intent`` is written: equal to the first two of
    ``applied_holdings(state, diff(state, intent))`` without making the whole ``Changes`` (set-up
    works this out per user for the impact on routing, #29 §5)."""
    if intent.replace_skills:
        skills = {k: float(v) for k, v in intent.skills.items()}
    else:
        skills = _after(state.skills, intent.skills, intent.remove_skills)
    return skills, _after(state.languages, intent.languages, intent.remove_languages)


def _after(held: Mapping[str, float], wanted: Mapping[str, float], removed: frozenset[str]) -> dict[str, float]:
    """Merge mode's holdings after: ``removed`` taken away, then ``wanted`` set where it differs."""
    out = {k: v for k, v in held.items() if k not in removed} if removed else dict(held)
    out.update(_upserts(held, wanted))
    return out


def applied_queues(held: frozenset[str], joins: frozenset[str], leaves: frozenset[str]) -> frozenset[str]:
    """The queues ``held`` becomes once an intent's ``joins`` and ``leaves`` are written: the queue part
    of ``applied_holdings(state, diff(state, intent))``, for the impact's inputs gathered before the
    queues' members are known (#29 §5)."""
    return (held | (joins - held)) - (leaves & held)


def apply(state: UserState, changes: Changes) -> UserState:
    """The state the API should show once ``changes`` are written (version unchanged).

    Used for the audit log's "after" and by the property tests that pin down merge.
    """
    skills, languages, queues = applied_holdings(state, changes)
    # Each of USER_FIELDS by name (not ``**fields``), so every value is checked against its
    # field's type; a key that is not one of them is ignored. Built directly, not by
    # ``dataclasses.replace`` (several times slower, and called per user by plan).
    fields = changes.fields
    return UserState(
        id=state.id,
        version=state.version,
        name=state.name,
        email=state.email,
        username=state.username,
        state=state.state,
        department=fields.get("department", state.department) or None,
        title=fields.get("title", state.title) or None,
        manager=fields.get("manager", state.manager) or None,
        division=changes.division or state.division,
        skills=skills,
        languages=languages,
        queues=queues,
        unknown=state.unknown,
    )
