"""The impact's inputs gathered on sight (#29 §5) are the walk's, over HTTP against the simulator.

``run`` gathers each user's routing inputs as resolution resolves its page (``engine/setup/onsight.py``)
instead of walking every open user back out of the store. For representative jobs (replace mode,
merge mode with removals, a skill group and a bullseye ring, queue joins and leaves emptying a queue,
expansions the listing left out, a manager read after its user) the inputs and the impact are the
same as the walk's; a job whose set-up writes intents after resolution (a skill migration, the
authoritative removals, skills added and resolution run again) falls back to the walk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from helpers.clients import client_for
from helpers.engine import write_wide_csv
from helpers.routing import at_least, holders
from hypothesis import given
from hypothesis import strategies as st

from bulkops.cli.impact import gathered_on_sight
from bulkops.domain.authoritative import AuthoritativeNames
from bulkops.domain.merge import applied_holdings, applied_queues, diff, holdings_after
from bulkops.domain.model import ResolvedIntent, UserIntent, UserState
from bulkops.engine.plan.impact import CRITICAL, Impact, ImpactInputs, assess
from bulkops.engine.plan.planjob import impact_inputs
from bulkops.engine.plan.reduction import may_reduce
from bulkops.engine.setup.job import CheckedSpec, ResolvedSpec, add_missing_skills, check_locally, resolve_against_org
from bulkops.engine.setup.onsight import OnSight
from bulkops.simulator import SimConfig
from bulkops.simulator.model import skillgroups
from bulkops.state.store import RunStore


@dataclass(frozen=True)
class BothWays:
    resolved: ResolvedSpec
    inputs: ImpactInputs
    impact: Impact
    #: Whether what was gathered on sight was used (not stale), and the users read back by id.
    used: bool
    later: frozenset[str]


async def both_ways(handle, checked: CheckedSpec, *, missing: bool = False) -> BothWays:
    """Resolve with the inputs gathered on sight, then ``may_reduce`` and the impact's inputs both
    ways: they must match, and so must the impact assessed from each."""
    async with client_for(handle, rps=3000) as client:
        resolved = await resolve_against_org(client, checked, on_sight=gathered_on_sight(), allow_missing_skills=missing)
        if missing:
            resolved = await add_missing_skills(client, resolved, create=False)
        gathered = resolved.on_sight
        used = gathered is not None and gathered.usable(resolved.store)
        later = frozenset(gathered.later if gathered is not None else ())
        assert may_reduce(resolved) == may_reduce(resolved, walk=True)  # run's first question: read the impact at all?
        seen = await impact_inputs(client, resolved)
        assert not (gathered and gathered.pending)  # taken once, let go
        walked = await impact_inputs(client, resolved, walk=True)
        assert readable(seen) == readable(walked)  # the same users, in the same order, before and after
        assert seen.job_queues == walked.job_queues
        impact = await assess(client, seen, resolved.directory)
        assert impact == await assess(client, walked, resolved.directory)
    return BothWays(resolved, seen, impact, used, later)


def readable(inputs: ImpactInputs) -> list[tuple]:
    """Each move with its holdings unpacked: two ways pack by two tables, so their bytes differ."""
    unpack = inputs.levels.unpack
    return [
        (
            m.user_id,
            m.label,
            m.active,
            *(unpack(h) for h in (m.skills_before, m.skills_after, m.languages_before, m.languages_after)),
            m.queues_before,
            m.queues_after,
        )
        for m in inputs.moves
    ]


def sees_all_on_sight(got: BothWays) -> None:
    """Every user was gathered on sight: nothing read back from the store."""
    assert got.used and not got.later


def emails(s, uids) -> list[str]:
    return [s.org.users[u].email for u in uids]


async def test_merge_mode_with_removals_a_skill_group_and_a_bullseye_ring(sim, tmp_path):
    s = sim.sim
    group = s.add_skill_group("Billing experts", at_least("Billing", 3))
    qid = s.queue_ids_by_name()["Billing"]
    skillgroups.attach(s.org, qid, group.id)
    s.org.queueconfig.settings_of(qid)["bullseye"] = {
        "rings": [
            {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 20}], "actions": {"skillsToRemove": [{"id": s.skill_ids_by_name()["Sales"]}]}}
        ]
    }
    users = s.user_ids()
    experts = holders(s, "Billing", 3)
    rows = [[e, "1", "-", "-", ""] for e in emails(s, experts[:5])]  # leave the group, lose Sales (the ring's) and Spanish
    rows += [[e, "4", "2", "", "4"] for e in emails(s, [u for u in users if u not in experts][:20])]  # enter it, gain
    rows += [[e, "", "", "", ""] for e in emails(s, users[-5:]) if e not in {r[0] for r in rows}]  # named, nothing asked
    spec = write_wide_csv(tmp_path / "merge.csv", ["email", "Billing", "Sales", "lang:Spanish", "lang:French"], rows)

    got = await both_ways(sim, check_locally(spec, "merge"))

    sees_all_on_sight(got)
    assert got.inputs.moves and got.impact.groups and got.impact.groups[0].name == "Billing experts"
    assert any(q.ring_skills for q in got.impact.queues)  # the ring on Sales: members who lose Sales


async def test_replace_mode(sim, tmp_path):
    s = sim.sim
    rows = [[e, str(1 + i % 5), "" if i % 3 else "2"] for i, e in enumerate(emails(s, s.user_ids()[:150]))]
    spec = write_wide_csv(tmp_path / "replace.csv", ["email", "Billing", "Sales"], rows)

    got = await both_ways(sim, check_locally(spec, "replace"))

    sees_all_on_sight(got)
    assert len(got.inputs.moves) > 100 and got.impact.users_moving == len(got.inputs.moves)


async def test_queue_joins_and_leaves_one_leaving_a_queue_with_no_member(sim, tmp_path):
    s = sim.sim
    collections, sales = s.queue_ids_by_name()["Collections"], s.queue_ids_by_name()["Sales"]
    members = sorted(s.org.queue(collections).members)
    outsiders = [u for u in s.user_ids() if u not in s.org.queue(sales).members][:10]
    insiders = sorted(s.org.queue(sales).members)[:3]  # asked to join a queue they are in: no move
    rows = [[e, "", "Collections"] for e in emails(s, members)]
    rows += [[e, "Sales", ""] for e in emails(s, outsiders + insiders) if e not in {r[0] for r in rows}]
    spec = write_wide_csv(tmp_path / "queues.csv", ["email", "@join_queues", "@leave_queues"], rows)

    got = await both_ways(sim, check_locally(spec, "merge"))

    sees_all_on_sight(got)
    assert got.inputs.job_queues == {collections, sales}
    [top] = got.impact.top_rank()
    assert top.rank == CRITICAL and "'Collections' would be left with no member" in top.text


async def test_expansions_the_listing_left_out_are_read_back_by_id(sim, tmp_path):
    s = sim.sim
    s.reset(SimConfig(users=300, seed=11, expand_drop_rate=0.3))
    rows = [[e, "-" if i % 2 else "3", "1"] for i, e in enumerate(emails(s, s.user_ids()[:200]))]
    spec = write_wide_csv(tmp_path / "unknown.csv", ["email", "Billing", "lang:Spanish"], rows)

    got = await both_ways(sim, check_locally(spec, "merge"))

    assert got.used
    unknown = {uid for uid, (state, _) in got.resolved.store.states(list(got.later)).items() if state.unknown}
    assert unknown and unknown == got.later  # exactly those: read back by id, filled with requests
    assert {m.user_id for m in got.inputs.moves} & unknown


async def test_a_user_whose_manager_is_read_on_a_later_page_is_read_back_by_id(sim, tmp_path):
    s = sim.sim
    s.reset(SimConfig(users=1200, seed=5))
    users = s.user_ids()
    subject, manager = users[0], users[-1]  # the listing's first page and its last
    entries = [{"user": s.org.users[subject].email, "skills": {"Billing": 1}, "manager": s.org.users[manager].email}]
    entries += [{"user": e, "removeSkills": ["Sales"]} for e in emails(s, users[1:700])]
    spec = tmp_path / "managers.json"
    spec.write_text(json.dumps({"version": 1, "mode": "merge", "users": entries}))

    got = await both_ways(sim, check_locally(spec))

    assert got.used and got.later == {subject}
    assert subject in {m.user_id for m in got.inputs.moves}


async def test_a_skill_migration_falls_back_to_the_walk(sim, tmp_path):
    s = sim.sim
    source = "Billing"
    spec = tmp_path / "migrate.json"
    doc = {
        "version": 2,
        "skills": [{"create": "Merged"}, {"migrate": source, "into": "Merged", "delete": True}],
        "users": [{"user": e, "skills": {"Sales": 2}} for e in emails(s, s.user_ids()[:30])],
    }
    spec.write_text(json.dumps(doc))

    got = await both_ways(sim, check_locally(spec))

    assert got.resolved.on_sight is not None and not got.used
    assert got.inputs.moves


async def test_authoritative_removals_fall_back_to_the_walk(sim, tmp_path):
    s = sim.sim
    spec = write_wide_csv(tmp_path / "auth.csv", ["email", "Sales"], [[e, "3"] for e in emails(s, s.user_ids()[:10])])
    checked = check_locally(spec, "merge")
    checked.authoritative = AuthoritativeNames(skills=("Sales",))

    got = await both_ways(sim, checked)

    assert got.resolved.on_sight is not None and not got.used
    assert len(got.inputs.moves) > 10  # the holders the spec does not list lose Sales


async def test_skills_added_after_resolution_fall_back_to_the_walk(sim, tmp_path):
    s = sim.sim
    spec = write_wide_csv(tmp_path / "missing.csv", ["email", "Basket Weaving", "Billing"], [[e, "2", "-"] for e in emails(s, s.user_ids()[:10])])

    got = await both_ways(sim, check_locally(spec, "merge"), missing=True)

    assert got.resolved.on_sight is None and not got.used and len(got.inputs.moves) == 10


# ---------------------------------------------------------------------- the pure parts
queue_ids = st.frozensets(st.sampled_from(["q1", "q2", "q3", "q4"]))


@given(held=queue_ids, joins=queue_ids, leaves=queue_ids)
def test_applied_queues_is_the_queue_part_of_diff_then_applied_holdings(held, joins, leaves):
    state = UserState("u1", 1, queues=held)
    intent = ResolvedIntent(UserIntent("u1", join_queues=joins, leave_queues=leaves))
    assert applied_queues(held, joins, leaves) == applied_holdings(state, diff(state, intent))[2]


ids = st.sampled_from(["s1", "s2", "s3", "s4"])
levels = st.dictionaries(ids, st.integers(0, 5).map(float) | st.sampled_from([2.5, 4]), max_size=4)


@given(
    skills=levels,
    languages=levels,
    want_skills=levels,
    want_languages=levels,
    remove_skills=st.frozensets(ids),
    remove_languages=st.frozensets(ids),
    replace=st.booleans(),
)
def test_holdings_after_is_diff_then_applied_holdings(skills, languages, want_skills, want_languages, remove_skills, remove_languages, replace):
    state = UserState("u1", 1, skills=skills, languages=languages)
    intent = ResolvedIntent(
        UserIntent(
            "u1",
            skills=want_skills,
            languages=want_languages,
            remove_skills=remove_skills,
            remove_languages=remove_languages,
            replace_skills=replace,
        )
    )
    assert holdings_after(state, intent) == applied_holdings(state, diff(state, intent))[:2]


def intent_of(uid: str, **kw) -> ResolvedIntent:
    return ResolvedIntent(UserIntent(uid, **kw))


def test_a_user_read_again_after_it_was_gathered_is_read_back_later(tmp_path):
    store = RunStore.create(tmp_path / "state.db", {})
    on_sight = OnSight()
    a, b = UserState("a", 1, skills={"s1": 1.0}), UserState("b", 1)
    on_sight.read([a, b])
    on_sight.resolved(intent_of("a", skills={"s1": 2.0}), a)
    on_sight.resolved(intent_of("b", join_queues=frozenset({"q1"})), b)
    on_sight.read([UserState("a", 2, skills={"s1": 2.0})])  # a later page shows a again
    on_sight.close(store)
    assert on_sight.usable(store)
    store.put_states([UserState("c", 1)], 0.0)  # any user write after resolution: stale
    assert not on_sight.usable(store)
    on_sight.close(store)
    assert on_sight.later == {"a"} and [p.user_id for p in on_sight.take()] == ["b"]
    assert not on_sight.usable(store) and on_sight.take() == []  # taken once: a second ask walks the store


def test_unknown_expansions_and_users_without_a_page_are_left_for_later(tmp_path):
    on_sight = OnSight()
    on_sight.resolved(intent_of("a", skills={"s1": 2.0}), UserState("a", 1, unknown=frozenset({"skills"})))
    on_sight.resolved(intent_of("b", skills={"s1": 2.0}), None)
    on_sight.resolved(intent_of("c", fields={"title": "Lead"}), UserState("c", 1))  # routing unchanged: nothing kept
    assert on_sight.later == {"a", "b"} and on_sight.pending == []
    assert not on_sight.usable(RunStore.create(tmp_path / "state.db", {}))  # not closed: resolution did not end


def test_a_pending_move_is_finished_as_add_would_make_it():
    state = UserState("a", 1, email="a@x", skills={"s1": 1.0}, queues=frozenset({"q1"}))
    intent = intent_of("a", skills={"s1": 3.0}, join_queues=frozenset({"q2"}), leave_queues=frozenset({"q1"}))
    on_sight, walked = OnSight(), ImpactInputs()
    seen = ImpactInputs(on_sight.levels)
    on_sight.resolved(intent, UserState("a", 1, email="a@x", skills={"s1": 1.0}))  # the listing shows no queue
    walked.add(state, intent)
    seen.add_pending(on_sight.pending[0], state.queues)
    assert readable(seen) == readable(walked) and walked.moves[0].queues_after == frozenset({"q2"})
    assert seen.levels.unpack(seen.moves[0].skills_after) == {"s1": 3.0}


async def test_a_job_that_only_adds_gives_no_reason_to_read_the_impact_either_way(sim, tmp_path):
    s = sim.sim
    sales = s.queue_ids_by_name()["Sales"]
    outsiders = [u for u in s.user_ids() if u not in s.org.queue(sales).members][:40]
    spec = write_wide_csv(tmp_path / "adds.csv", ["email", "Billing", "@join_queues"], [[e, "5", "Sales"] for e in emails(s, outsiders)])

    got = await both_ways(sim, check_locally(spec, "merge"))

    sees_all_on_sight(got)
    assert may_reduce(got.resolved) is None and got.resolved.on_sight is not None and got.resolved.on_sight.first_reason is None
    assert len(got.inputs.moves) == 40


def test_the_first_reason_is_the_smallest_id_s_and_a_re_read_one_is_not_trusted():
    on_sight = OnSight(reason_of=lambda intent, state: "lowered" if intent.skills.get("s1", 9) < 3 else None)
    for uid in ("c", "b", "d", "a"):
        on_sight.resolved(intent_of(uid, skills={"s1": 1.0 if uid != "a" else 4.0}), UserState(uid, 1))
    assert on_sight.first_reason == ("b", "lowered") and on_sight.reason_current()
    on_sight.read([UserState("b", 2)])
    assert not on_sight.reason_current()  # may_reduce then walks the store
