"""Seeded fault decisions and the "concurrent administrator" edit.

Faults draw from their own ``random.Random`` (seeded from the config seed) so that
turning a fault knob never changes the org, and the same request sequence meets the
same faults. The concurrent edit is real: it changes the user in the store, bumps its
version, and is recorded so tests can check a client did not clobber it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bulkops.simulator.model import catalog
from bulkops.simulator.model.org import Org, User, iso

SERVER_ERRORS = (500, 502, 503)


class Faults:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"bulkops-sim-faults:{seed}")

    def server_error(self, rate: float) -> int | None:
        """A 5xx status to answer instead of handling the request, or None."""
        if rate > 0 and self.rng.random() < rate:
            return self.rng.choice(SERVER_ERRORS)
        return None

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def choose(self, items: list[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def concurrent_edit(
        self,
        org: Org,
        user: User,
        *,
        trigger: str,
        now: float,
        avoid_skills: Iterable[str] = (),
        avoid_languages: Iterable[str] = (),
        avoid_fields: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Apply another admin's change to ``user`` and describe it.

        The change never touches what the interrupted request names (so a correct
        client's retry leaves it in place): it adds a skill or language the user lacks
        and the request does not mention, or changes the title (unless the request sets
        the title; if nothing else is possible, the department).
        """
        avoid_s = set(avoid_skills) | set(user.skills)
        avoid_l = set(avoid_languages) | set(user.languages)
        skills = [s for s in org.skills.values() if s.state == "active" and s.id not in avoid_s]
        languages = [x for x in org.languages.values() if x.state == "active" and x.id not in avoid_l]
        fields = set(avoid_fields)
        kinds = ["title"] * ("title" not in fields) + ["skill"] * 2 * bool(skills) + ["language"] * bool(languages)
        kind = self.choose(kinds) if kinds else "department"

        record: dict[str, Any] = {"userId": user.id, "kind": kind, "trigger": trigger}
        if kind == "skill":
            s = self.choose(skills)
            prof = float(self.rng.randint(1, 5))
            user.skills[s.id] = prof
            record.update(field="skills", id=s.id, name=s.name, before=None, after=prof)
        elif kind == "language":
            x = self.choose(languages)
            prof = float(self.rng.randint(1, 5))
            user.languages[x.id] = prof
            record.update(field="languages", id=x.id, name=x.name, before=None, after=prof)
        elif kind == "department":
            new = self.choose([d for d in catalog.DEPARTMENTS if d != user.department])
            record.update(field="department", id=None, name=None, before=user.department, after=new)
            user.department = new
        else:
            titles = [t for t in catalog.TITLES + catalog.LEAD_TITLES if t != user.title]
            new = self.choose(titles)
            record.update(field="title", id=None, name=None, before=user.title, after=new)
            user.title = new
        user.version += 1
        record.update(version=user.version, time=now, at=iso(datetime.now(UTC)))
        return record
