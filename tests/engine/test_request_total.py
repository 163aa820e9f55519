"""The job's running request total: each pass's process added once (pure rules, then the store)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bulkops.client.api import ClientStats
from bulkops.engine.run.requesttotal import META_KEY, RequestTotal, add_pass, record_pass
from bulkops.state.store import RunStore


def test_each_process_adds_what_it_sent():
    total = add_pass(RequestTotal(), session="a", requests=120)
    total = add_pass(total, session="b", requests=7)
    assert (total.requests, total.passes) == (127, 2)


def test_a_client_that_serves_two_passes_is_not_counted_twice():
    total = add_pass(RequestTotal(), session="a", requests=120)
    total = add_pass(total, session="a", requests=130)  # 10 more in the second pass
    assert (total.requests, total.passes) == (130, 2)


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 50)), max_size=12))
def test_the_total_is_every_client_s_last_count_summed(passes):
    """Passes in order; a client's count only grows, and a client whose process ended does not come back."""
    total, sent, ended, current = RequestTotal(), {}, set(), None
    recorded = 0
    for session, more in passes:
        if session in ended:
            continue
        if current is not None and session != current:
            ended.add(current)
        current = session
        sent[session] = sent.get(session, 0) + more
        total = add_pass(total, session=session, requests=sent[session])
        recorded += 1
    assert total.requests == sum(sent.values()) and total.passes == recorded


def test_the_record_round_trips_and_an_older_job_starts_at_zero():
    total = RequestTotal(300, 2, "abc", 40)
    assert RequestTotal.from_dict(total.to_dict()) == total
    assert RequestTotal.from_dict(None) == RequestTotal() and RequestTotal.from_dict("junk") == RequestTotal()  # type: ignore[arg-type]


def test_record_pass_keeps_the_total_in_the_run_store(tmp_path):
    store = RunStore.create(tmp_path / "state.db", {"job_id": "j"})
    first, second = ClientStats(), ClientStats()
    first.requests, second.requests = 141, 3
    assert record_pass(store, first) == RequestTotal(141, 1, first.session, 141)
    assert record_pass(store, second).requests == 144
    assert RequestTotal.from_dict(store.get(META_KEY)).passes == 2
    store.close()
