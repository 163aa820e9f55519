"""``open_spec``: the two-phase entry point (cheap open, then streaming passes).

Every pass re-reads the file from disk, so nothing larger than the duplicate-user
ledger (and, for long-form CSV, the compact per-user grouping) is held in memory.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bulkops.domain.authoritative import AuthoritativeNames
from bulkops.domain.model import Mode, UserIntent
from bulkops.errors import SpecError, SpecProblem
from bulkops.spec.csv_admin import AdminCsv, IgnoredColumn, reads_as_admin
from bulkops.spec.csv_long import LongCsv, is_long_header
from bulkops.spec.csv_wide import WideCsv
from bulkops.spec.jsonspec import JsonDoc, JsonLines
from bulkops.spec.resolve import FinalCheck, OrgDirectory, Resolver
from bulkops.spec.sniff import detect_delimiter, read_head_lines, sniff_format
from bulkops.spec.validate import MAX_SKILLS_PER_USER, ColumnFixer, Locate, Problems


class _Reader(Protocol):
    """What ``OpenSpec`` needs of a format's reader.

    ``fixer`` is read-only here: the CSV forms have one, the JSON forms a plain ``None``;
    as a settable attribute the protocol would match neither."""

    @property
    def fixer(self) -> ColumnFixer | None: ...

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]: ...

    def sections(self) -> Mapping[str, Any]: ...


@dataclass
class OpenSpec:
    """An opened (not yet validated) job spec.

    ``format`` is one of ``csv-wide``, ``csv-long``, ``csv-admin`` (the admin UI's people import), ``csv-skills`` (skill definitions, no users), ``csv-queues`` (queue settings, no
    users), ``json``, ``jsonl``. ``mode`` is the effective job mode. After ``validate(directory)``, ``missing_skills`` lists skill
    names the spec sets that the org lacks (in first-seen order).
    """

    path: str
    format: str
    mode: Mode
    delimiter: str | None
    _reader: _Reader = field(repr=False)
    missing_skills: list[str] = field(default_factory=list)
    _hash: str | None = field(default=None, repr=False)
    #: The file the readers read when it is not ``path``: the private snapshot taken before
    #: validation (``path`` stays the name problems are reported against).
    source: str | None = None

    @property
    def content_hash(self) -> str:
        """sha256 of the file's bytes (hex): a run records it to refuse an edited spec."""
        if self._hash is None:
            self._hash = file_sha256(self.source or self.path)
        return self._hash

    def validate(
        self, directory: OrgDirectory | None = None, *, allow_missing_skills: bool = False, final_check: FinalCheck | None = None
    ) -> list[SpecProblem]:
        """One streaming pass; every problem found (sorted by position). With a directory,
        refs are resolved too; ``allow_missing_skills`` only collects unknown set-skills."""
        problems = Problems(self.path)
        resolver = Resolver(directory, problems, allow_missing_skills=allow_missing_skills, final_check=final_check) if directory else None
        for intent, locate in self._reader.read(problems):
            if resolver is not None:
                resolver.resolve(intent, locate)
        if resolver is not None:
            resolver.finish()
            self.missing_skills = list(resolver.missing_skills.values())
        return problems.finish(self._reader.fixer)

    def checked(self, problems: Problems) -> Iterator[UserIntent]:
        """The one parse: each user's intent as written, every local problem added to ``problems``
        (the whole file is read whatever it finds). Set-up stores these and resolves them from there."""
        for intent, _ in self._reader.read(problems):
            yield intent

    def sections(self) -> Mapping[str, Any]:
        """The sections of the registry's kinds (``kinds/registry.py``) the spec carries, by kind
        name, as the last pass (``checked`` iterated to its end, or ``validate``) read them, with
        their problems in that pass's ``Problems``; meaningful when it found none. No file is read
        here. A kind the spec has no section of is absent (version 1 documents and JSON Lines carry
        users only; the skills CSV and the queues CSV one section each)."""
        return self._reader.sections()

    def section(self, kind: str) -> Any:
        """The section of ``kind`` (``sections``), or the kind's empty one when the spec has none."""
        from bulkops.kinds.registry import folder_of  # the kinds read spec helpers: imported when asked

        folder = folder_of(kind)
        if folder is None:
            raise KeyError(f"no kind {kind!r} in the registry")
        found = self._reader.sections().get(kind)
        return folder.empty() if found is None else found

    def authoritative(self) -> AuthoritativeNames:
        """The names the spec is the whole truth for (version 2's ``authoritative``), from the same last
        pass as ``definitions``; the other forms have none (the CLI's options give them)."""
        return self._reader.authoritative() if isinstance(self._reader, JsonDoc) else AuthoritativeNames()

    def ignored_columns(self) -> list[IgnoredColumn]:
        """Columns the last pass read but bulkops does not apply, with how many rows held a
        value (only the admin UI's people-import layout has any), in header order."""
        return self._reader.ignored_columns() if isinstance(self._reader, AdminCsv) else []

    def finish(self, problems: Problems) -> list[SpecProblem]:
        """``problems`` sorted, with CSV columns filled in."""
        return problems.finish(self._reader.fixer)

    def intents(self) -> Iterator[UserIntent]:
        """Each user's intent with refs as written, one per user, streamed.

        Raises ``SpecError`` as soon as a problem shows up, so call ``validate`` first."""
        problems = Problems(self.path)
        for intent, _ in self._reader.read(problems):
            if problems:
                break
            yield intent
        if problems:
            raise SpecError(problems.finish(self._reader.fixer))

    def resolved_intents(self, directory: OrgDirectory) -> Iterator[UserIntent]:
        """Like ``intents`` but with org ids in place of refs (users, skills, languages,
        manager, division, queues). Raises ``SpecError`` on the first failure."""
        problems = Problems(self.path)
        resolver = Resolver(directory, problems)
        for intent, locate in self._reader.read(problems):
            if problems:
                break
            got = resolver.resolve(intent, locate)
            resolver.finish()
            if problems:
                break
            if got is not None:
                yield got
        if problems:
            raise SpecError(problems.finish(self._reader.fixer))


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def open_spec(path: str | os.PathLike[str], mode: Mode | None = None, *, max_skills_per_user: int = MAX_SKILLS_PER_USER) -> OpenSpec:
    """Sniff the format and open the spec; reads at most a few lines (whole JSON documents
    are parsed for their ``mode``). Raises ``SpecError`` if the file cannot be opened."""
    p = os.fspath(path)
    if mode is not None and mode not in ("merge", "replace"):
        raise ValueError(f"mode must be 'merge' or 'replace', not {mode!r}")
    if not os.path.isfile(p) or not os.access(p, os.R_OK):
        why = "no such file" if not os.path.exists(p) else "not a readable file"
        raise SpecError([SpecProblem(p, 1, 1, f"cannot open the spec: {why}")])
    fmt = sniff_format(p)
    if fmt == "json":
        doc = JsonDoc(p, mode, max_skills_per_user)
        return OpenSpec(p, "json", doc.declared_mode() or mode or "merge", None, doc)
    if fmt == "jsonl":
        lines = JsonLines(p, mode, max_skills_per_user)
        return OpenSpec(p, "jsonl", lines.declared_mode() or mode or "merge", None, lines)
    return _open_csv(p, mode or "merge", max_skills_per_user)


def _open_csv(p: str, effective: Mode, max_skills_per_user: int) -> OpenSpec:
    """A CSV spec, its form told by its header: a kind's own form, else the users' (long, admin, wide)."""
    head = read_head_lines(p)
    delimiter = detect_delimiter(head)
    header = next((r for r in _safe_rows(head, delimiter) if r), [])
    from bulkops.kinds.registry import KINDS  # the kinds read spec helpers: imported when read

    for folder in KINDS:  # a kind's own CSV form (skill definitions, queue settings), in the registry's order
        if (own := folder.csv_form(header)) is not None:
            return OpenSpec(p, own[0], effective, delimiter, own[1](p, delimiter, effective, max_skills_per_user))
    if is_long_header(header):
        return OpenSpec(p, "csv-long", effective, delimiter, LongCsv(p, delimiter, effective, max_skills_per_user))
    if reads_as_admin(header):
        return OpenSpec(p, "csv-admin", effective, delimiter, AdminCsv(p, delimiter, effective, max_skills_per_user))
    return OpenSpec(p, "csv-wide", effective, delimiter, WideCsv(p, delimiter, effective, max_skills_per_user))


def _safe_rows(lines: list[str], delimiter: str) -> Iterator[list[str]]:
    try:
        yield from csv.reader(lines, delimiter=delimiter)
    except csv.Error:
        return


def load_and_validate(path: str | os.PathLike[str], directory: OrgDirectory | None = None, mode: Mode | None = None) -> OpenSpec:
    """Open and validate in one call; raises ``SpecError`` carrying every problem."""
    spec = open_spec(path, mode)
    problems = spec.validate(directory)
    if problems:
        raise SpecError(problems)
    return spec
