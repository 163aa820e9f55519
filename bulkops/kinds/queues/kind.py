"""Queue settings as a kind of the one pipeline (#18): after every user change, one queue an item.

The queue PUT replaces the whole queue and carries no version: the last writer wins. So the
job never writes a body of its own: it merges only the settings the spec names into a read
taken just before the write (``kinds/queues/intent.merge_settings``), sends that, then reads
the queue back and confirms the named settings hold (the guide polls after a queue change
until it is visible).

Another administrator: set-up's read of each queue is kept in the item as digests of what
the job does not name. When the run's read differs there, someone changed the queue since
the plan; the queue is read once more before anything is sent (re-planned on the newest
read rather than overwritten) and, if that read agrees, merged and written, the other
change kept and named in the audit (``changedSincePlan``). A queue that keeps changing
between two reads, or whose read-back does not show what was written, is a conflict: the
pipeline's 409 policy reads it again and tries again, and after ``--conflict-attempts`` it
goes to the reconciliation queue. An edit landing between the last read and the PUT cannot
be seen by any client (there is no version); the window is kept to one request: a read older
than ``FRESH_FOR`` is taken again just before the PUT.

Pace: at most ``QUEUE_WRITES_PER_SECOND`` (5, the guide's advice) queue writes a second, the
PUT and the wrap-up code POSTs and DELETEs alike. The client's one governor paces every request
of the run by the org's limits and cannot hold one family lower without slowing the users'
writes too, so this kind keeps its own small asyncio pace on top of it (``WritePace``).

Undo (#20): the settings the job changed go back to what they were (each by its path, a ring's
timeout and skills each on their own), the wrap-up codes it added are removed and those it
removed added again; every other setting of the queue stays as it is now. A ring the job added
is left in place (the merge cannot take a ring away): the plan says so.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.routing_config import add_queue_wrapup_codes, get_queue_config, put_queue_config, queue_wrapup_codes, remove_queue_wrapup_code
from bulkops.errors import ConflictError, NotFoundError
from bulkops.kinds.base import Inverted, NotUndoable, Phase
from bulkops.kinds.queues.intent import (
    TIMEOUT_PROMPTS,
    QueueChange,
    QueueItem,
    QueueSettings,
    QueueState,
    RingSetting,
    changed_fields,
    get_path,
    merge_settings,
    queue_change,
    ring_count,
    ring_skills,
    ring_timeout,
    settings_diff,
    unnamed_digests,
)
from bulkops.state.records import ItemOutcome

#: The guide's advice: at most 5 queue writes a second.
QUEUE_WRITES_PER_SECOND = 5.0
#: A read older than this is taken again just before the PUT (seconds).
FRESH_FOR = 2.0


class QueueStillChangingError(ConflictError):
    """Another writer changed the queue between two reads, or undid what the job wrote."""


class WritePace:
    """At most ``per_second`` writes a second, in arrival order."""

    def __init__(self, per_second: float):
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = asyncio.get_running_loop().time()
            if self._next > now:
                await asyncio.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


def settings_view(body: Mapping[str, Any], settings: QueueSettings) -> dict[str, Any]:
    """The named settings as ``body`` has them (rings by number: timeout and skill ids)."""
    out = {path: get_path(body, path) for path in settings.fields}
    rings = get_path(body, "bullseye.rings") or []
    for r in settings.rings:
        ring = rings[r.number - 1] if r.number <= len(rings) else None
        if r.timeout_seconds is not None:
            out[f"bullseye.rings.{r.number}.timeoutSeconds"] = ring_timeout(ring) if ring else None
        if r.skills_to_remove is not None:
            out[f"bullseye.rings.{r.number}.skillsToRemove"] = sorted(ring_skills(ring)) if ring else None
    return out


class QueueSettingsKind:
    """The ``Kind`` of queue settings (``kinds/base.py``)."""

    name = "queue"
    rereads_on_conflict = True
    #: A batch's reads must still be fresh (``FRESH_FOR``) when its last write goes, at the queue pace.
    read_batch = max(1, int(FRESH_FOR * QUEUE_WRITES_PER_SECOND * 0.8))

    def __init__(self, writes_per_second: float | None = None) -> None:
        self.pace = WritePace(writes_per_second or QUEUE_WRITES_PER_SECOND)

    def key(self, item: QueueItem) -> str:
        return item.queue_id

    def phase(self, item: QueueItem) -> Phase:
        return "after_users"

    # ------------------------------------------------------------------ the store's codec
    def encode(self, item: QueueItem) -> bytes:
        return orjson.dumps(
            {
                "queue_id": item.queue_id,
                "name": item.name,
                "fields": dict(item.settings.fields),
                "rings": [[r.number, r.timeout_seconds, None if r.skills_to_remove is None else list(r.skills_to_remove)] for r in item.settings.rings],
                "add_codes": list(item.add_codes),
                "remove_codes": list(item.remove_codes),
                "baseline": dict(item.baseline),
                "line": item.line,
                "code_names": dict(item.code_names),
            }
        )

    def decode(self, payload: bytes) -> QueueItem:
        d = orjson.loads(payload)
        rings = tuple(RingSetting(int(n), t, None if s is None else tuple(s)) for n, t, s in d.get("rings") or [])
        return QueueItem(
            d["queue_id"],
            d["name"],
            QueueSettings(dict(d.get("fields") or {}), rings),
            tuple(d.get("add_codes") or ()),
            tuple(d.get("remove_codes") or ()),
            dict(d.get("baseline") or {}),
            int(d.get("line") or 0),
            dict(d.get("code_names") or {}),
        )

    # ------------------------------------------------------------------ read, diff, check
    async def _read_one(self, client: GenesysClient, item: QueueItem, *, codes: bool = True) -> QueueState | None:
        try:
            queue = await get_queue_config(client, item.queue_id)
            held = None
            if codes and item.names_codes:
                named = set(item.add_codes) | set(item.remove_codes)
                held = frozenset(c.id for c in await queue_wrapup_codes(client, item.queue_id) if c.id in named)
        except NotFoundError:
            return None
        body = queue.request_body()
        since = changed_fields(item.baseline, unnamed_digests(body, item.settings.named_paths())) if item.baseline else ()
        return QueueState(queue.id, queue.name, body, held, time.monotonic(), since, settings_view(body, item.settings))

    async def read(self, client: GenesysClient, items: Sequence[QueueItem]) -> Mapping[str, QueueState | None]:
        """Each queue (and its wrap-up codes when the item names some), read at once."""
        states = await asyncio.gather(*(self._read_one(client, item) for item in items))
        return {item.queue_id: state for item, state in zip(items, states)}

    def diff(self, state: QueueState | None, item: QueueItem) -> QueueChange | None:
        if state is None:
            return QueueChange()  # a queue gone since set-up: ``check`` says so
        change = queue_change(state.body, state.codes or (), item.settings, item.add_codes, item.remove_codes)
        if change is None or not item.code_names:
            return change
        return dataclasses.replace(change, code_names={c: item.code_names.get(c, c) for c in (*change.add_codes, *change.remove_codes)})

    async def check(self, client: GenesysClient, state: QueueState | None, item: QueueItem, change: QueueChange) -> str | None:
        if state is None:
            return f"queue {item.name!r} is no longer in the org"
        count = ring_count(state.body)
        far = [r.number for r in item.settings.rings if r.number > count + 1]
        if far:
            return f"queue {item.name!r} now has {count} bullseye ring(s): ring {far[0]} cannot be set (rings are added one after the last)"
        return None

    # ------------------------------------------------------------------ write
    async def write(self, client: GenesysClient, state: QueueState | None, item: QueueItem, change: QueueChange) -> QueueState | None:
        assert state is not None  # ``check`` refuses a queue that is gone
        named = item.settings.named_paths()
        if time.monotonic() - state.read_at > FRESH_FOR or state.changed_since_plan:
            fresh = await self._read_one(client, item, codes=False)
            if fresh is None:
                raise NotFoundError(404, f"queue {item.name!r} is no longer in the org")
            if state.changed_since_plan and unnamed_digests(fresh.body, named) != unnamed_digests(state.body, named):
                raise QueueStillChangingError(
                    409,
                    f"queue {item.name!r} changed again between two reads ({', '.join(changed_fields(unnamed_digests(state.body, named), unnamed_digests(fresh.body, named)))}): another administrator is editing it",
                )
            state = QueueState(fresh.id, fresh.name, fresh.body, state.codes, fresh.read_at, state.changed_since_plan, fresh.view)
        wrote = False
        if settings_diff(state.body, item.settings):
            await self.pace.wait()
            await put_queue_config(client, item.queue_id, merge_settings(state.body, item.settings))
            wrote = True
        codes = set(state.codes or ())
        to_add = [c for c in item.add_codes if c not in codes]
        if to_add:
            await self.pace.wait()
            await add_queue_wrapup_codes(client, item.queue_id, to_add)
            codes.update(to_add)
        for code in [c for c in item.remove_codes if c in codes]:
            await self.pace.wait()
            try:
                await remove_queue_wrapup_code(client, item.queue_id, code)
            except NotFoundError:
                pass  # gone already: the goal is reached
            codes.discard(code)
        if not wrote:
            return QueueState(state.id, state.name, state.body, frozenset(codes), state.read_at, state.changed_since_plan, state.view)
        back = await get_queue_config(client, item.queue_id)
        body = back.request_body()
        missing = settings_diff(body, item.settings)
        if missing:
            raise QueueStillChangingError(
                409, f"queue {item.name!r} read back without {', '.join(c.path for c in missing)}: another writer changed it after the write"
            )
        return QueueState(back.id, back.name, body, frozenset(codes), time.monotonic(), state.changed_since_plan, settings_view(body, item.settings))

    # ------------------------------------------------------------------ the audit
    def describe(self, state: QueueState | None) -> Mapping[str, Any] | None:
        if state is None:
            return None
        out: dict[str, Any] = {"id": state.id, "name": state.name, "settings": dict(state.view)}
        if state.codes is not None:
            out["wrapupCodes"] = sorted(state.codes)
        if state.changed_since_plan:
            out["changedSincePlan"] = list(state.changed_since_plan)
        return out

    def describe_change(self, change: QueueChange) -> Mapping[str, Any]:
        out: dict[str, Any] = {"settings": {c.path: {"before": c.before, "after": c.after} for c in change.settings}}
        if change.add_codes:
            out["addWrapupCodes"] = list(change.add_codes)
        if change.remove_codes:
            out["removeWrapupCodes"] = list(change.remove_codes)
        if change.code_names:
            out["wrapupCodeNames"] = dict(change.code_names)
        return out

    def label(self, item: QueueItem) -> str:
        return item.name

    # ------------------------------------------------------------------ undo (#20)
    def invert(self, first: ItemOutcome, last: ItemOutcome) -> Inverted[QueueItem] | NotUndoable | None:
        return invert_queue(first, last)

    def parts(self, state: QueueState | None, item: QueueItem) -> Mapping[str, Any]:
        body: Mapping[str, Any] = state.body if state is not None else {}
        out: dict[str, Any] = {p: get_path(body, p) for p in (*item.settings.fields, "acwSettings.timeoutMs")}
        if state is not None:
            out.update(settings_view(body, item.settings))
        else:
            out.update({p: None for p in settings_view({}, item.settings)})
        codes = state.codes if state is not None and state.codes is not None else frozenset()
        out.update({f"{CODE_PART}{c}": (c in codes if state is not None else None) for c in (*item.add_codes, *item.remove_codes)})
        return out

    def narrow(self, item: QueueItem, keep: frozenset[str]) -> QueueItem | None:
        fields = {p: v for p, v in item.settings.fields.items() if p in keep}
        rings = []
        for r in item.settings.rings:
            at = f"bullseye.rings.{r.number}"
            timeout = r.timeout_seconds if f"{at}.timeoutSeconds" in keep else None
            skills = r.skills_to_remove if f"{at}.skillsToRemove" in keep else None
            if timeout is not None or skills is not None:
                rings.append(RingSetting(r.number, timeout, skills))
        add = tuple(c for c in item.add_codes if f"{CODE_PART}{c}" in keep)
        remove = tuple(c for c in item.remove_codes if f"{CODE_PART}{c}" in keep)
        if not (fields or rings or add or remove):
            return None
        return dataclasses.replace(item, settings=QueueSettings(fields, tuple(rings)), add_codes=add, remove_codes=remove)

    async def check_undo(self, client: GenesysClient, state: QueueState | None, item: QueueItem, change: QueueChange) -> str | None:
        return await self.check(client, state, item, change)


#: A wrap-up code's part in an undo's guard: ``wrapupCode.<id>`` -> whether the queue has it.
CODE_PART = "wrapupCode."
_RING_PART = re.compile(r"^bullseye\.rings\.(\d+)\.(timeoutSeconds|skillsToRemove)$")


def invert_queue(first: ItemOutcome, last: ItemOutcome) -> Inverted[QueueItem] | None:
    """The undo of a queue's settings item from its first and last audit lines (pure)."""
    restore, written = settings_touched(first, last)
    fields, rings, not_restored = restorable(restore, written)
    written = {p: v for p, v in written.items() if p not in not_restored.keys() and not _same_value(restore[p], v)}
    restore = {p: restore[p] for p in written}
    _drop_timeout_without_prompt(fields)
    changes = last.changes or {}
    names = {f"{CODE_PART}{c}": n for c, n in (changes.get("wrapupCodeNames") or {}).items()}
    added, removed = codes_changed(first, last)
    for code in added:
        restore[f"{CODE_PART}{code}"], written[f"{CODE_PART}{code}"] = False, True
    for code in removed:
        restore[f"{CODE_PART}{code}"], written[f"{CODE_PART}{code}"] = True, False
    if not restore:
        return None
    item = QueueItem(
        first.key,
        last.name or first.name,
        QueueSettings(fields, tuple(RingSetting(n, t, k) for n, (t, k) in sorted(rings.items()))),
        add_codes=removed,
        remove_codes=added,
        code_names={c: n for c, n in (changes.get("wrapupCodeNames") or {}).items()},
    )
    return Inverted(item, "before_users", restore, written, names, tuple(not_restored.values()))


def settings_touched(first: ItemOutcome, last: ItemOutcome) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each setting path the item changed: the value before the job (to restore) and the one it
    wrote (what an undo expects to find), from the lines' whole settings where they have them."""
    before: Mapping[str, Any] = (first.before or {}).get("settings") or {}
    after: Mapping[str, Any] = (last.after or {}).get("settings") or {}
    changed: dict[str, dict[str, Any]] = {}
    for line in (first, last):
        for path, values in ((line.changes or {}).get("settings") or {}).items():
            changed.setdefault(path, dict(values))["after"] = values.get("after")
    restore: dict[str, Any] = {}
    written: dict[str, Any] = {}
    for path, values in changed.items():
        restore[path] = before[path] if path in before else values.get("before")
        written[path] = after[path] if path in after else values.get("after")
    return restore, written


def restorable(restore: Mapping[str, Any], written: Mapping[str, Any]) -> tuple[dict[str, Any], dict[int, list[Any]], dict[str, str]]:
    """The settings an undo writes back: fields by path, rings by number ([timeout, skills]), and
    why a path is not restored (a ring the job added is not taken away). A path whose value is
    back already is in none of them."""
    fields: dict[str, Any] = {}
    rings: dict[int, list[Any]] = {}
    not_restored: dict[str, str] = {}
    for path, value in sorted(restore.items()):
        if _same_value(value, written[path]):
            continue
        ring = _RING_PART.match(path)
        if ring is None:
            fields[path] = value
            continue
        number, what = int(ring.group(1)), ring.group(2)
        if value is None:
            not_restored[path] = f"{path}: ring {number} was added by the job (or had none); a ring is not taken away"
            continue
        slot = rings.setdefault(number, [None, None])
        slot[0 if what == "timeoutSeconds" else 1] = float(value) if what == "timeoutSeconds" else tuple(value)
    return fields, rings, not_restored


def _drop_timeout_without_prompt(fields: dict[str, Any]) -> None:
    """A timeout restored to none beside a prompt that takes none: the merge drops it, so it is not written."""
    prompt = fields.get("acwSettings.wrapupPrompt")
    if "acwSettings.timeoutMs" in fields and fields["acwSettings.timeoutMs"] is None and prompt is not None and prompt not in TIMEOUT_PROMPTS:
        del fields["acwSettings.timeoutMs"]


def codes_changed(first: ItemOutcome, last: ItemOutcome) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The wrap-up codes the item added and removed, over both lines, each once in order."""
    one, two = first.changes or {}, last.changes or {}
    added = tuple(one.get("addWrapupCodes") or ()) + tuple(two.get("addWrapupCodes") or ())
    removed = tuple(one.get("removeWrapupCodes") or ()) + tuple(two.get("removeWrapupCodes") or ())
    return tuple(dict.fromkeys(added)), tuple(dict.fromkeys(removed))


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return bool(a == b)
