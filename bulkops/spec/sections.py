"""The parts of a job beside its users: as a reader that carries none of them answers for them, and as
the users' CSV forms collect them from the kinds' own columns (``KindCells``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bulkops.kinds.folder import ColumnsSection, UserColumns
    from bulkops.spec.validate import At, Problems


class UsersOnly:
    """A reader of users alone: it carries no section of another kind. A form that carries one (the
    skill definitions CSV, the queues CSV, utilization columns) overrides ``sections``; the JSON
    document reads every kind's section through the kind's folder (``kinds/registry.py``)."""

    def sections(self) -> Mapping[str, Any]:
        """The sections of the registry's kinds this form carries, by kind name: none."""
        return {}


class KindCells:
    """The columns the registry's kinds have in the users' CSV forms (``KindFolder.user_columns``:
    the utilization's ``util:``), and the sections one read of a file collects from them, by kind
    name. A form asks it which kind claims a header and hands it each user's cells."""

    def __init__(self) -> None:
        from bulkops.kinds.registry import KINDS  # the kinds read spec helpers: imported when read

        self.kinds: list[tuple[str, UserColumns]] = [(f.name, c) for f in KINDS if (c := f.user_columns()) is not None]
        self._open: dict[str, ColumnsSection] = {name: cols.section() for name, cols in self.kinds}
        self._found: dict[str, list[Any]] = {}

    def claimer(self, header: str) -> tuple[str, UserColumns] | None:
        """The kind whose columns the header is, by name, with its columns; None: a user's column."""
        return next(((name, cols) for name, cols in self.kinds if cols.claims(header)), None)

    @property
    def prefixes(self) -> list[str]:
        return [cols.prefix for _, cols in self.kinds]

    def add(self, kind: str, user: str, line: int, cells: list[Any], anchor: At, problems: Problems) -> None:
        """One user's cells of one kind's columns."""
        self._open[kind].add(user, line, cells, anchor, problems)

    def finish(self) -> None:
        """Every row read: each kind's section is what its cells said."""
        self._found = {name: section.finish() for name, section in self._open.items()}

    def sections(self) -> dict[str, list[Any]]:
        """Each kind's section as the last finished read found it (empty before one)."""
        return {name: list(self._found.get(name) or []) for name, _ in self.kinds}
