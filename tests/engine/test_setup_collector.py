"""Set-up paces the cyclic collector down while it builds, and puts the run's pace back after (#29 §5)."""

from __future__ import annotations

import gc

import pytest

from bulkops.engine.setup.collector import SETUP_THRESHOLD, building


def test_the_first_threshold_is_raised_inside_and_put_back_after_even_on_an_error():
    before = gc.get_threshold()
    with building():
        assert gc.get_threshold() == (max(SETUP_THRESHOLD, before[0]), *before[1:])
        with building(10):  # nested, or asked for less: never lowered
            assert gc.get_threshold()[0] == max(SETUP_THRESHOLD, before[0])
        assert gc.get_threshold()[0] == max(SETUP_THRESHOLD, before[0])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), building():
        raise RuntimeError("set-up failed")
    assert gc.get_threshold() == before
