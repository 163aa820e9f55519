"""The :class:`Simulator`: one org, its knobs, and the hooks the routes call.

The aiohttp Application is built once and never replaced; ``reset`` swaps the org,
limiter, faults and counters underneath it, so a server started once (e.g. the
session-wide test fixture) can serve a fresh org per test.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from bulkops.simulator import wire
from bulkops.simulator.app import build_app
from bulkops.simulator.auth import TokenStore
from bulkops.simulator.config import SimConfig
from bulkops.simulator.errors import conflict
from bulkops.simulator.faults import Faults
from bulkops.simulator.model import cgr, skilldefs, skillgroups
from bulkops.simulator.model.analytics import traffic
from bulkops.simulator.model.lag import WriteLag
from bulkops.simulator.model.org import MemberGroup, Org, User, now_iso
from bulkops.simulator.model.queuetime.live import LiveQueues
from bulkops.simulator.model.skilldefs import FlowDependency, SkillGroup
from bulkops.simulator.model.stats import Stats
from bulkops.simulator.ratelimit import RateLimiter

STATE_FORMAT = "bulkops-simulator-state/1"


def _rate_knobs(c: SimConfig) -> tuple[Any, ...]:
    return (c.rps, c.rate_per_minute, c.rate_mode, c.route_limit_prefix, c.route_rate_per_minute)


def _limiter(c: SimConfig, clock: Callable[[], float]) -> RateLimiter | None:
    return RateLimiter.from_knobs(
        c.rps, c.rate_per_minute, clock, mode=c.rate_mode, route_prefix=c.route_limit_prefix, route_rate_per_minute=c.route_rate_per_minute
    )


class Simulator:
    """Holds the org and the knobs; ``.app`` serves them."""

    def __init__(self, config: SimConfig | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.tokens = TokenStore(clock)
        self._install(config or SimConfig(), None, [])
        self.app = build_app(self)

    def _install(self, config: SimConfig, org: Org | None, conflicts: list[dict[str, Any]]) -> None:
        self.config = config
        self.org = org or Org.generate(
            seed=config.seed,
            users=config.users,
            skills=config.skills,
            languages=config.languages,
            queues=config.queues,
            divisions=config.divisions,
        )
        if org is None and config.routing_picture:
            skillgroups.seed_picture(self.org)
        if org is None and config.queue_traffic:
            traffic.seed(self.org)
        if org is None and config.conditional_group_routing:
            cgr.seed(self.org)
        self.queue_time = LiveQueues(self.org, self.clock, config.time_scale)
        self.limiter = _limiter(config, self.clock)
        self.faults = Faults(config.seed)
        self.lag = WriteLag()
        self.stats_counter = Stats()
        self._conflicts = list(conflicts)
        self._always_started: set[str] = {c["userId"] for c in conflicts if c["userId"] in config.always_conflict}

    # ------------------------------------------------------------------ control
    def reset(self, config: SimConfig) -> None:
        """A fresh seeded org and fresh counters; issued tokens stay valid."""
        self._install(config, None, [])

    def configure(self, **knobs: Any) -> None:
        """Change runtime knobs (see ``config.RUNTIME_KNOBS``) without touching the org."""
        new = self.config.with_knobs(**knobs)
        if _rate_knobs(new) != _rate_knobs(self.config):
            self.limiter = _limiter(new, self.clock)
        if new.time_scale != self.config.time_scale:
            self.queue_time.set_scale(new.time_scale)
        self.config = new

    def set_skill_state(self, skill_id: str, state: str) -> None:
        """Make an org skill active/inactive/deleted (inactive ones cannot be assigned)."""
        s = self.org.skill(skill_id)
        s.state = state
        s.version += 1

    def set_language_state(self, language_id: str, state: str) -> None:
        x = self.org.language(language_id)
        x.state = state
        x.version += 1

    def set_user_utilization(self, user_id: str, body: dict[str, Any]) -> None:
        """Give a user a utilization setting of their own (a ``UtilizationRequest``, validated as the API does)."""
        self.org.user(user_id)
        store = self.org.utilization
        store.put_user(user_id, store.parse_request(body))

    def note_conflict(self, record: dict[str, Any]) -> None:
        """Record another administrator's change made outside ``before_user_write`` (``/__sim/conflicts``)."""
        self._conflicts.append(record)

    # ------------------------------------------------------------------ write hooks (routes)
    def before_user_write(
        self,
        user: User,
        trigger: str,
        *,
        avoid_skills: Iterable[str] = (),
        avoid_languages: Iterable[str] = (),
        avoid_fields: Iterable[str] = (),
    ) -> None:
        """Maybe let a concurrent administrator change ``user`` first; then answer 409.

        ``avoid_*`` name what the interrupted request touches, so the other admin's change
        is disjoint from it and a correct client's retry must leave it in place.
        """
        cfg = self.config
        if user.id in cfg.always_conflict:
            if user.id not in self._always_started:
                self._always_started.add(user.id)
                self._edit(user, trigger, avoid_skills, avoid_languages, avoid_fields)
            self.stats_counter.injected_conflicts += 1
            raise conflict(user.id)
        if self.faults.roll(cfg.conflict_rate):
            self._edit(user, trigger, avoid_skills, avoid_languages, avoid_fields)
            self.stats_counter.injected_conflicts += 1
            raise conflict(user.id)

    def before_users_write(self, users: list[User], trigger: str) -> None:
        """A multi-user write (division move): one roll per request, on one victim."""
        for u in users:
            if u.id in self.config.always_conflict:
                self.before_user_write(u, trigger)
        if users and self.faults.roll(self.config.conflict_rate):
            victim = self.faults.choose(users)
            self._edit(victim, trigger, (), (), ())
            self.stats_counter.injected_conflicts += 1
            raise conflict(victim.id)

    def _edit(
        self,
        user: User,
        trigger: str,
        avoid_skills: Iterable[str],
        avoid_languages: Iterable[str],
        avoid_fields: Iterable[str] = (),
    ) -> None:
        self._conflicts.append(
            self.faults.concurrent_edit(
                self.org,
                user,
                trigger=trigger,
                now=self.clock(),
                avoid_skills=avoid_skills,
                avoid_languages=avoid_languages,
                avoid_fields=avoid_fields,
            )
        )

    # ------------------------------------------------------------------ views
    def stats(self) -> dict[str, Any]:
        return self.stats_counter.snapshot()

    def conflicts(self) -> list[dict[str, Any]]:
        return [dict(c) for c in self._conflicts]

    def dump(self) -> dict[str, Any]:
        return self.org.to_record()

    def user(self, user_id: str) -> dict[str, Any]:
        return wire.user(self.org.user(user_id), self.org, ("skills", "languages"))

    def user_ids(self) -> list[str]:
        return list(self.org.sorted_user_ids)

    def skill_ids_by_name(self) -> dict[str, str]:
        return {s.name: s.id for s in self.org.skills.values()}

    def language_ids_by_name(self) -> dict[str, str]:
        return {x.name: x.id for x in self.org.languages.values()}

    def queue_ids_by_name(self) -> dict[str, str]:
        return {q.name: q.id for q in self.org.queues.values()}

    def division_ids_by_name(self) -> dict[str, str]:
        return {d.name: d.id for d in self.org.divisions.values()}

    def queue_member_ids(self, queue_id: str) -> set[str]:
        """Every member, direct or through a member group (what routing sees)."""
        return skillgroups.all_members(self.org, self.org.queue(queue_id))

    def add_member_group(self, queue_id: str, name: str, user_ids: Iterable[str]) -> MemberGroup:
        """Make ``name``'s members members of the queue through the group (``memberBy: group``)."""
        group = MemberGroup(f"group-{len(self.org.queue(queue_id).member_groups) + 1}-{queue_id[:8]}", name, set(user_ids))
        self.org.queue(queue_id).member_groups.append(group)
        return group

    def add_skill_group(self, name: str, conditions: list[dict[str, Any]], *, division_id: str | None = None, description: str = "") -> SkillGroup:
        """A skill group whose ``skillConditions`` (validated as the POST does) name skills by name."""
        org = self.org
        parsed = skilldefs.parse_conditions(org, conditions)
        return org.skilldefs.add_group(
            org, name=name, conditions=parsed, division_id=division_id or org.home_division().id, description=description, now=now_iso()
        )

    def add_flow_dependency(self, name: str, skill_ids: Iterable[str], *, type: str = "INBOUNDCALLFLOW", published: bool = True) -> FlowDependency:
        """An Architect flow that consumes ``skill_ids`` (what dependency tracking reports for ACDSKILL)."""
        return self.org.skilldefs.add_flow(self.org, name=name, skill_ids=skill_ids, type=type, published=published)

    def queue_admin_edits(self) -> list[dict[str, Any]]:
        """What the other administrator changed on queues (``queue_admin_edit_rate``), oldest first."""
        return [dict(e) for e in self.org.queueconfig.admin_edits]

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write config, org and recorded conflicts atomically (temp file + rename)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = orjson.dumps(
            {
                "format": STATE_FORMAT,
                "config": self.config.to_dict(),
                "org": self.dump(),
                "conflicts": self._conflicts,
            },
            option=orjson.OPT_SORT_KEYS,
        )
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], float] = time.monotonic,
        overrides: dict[str, Any] | None = None,
    ) -> Simulator:
        """A simulator with exactly the saved org, knobs and conflict record.

        ``overrides`` replaces config fields (knobs, credentials, state file) while the
        org stays as saved; the CLI uses it so ``--rps`` etc. apply to a resumed org.
        """
        data = orjson.loads(Path(path).read_bytes())
        if data.get("format") != STATE_FORMAT:
            raise ValueError(f"{path}: not a bulkops simulator state file")
        config = SimConfig.from_dict({**data["config"], **(overrides or {})})
        sim = cls.__new__(cls)
        sim.clock = clock
        sim.tokens = TokenStore(clock)
        sim._install(config, Org.from_record(data["org"]), data.get("conflicts", []))
        sim.app = build_app(sim)
        return sim
