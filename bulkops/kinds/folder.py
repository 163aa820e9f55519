"""What a kind says of itself beyond the run: its spec section, its set-up, its plan line, how
people read it. One ``KindFolder`` per kind, in ``kinds/<kind>/__init__.py``; the registry
(``kinds/registry.py``) lists them, and every stage loops over it instead of naming kinds.

A kind's items run through the one pipeline (``base.Kind``). Around it, each stage asks the
folder: the JSON document's reader (``read_json``) and the CSV forms (``csv_form``: a form of its
own; ``user_columns``: its columns in the users' forms; the readers answer ``sections()`` by kind
name), ``validate``'s counts (``counts``), set-up (``set_up``: read what the plan shows, problems
located; the items it returns are stored by ``store_items`` in their kind's phase), ``plan``
(``plan_line``, ``plan_requests``, ``plan_text``, ``reduction``), the job's store (``job_meta``,
``names``), the run's users (``before_users``), the undo (``undo_users``, ``undo_names``,
``undo_meta``, ``undo_noun``), ``verify`` (``entity_of``, ``expected_writes``), ``items.csv``'s
change column (``change_text``) and the HTML report's heading of the kind's items (``heading``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING, Any, Literal, Protocol

from bulkops.domain.itemguard import show
from bulkops.domain.verification import ExpectedWrite
from bulkops.kinds.base import AnyKind

if TYPE_CHECKING:
    from bulkops.client.api import GenesysClient
    from bulkops.domain.inverse import Inverse
    from bulkops.domain.model import ResolvedIntent
    from bulkops.engine.setup.job import ResolvedSpec
    from bulkops.engine.undo.itemundo import ItemsInverse
    from bulkops.spec.csvio import CsvForm
    from bulkops.spec.jsonspec import JsonSection
    from bulkops.spec.resolve import OrgDirectory
    from bulkops.spec.validate import At, Problems
    from bulkops.state.records import ItemOutcome
    from bulkops.state.store import RunStore


@dataclass(slots=True)
class SetupContext:
    """What set-up hands each kind: the client, the sections as the spec has them (by kind name),
    the catalogue read, the job's store (the users' intents and states), the set-ups of the kinds
    before it in the registry (and the skills' early one), and where problems go."""

    client: GenesysClient
    sections: Mapping[str, Any]
    directory: OrgDirectory
    store: RunStore
    problems: Problems
    setups: dict[str, Any] = field(default_factory=dict)


class UsersWatch(Protocol):
    """A kind's first set-up step, taken before the org's users are read, that must see them as they
    are read (the skills: the holders of a skill the job migrates or deletes can be anyone)."""

    #: Why every user must be listed (not only those the spec names), or None.
    @property
    def must_list(self) -> str | None: ...

    #: Users the kind's set-up gives an intent of their own (a migrated skill's holders), once set up.
    @property
    def migrated_users(self) -> int: ...

    def note_holders(self, entities: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The users read that the kind needs (their state is stored with the job's)."""
        ...


#: What a kind makes of a user's intent once its early phase is through: the intent as the run writes
#: it, or why it cannot be written (the skills: a skill the job was to create and did not).
IntentRewrite = Callable[["ResolvedIntent"], "ResolvedIntent | str"]


def rewrite_intent(intent: ResolvedIntent, rewrites: Iterable[IntentRewrite]) -> ResolvedIntent | str:
    """The intent through each kind's rewrite in turn; the first reason it cannot be written stops it."""
    for rewrite in rewrites:
        done = rewrite(intent)
        if isinstance(done, str):
            return done
        intent = done
    return intent


class ColumnsSection(Protocol):
    """A kind's section as one CSV read collects it from the users' rows, one user's cells at a time."""

    def add(self, user: str, line: int, cells: list[Any], anchor: At, problems: Problems) -> None:
        """One user's cells (from ``UserColumns.cell``); a problem of them all goes at ``anchor``."""
        ...

    def finish(self) -> list[Any]:
        """The section the rows said, once every row is read."""
        ...


class UserColumns(Protocol):
    """A kind's columns in the users' CSV forms, beside their skills (the utilization's ``util:``
    columns): which headers it claims, each read, and the section the cells make. The wide form
    has one column per header; the long form the header in the ``skill`` cell, the value in
    ``proficiency``."""

    #: How the headers begin, as messages say it (``util:``).
    @property
    def prefix(self) -> str: ...

    def claims(self, header: str) -> bool:
        """Whether the header is one of the kind's (its prefix)."""
        ...

    def column(self, header: str) -> Any:
        """The header read (``.key``: two headers with one key are one column; ``.header``: as
        messages show it); raises ``spec.cells.CellError`` naming what would be right."""
        ...

    def cell(self, column: Any, text: str, at: At) -> Any:
        """One non-blank cell of the column."""
        ...

    def section(self) -> ColumnsSection:
        """A fresh collector for one read."""
        ...


@dataclass(frozen=True, slots=True)
class Counted:
    """How ``validate`` counts a section: its key in ``--json``'s counts, the value there, and the
    words in the one-line summary (None: not said, as for an empty section)."""

    key: str
    value: int | bool
    words: str | None


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"


class KindFolder:
    """One kind's answers to every stage. The defaults are those of a kind without that part (no
    JSON section of its own, no set-up, no plan line): a kind overrides what it has."""

    #: The audit's and the store's name (``Kind.name``).
    name: str = ""
    #: The JSON document's key of the section ("" when the kind has none of its own: queue members
    #: come with the queues section), its shape, and why a version 1 document cannot carry it.
    section: str = ""
    shape: Literal["array", "object"] = "array"
    needs_v2: str = ""
    #: The key of ``plan --json`` that holds the kind's plan line(s).
    plan_key: str = ""
    #: The heading of the kind's items in the HTML report ("Utilization labels").
    heading: str = ""
    #: How the undo's plan names the kind's objects ("utilization label").
    undo_noun: str = ""
    #: The undo of a create or delete is said whole ("create again by name", "delete"), not part by part.
    undone_whole: bool = False
    #: What the undo's plan reads to name the values the kind's items hold by id ("divisions", "labels").
    undo_reads: frozenset[str] = frozenset()
    #: The org's catalogue tables set-up reads when the spec has the section ("skills", "divisions").
    catalogues: frozenset[str] = frozenset()

    def make(self) -> AnyKind:
        """A fresh ``Kind`` for one pass (a kind may keep what it read during the pass)."""
        raise NotImplementedError

    def empty(self) -> Any:
        """The section of a spec that has none."""
        return []

    def read_json(self, section: JsonSection) -> Any:
        """The section from a version 2 JSON document, each problem reported where it is."""
        return self.empty()

    def csv_form(self, header: list[str]) -> tuple[str, type[CsvForm]] | None:
        """A CSV form of the kind's own, when the file's header is its (the form's name, as ``validate``
        and the job's store say it, and its reader); None: not the kind's. ``spec/spec.open_spec``
        asks each kind in the registry's order before the users' forms."""
        return None

    def user_columns(self) -> UserColumns | None:
        """The kind's columns in the users' CSV forms (None: it has none)."""
        return None

    def counts(self, section: Any) -> Counted | None:
        """What ``validate`` says of the section (None: nothing, the kind has no section)."""
        return None

    def watch_users(self, sections: Mapping[str, Any], directory: OrgDirectory, problems: Problems) -> UsersWatch | None:
        """The first set-up step, before the users are read, for a kind that must see them (None: no need);
        ``set_up`` finds it in ``ctx.setups`` under the kind's name."""
        return None

    async def set_up(self, ctx: SetupContext) -> Any:
        """Resolve the section against the org; the set-up's ``items`` are stored, the rest is for ``plan``."""
        return None

    def items(self, setup: Any) -> Sequence[Any]:
        """The items set-up resolved, to store."""
        return tuple(getattr(setup, "items", ()) or ())

    def plan_line(self, setup: Any, resolved: ResolvedSpec) -> Any:
        """What ``plan`` shows of the kind (JSON-ready), None without it."""
        return None

    def plan_requests(self, line: Any) -> int:
        """What the run would spend on the kind's items, as planned."""
        return 0

    def plan_text(self, line: Any) -> list[str]:
        """The plan's lines in words."""
        return []

    def plan_writes(self, line: Any) -> bool:
        """Whether the kind's plan line has a write to make (reads a run would make, as of an object
        already so, do not count): ``plan --detailed-exitcode``."""
        return False

    def reduction(self, setup: Any) -> str | None:
        """Why the kind's items, as set up, may take a member away from a queue (``run`` then reads
        the impact on routing, ``engine/plan/reduction``); None: they cannot."""
        return None

    def job_meta(self, setup: Any) -> Mapping[str, Any]:
        """What the job's store records of the kind beside its items, by key (the skills: the
        placeholder ids of those the job creates, which the run swaps for the real ones)."""
        return {}

    def names(self, directory: OrgDirectory) -> Mapping[str, str]:
        """Id -> name of the kind's objects the job names, for the result files and messages, over
        the catalogue's tables (the skills: a skill the job creates, by its placeholder)."""
        return {}

    async def before_users(self, client: GenesysClient, store: RunStore) -> IntentRewrite | None:
        """Once the early phase is through and before the users run: what the users' intents need
        (the skills: the placeholder ids of the skills the job created, swapped for the real ones
        read now); None: nothing."""
        return None

    def undo_users(self, users: Inverse, items: ItemsInverse) -> Inverse:
        """The users' inverse as the undo of the kind's items needs it (the skills: a skill the job
        deleted is created again, under a placeholder the users' old levels go onto)."""
        return users

    def undo_names(self, items: ItemsInverse) -> Mapping[str, str]:
        """Id -> name of what the undo of the kind's items names that the job's names do not know."""
        return {}

    def part_words(self, part: str, names: Mapping[str, str]) -> str:
        """How the undo's plan says a part of an item (a key of ``UndoableKind.parts``) the item's own
        names do not name, ids by name where ``names`` knows them."""
        return part

    def value_words(self, value: Any, names: Mapping[str, str]) -> str:
        """How the undo's plan says a part's value: an id by its name, anything else as ``show`` says it."""
        return repr(names.get(value, value)) if isinstance(value, str) else show(value)

    def undo_meta(self, items: ItemsInverse) -> Mapping[str, Any]:
        """What the undo job's store records of the kind beside its items, by key (as ``job_meta``)."""
        return {}

    def entity_of(self, item: ItemOutcome) -> str | None:
        """The platform's id of what the item changed, as its audit names it (``verify``): the
        object's id, after the write or else before it; None: not known (nothing to look for)."""
        for side in (item.after, item.before):
            if side and isinstance(side.get("id"), str):
                return str(side["id"])
        return None

    def expected_writes(self, item: ItemOutcome, owner: str, entity: str) -> Iterator[ExpectedWrite]:
        """The platform's writes an applied item's change stands for (``verify``): one write on its
        entity, named by the kind and its ``op``."""
        change = item.changes or {}
        yield ExpectedWrite(owner, entity, f"{item.kind}_{change.get('op') or change.get('write') or 'write'}")

    def change_text(self, changes: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
        """``items.csv``'s change cell for one item from its last audit line's ``changes``."""
        return " ".join(str(v) for k, v in changes.items() if k in ("op", "division")) or None


def store_items(kind: AnyKind, items: Iterable[Any], store: RunStore) -> int:
    """Store a kind's items, each in its phase (``kind.phase``): the one way set-up and undo store
    items. Returns how many were stored."""
    ordered = sorted(((kind.phase(i), kind.key(i), kind.encode(i)) for i in items), key=lambda r: r[0])
    stored = 0
    for phase, rows in groupby(ordered, key=lambda r: r[0]):
        stored += store.add_items(kind.name, phase, [(key, payload) for _, key, payload in rows])
    return stored
