"""``--authoritative-skills`` / ``--authoritative-languages`` of ``plan`` and ``run`` (#30 §3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from bulkops.domain.authoritative import AuthoritativeNameError, AuthoritativeNames, parse_names
from bulkops.engine.setup.authoritative import AuthoritativeSetup

F = TypeVar("F", bound=Callable[..., Any])

_HELP = (
    "Make the spec the whole truth for these {kind} (names, comma-separated, exactly as the org spells them): "
    "a user the spec does not list who holds one loses it. Reads the org's whole users listing."
)


def authoritative_options(fn: F) -> F:
    fn = click.option("--authoritative-languages", "authoritative_languages", metavar="A,B", help=_HELP.format(kind="languages"))(fn)
    return click.option("--authoritative-skills", "authoritative_skills", metavar="A,B", help=_HELP.format(kind="skills"))(fn)


def authoritative_of(kw: dict[str, Any]) -> AuthoritativeNames:
    """The names given; an empty one or a pattern is a usage error (exit 2) naming its option."""
    found: dict[str, tuple[str, ...]] = {}
    for key, option in (("authoritative_skills", "'--authoritative-skills'"), ("authoritative_languages", "'--authoritative-languages'")):
        try:
            found[key] = parse_names(kw.get(key))
        except AuthoritativeNameError as exc:
            raise click.BadParameter(str(exc), param_hint=option) from exc
    return AuthoritativeNames(skills=found["authoritative_skills"], languages=found["authoritative_languages"])


def authoritative_lines(setup: AuthoritativeSetup) -> list[str]:
    """Plan's lines: per authoritative name, how many holders the spec does not list lose it, and the first few."""
    lines = []
    for entry in setup.describe():
        shown = ", ".join(entry["sample"]) + (", ..." if entry["losing"] > len(entry["sample"]) else "")
        who = f": {shown}" if shown else ""
        lines.append(f"authoritative {entry['kind']} {entry['name']!r}: {entry['losing']} holder(s) the spec does not list lose it{who}")
    return lines
