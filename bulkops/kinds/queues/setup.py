"""Set-up for a spec's ``queues`` section (#18): resolve it, read the queues once, store items.

Names are resolved against the catalogue (queues and skills; wrap-up codes from their own
listing, read only when the spec names some), every problem located at the entry's line.
The queues the spec names are read in one listing filtered by id (100 a request): what each
has now is what ``plan`` shows before and after, and the digests of what the job does not
name become the item's ``baseline``, so the run sees another administrator's change since.
Queue items run after every user change (agents hold their new skills before queues demand them).
An entry may name many queues by a name pattern or a division (``select``: an entry naming a
queue on its own wins over a selection); member activation (``members``) becomes items of its
own kind (``kinds/members``), shown on the queue's plan line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.routing_config import PAGE, QUEUES_PATH, list_wrapup_codes, queue_wrapup_codes
from bulkops.client.endpoints.routing_records import queue_config
from bulkops.client.requestkind import RESOLUTION, request_kind
from bulkops.client.wire import chunks
from bulkops.kinds.members.setup import MembersSetup, resolve_members
from bulkops.kinds.queues.intent import (
    TIMEOUT_PROMPTS,
    QueueItem,
    QueueSettings,
    QueueSettingsIntent,
    RingSetting,
    get_path,
    ring_count,
    settings_diff,
    unnamed_digests,
)
from bulkops.kinds.queues.select import QueueTarget, expand_targets
from bulkops.spec import OrgDirectory
from bulkops.spec.cells import did_you_mean, fold
from bulkops.spec.validate import At, Problems


@dataclass(slots=True)
class QueueSetup:
    """What set-up made of the queues section; ``plan`` shows ``lines``."""

    items: list[QueueItem] = field(default_factory=list)
    #: One per queue, in names: each setting before and after, the codes added and removed,
    #: the members activated and deactivated, the selection it came from (``via``).
    lines: list[dict[str, Any]] = field(default_factory=list)
    #: Member activation: its items (a kind of their own) and what plan shows of each queue.
    members: MembersSetup = field(default_factory=MembersSetup)


class _Names:
    """Name or id -> (name, id), case-insensitively, with a did-you-mean for a miss."""

    def __init__(self, what: str, table: Mapping[str, str]):
        self.what = what
        self.table = dict(table)
        self.by = {fold(n): (n, i) for n, i in table.items()} | {i: (n, i) for n, i in table.items()}

    def get(self, ref: str, line: int, problems: Problems) -> tuple[str, str] | None:
        hit = self.by.get(fold(ref)) or self.by.get(ref.strip())
        if hit is None:
            problems.add(At(line, 1), f"{self.what} {ref!r} is not in the org{did_you_mean(ref, list(self.table))}")
        return hit


#: What one entry asks of each of its queues: the settings, and the wrap-up code ids added and removed.
Wanted = tuple[QueueSettings, tuple[str, ...], tuple[str, ...]]


async def resolve_queue_settings(client: GenesysClient, intents: list[QueueSettingsIntent], directory: OrgDirectory, problems: Problems) -> QueueSetup:
    """Resolve every entry (a pattern or division expanded to its queues: ``select``) and
    read the queues it names; problems go to ``problems``."""
    setup = QueueSetup()
    if not intents:
        return setup
    with request_kind(RESOLUTION):
        codes_table = {c.name: c.id for c in await list_wrapup_codes(client)} if any(q.add_wrapup_codes or q.remove_wrapup_codes for q in intents) else {}
        skills, codes = _Names("skill", directory.skills), _Names("wrap-up code", codes_table)
        wanted = {id(q): wanted_of(q, skills, codes, problems) for q in intents}  # each entry's names once, however many queues it is about
        targets = await expand_targets(client, intents, directory.queues, problems)
        bodies = await _read_queues(client, [t.queue_id for t in targets if t.intent.names_settings()])
        held = await _read_held_codes(client, [t.queue_id for t in targets if any(wanted[id(t.intent)][1:])])
        setup.members = await resolve_members(client, targets, problems)
    names = _Shown({i: n for n, i in directory.skills.items()}, {i: n for n, i in codes_table.items()})
    for t in targets:
        _add_target(setup, t, wanted[id(t.intent)], bodies.get(t.queue_id), names, problems, held.get(t.queue_id))
    return setup


async def _read_held_codes(client: GenesysClient, ids: list[str]) -> dict[str, frozenset[str]]:
    """The wrap-up codes each queue holds now, for the queues whose entry adds or removes some: the
    plan diffs against the org, so codes already as the spec says are not listed as to do (#28 §5)."""
    return {qid: frozenset(c.id for c in await queue_wrapup_codes(client, qid)) for qid in dict.fromkeys(ids)}


def _codes_to_do(add: tuple[str, ...], remove: tuple[str, ...], held: frozenset[str] | None) -> tuple[list[str], list[str], list[str]]:
    """(codes to add, codes to remove, codes already as asked) given what the queue holds; all to
    do when its codes were not read."""
    if held is None:
        return list(add), list(remove), []
    return [c for c in add if c not in held], [c for c in remove if c in held], [c for c in (*add, *remove) if (c in held) == (c in add)]


def wanted_of(q: QueueSettingsIntent, skills: _Names, codes: _Names, problems: Problems) -> Wanted:
    """One entry's settings with its skill and wrap-up code names resolved to ids (a miss is a problem)."""
    rings = []
    for number, ring in sorted(q.rings.items()):
        ids = None if ring.skills_to_remove is None else tuple(h[1] for n in ring.skills_to_remove if (h := skills.get(n, q.line, problems)))
        rings.append(RingSetting(number, ring.timeout_seconds, ids))
    add = tuple(h[1] for n in q.add_wrapup_codes if (h := codes.get(n, q.line, problems)))
    remove = tuple(h[1] for n in q.remove_wrapup_codes if (h := codes.get(n, q.line, problems)))
    return QueueSettings(q.fields(), tuple(rings)), add, remove


@dataclass(frozen=True, slots=True)
class _Shown:
    """Id -> name of skills and wrap-up codes, for the plan's lines."""

    skills: Mapping[str, str]
    codes: Mapping[str, str]


def _add_target(
    setup: QueueSetup, t: QueueTarget, wanted: Wanted, body: dict[str, Any] | None, names: _Shown, problems: Problems, held: frozenset[str] | None = None
) -> None:
    """One queue of an entry: its item (when the entry sets something and the queue can take it) and
    its plan line (against ``held``, the wrap-up codes the queue holds now)."""
    q, name, qid = t.intent, t.name, t.queue_id
    settings, add, remove = wanted
    members = setup.members.lines.get(qid)
    if not q.names_settings():
        if members is not None:
            setup.lines.append(
                _plan_line(name, q.line, {}, settings, add, remove, names.skills, names.codes, via=t.via, members=members, overrides=t.overrides, held=held)
            )
        return
    if body is None:
        problems.add(At(q.line, 1), f"queue {name!r} could not be read")
        return
    if not _fits(q, name, body, settings, problems):
        return
    named_codes = {c: names.codes.get(c, c) for c in (*add, *remove)}
    setup.items.append(QueueItem(qid, name, settings, add, remove, unnamed_digests(body, settings.named_paths()), q.line, named_codes))
    setup.lines.append(
        _plan_line(name, q.line, body, settings, add, remove, names.skills, names.codes, via=t.via, members=members, overrides=t.overrides, held=held)
    )


async def _read_queues(client: GenesysClient, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each queue's whole body (as a PUT body), 100 queues a request."""
    out: dict[str, dict[str, Any]] = {}
    for chunk in chunks(list(dict.fromkeys(ids)), PAGE):
        for entity in await client.all_entities(QUEUES_PATH, params={"id": chunk}, page_size=PAGE):
            queue = queue_config(entity)
            out[queue.id] = queue.request_body()
    return out


def _fits(q: QueueSettingsIntent, name: str, body: Mapping[str, Any], settings: QueueSettings, problems: Problems) -> bool:
    """What the spec can say only knowing the queue: rings added one after the last, an ACW
    timeout only with a prompt that takes one."""
    ok = True
    count = ring_count(body)
    for r in settings.rings:
        if r.number > count + 1:
            problems.add(
                At(q.line, 1),
                f"queue {name!r} has {count} bullseye ring(s): ring {r.number} cannot be set (rings are added one after the last: ring {count + 1})",
            )
            ok = False
    prompt = q.acw_wrapup_prompt or get_path(body, "acwSettings.wrapupPrompt")
    if q.acw_timeout_ms is not None and prompt not in TIMEOUT_PROMPTS:
        problems.add(
            At(q.line, 1), f"queue {name!r} has wrapupPrompt {prompt}: 'timeoutMs' goes only with {', '.join(TIMEOUT_PROMPTS)} (set acw.wrapupPrompt too)"
        )
        ok = False
    return ok


def _shown(path: str, value: Any, skill_names: Mapping[str, str]) -> Any:
    if path.endswith(".skillsToRemove") and isinstance(value, list):
        return sorted(skill_names.get(v, v) for v in value)
    return value


def _plan_line(
    name: str,
    line: int,
    body: Mapping[str, Any],
    settings: QueueSettings,
    add: tuple[str, ...],
    remove: tuple[str, ...],
    skill_names: Mapping[str, str],
    code_names: Mapping[str, str],
    *,
    via: str | None = None,
    members: Mapping[str, Any] | None = None,
    overrides: tuple[str, ...] = (),
    held: frozenset[str] | None = None,
) -> dict[str, Any]:
    changes = settings_diff(body, settings)
    changed = {c.path for c in changes}
    shown = [{"setting": c.path, "before": _shown(c.path, c.before, skill_names), "after": _shown(c.path, c.after, skill_names)} for c in changes]
    to_add, to_remove, codes_already = _codes_to_do(add, remove, held)
    same = sorted(p for p in settings.fields if p not in changed)
    same += [f"wrap-up code {code_names.get(c, c)!r} {'on' if c in add else 'off'} the queue" for c in codes_already]
    out: dict[str, Any] = {
        "queue": name,
        "line": line,
        "settings": shown,
        "already": same,
        "add_codes": [code_names.get(c, c) for c in to_add],
        "remove_codes": [code_names.get(c, c) for c in to_remove],
    }
    if via is not None:
        out["via"] = via
    if members is not None:
        out["members"] = dict(members)
    if overrides:
        out["overrides"] = list(overrides)
    return out
