"""Conditional group routing (``Queue.conditionalGroupRouting``): rules that add member groups to a
queue's routing when a metric crosses a value, and the refusal that breaks a naive queue PUT.

Shape: the official SDK's ``ConditionalGroupRouting`` (``rules``) and ``ConditionalGroupRoutingRule``
(``queue``, ``metric``, ``operator``, ``conditionValue``, ``groups``, ``waitSeconds``). The first rule
is about the queue itself: a GET shows ``rules[0].queue`` (this queue), but a PUT that carries it back
is refused with 400. The Terraform provider removes it before every queue PUT ("remove queue_id from
first CGR rule to avoid api error", routing_queue/resource_genesyscloud_routing_queue.go,
``addCGRAndOEAAndCGA``) and refuses ``evaluated_queue_id`` on rule 1 ("the current queue is used");
the SDK: "If null, the current queue will be used". The refusal's code and message are guesses.
Groups are checked for shape only (id, a MemberGroup type); whether they must be the queue's own
member groups is not modelled (docs/simulator.md).
"""

from __future__ import annotations

import random
import uuid
from typing import TYPE_CHECKING, Any

from bulkops.simulator.errors import INVALID_VALUE, detail

if TYPE_CHECKING:
    from bulkops.simulator.model.org import Org

FIELD = "conditionalGroupRouting"
METRICS = ("EstimatedWaitTime", "ServiceLevel")
OPERATORS = ("GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo")
GROUP_TYPES = ("TEAM", "GROUP", "SKILLGROUP")
#: The ``errorCode`` of the detail a PUT with ``rules[0].queue`` gets (a guess: the provider only says "api error").
FIRST_RULE_QUEUE = "conditional.group.routing.first.rule.queue"
#: How many queues ``seed`` gives rules (the first ones by name order of ``org.queues``).
SEEDED_QUEUES = 3


def put_into(org: Org, body: dict[str, Any], settings: dict[str, Any], details: list[dict[str, str]]) -> None:
    """A ``QueueRequest``'s rules, checked, into the settings to store (left out: none)."""
    parsed = parse(body.get(FIELD), set(org.queues), details)
    settings.pop(FIELD, None)
    if parsed is not None:
        settings[FIELD] = parsed


def parse(value: Any, queue_ids: set[str], details: list[dict[str, str]]) -> dict[str, Any] | None:
    """The ``conditionalGroupRouting`` of a PUT, checked; what to store (rule 0 without a queue).
    None when absent (the PUT resets it: no rules)."""
    if value is None:
        return None
    rules = value.get("rules") if isinstance(value, dict) else None
    if not isinstance(rules, list):
        details.append(detail(f"{FIELD}.rules", INVALID_VALUE))
        return None
    return {"rules": [_rule(rule, i, queue_ids, details) for i, rule in enumerate(rules)]}


def _rule(rule: Any, i: int, queue_ids: set[str], details: list[dict[str, str]]) -> dict[str, Any]:
    at = f"{FIELD}.rules[{i}]"
    if not isinstance(rule, dict):
        details.append(detail(at, INVALID_VALUE))
        return {}
    out: dict[str, Any] = {}
    queue = rule.get("queue")
    if queue is not None and i == 0:
        details.append(detail(f"{at}.queue", FIRST_RULE_QUEUE))
    elif queue is not None:
        qid = queue.get("id") if isinstance(queue, dict) else None
        if qid not in queue_ids:
            details.append(detail(f"{at}.queue.id", "not.found", qid if isinstance(qid, str) else None))
        out["queue"] = {"id": qid}
    for key, allowed in (("metric", METRICS), ("operator", OPERATORS)):
        if rule.get(key) not in allowed:
            details.append(detail(f"{at}.{key}", INVALID_VALUE))
        out[key] = rule.get(key)
    _number_fields(rule, at, out, details)
    out["groups"] = _groups(rule.get("groups"), at, details)
    return out


def _number_fields(rule: dict[str, Any], at: str, out: dict[str, Any], details: list[dict[str, str]]) -> None:
    value, wait = rule.get("conditionValue"), rule.get("waitSeconds", 2)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        details.append(detail(f"{at}.conditionValue", INVALID_VALUE))
    if isinstance(wait, bool) or not isinstance(wait, int) or not 0 <= wait <= 259_200:
        details.append(detail(f"{at}.waitSeconds", INVALID_VALUE))
    out["conditionValue"], out["waitSeconds"] = value, wait


def _groups(value: Any, at: str, details: list[dict[str, str]]) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        details.append(detail(f"{at}.groups", INVALID_VALUE))
        return []
    out = []
    for j, g in enumerate(value):
        gid, gtype = (g.get("id"), g.get("type")) if isinstance(g, dict) else (None, None)
        if not isinstance(gid, str) or not gid or gtype not in GROUP_TYPES:
            details.append(detail(f"{at}.groups[{j}]", INVALID_VALUE))
            continue
        out.append({"id": gid, "type": gtype})
    return out


def render(settings: dict[str, Any], queue_id: str) -> None:
    """As a GET shows it (``settings`` is the view's own copy): rule 0 names this queue, every
    queue and group reference has its URI."""
    rules = (settings.get(FIELD) or {}).get("rules") or []
    for i, rule in enumerate(rules):
        if i == 0:
            rule["queue"] = {"id": queue_id}
        if rule.get("queue"):
            rule["queue"]["selfUri"] = f"/api/v2/routing/queues/{rule['queue']['id']}"
        for g in rule.get("groups") or []:
            g["selfUri"] = f"/api/v2/groups/{g['id']}" if g["type"] != "SKILLGROUP" else f"/api/v2/routing/skillgroups/{g['id']}"


def seeded_rules(org: Org, queue_id: str, rng: random.Random) -> dict[str, Any]:
    """Two or three rules: on this queue's service level, then on other queues' waits."""
    others = [q for q in org.queues if q != queue_id]
    rules = [_seeded_rule(rng, None)]
    for other in rng.sample(others, min(len(others), rng.randint(1, 2))):
        rules.append(_seeded_rule(rng, other))
    return {"rules": rules}


def _seeded_rule(rng: random.Random, queue_id: str | None) -> dict[str, Any]:
    group = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "type": rng.choice(("GROUP", "TEAM"))}
    if queue_id is None:
        rule: dict[str, Any] = {"metric": "ServiceLevel", "operator": "LessThan", "conditionValue": round(rng.uniform(0.6, 0.9), 2)}
    else:
        rule = {"queue": {"id": queue_id}, "metric": "EstimatedWaitTime", "operator": "GreaterThan", "conditionValue": float(rng.choice((30, 60, 120)))}
    return {**rule, "groups": [group], "waitSeconds": rng.choice((2, 5, 10))}


def seed(org: Org) -> list[str]:
    """Give the first ``SEEDED_QUEUES`` queues conditional group routing rules (their own generator:
    the rest of the seeded org stays what it was). Returns their ids."""
    rng = random.Random(f"bulkops-sim-cgr:{org.seed}")
    chosen = list(org.queues)[:SEEDED_QUEUES]
    for qid in chosen:
        org.queueconfig.settings_of(qid)[FIELD] = seeded_rules(org, qid, rng)
    return chosen
