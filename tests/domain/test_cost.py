from bulkops.domain.cost import division_requests, queue_requests, write_requests
from bulkops.domain.model import Changes


def test_a_plain_skill_change_is_one_request():
    assert write_requests(Changes(upsert_skills={"a": 1.0, "b": 2.0})) == 1


def test_bulk_calls_are_chunked_by_fifty_and_deletes_are_one_each():
    many = {f"s{i}": 1.0 for i in range(51)}
    assert write_requests(Changes(upsert_skills=many, delete_skills=frozenset({"x", "y"}))) == 2 + 2


def test_fields_and_languages_each_cost_their_call_and_the_division_move_is_batched():
    c = Changes(fields={"title": "Lead"}, division="d1", upsert_languages={"l": 3.0}, delete_languages=frozenset({"m"}))
    assert write_requests(c) == 3  # the division move goes in a batch of users (#27 §5)
    assert write_requests(Changes()) == 0


def test_queue_membership_costs_one_request_per_hundred_members():
    assert [queue_requests(n) for n in (0, 1, 100, 101, 250)] == [0, 1, 1, 2, 3]


def test_division_moves_cost_one_request_per_hundred_users():
    assert [division_requests(n) for n in (0, 1, 100, 101, 200)] == [0, 1, 1, 2, 2]
