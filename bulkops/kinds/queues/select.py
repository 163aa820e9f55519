"""Which queues each entry of a spec's ``queues`` section is about (#18): one by name or id, or
many by a name pattern and/or a division, expanded once in set-up.

A pattern is matched against the catalogue set-up already read (no request); a division's
queues come from one listing filtered by ``divisionId`` (and the divisions' listing, once, to
resolve its name). The rules, so that every queue gets the settings of exactly one entry:

* an entry that names a queue on its own wins: the queue is taken out of every pattern or
  division that also matches it (plan says so, on the selection's line);
* a queue two selections match is a problem, unless both set exactly the same things: give
  the queue an entry of its own, or narrow the selections;
* a selection that matches no queue is a problem (a typo would otherwise do nothing, silently).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.routing_config import PAGE, QUEUES_PATH
from bulkops.kinds.queues.intent import QueueSelector, QueueSettingsIntent
from bulkops.kinds.queues.rules import alike
from bulkops.spec.cells import did_you_mean, fold
from bulkops.spec.validate import At, Problems

DIVISIONS_PATH = "/api/v2/authorization/divisions"


@dataclass(frozen=True, slots=True)
class QueueTarget:
    """One queue an entry is about: its id and name, and the selection it came from (None: named)."""

    intent: QueueSettingsIntent
    queue_id: str
    name: str
    via: str | None = None
    #: For a queue named on its own: the selections that matched it too and yield to its entry.
    overrides: tuple[str, ...] = ()


def pattern_matcher(pattern: str) -> re.Pattern[str]:
    """``*`` is any run of characters (none included); everything else is literal; case ignored."""
    return re.compile("".join(".*" if part == "*" else re.escape(fold(part)) for part in re.split(r"(\*)", pattern)), re.DOTALL)


def matches(pattern: str, name: str) -> bool:
    return pattern_matcher(pattern).fullmatch(fold(name)) is not None


async def expand_targets(client: GenesysClient, intents: list[QueueSettingsIntent], queues: Mapping[str, str], problems: Problems) -> list[QueueTarget]:
    """Every (entry, queue) pair, explicit entries first; problems located at the entry's line."""
    out = explicit_targets(intents, queues, problems)
    selections = [q for q in intents if q.selector is not None]
    if not selections:
        return out
    divisions = await _division_queues(client, [q.selector for q in selections if q.selector is not None], problems, [q.line for q in selections])
    chosen = _Chosen(explicit={t.queue_id: t.intent.line for t in out})
    for q in selections:
        matched = selection_matches(q, queues, divisions)
        if matched is None:
            continue  # a division not in the org: reported by ``_division_queues``
        if not matched:
            problems.add(At(q.line, 1), f"queues by {_said(q)} match no queue in the org")
            continue
        out += chosen.take(q, matched, problems)
    return with_overrides(out, chosen.yielded)


def explicit_targets(intents: list[QueueSettingsIntent], queues: Mapping[str, str], problems: Problems) -> list[QueueTarget]:
    """The entries naming their queue on their own (name or id), resolved; a miss is a problem."""
    by_ref = {fold(n): (n, i) for n, i in queues.items()} | {i: (n, i) for n, i in queues.items()}
    out: list[QueueTarget] = []
    for q in intents:
        if q.selector is not None:
            continue
        hit = by_ref.get(fold(q.queue)) or by_ref.get(q.queue.strip())
        if hit is None:
            problems.add(At(q.line, 1), f"queue {q.queue!r} is not in the org{did_you_mean(q.queue, list(queues))}")
            continue
        out.append(QueueTarget(q, hit[1], hit[0]))
    return out


def _said(q: QueueSettingsIntent) -> str:
    assert q.selector is not None
    return q.selector.describe()


def selection_matches(q: QueueSettingsIntent, queues: Mapping[str, str], divisions: Mapping[str, Mapping[str, str]]) -> list[tuple[str, str]] | None:
    """The (name, id) of each queue a selection matches, by name; None when its division was not found."""
    sel = q.selector
    assert sel is not None
    if sel.division and fold(sel.division) not in divisions:
        return None
    pool = divisions[fold(sel.division)] if sel.division else queues
    return sorted((n, i) for n, i in pool.items() if not sel.name_pattern or matches(sel.name_pattern, n))


@dataclass
class _Chosen:
    """Which entry each queue went to: its own entry (``explicit``: the line), else the first selection."""

    explicit: dict[str, int]
    taken: dict[str, QueueSettingsIntent] = field(default_factory=dict)  # queue id -> the selection it went to
    yielded: dict[str, list[str]] = field(default_factory=dict)  # queue id -> the selections its own entry wins over

    def take(self, q: QueueSettingsIntent, matched: list[tuple[str, str]], problems: Problems) -> list[QueueTarget]:
        """The queues a selection gets: not those with an entry of their own, nor one an earlier selection took
        (a problem when the two set different things)."""
        said = _said(q)
        out: list[QueueTarget] = []
        for name, qid in matched:
            if qid in self.explicit:
                self.yielded.setdefault(qid, []).append(f"{said} (line {q.line})")
                continue  # the queue's own entry wins (plan shows it there)
            first = self.taken.get(qid)
            if first is not None:
                if not alike(first, q):
                    problems.add(
                        At(q.line, 1),
                        f"queue {name!r} is matched by the entry on line {first.line} and by this one ({said}), which set different things: "
                        "give the queue an entry of its own (it then takes the queue out of both), or narrow one of them",
                    )
                continue
            self.taken[qid] = q
            out.append(QueueTarget(q, qid, name, f"{said} (line {q.line})"))
        return out


def with_overrides(targets: list[QueueTarget], yielded: Mapping[str, list[str]]) -> list[QueueTarget]:
    """Each queue named on its own, with the selections that matched it too (plan shows them)."""
    return [dataclasses.replace(t, overrides=tuple(yielded[t.queue_id])) if t.via is None and t.queue_id in yielded else t for t in targets]


async def _division_queues(client: GenesysClient, selectors: list[QueueSelector], problems: Problems, lines: list[int]) -> dict[str, dict[str, str]]:
    """Folded division ref -> that division's queues (name -> id), for the divisions the selectors name."""
    wanted = [(s, line) for s, line in zip(selectors, lines) if s.division]
    if not wanted:
        return {}
    listing = await client.all_entities(DIVISIONS_PATH, page_size=PAGE)
    known = {fold(d["name"]): d["id"] for d in listing if d.get("name")} | {d["id"]: d["id"] for d in listing}
    out: dict[str, dict[str, str]] = {}
    for s, line in wanted:
        assert s.division is not None
        key = fold(s.division)
        if key in out:
            continue
        did = known.get(key) or known.get(s.division.strip())
        if did is None:
            problems.add(At(line, 1), f"division {s.division!r} is not in the org{did_you_mean(s.division, [d['name'] for d in listing if d.get('name')])}")
            continue
        entities = await client.all_entities(QUEUES_PATH, params={"divisionId": [did]}, page_size=PAGE)
        out[key] = {e["name"]: e["id"] for e in entities if e.get("name") and e.get("id")}
    return out
