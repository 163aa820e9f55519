"""What one user may hold, checked before anything is sent.

Genesys Cloud refuses a user more than 50 routing skills (and, by the same rule in its
limits, 50 routing languages): a write that would go past the cap fails for that user
half-way through a run. Knowing what each named user holds at set-up, the whole job is
checked first and a spec that would cross the cap is refused with the user's line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bulkops.domain.model import UserIntent, UserState

MAX_SKILLS_PER_USER = 50
MAX_LANGUAGES_PER_USER = 50


@dataclass(frozen=True, slots=True)
class UserCaps:
    """What one user may hold: Genesys Cloud's limits by default; a setting (``--max-per-user``)
    for an org whose limits differ."""

    skills: int = MAX_SKILLS_PER_USER
    languages: int = MAX_LANGUAGES_PER_USER


def held_after(held: Mapping[str, float] | None, setting: Mapping[str, float], removing: Iterable[str], *, replace: bool) -> int | None:
    """How many the user ends with; None when what they hold now is unknown (and it matters)."""
    if replace:
        return len(setting)
    if held is None:
        return None
    return len((set(held) | set(setting)) - set(removing))


def over_cap(intent: UserIntent, state: UserState | None, caps: UserCaps = UserCaps()) -> str | None:
    """The problem when ``intent`` would leave the user over a cap, else None. Unknown holdings
    (no state, or an expansion the API left out) are not guessed: the write's own refusal then
    fails that one user, named in the results."""
    skills = None if state is None or "skills" in state.unknown else state.skills
    languages = None if state is None or "languages" in state.unknown else state.languages
    problems = []
    n = held_after(skills, intent.skills, intent.remove_skills, replace=intent.replace_skills)
    if _crosses(n, skills, caps.skills, replace=intent.replace_skills):
        problems.append(f"would hold {n} routing skills after this job; at most {caps.skills} per user")
    n = held_after(languages, intent.languages, intent.remove_languages, replace=False)
    if _crosses(n, languages, caps.languages, replace=False):
        problems.append(f"would hold {n} routing languages after this job; at most {caps.languages} per user")
    return "; ".join(problems) or None


def _crosses(after: int | None, held: Mapping[str, float] | None, cap: int, *, replace: bool) -> bool:
    """Over the cap and more than held now: a user already over it (set by other means) is not
    refused for a job that does not add to it."""
    if after is None or after <= cap:
        return False
    return replace or held is None or after > len(held)
