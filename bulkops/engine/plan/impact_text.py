"""The impact on routing in words (plan's "Impact on routing" section) and as plain data (``plan --json``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from bulkops.engine.plan.impact import CRITICAL, SEVERE, SHOWN, GroupImpact, Impact, QueueImpact
from bulkops.engine.plan.prediction import MODEL_NOTE, QueueServiceLevel

RANK_NAMES = {CRITICAL: "critical", SEVERE: "severe"}


def _some(labels: Sequence[str]) -> str:
    more = f" and {len(labels) - SHOWN} more" if len(labels) > SHOWN else ""
    return ", ".join(labels[:SHOWN]) + more


def describe_group(g: GroupImpact) -> str:
    """``skill group 'Billing experts': 41 members -> 38; leave: a@x, b@x; enter: c@x (feeds 'Billing')``."""
    count = f"{g.members_before} members -> {g.members_after}" if g.members_before is not None else "members not counted"
    said = [count]
    if g.leaving:
        said.append(f"leave: {_some(g.leaving)}")
    if g.entering:
        said.append(f"enter: {_some(g.entering)}")
    feeds = f" (feeds {', '.join(repr(n) for n in g.queues)})" if g.queues else " (feeds no queue)"
    return f"skill group {g.name!r}: " + "; ".join(said) + feeds


def describe_queue(q: QueueImpact) -> list[str]:
    """A queue's lines: members before and after, who leaves and joins and through what, the live picture, the rings."""
    at_most = "at most " if q.uncertain else ""
    head = f"queue {q.name!r}: {q.members_before} members ({q.direct_before} direct) -> {at_most}{q.members_after} ({q.direct_after} direct)"
    via = f" through skill group {', '.join(repr(n) for n in q.through)}" if q.through else ""
    parts = [head]
    if q.leaving:
        parts.append(f"leave{via}: {_some(q.leaving)}")
    if q.joining:
        parts.append(f"join{via}: {_some(q.joining)}")
    lines = ["; ".join(parts)]
    if q.on_queue_now is not None:
        least = "at least " if q.on_queue_partial else ""
        lines.append(f"  {q.name}: {least}{q.on_queue_now} agents on queue now; after this job {least}{q.on_queue_leaving or 0} of them leave it")
    if q.uncertain:
        lines.append(f"  ({q.uncertain}: some who leave may stay members)")
    for r in q.ring_skills:
        moved = ", ".join(filter(None, [f"{r.losing} member(s) stop holding it" if r.losing else "", f"{r.gaining} start" if r.gaining else ""]))
        lines.append(f"  bullseye ring {r.ring} drops {r.skill!r}: {moved}")
    return lines


def describe(impact: Impact) -> list[str]:
    """The whole section, one line each, most telling first (groups, then queues, then warnings)."""
    if not impact.users_moving:
        return ["Impact on routing: no user's skills, languages or queues change (nothing read)"]
    lines = [f"Impact on routing ({impact.users_moving} user(s) change skills, languages or queues; {impact.requests} request(s) read):"]
    lines += ["  " + describe_group(g) for g in impact.groups]
    for q in impact.queues:
        lines += ["  " + line for line in describe_queue(q)]
    if not impact.groups and not impact.queues:
        lines.append("  no skill group gains or loses a member and no queue's members change")
    if impact.analytics.startswith(("not visible", "partial")):
        lines.append(f"  agents on queue now: {impact.analytics}")
    lines += ["  " + line for line in describe_prediction(impact)]
    for w in impact.warnings:
        lines.append(f"  warning [{RANK_NAMES.get(w.rank, 'notice')}]: {w.text}")
    return lines


def describe_service_level(s: QueueServiceLevel) -> str:
    """``Support ES: service level now 84% -> predicted 12% answered within 20 s with 3 of 9 agents on queue (objective 80%; ...)``."""
    measured = f"; measured {s.measured:.0%}" if s.measured is not None else ""
    guessed = "" if s.objective_read else ", a guess: the aggregates carry none"
    minutes = round(s.interval_seconds / 60)
    return (
        f"{s.queue}: service level now {s.now:.0%} -> predicted {s.predicted:.0%} answered within {s.target_seconds:.0f} s "
        f"with {s.agents_after} of {s.agents_now} agents on queue (objective {s.objective:.0%}{guessed}; "
        f"{s.offered} offered in the last {minutes} min{measured}, {s.handle_seconds:.0f} s handle time)"
    )


def describe_prediction(impact: Impact) -> list[str]:
    """The predicted service levels, said to be a model, or why there are none."""
    if impact.prediction.startswith("unavailable"):
        return [f"predicted service level: {impact.prediction}"]
    if not impact.service_levels:
        return []
    return [f"predicted service level ({MODEL_NOTE}: steady state, no abandonment, every agent takes every conversation):"] + [
        "  " + describe_service_level(s) for s in impact.service_levels
    ]


def to_dict(impact: Impact) -> dict[str, Any]:
    out = asdict(impact)
    out["queues"] = [{**asdict(q), "members_after": q.members_after, "direct_after": q.direct_after} for q in impact.queues]
    out["groups"] = [{**asdict(g), "members_after": g.members_after} for g in impact.groups]
    out["service_levels"] = [{**asdict(s), "falls_below": s.falls_below, "model": MODEL_NOTE} for s in impact.service_levels]
    out["warnings"] = [{"rank": w.rank, "severity": RANK_NAMES.get(w.rank, "notice"), "text": w.text} for w in impact.warnings]
    return out
