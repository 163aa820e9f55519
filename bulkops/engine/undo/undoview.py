"""The plan of an undo in names: what is restored, what is held back and why (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bulkops.domain.guard import HeldBack
from bulkops.domain.itemguard import HeldPart
from bulkops.domain.model import Changes, UserState
from bulkops.engine.undo.undoitems import ItemPlan
from bulkops.engine.undo.undojob import UndoPlan, UserUndo
from bulkops.kinds.folder import KindFolder
from bulkops.kinds.registry import folder_of

#: How a part of a kind this version does not know is said.
_ANY_KIND = KindFolder()


def describe_undo(plan: UndoPlan, *, detail: int = 20) -> list[str]:
    names = plan.names
    gone = sum(1 for u in plan.users if u.state is None)
    unknown = plan.inverse.unknown_queues
    out = [
        f"undo of job {plan.source} (as job {plan.job_id}): {len(plan.users)} user(s) it changed",
        f"  to restore now: {plan.restoring} user(s); held back, changed since the job: {plan.holding}; already as before: "
        f"{sum(1 for u in plan.users if u.state is not None and u.changes.is_empty() and not u.held)}; gone since: {gone}",
    ]
    if unknown:
        queues = sorted({names.get(q, q) for qs in unknown.values() for q in qs})
        out.append(
            f"  not restored: queue membership of {len(unknown)} user(s) in {', '.join(queues)}: the job wrote it without reading "
            "the queue's members (cheaper for a large queue), so whether they were members before it is not known"
        )
    if plan.source_unfinished:
        out.append(f"  job {plan.source} has not finished: the undo takes back what it wrote so far; do not resume {plan.source} afterwards")
    shown = [u for u in plan.users if not u.changes.is_empty() or u.held or u.state is None][:detail]
    if shown:
        out.append(f"users (first {len(shown)}):")
        out += [f"  {_who(u, plan)}: {describe_user(u, names)}" for u in shown]
    out += describe_items(plan, detail=detail)
    return out + describe_unaccounted(plan) + _nothing(plan)


def _nothing(plan: UndoPlan) -> list[str]:
    """Said only when nothing at all is to be done or named: never for an audit log that lost lines."""
    if plan.has_work or plan.items.refused or plan.unaccounted:
        return []
    return ["nothing to undo: the job's audit records no write that went through"]


def describe_unaccounted(plan: UndoPlan) -> list[str]:
    """Every user and item the job's checkpoint says was written that the undo cannot restore: all
    of them, not the first few, since each needs a person."""
    if not plan.unaccounted:
        return []
    users = sum(1 for u in plan.unaccounted if not u.is_item)
    out = [
        f"not restorable: {users} user(s) and {len(plan.unaccounted) - users} item(s) the job's checkpoint says were written, "
        "which its audit log does not account for (see each reason); check them by hand:"
    ]
    out += [f"  {plan.names.get(u.key) or u.key}{'' if u.is_item or u.key not in plan.names else f' ({u.key})'}: {u.reason}" for u in plan.unaccounted]
    return out


def describe_items(plan: UndoPlan, *, detail: int = 20) -> list[str]:
    """The items of the other kinds in the order the undo runs them, then those it cannot undo."""
    if not plan.items.items:
        return []
    plans = plan.item_plans
    holding = sum(1 for p in plans if p.held)
    restoring = sum(1 for p in plans if p.restoring)
    out = [
        f"  items of other kinds: {len(plans)} to undo (to restore now: {restoring}; held back, changed since the job: {holding}); "
        f"cannot be undone: {len(plan.items.refused)}"
    ]
    if plans:
        out.append(f"items, in the order the undo runs them (first {min(detail, len(plans))}):")
        out += [f"  {_item_name(p.undo.kind, p.undo.name)}{_when(p)}: {describe_item(p, plan.names)}" for p in plans[:detail]]
    for u in plan.items.refused:
        out.append(f"  cannot be undone: {_item_name(u.kind, u.name)}: {u.reason}")
    return out


#: When in the undo an item runs (its phase), in words.
PHASES = {"before_users": "before the users", "after_users": "after the users", "last": "last"}


def _when(p: ItemPlan) -> str:
    phase = p.undo.inverted.phase if p.undo.inverted is not None else ""
    return f" ({PHASES.get(phase, phase)})" if phase else ""


def describe_item(p: ItemPlan, names: Mapping[str, str] | None = None) -> str:
    """One item's undo in words: each part by name, each value with the org's names (a division,
    a utilization label) in place of ids (#28 §5)."""
    inv = p.undo.inverted
    known = names or {}
    given = inv.names if inv is not None else {}
    folder = folder_of(p.undo.kind) or _ANY_KIND
    said = folder.value_words
    if folder.undone_whole and inv is not None and "exists" in inv.restore:
        parts = [_exists_change(inv.restore["exists"])] if p.restoring else []
    else:
        parts = [f"{part_name(k, given, known, folder)} {said(now, known)} -> {said(target, known)}" for k, (now, target) in p.restoring.items()]
    parts += [f"held back {_held_part(h, known, folder)}" for h in p.held]
    parts += [f"not restored: {why}" for why in (inv.not_restored if inv is not None else ())]
    if p.gone and not p.held:
        parts.append("gone since the job: nothing restored")
    return "; ".join(parts) or "already as before the job"


def part_name(part: str, given: Mapping[str, str], names: Mapping[str, str], folder: KindFolder = _ANY_KIND) -> str:
    """A part of an item as people call it: the item's own name for it, else as its kind's folder
    says it (the utilization: ``label.<id>`` as the label's name, ``media.chat`` as ``chat``)."""
    return given[part] if part in given else folder.part_words(part, names)


def _held_part(h: HeldPart, names: Mapping[str, str], folder: KindFolder) -> str:
    what = part_name(h.key, {h.key: h.name} if h.name else {}, names, folder)
    said = folder.value_words
    return f"{what} (before the job {said(h.before, names)}, written by it {said(h.written, names)}, now {said(h.now, names)})"


def _exists_change(restored: object) -> str:
    if restored is True:
        return "create again by name (the job deleted it): a new id; the users' undo gives its holders their old levels on it"
    return "delete (the job created it; last, once nothing uses it)"


def _item_name(kind: str, name: str) -> str:
    folder = folder_of(kind)
    what = folder.undo_noun if folder is not None else kind
    return f"{what} {name}".strip()


def items_json(plan: UndoPlan) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in plan.item_plans:
        inv = p.undo.inverted
        out.append(
            {
                "kind": p.undo.kind,
                "key": p.undo.key,
                "name": p.undo.name,
                "phase": inv.phase if inv is not None else None,
                "gone": p.gone,
                "restore": [{"part": k, "name": (inv.names.get(k, k) if inv else k), "now": now, "to": to} for k, (now, to) in p.restoring.items()],
                "held_back": [h.to_json() for h in p.held],
                "not_restored": list(inv.not_restored) if inv is not None else [],
            }
        )
    return out


def describe_user(u: UserUndo, names: Mapping[str, str]) -> str:
    if u.state is None:
        return "gone since the job (deleted or not found): nothing restored"
    parts = describe_changes(u.changes, u.state, names)
    parts += [f"held back {describe_held(h, names)}" for h in u.held]
    return "; ".join(parts) or "already as before the job"


def describe_changes(c: Changes, state: UserState, names: Mapping[str, str]) -> list[str]:
    out = [f"skill {names.get(k, k)} {_level(state.skills.get(k))} -> {_level(v)}" for k, v in sorted(c.upsert_skills.items())]
    out += [f"remove skill {names.get(k, k)}" for k in sorted(c.delete_skills)]
    out += [f"language {names.get(k, k)} {_level(state.languages.get(k))} -> {_level(v)}" for k, v in sorted(c.upsert_languages.items())]
    out += [f"remove language {names.get(k, k)}" for k in sorted(c.delete_languages)]
    out += [f"{k} {_text(names.get(getattr(state, k) or '', getattr(state, k)))} -> {_text(names.get(v, v))}" for k, v in sorted(c.fields.items())]
    if c.division:
        out.append(f"division {names.get(state.division or '', state.division)} -> {names.get(c.division, c.division)}")
    out += [f"join queue {names.get(q, q)}" for q in sorted(c.join_queues)]
    out += [f"leave queue {names.get(q, q)}" for q in sorted(c.leave_queues)]
    return out


def describe_held(h: HeldBack, names: Mapping[str, str]) -> str:
    what = h.element if h.element == "division" else f"{h.element} {names.get(h.key, h.key) if h.element != 'field' else h.key}"

    def show(v: float | str | None) -> str:
        if h.element in ("skill", "language"):
            return _level(v)
        return _text(names.get(v, v) if isinstance(v, str) else v)

    return f"{what} (before the job {show(h.before)}, written by it {show(h.written)}, now {show(h.now)})"


def undo_plan_json(plan: UndoPlan) -> dict[str, Any]:
    def user(u: UserUndo) -> dict[str, Any]:
        return {
            "user_id": u.intent.user,
            "email": plan.inverse.emails.get(u.intent.user),
            "gone": u.state is None,
            "restore": describe_changes(u.changes, u.state, plan.names) if u.state is not None else [],
            "held_back": [h.to_json() for h in u.held],
        }

    return {
        "undo_of": plan.source,
        "job_id": plan.job_id,
        "users": len(plan.users),
        "restoring": plan.restoring,
        "holding": plan.holding,
        "source_unfinished": plan.source_unfinished,
        "membership_not_known": {k: list(v) for k, v in plan.inverse.unknown_queues.items()},
        "detail": [user(u) for u in plan.users],
        "items": items_json(plan),
        "not_restorable": [{**u.to_json(), "name": plan.names.get(u.key)} for u in plan.unaccounted],
        "items_not_undoable": [{"kind": u.kind, "key": u.key, "name": u.name, "reason": u.reason} for u in plan.items.refused],
    }


def _who(u: UserUndo, plan: UndoPlan) -> str:
    return plan.inverse.emails.get(u.intent.user) or (u.state.email if u.state else "") or u.intent.user


def _level(v: float | str | None) -> str:
    if v is None:
        return "(none)"
    return f"{float(v):g}"


def _text(v: Any) -> str:
    return "(empty)" if v in (None, "") else repr(v) if isinstance(v, str) else str(v)
