"""The official Genesys Cloud Python SDK (PureCloudPlatformClientV2) against the simulator.

If the SDK can authenticate, call every endpoint bulkops uses and deserialize the
answers into its models with the values we expect, the simulator speaks the real
dialect. The SDK is synchronous (urllib3), so each test runs it in a worker thread
while the simulator keeps serving on the event loop.
"""

from __future__ import annotations

import asyncio
import json

import pytest

PureCloud = pytest.importorskip("PureCloudPlatformClientV2")
from PureCloudPlatformClientV2.rest import ApiException  # noqa: E402


def _client(handle):
    # ApiClient(host=...) is what the SDK's own constructor reads (it defaults to
    # Configuration().host); the login URL is derived by swapping "//api." for
    # "//login.", which leaves a loopback URL unchanged, so /oauth/token is served here too.
    client = PureCloud.ApiClient(host=handle.base_url)
    return client.get_client_credentials_token(handle.client_id, handle.client_secret)


def _model(cls, **attrs):
    """SDK models take no constructor arguments; fields are set as attributes."""
    obj = cls()
    for key, value in attrs.items():
        setattr(obj, key, value)
    return obj


def _run(fn):
    return asyncio.to_thread(fn)


async def test_bad_credentials_raise_401(sim):
    def go():
        with pytest.raises(ApiException) as info:
            PureCloud.ApiClient(host=sim.base_url).get_client_credentials_token(sim.client_id, "wrong")
        return info.value

    exc = await _run(go)
    assert exc.status == 401
    assert json.loads(exc.body)["code"] == "bad.credentials"


async def test_users_listings_and_one_user(sim):
    s = sim.sim
    ids = s.user_ids()

    def go():
        users = PureCloud.UsersApi(_client(sim))
        seen, cursor, pages = [], None, 0
        while True:
            kwargs = {"page_size": 70, "expand": ["skills", "languages"]}
            if cursor:
                kwargs["cursor"] = cursor
            page = users.get_users_query(**kwargs)
            pages += 1
            assert page.results == len(page.entities)
            seen.extend(page.entities)
            cursor = page.cursor
            if not cursor:
                break
        listing = users.get_users(page_size=10, page_number=2, id=ids[:15])
        one = users.get_user(ids[5], expand=["skills", "languages"])
        return seen, pages, listing, one

    seen, pages, listing, one = await _run(go)
    assert pages == 3 and [u.id for u in seen] == ids
    u0 = seen[0]
    wire = s.user(u0.id)
    assert (u0.name, u0.email, u0.username, u0.version, u0.state) == (wire["name"], wire["email"], wire["username"], wire["version"], "active")
    assert u0.division.id == wire["division"]["id"] and u0.division.name == wire["division"]["name"]
    assert {(k.id, k.name, k.proficiency) for k in u0.skills} == {(k["id"], k["name"], k["proficiency"]) for k in wire["skills"]}
    assert [x.id for x in u0.languages] == [x["id"] for x in wire["languages"]]
    assert (listing.total, listing.page_count, listing.page_number, listing.page_size) == (15, 2, 2, 10)
    assert [u.id for u in listing.entities] == ids[10:15] and listing.next_uri is None
    assert listing.previous_uri == listing.first_uri
    assert one.id == ids[5] and one.department == s.user(ids[5])["department"]
    managed = next(u for u in seen if u.manager is not None)
    assert managed.manager.id in ids and managed.manager.self_uri == f"/api/v2/users/{managed.manager.id}"


async def test_patch_user_and_stale_version_409(sim):
    s = sim.sim
    uid, boss = s.user_ids()[30], s.user_ids()[2]
    v = s.user(uid)["version"]

    def go():
        users = PureCloud.UsersApi(_client(sim))
        body = _model(PureCloud.UpdateUser, version=v, department="Sales", title="Agent II", manager=boss)
        updated = users.patch_user(uid, body)
        with pytest.raises(ApiException) as info:
            users.patch_user(uid, _model(PureCloud.UpdateUser, version=v, title="stale"))
        return updated, info.value

    updated, exc = await _run(go)
    assert updated.version == v + 1 and updated.department == "Sales" and updated.title == "Agent II"
    assert updated.manager.id == boss
    assert exc.status == 409
    err = json.loads(exc.body)
    assert err["code"] == "general.conflict" and err["contextId"] == exc.headers["ININ-Correlation-Id"]
    assert s.user(uid)["title"] == "Agent II"


async def test_user_skills_and_languages(sim):
    s = sim.sim
    uid = s.user_ids()[0]
    held = {k["id"] for k in s.user(uid)["skills"]}
    free = [k for k in s.skill_ids_by_name().values() if k not in held][:4]
    held_langs = {x["id"] for x in s.user(uid)["languages"]}
    free_langs = [x for x in s.language_ids_by_name().values() if x not in held_langs][:2]
    v0 = s.user(uid)["version"]

    def go():
        api = PureCloud.UsersApi(_client(sim))
        out = {}
        out["post"] = api.post_user_routingskills(uid, _model(PureCloud.UserRoutingSkillPost, id=free[0], proficiency=3.5))
        out["patch_bulk"] = api.patch_user_routingskills_bulk(uid, [_model(PureCloud.UserRoutingSkillPost, id=free[1], proficiency=2.0)])
        out["put_one"] = api.put_user_routingskill(uid, free[1], _model(PureCloud.UserRoutingSkill, proficiency=4.5, state="active"))
        out["delete"] = api.delete_user_routingskill(uid, free[0])
        out["list"] = api.get_user_routingskills(uid, page_size=100)
        out["put_bulk"] = api.put_user_routingskills_bulk(uid, [_model(PureCloud.UserRoutingSkillPost, id=k, proficiency=1.0) for k in free[2:4]])
        with pytest.raises(ApiException) as bad:
            api.patch_user_routingskills_bulk(uid, [_model(PureCloud.UserRoutingSkillPost, id=free[0], proficiency=7.0)])
        out["bad"] = bad.value
        out["lang_post"] = api.post_user_routinglanguages(uid, _model(PureCloud.UserRoutingLanguagePost, id=free_langs[0], proficiency=5.0))
        out["lang_bulk"] = api.patch_user_routinglanguages_bulk(uid, [_model(PureCloud.UserRoutingLanguagePost, id=free_langs[1], proficiency=1.0)])
        out["lang_one"] = api.patch_user_routinglanguage(uid, free_langs[1], _model(PureCloud.UserRoutingLanguage, proficiency=2.0))
        out["lang_delete"] = api.delete_user_routinglanguage(uid, free_langs[0])
        out["lang_list"] = api.get_user_routinglanguages(uid)
        return out

    out = await _run(go)
    assert out["post"].id == free[0] and out["post"].proficiency == 3.5 and out["post"].state == "active"
    assert free[1] in {k.id for k in out["patch_bulk"].entities}
    assert out["put_one"].proficiency == 4.5 and out["delete"] is None
    assert {k.id for k in out["list"].entities} == held | {free[1]}
    assert out["list"].total == len(held) + 1
    assert sorted(k.id for k in out["put_bulk"].entities) == sorted(free[2:4])
    assert out["bad"].status == 400
    assert json.loads(out["bad"].body)["details"][0]["fieldName"] == "proficiency"
    assert out["lang_post"].proficiency == 5.0 and out["lang_post"].language_uri.endswith(free_langs[0])
    assert out["lang_one"].proficiency == 2.0 and out["lang_delete"] is None
    assert {x.id for x in out["lang_list"].entities} == held_langs | {free_langs[1]}
    assert s.user(uid)["version"] == v0 + 9


async def test_org_catalogue_queues_and_divisions(sim):
    s = sim.sim
    qid = s.queue_ids_by_name()["Support EN"]
    members = s.queue_member_ids(qid)
    outsider = next(u for u in s.user_ids() if u not in members)
    target = s.division_ids_by_name()["EMEA"]
    movers = s.user_ids()[:3]

    def go():
        client = _client(sim)
        routing = PureCloud.RoutingApi(client)
        authz = PureCloud.AuthorizationApi(client)
        out = {}
        out["skills"] = routing.get_routing_skills(page_size=100, name="Bill")
        out["skill"] = routing.get_routing_skill(s.skill_ids_by_name()["Sales"])
        out["new_skill"] = routing.post_routing_skills(_model(PureCloud.CreateRoutingSkill, name="Brand New Skill"))
        out["languages"] = routing.get_routing_languages(page_size=100)
        out["queues"] = routing.get_routing_queues(name="Support*")
        out["members"] = routing.get_routing_queue_members(qid, page_size=100)
        out["add"] = routing.post_routing_queue_members(qid, [_model(PureCloud.WritableEntity, id=outsider)])
        out["after_add"] = s.queue_member_ids(qid)
        out["remove"] = routing.post_routing_queue_members(qid, [_model(PureCloud.WritableEntity, id=outsider)], delete=True)
        out["divisions"] = authz.get_authorization_divisions(object_count=True)
        out["move"] = authz.post_authorization_division_object(target, "USER", movers)
        return out

    out = await _run(go)
    assert [k.name for k in out["skills"].entities] == ["Billing"] and out["skills"].total == 1
    assert out["skill"].name == "Sales" and out["skill"].state == "active" and out["skill"].version
    assert out["new_skill"].name == "Brand New Skill" and out["new_skill"].id in s.skill_ids_by_name().values()
    assert {x.name for x in out["languages"].entities} == set(s.language_ids_by_name())
    assert {q.name for q in out["queues"].entities} == {"Support EN", "Support ES", "Support FR", "Support DE"}
    support_en = next(q for q in out["queues"].entities if q.name == "Support EN")
    assert support_en.member_count == len(members) and support_en.division.id in s.division_ids_by_name().values()
    page = out["members"]
    assert {m.id for m in page.entities} == members and page.page_size == 100 and page.next_uri is None
    assert all(m.user.id == m.id and m.joined in (True, False) for m in page.entities)
    assert out["add"] is None and outsider in out["after_add"]
    assert out["remove"] is None and outsider not in s.queue_member_ids(qid)
    divisions = out["divisions"].entities
    assert [d.name for d in divisions if d.home_division] == ["Home"]
    assert sum(d.object_counts["USER"] for d in divisions) == len(s.user_ids())
    assert out["move"] is None and all(s.user(u)["division"]["id"] == target for u in movers)


async def test_a_division_move_of_a_hundred_users_is_one_sdk_call_and_a_longer_list_is_refused(sim):
    """#27 §5: the SDK's ``post_authorization_division_object`` (``ObjectsApi`` has the same) takes the
    list; 100 a call is the cap bulkops batches by (a guess: the simulator refuses 101, 400)."""
    s = sim.sim
    target = s.division_ids_by_name()["EMEA"]
    users = s.user_ids()[:101]

    def go():
        api = PureCloud.ObjectsApi(_client(sim))
        moved = api.post_authorization_division_object(target, "USER", users[:100])
        with pytest.raises(ApiException) as info:
            api.post_authorization_division_object(target, "USER", users)
        return moved, info.value

    moved, refused = await _run(go)
    assert moved is None and all(s.user(u)["division"]["id"] == target for u in users[:100])
    assert refused.status == 400 and "maximum is 100" in json.loads(refused.body)["message"]


async def test_organizations_me_is_the_sdks_organization(sim):
    def go():
        return PureCloud.OrganizationApi(_client(sim)).get_organizations_me()

    org = await _run(go)
    assert isinstance(org, PureCloud.Organization)
    assert org.id and org.name and org.state == "active" and org.product_platform == "GenesysCloud"  # enums the SDK knows
    assert org.features and all(isinstance(v, bool) for v in org.features.values()) and org.version == 1
    assert org.self_uri == "/api/v2/organizations/me"


async def test_conditional_group_routing_is_the_sdks_and_rule_0_names_the_queue(sim):
    from bulkops.simulator.config import profile_config

    sim.sim.reset(profile_config("real", users=10, queues=5, rate_per_minute=6000, error_rate=0.0, conflict_rate=0.0))
    sim.sim.configure(latency_ms=0.0)
    qid = next(iter(sim.sim.org.queues))

    def go():
        return PureCloud.RoutingApi(_client(sim)).get_routing_queue(qid)

    queue = await _run(go)
    rules = queue.conditional_group_routing.rules
    assert isinstance(rules[0], PureCloud.ConditionalGroupRoutingRule) and rules[0].queue.id == qid and len(rules) >= 2
    assert all(r.metric in ("EstimatedWaitTime", "ServiceLevel") and r.operator in ("GreaterThan", "LessThan") for r in rules)
    assert all(r.groups and r.groups[0].type in ("GROUP", "TEAM") and r.wait_seconds > 0 for r in rules)
    assert [r.queue.id for r in rules[1:]] and all(r.queue.id in sim.sim.org.queues for r in rules[1:])


async def test_utilization_serves_workitem_beside_the_five_documented_types(sim):
    def go():
        return PureCloud.RoutingApi(_client(sim)).get_routing_utilization()

    org = await _run(go)
    assert isinstance(org, PureCloud.UtilizationResponse)
    assert set(org.utilization) == {"call", "callback", "chat", "email", "message", "workitem"}
    assert all(isinstance(m, PureCloud.MediaUtilization) and m.maximum_capacity >= 1 for m in org.utilization.values())


async def test_the_audit_service_mapping_is_the_sdks_and_follows_moved_entity_types(sim):
    sim.sim.configure(audit_entity_services={"RoutingSkill": "RoutingSkills"})

    def go():
        return PureCloud.AuditApi(_client(sim)).get_audits_query_servicemapping()

    mapping = await _run(go)
    assert isinstance(mapping, PureCloud.AuditQueryServiceMapping)
    by_name = {s.name: {e.name: e.actions for e in s.entities} for s in mapping.services}
    assert by_name["RoutingSkills"] == {"RoutingSkill": ["Create", "Update", "Delete"]} and "RoutingSkill" not in by_name["Routing"]
    assert by_name["Directory"] == {"User": ["Update"]}
