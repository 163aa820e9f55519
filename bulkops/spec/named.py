"""Which users a spec names, gathered on the one parse: what the read of the org must find.

Refs are kept folded (the way resolution compares them). A ref that looks like a Genesys
id (a GUID) can be fetched by id; any other ref (an email, a username) has to be found by
search or by listing the org.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bulkops.domain.model import UserIntent
from bulkops.spec.cells import fold

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def looks_like_id(ref: str) -> bool:
    return _is_id(fold(ref))


def _is_id(folded: str) -> bool:
    """``looks_like_id`` of a ref already folded (the refs ``NamedUsers`` keeps): no fold again."""
    return len(folded) == 36 and _GUID.match(folded) is not None


@dataclass(slots=True)
class NamedUsers:
    """Folded refs of the users a spec changes (``subjects``) and of the managers it names, and
    which catalogues its names need (a skills-only job need not list queues or divisions)."""

    subjects: set[str] = field(default_factory=set)
    managers: set[str] = field(default_factory=set)
    catalogues: set[str] = field(default_factory=set)

    def add(self, intent: UserIntent) -> None:
        self.subjects.add(fold(intent.user))
        if manager := intent.fields.get("manager"):
            self.managers.add(fold(manager))
        # Straight tests, not a table walked per intent: this runs once per user of the spec.
        if intent.skills or intent.remove_skills:
            self.catalogues.add("skills")
        if intent.languages or intent.remove_languages:
            self.catalogues.add("languages")
        if intent.join_queues or intent.leave_queues:
            self.catalogues.add("queues")
        if intent.division:
            self.catalogues.add("divisions")

    def names_subject(self, *keys: str | None) -> bool:
        """True when any of a user's keys (id, email, username) is a subject ref.

        Once per user the org listing shows: a key spelt as folded (an id, most emails) is
        found as it is, any other is folded first (a key in ``subjects`` is its own fold)."""
        subjects = self.subjects
        for k in keys:
            if k and (k in subjects or fold(k) in subjects):
                return True
        return False

    @property
    def refs(self) -> set[str]:
        return self.subjects | self.managers

    def by_id(self) -> list[str]:
        return sorted(r for r in self.refs if _is_id(r))

    def by_search(self) -> list[str]:
        return sorted(r for r in self.refs if not _is_id(r))

    def subjects_by_search(self) -> int:
        return sum(1 for r in self.subjects if not _is_id(r))
