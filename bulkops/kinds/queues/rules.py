"""The rules of queue settings a schema cannot say: what one entry may not combine, and one
entry per queue. Names are compared case-insensitively (``fold``), as the org compares them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bulkops.kinds.queues.intent import TIMEOUT_PROMPTS, QueueSettingsIntent
from bulkops.spec.cells import fold
from bulkops.spec.textrules import queue_lengths
from bulkops.spec.validate import At, Problems

#: Where one entry's setting is written (a dotted path such as "acw.timeoutMs"): its At.
LocateSetting = Callable[[str], At]


def entry_problems(q: QueueSettingsIntent) -> list[tuple[str, str]]:
    """(setting path, message) for each rule one entry breaks on its own."""
    out: list[tuple[str, str]] = []
    if q.acw_timeout_ms is not None and q.acw_wrapup_prompt is not None and q.acw_wrapup_prompt not in TIMEOUT_PROMPTS:
        out.append(("acw.timeoutMs", f"'timeoutMs' goes only with wrapupPrompt {', '.join(TIMEOUT_PROMPTS)}, not with {q.acw_wrapup_prompt}"))
    for number, ring in sorted(q.rings.items()):
        if ring.skills_to_remove is not None:
            out += [(f"rings.{number}.skillsToRemove", f"ring {number}: skill {n!r} is listed twice") for n in _repeated(ring.skills_to_remove)]
    for key, names in (("addWrapupCodes", q.add_wrapup_codes), ("removeWrapupCodes", q.remove_wrapup_codes)):
        out += [(key, f"{key}: wrap-up code {n!r} is listed twice") for n in _repeated(names)]
    both = {fold(n) for n in q.add_wrapup_codes} & {fold(n) for n in q.remove_wrapup_codes}
    out += [("removeWrapupCodes", f"wrap-up code {n!r} is both added and removed") for n in q.remove_wrapup_codes if fold(n) in both]
    return out + member_problems(q)


def member_problems(q: QueueSettingsIntent) -> list[tuple[str, str]]:
    """The rules of ``members``: a user in one list once, the lists and the 'all' they contradict."""
    m = q.members
    if m is None:
        return []
    out: list[tuple[str, str]] = []
    for key, refs in (("members.activate", m.activate), ("members.deactivate", m.deactivate)):
        out += [(key, f"{key}: user {n!r} is listed twice") for n in _repeated(refs)]
    both = {fold(n) for n in m.activate} & {fold(n) for n in m.deactivate}
    out += [("members.deactivate", f"user {n!r} is both activated and deactivated") for n in m.deactivate if fold(n) in both]
    if m.rest is True and m.activate:
        out.append(("members.activate", "'activateAll' activates every direct member already: list only the exceptions, under 'deactivate'"))
    if m.rest is False and m.deactivate:
        out.append(("members.deactivate", "'deactivateAll' deactivates every direct member already: list only the exceptions, under 'activate'"))
    return out


def _repeated(names: tuple[str, ...]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for n in names:
        if fold(n) in seen:
            out.append(n)
        seen.add(fold(n))
    return out


def check_queue_entry(q: QueueSettingsIntent, locate: LocateSetting, problems: Problems) -> None:
    for path, message in entry_problems(q) + queue_lengths(q):
        problems.add(locate(path), message)


@dataclass
class QueueLedger:
    """Every entry in order, one per queue: the same queue in a second entry is reported there
    (unless it says exactly the same, when it is kept once)."""

    entries: list[QueueSettingsIntent] = field(default_factory=list)
    _by_queue: dict[str, int] = field(default_factory=dict)

    def admit(self, q: QueueSettingsIntent, locate: LocateSetting, problems: Problems) -> None:
        key = entry_key(q)
        first = self._by_queue.get(key)
        if first is None:
            self._by_queue[key] = len(self.entries)
            self.entries.append(q)
            return
        prev = self.entries[first]
        if alike(prev, q):
            return
        if q.selector is not None:
            problems.add(locate("queues"), f"queues by {q.selector.describe()} are already in the entry on line {prev.line}: one entry per selection")
            return
        problems.add(locate("queue"), f"queue {q.queue!r} is already in the entry on line {prev.line}: one entry per queue")

    def finish(self) -> list[QueueSettingsIntent]:
        return list(self.entries)


def entry_key(q: QueueSettingsIntent) -> str:
    """What makes two entries the same queue (or the same selection of queues), case ignored."""
    if q.selector is not None:
        return f"selector\x00{fold(q.selector.name_pattern or '')}\x00{fold(q.selector.division or '')}"
    return fold(q.queue)


def alike(a: QueueSettingsIntent, b: QueueSettingsIntent) -> bool:
    """Two entries that set the same things (wherever they are written)."""
    return (
        a.fields() == b.fields()
        and a.rings == b.rings
        and a.add_wrapup_codes == b.add_wrapup_codes
        and a.remove_wrapup_codes == b.remove_wrapup_codes
        and a.members == b.members
    )
