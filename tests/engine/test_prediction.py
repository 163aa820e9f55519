"""The predicted service level's pure parts (#31 §2): the aggregates decoded, Erlang C now and after,
the objective taken from the aggregates or guessed, and when a queue falls below it."""

from __future__ import annotations

import pytest

from bulkops.client.endpoints.conversation_aggregates import QueueAggregate, decode, query_body
from bulkops.client.wire import ShapeError
from bulkops.engine.plan.prediction import OBJECTIVE, service_level_of


def _agg(offered=100, handle=180.0, objective=0.6) -> QueueAggregate:
    return QueueAggregate("q", 1800.0, offered, handle, 0.95, objective)


def test_the_aggregates_answer_decodes_to_offered_handle_time_and_objective():
    metrics = [
        {"metric": "nOffered", "stats": {"count": 40}},
        {"metric": "tHandle", "stats": {"count": 40, "sum": 40 * 300_000.0}},
        {"metric": "oServiceLevel", "stats": {"numerator": 30, "denominator": 40, "ratio": 0.75, "target": 0.85}},
    ]
    [a] = decode({"results": [{"group": {"queueId": "q1"}, "data": [{"interval": "x", "metrics": metrics}]}]}, 1800.0)
    assert (a.queue_id, a.offered, a.handle_seconds, a.service_level, a.objective) == ("q1", 40, 300.0, 0.75, 0.85)
    assert decode({}, 1800.0) == []
    with pytest.raises(ShapeError):
        decode({"results": [{"group": {}, "data": []}]}, 1800.0)
    assert query_body("a/b", ["q1", "q2"])["filter"]["predicates"][1]["value"] == "q2"


@pytest.mark.parametrize(
    ("now", "after", "falls"),
    [(14, 14, False), (14, 12, False), (14, 11, True), (14, 0, True), (11, 11, False), (12, 10, True)],
)
def test_fewer_agents_never_raise_the_level_and_below_the_objective_falls(now, after, falls):
    s = service_level_of("Q", _agg(), now, after)  # 10 Erlangs
    assert s.predicted <= s.now and s.objective == 0.6 and s.objective_read
    assert s.falls_below is falls


def test_an_objective_the_aggregates_lack_is_the_guess():
    s = service_level_of("Q", _agg(objective=None), 14, 12)
    assert s.objective == OBJECTIVE and not s.objective_read
