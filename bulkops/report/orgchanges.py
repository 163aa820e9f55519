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

KEEP = 200


@dataclass(slots=True)
class Group:
    """One element and one direction: "skill Billing, gained"."""

    kind: str  # skill, language, queue, division, department, title, manager
    name: str  # "" for a free-text field (its users carry their new values)
    change: str  # gained, lost, level changed, joined, left, moved in, set to ...
    count: int = 0
    users: list[str] = field(default_factory=list)

    def add(self, user: str, keep: int) -> None:
        self.count += 1
        if len(self.users) < keep:
            self.users.append(user)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}:{self.change}"


class OrgChanges:
    """Accumulates applied audit lines; ``groups`` lists them by kind, then name, then change."""

    def __init__(self, names: Mapping[str, str], *, keep: int = KEEP):
        self.names, self.keep = names, keep
        self._groups: dict[tuple[str, str, str], Group] = {}
        self.users_changed = 0

    def _name(self, ident: Any, what: str) -> str:
        if ident is None or ident == "":
            return "(empty)"
        return self.names.get(str(ident)) or f"an unnamed {what}"

    def _add(self, kind: str, name: str, change: str, user: str) -> None:
        key = (kind, name, change)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = Group(kind, name, change)
        group.add(user, self.keep)

    def add(self, record: Mapping[str, Any]) -> None:
        """One user's last audit line (any outcome: only ``applied`` lines changed the org)."""
        if record.get("outcome") != "applied":
            return
        changes = record.get("changes") or {}
        if not changes:
            return
        self.users_changed += 1
        user = str(record.get("email") or record.get("user_id") or "")
        before = record.get("before") or {}
        self._assignments("skill", "skills", changes, before, user)
        self._assignments("language", "languages", changes, before, user)
        for qid in changes.get("join_queues") or ():
            self._add("queue", self._name(qid, "queue"), "joined", user)
        for qid in changes.get("leave_queues") or ():
            self._add("queue", self._name(qid, "queue"), "left", user)
        if changes.get("division"):
            self._add("division", self._name(changes["division"], "division"), "moved in", user)
        for name, value in (changes.get("fields") or {}).items():
            if name == "manager":  # a few managers, each a group of people: by name
                self._add(name, self._name(value, "user"), "set to", user)
            else:  # free text (a title per agent): one group per field, each user with its new value
                self._add(name, "", "set", f"{user} → {value or '(empty)'}")

    def _assignments(self, what: str, kind: str, changes: Mapping[str, Any], before: Mapping[str, Any], user: str) -> None:
        held = before.get(kind) or {}
        upserts: Mapping[str, Any] = changes.get(f"upsert_{kind}") or {}
        removed = set(changes.get(f"delete_{kind}") or ())
        replaced = changes.get(f"replace_{kind}")
        if isinstance(replaced, Mapping):
            upserts = replaced
            removed |= {k for k in held if k not in replaced}
        for ident, level in upserts.items():
            if ident not in held:
                self._add(what, self._name(ident, what), "gained", user)
            elif held.get(ident) != level:
                self._add(what, self._name(ident, what), "level changed", user)
        for ident in removed:
            if ident in held or not held:
                self._add(what, self._name(ident, what), "lost", user)

    def groups(self) -> list[Group]:
        order = {k: i for i, k in enumerate(("skill", "language", "queue", "division", "department", "title", "manager"))}
        return sorted(self._groups.values(), key=lambda g: (order.get(g.kind, 99), g.kind, g.name.lower(), g.change))


def org_changes(records: Iterable[Mapping[str, Any]], names: Mapping[str, str], *, keep: int = KEEP) -> OrgChanges:
    out = OrgChanges(names, keep=keep)
    for rec in records:
        out.add(rec)
    return out
