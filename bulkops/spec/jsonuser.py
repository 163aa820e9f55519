"""One JSON user object -> a ``UserIntent`` plus the problems found in it.

The schema (``schemacheck``) decides what is structurally wrong; this module adds what
a schema cannot see (keys repeated in the raw text, names repeated case-insensitively,
NaN) and builds the intent from the parts that are right, so the intent's own checks
(set and removed, per-user caps) still run on a user with a bad cell.
"""

from __future__ import annotations

from typing import Any

from bulkops.domain.model import UserIntent
from bulkops.spec.cells import fold, respell
from bulkops.spec.schemacheck import LEVEL_KEYS, Issue, Path, plain_user, proficiency_problem, user_issues

#: (path, part) of every issue: the parts of a user the intent leaves out.
Rejected = set[tuple[Path, str]]

_FIELD_KEYS = ("department", "title", "manager")


def read_user(obj: Any, replace: bool, line: int) -> tuple[UserIntent | None, list[Issue]]:
    """Validate one user object; the intent is None if ``user`` is unusable."""
    clean = plain_user(obj)
    issues = [] if clean else user_issues(obj)
    if not isinstance(obj, dict):
        return None, issues
    rejected: Rejected = {(path, part) for path, part, _ in issues}
    if not clean:  # a plain user was parsed into plain dicts: nothing in it was repeated
        issues += _repeated_keys(obj)
    skills = _levels(obj, "skills", rejected, clean, issues)
    languages = _levels(obj, "languages", rejected, clean, issues)
    user = _text(obj, "user", rejected)
    if user is None:
        return None, issues
    join = _names(obj, "joinQueues", rejected)
    intent = UserIntent(
        user=user,
        skills=skills,
        # one spelling per name within the user, so set-and-removed is caught exactly
        remove_skills=respell(_names(obj, "removeSkills", rejected), skills),
        languages=languages,
        remove_languages=respell(_names(obj, "removeLanguages", rejected), languages),
        fields={k: v for k in _FIELD_KEYS if (v := _text(obj, k, rejected)) is not None},
        division=_text(obj, "division", rejected),
        join_queues=join,
        leave_queues=respell(_names(obj, "leaveQueues", rejected), join),
        replace_skills=replace,
        line=line,
    )
    return intent, issues


def _repeated_keys(obj: dict[str, Any]) -> list[Issue]:
    """Keys written twice in one object: the parser keeps the last, so the text must say."""
    issues: list[Issue] = [((k,), "key", f"key {k!r} appears more than once in this user") for k in getattr(obj, "dups", ())]
    for key in LEVEL_KEYS & obj.keys():
        issues += [((key, k), "key", f"{k!r} appears more than once in {key!r}") for k in getattr(obj[key], "dups", ())]
    return issues


def _text(obj: dict[str, Any], key: str, rejected: Rejected) -> str | None:
    v = obj.get(key)
    return None if v is None or ((key,), "value") in rejected else v.strip()


def _names(obj: dict[str, Any], key: str, rejected: Rejected) -> frozenset[str]:
    v = obj.get(key)
    if v is None or ((key,), "value") in rejected:
        return frozenset()
    return frozenset(item.strip() for i, item in enumerate(v) if ((key, i), "value") not in rejected)


def _levels(obj: dict[str, Any], key: str, rejected: Rejected, clean: bool, issues: list[Issue]) -> dict[str, float]:
    """Name -> proficiency; a name repeated case-insensitively is a problem even when the
    first spelling's value is itself wrong, so names are counted before values are read."""
    v = obj.get(key)
    if v is None or ((key,), "value") in rejected:
        return {}
    if clean:
        return dict(zip(v, map(float, v.values())))
    out: dict[str, float] = {}
    seen: dict[str, str] = {}
    for name, level in v.items():
        if ((key, name), "key") in rejected:
            continue
        folded = fold(name)
        if folded in seen:
            issues.append(((key, name), "key", f"{name!r} is listed twice in {key!r} (also as {seen[folded]!r})"))
            continue
        seen[folded] = name
        if ((key, name), "value") in rejected:
            continue
        if level != level:  # NaN: the one bad number a schema lets through (the rest are 0-5 here)
            issues.append(((key, name), "value", f"{key}[{name!r}]: {proficiency_problem(level)}"))
            continue
        out[name.strip()] = float(level)
    return out
