"""The names a spec is the whole truth for (#30 §3): from JSON v2's ``authoritative`` or the CLI's options."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Characters that would make a name a pattern: refused, as the names are exact.
PATTERN_CHARACTERS = frozenset("*?[]")


class AuthoritativeNameError(ValueError):
    """A name list that cannot be meant (an empty name, or a pattern)."""


@dataclass(frozen=True, slots=True)
class AuthoritativeNames:
    """The skill and language names the spec is the whole truth for, as given."""

    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.skills or self.languages)

    def __or__(self, other: AuthoritativeNames) -> AuthoritativeNames:
        """Both lists of names (the spec's and the command line's), each name once."""
        return AuthoritativeNames(_once(self.skills + other.skills), _once(self.languages + other.languages))


def _once(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an authoritative name, or None when it can."""
    if not name.strip():
        return "an empty name: give each name exactly as the org spells it"
    if PATTERN_CHARACTERS & set(name):
        return f"{name!r} looks like a pattern: give each name exactly as the org spells it"
    return None


def parse_names(text: str | None) -> tuple[str, ...]:
    """``Billing,Sales`` as names; a pattern or an empty name is refused (exact names only)."""
    if text is None:
        return ()
    names = tuple(n.strip() for n in text.split(","))
    for name in names:
        if (why := name_problem(name)) is not None:
            raise AuthoritativeNameError(f"{text!r} has {why}" if not name else why)
    return names
