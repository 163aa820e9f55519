"""How long a written value may be, and the check every spec form shares (#25 §8d).

Genesys Cloud publishes a length only for utilization label names (256, help centre); for the
rest neither the SDK's models nor the Terraform provider's schemas state one, so the limits
here are guesses, documented as such in docs/spec-format.md: 255 characters (a common column
size, far above any real title, department or name) for every other value. A 2 MB title is
refused before anything is sent instead of being written (or refused mid-run).

Control and bidi characters are refused by the readers themselves (``safetext``), where the
raw text is, so every form (JSON, CSV wide/long, admin CSV) reports them at the value.
"""

from __future__ import annotations

from collections.abc import Iterator

from bulkops.domain.model import UserIntent
from bulkops.kinds.labels.intent import MAX_LABEL_NAME
from bulkops.kinds.queues.intent import QueueSettingsIntent
from bulkops.kinds.skills.intent import SkillDefinitionIntent

#: Guess (no published limit): user fields, names of skills, languages, queues, wrap-up codes,
#: divisions, and user refs (an email is at most 254 characters, RFC 5321).
MAX_VALUE = 255

#: Characters each kind of value may hold; kinds are the ``Locate`` kinds of ``spec.validate``.
FIELD_LIMITS: dict[str, int] = {
    "user": MAX_VALUE,
    "title": MAX_VALUE,
    "department": MAX_VALUE,
    "manager": MAX_VALUE,
    "division": MAX_VALUE,
    "skill": MAX_VALUE,
    "language": MAX_VALUE,
    "join": MAX_VALUE,
    "leave": MAX_VALUE,
    "queue": MAX_VALUE,
    "wrap-up code": MAX_VALUE,
    "label": MAX_LABEL_NAME,
}

_WHAT = {
    "join": "queue name",
    "leave": "queue name",
    "queue": "queue name",
    "skill": "skill name",
    "language": "language name",
    "division": "division name",
    "wrap-up code": "wrap-up code name",
    "label": "label name",
    "user": "user reference",
}


def too_long(kind: str, value: str) -> str | None:
    """The problem when ``value`` is longer than a ``kind`` may be, else None."""
    limit = FIELD_LIMITS.get(kind, MAX_VALUE)
    if len(value) <= limit:
        return None
    what = _WHAT.get(kind, kind)
    return f"{what} is {len(value):,} characters long: at most {limit} (the platform's field limit)"


#: No value of a user's intent may be longer than this without being checked one by one.
SHORTEST_LIMIT = min(MAX_VALUE, *FIELD_LIMITS.values())


def fits_shortest_limit(intent: UserIntent) -> bool:
    """True when no value ``user_values`` yields is longer than ``SHORTEST_LIMIT``, so none is
    too long whatever its kind: the check of a well-formed intent, without a value-by-value walk."""
    if len(intent.user) > SHORTEST_LIMIT or (intent.division is not None and len(intent.division) > SHORTEST_LIMIT):
        return False
    groups = (intent.fields.values(), intent.skills, intent.remove_skills, intent.languages, intent.remove_languages, intent.join_queues, intent.leave_queues)
    for names in groups:  # a loop, not all(...): this runs once per user of the spec
        if names and max(map(len, names)) > SHORTEST_LIMIT:
            return False
    return True


def user_values(intent: UserIntent) -> Iterator[tuple[str, str | None, str]]:
    """(kind, ref for the locator, value) of every value a user's intent writes or names."""
    yield "user", None, intent.user
    for name, value in intent.fields.items():
        yield name, None, value
    if intent.division is not None:
        yield "division", None, intent.division
    for kind, names in (
        ("skill", intent.skills.keys()),
        ("skill", intent.remove_skills),
        ("language", intent.languages.keys()),
        ("language", intent.remove_languages),
        ("join", intent.join_queues),
        ("leave", intent.leave_queues),
    ):
        for name in names:
            yield kind, name, name


def definition_lengths(d: SkillDefinitionIntent) -> list[tuple[str, str]]:
    """(field, problem) for each name of a skills entry past its limit."""
    named = (("skill", "skill", d.skill), ("division", "division", d.division), ("into", "skill", d.into))
    return [(name, problem) for name, kind, value in named if value is not None and (problem := too_long(kind, value)) is not None]


def queue_lengths(q: QueueSettingsIntent) -> list[tuple[str, str]]:
    """(setting path, problem) for each name of a queues entry past its limit."""
    named: list[tuple[str, str, str]] = [("queue", "queue", q.queue)]
    named += [(key, "wrap-up code", n) for key, names in (("addWrapupCodes", q.add_wrapup_codes), ("removeWrapupCodes", q.remove_wrapup_codes)) for n in names]
    for number, ring in sorted(q.rings.items()):
        named += [(f"rings.{number}.skillsToRemove", "skill", n) for n in ring.skills_to_remove or ()]
    return [(path, problem) for path, kind, value in named if (problem := too_long(kind, value)) is not None]
