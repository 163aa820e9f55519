"""What a job changed in the org, for the person who asked for it: per skill, language, queue,
division and field, how many users gained or lost it, and who (pure: audit lines in, counts out).

Only a user's last line counts, and only an ``applied`` one changed anything. Names: the job's
id -> name catalogue; an id it does not name is "an unnamed ...", never a UUID. Each group keeps
the first ``keep`` users' emails (a page of 100,000 names helps nobody; the CSVs hold them all).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.state.records import UserOutcome

KEEP = 200
#: A membership written blind: sent and accepted, but whether it changed anything is not known.
JOIN_SENT = "join sent (members not read: may have been a member already)"
LEAVE_SENT = "leave sent (members not read: may not have been a member)"


@dataclass(slots=True)
class Group:
    """One element and one direction: "skill Billing, gained"."""

    kind: str  # skill, language, queue, division, department, title, manager
    name: str  # "" for a free-text field (its users carry their new values)
    change: str  # gained, lost, level changed, joined, left, moved in, set to ...
    count: int = 0
    users: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}:{self.change}"


class OrgChanges:
    """Accumulates users' last audit lines (``add``: cheap, a few dict operations per element: it runs
    once per user while the result files are written); ``groups`` names them at the end."""

    def __init__(self, names: Mapping[str, str], *, keep: int = KEEP):
        self.names, self.keep = names, keep
        #: (kind, id or value, change) -> [count, first users]
        self._groups: dict[tuple[str, str, str], list[Any]] = {}
        self.users_changed = 0
        #: Of ``users_changed``, those whose only writes were memberships sent blind (may have been in place).
        self.users_sent_only = 0

    def _add(self, key: tuple[str, str, str], user: str) -> None:
        group = self._groups.get(key)
        if group is None:
            self._groups[key] = [1, [user]]
            return
        group[0] += 1
        if len(group[1]) < self.keep:
            group[1].append(user)

    def add(self, record: UserOutcome) -> None:
        """One user's last audit line (any outcome: only ``applied`` lines changed the org)."""
        if record.outcome != "applied":
            return
        changes = record.changes
        if not changes:
            return
        self.users_changed += 1
        user = record.email or record.user_id
        before = record.before or {}
        self._assignments("skill", "skills", changes, before, user)
        self._assignments("language", "languages", changes, before, user)
        known = before.get("queues") or {}
        self._memberships(changes, known, user)
        if sent_only(changes, known):
            self.users_sent_only += 1
        if changes.get("division"):
            self._add(("division", changes["division"], "moved in"), user)
        for name, value in (changes.get("fields") or {}).items():
            if name == "manager":  # a few managers, each a group of people: by name
                self._add(("manager", value or "", "set to"), user)
            else:  # free text (a title per agent): one group per field, each user with its new value
                self._add((name, "", "set"), f"{user} → {value or '(empty)'}")

    def _memberships(self, changes: Mapping[str, Any], known: Mapping[str, Any], user: str) -> None:
        """Joins and leaves. A queue whose members the run did not read (written blind: cheaper than
        reading a large queue, ``engine.run.queues``) is told apart: the API does not say whether
        the user was a member already, so the report says the write was sent, not that it changed."""
        for qid in changes.get("join_queues") or ():
            self._add(("queue", qid, "joined" if qid in known else JOIN_SENT), user)
        for qid in changes.get("leave_queues") or ():
            self._add(("queue", qid, "left" if qid in known else LEAVE_SENT), user)

    def _assignments(self, what: str, kind: str, changes: Mapping[str, Any], before: Mapping[str, Any], user: str) -> None:
        held = before.get(kind) or {}
        upserts: Mapping[str, Any] = changes.get(f"upsert_{kind}") or {}
        removed = changes.get(f"delete_{kind}") or ()
        replaced = changes.get(f"replace_{kind}")
        if isinstance(replaced, Mapping):
            upserts = replaced
            removed = [*removed, *(k for k in held if k not in replaced)]
        groups, keep = self._groups, self.keep
        for ident, level in upserts.items():  # the hot loop (users x elements): inlined
            was = held.get(ident)
            if was == level:
                continue
            key = (what, ident, "gained" if was is None else "level changed")
            group = groups.get(key)
            if group is None:
                groups[key] = [1, [user]]
            else:
                group[0] += 1
                if len(group[1]) < keep:
                    group[1].append(user)
        for ident in set(removed):
            if ident in held or not held:
                self._add((what, ident, "lost"), user)

    def _name(self, kind: str, ident: str) -> str:
        if kind not in NAMED:
            return ident
        if not ident:
            return "(empty)"
        return self.names.get(ident) or f"an unnamed {'user' if kind == 'manager' else kind}"

    def groups(self) -> list[Group]:
        out = [Group(kind, self._name(kind, ident), change, n, list(users)) for (kind, ident, change), (n, users) in self._groups.items()]
        order = {k: i for i, k in enumerate(("skill", "language", "queue", "division", "department", "title", "manager"))}
        return sorted(out, key=lambda g: (order.get(g.kind, 99), g.kind, g.name.lower(), g.change))


#: The kinds whose key is an org id, named from the catalogue (the others are a field's own words).
NAMED = frozenset({"skill", "language", "queue", "division", "manager"})


def sent_only(changes: Mapping[str, Any], known: Mapping[str, Any]) -> bool:
    """Whether a user's only writes were memberships of queues the run did not read."""
    memberships = [*(changes.get("join_queues") or ()), *(changes.get("leave_queues") or ())]
    others = any(v for k, v in changes.items() if k not in ("join_queues", "leave_queues"))
    return bool(memberships) and not others and not any(q in known for q in memberships)


def org_changes(records: Iterable[UserOutcome], names: Mapping[str, str], *, keep: int = KEEP) -> OrgChanges:
    out = OrgChanges(names, keep=keep)
    for rec in records:
        out.add(rec)
    return out


def catalogue(store: Any) -> dict[str, str]:
    """The job's id -> name: the org catalogue set-up read, and the managers' emails."""
    return dict(store.get("names") or {}) | dict(store.get("user_names") or {})
