"""Authoritative skills and languages (#30 §3): the spec is the whole truth for the names given.

A nightly export from a WFM system lists the agents who hold a skill; the agent it took the skill
from is simply not in the file. For a name given as authoritative, every holder of it that the spec
does not list loses it: set-up reads the org's listing (which it reads for a large job anyway), notes
the holders as migrations and deletes do, and gives each unlisted holder an intent that removes it.
From there it is a change like any other: plan shows it, the impact check weighs it, the audit
records it and undo restores it. Nobody else is touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.domain.authoritative import AuthoritativeNames
from bulkops.domain.model import ResolvedIntent, UserIntent
from bulkops.spec import OrgDirectory
from bulkops.spec.cells import fold
from bulkops.spec.validate import At, Problems
from bulkops.state.store import RunStore

#: Holders named in plan's line for each name (the rest are counted).
SAMPLE = 5


@dataclass
class AuthoritativeSetup:
    """The authoritative names resolved to the org's ids, and their holders as the listing showed them."""

    skills: dict[str, str] = field(default_factory=dict)  # id -> name
    languages: dict[str, str] = field(default_factory=dict)  # id -> name
    #: id -> [(user id, email or id)] of every holder the listing showed.
    holders: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: name -> [(user id, email or id)] of the holders that lose it (the spec does not list them).
    losing: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: Users the spec does not list who get an intent of their own.
    added_users: int = 0

    def __bool__(self) -> bool:
        return bool(self.skills or self.languages)

    def note_holders(self, entities: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Called with each batch of users read (skills and languages expanded); returns the holders among them."""
        found: list[Mapping[str, Any]] = []
        if not self:
            return found
        for entity in entities:
            held = _held(entity, "skills", self.skills) + _held(entity, "languages", self.languages)
            for element_id in held:
                self.holders.setdefault(element_id, []).append((str(entity["id"]), str(entity.get("email") or entity["id"])))
            if held:
                found.append(entity)
        return found

    def describe(self) -> list[dict[str, Any]]:
        """Plan's view: per name, how many holders lose it and the first few."""
        return [
            {"name": name, "kind": kind, "losing": len(users), "sample": [label for _, label in users[:SAMPLE]]}
            for kind, table in (("skill", self.skills), ("language", self.languages))
            for name in table.values()
            for users in [self.losing.get(name, [])]
        ]


def _held(entity: Mapping[str, Any], key: str, wanted: Mapping[str, str]) -> list[str]:
    elements = entity.get(key)
    if not isinstance(elements, list):
        return []
    return [str(e["id"]) for e in elements if isinstance(e, dict) and e.get("id") in wanted and e.get("state", "active") == "active"]


def resolve_authoritative(names: AuthoritativeNames, directory: OrgDirectory, problems: Problems) -> AuthoritativeSetup:
    """Each name to the org's id; a name the org lacks is a problem (nothing is sent then)."""
    setup = AuthoritativeSetup()
    for option, given, table, into in (
        ("--authoritative-skills", names.skills, directory.skills, setup.skills),
        ("--authoritative-languages", names.languages, directory.languages, setup.languages),
    ):
        by_fold = {fold(name): (name, element_id) for name, element_id in table.items()}
        for name in given:
            hit = by_fold.get(fold(name))
            if hit is None:
                kind = "skill" if option.endswith("skills") else "language"
                problems.add(At(1, 1), f'authoritative {kind} {name!r} is not a {kind} of the org ({option}, or the spec\'s "authoritative")')
                continue
            into[hit[1]] = hit[0]
    return setup


def apply_authoritative(setup: AuthoritativeSetup, store: RunStore) -> None:
    """Each holder the spec does not list (no intent of its own): an intent that removes what it holds of the names."""
    removals: dict[str, tuple[set[str], set[str]]] = {}
    for element_id, holders in setup.holders.items():
        for uid, label in holders:
            if store.intent(uid) is not None:
                continue  # the spec lists this user: its line is the truth for it
            skills, languages = removals.setdefault(uid, (set(), set()))
            (skills if element_id in setup.skills else languages).add(element_id)
            name = setup.skills.get(element_id) or setup.languages[element_id]
            setup.losing.setdefault(name, []).append((uid, label))
    for uid, (skills, languages) in removals.items():
        store.put_intent(ResolvedIntent(UserIntent(uid, remove_skills=frozenset(skills), remove_languages=frozenset(languages))))
    setup.added_users = len(removals)
