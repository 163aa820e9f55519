"""The org's users, read once for an export: the catalogues, then the users listing set-up uses
(``GET /api/v2/users/query``, 500 a page, skills and languages expanded), so N users cost
ceil(N/500) listing requests plus the catalogues, paced by the client's one rate governor.

A selection by queue reads that queue's members too (one request per 100 members); the others
are decided on what the listing carries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.requestkind import CATALOGUE, RESOLUTION, request_kind
from bulkops.client.wire import user_state
from bulkops.domain.model import UserState
from bulkops.domain.readplan import LISTING_PAGE
from bulkops.engine.setup.directory import build_catalogue
from bulkops.engine.setup.expand import fill_unknown
from bulkops.engine.setup.userread import USER_EXPAND
from bulkops.errors import BulkopsError
from bulkops.export.model import ExportedUser, Selection
from bulkops.export.sections import direct_memberships, list_queues, queue_entry
from bulkops.spec.cells import did_you_mean, fold
from bulkops.spec.resolve import OrgDirectory


class SelectionError(BulkopsError):
    """A selection names a division, queue or skill the org lacks: nothing is exported."""


#: Told after each listing page: (users listed so far, users kept so far).
OnPage = Callable[[int, int], None]


@dataclass(slots=True)
class _Picked:
    """A selection in ids, and what the export counts as it goes."""

    divisions: frozenset[str]
    skills: frozenset[str]
    departments: frozenset[str]
    members: frozenset[str] | None  # None: no queue named
    listed: int = 0
    kept: int = 0
    unnamed: int = 0
    ids: dict[str, str] = field(default_factory=dict)  # id -> email of every user listed (managers)

    def keeps(self, state: UserState) -> bool:
        if self.divisions and state.division not in self.divisions:
            return False
        if self.departments and fold(state.department or "") not in self.departments:
            return False
        if self.skills and not self.skills.intersection(state.skills):
            return False
        return self.members is None or state.id in self.members


class OrgReader:
    """Reads the org for one export; ``users()`` yields each kept user as the listing goes."""

    def __init__(self, client: GenesysClient, selection: Selection, *, on_page: OnPage | None = None, memberships: bool = False):
        self.client = client
        self.selection = selection
        self.on_page = on_page
        self.directory = OrgDirectory()
        self.picked: _Picked | None = None
        self.memberships = memberships  # read each queue's direct members (the JSON form's joinQueues)
        self.member_of: dict[str, list[str]] = {}
        self.queue_bodies: list[dict[str, Any]] = []

    def queue_entries(self) -> list[dict[str, Any]]:
        """The ``queues`` section: each queue listed, as much of its settings as a spec can state."""
        skills = _names(self.directory).skills
        return [e for body in sorted(self.queue_bodies, key=lambda q: q["name"].casefold()) if (e := queue_entry(body, skills))]

    @property
    def emails(self) -> dict[str, str]:
        """id -> email of every user the listing carried (whoever the selection kept)."""
        return self.picked.ids if self.picked is not None else {}

    async def users(self) -> AsyncIterator[ExportedUser]:
        self.picked = picked = await self._prepare()
        names = _names(self.directory)
        async for page in self.client.iter_users(page_size=LISTING_PAGE, expand=USER_EXPAND):
            with request_kind(RESOLUTION):
                for entity in page.entities:
                    picked.listed += 1
                    state = user_state(entity)
                    picked.ids[state.id] = state.email or state.id
                    if not picked.keeps(state):
                        continue
                    if state.unknown:  # the listing's best-effort expand left it out: read it
                        state, _ = await fill_unknown(self.client, state)
                    picked.kept += 1
                    yield self._exported(state, names)
            if self.on_page is not None:
                self.on_page(picked.listed, picked.kept)

    async def _prepare(self) -> _Picked:
        """The catalogues, then the selection in ids (refused whole when a name is unknown)."""
        sel = self.selection
        with request_kind(CATALOGUE):
            extra = ("queues",) if sel.queues and not self.memberships else ()
            self.directory = await build_catalogue(self.client, ("skills", "languages", "divisions", *extra))
        if self.memberships:  # the queues whole: their settings come with the listing
            self.queue_bodies = await list_queues(self.client)
            self.directory.queues.update((q["name"], q["id"]) for q in self.queue_bodies)
        divisions = _ids("division", sel.divisions, self.directory.divisions)
        skills = _ids("skill", sel.skills, self.directory.skills)
        queues = _ids("queue", sel.queues, self.directory.queues)
        members = await self._members(queues) if sel.queues else None
        if self.memberships:
            self.member_of = await direct_memberships(self.client, self.directory.queues)
        return _Picked(divisions, skills, frozenset(fold(d) for d in sel.departments), members)

    async def _members(self, queue_ids: Iterable[str]) -> frozenset[str]:
        found: set[str] = set()
        with request_kind(RESOLUTION):
            for qid in sorted(queue_ids):
                async for page in self.client.iter_queue_members(qid):
                    found.update(m["id"] for m in page.entities if isinstance(m.get("id"), str))
        return frozenset(found)

    def _exported(self, state: UserState, names: _Names) -> ExportedUser:
        assert self.picked is not None
        skills = {names.skills[k]: v for k, v in state.skills.items() if k in names.skills}
        languages = {names.languages[k]: v for k, v in state.languages.items() if k in names.languages}
        self.picked.unnamed += len(state.skills) - len(skills) + len(state.languages) - len(languages)
        return ExportedUser(
            id=state.id,
            email=state.email or state.username or state.id,
            department=state.department or None,
            title=state.title or None,
            manager=state.manager,
            division=names.divisions.get(state.division or ""),
            skills=skills,
            languages=languages,
            queues=tuple(self.member_of.get(state.id, ())),
        )


@dataclass(frozen=True, slots=True)
class _Names:
    skills: dict[str, str]
    languages: dict[str, str]
    divisions: dict[str, str]


def _names(directory: OrgDirectory) -> _Names:
    """id -> name of each catalogue (the listing gives ids; a spec names things)."""
    return _Names(
        {v: k for k, v in directory.skills.items()},
        {v: k for k, v in directory.languages.items()},
        {v: k for k, v in directory.divisions.items()},
    )


def _ids(kind: str, wanted: Iterable[str], table: dict[str, str]) -> frozenset[str]:
    """The ids of ``wanted`` names (or ids) in a catalogue, matched as specs match them."""
    by_fold = {fold(name): sid for name, sid in table.items()}
    known_ids = set(table.values())
    out: set[str] = set()
    missing: list[str] = []
    for name in wanted:
        sid = table.get(name) or by_fold.get(fold(name)) or (name if name in known_ids else None)
        if sid is None:
            missing.append(f"{name!r}{did_you_mean(name, table)}")
        else:
            out.add(sid)
    if missing:
        raise SelectionError(f"the org has no {kind} " + ", ".join(missing) + ": nothing was exported")
    return frozenset(out)
