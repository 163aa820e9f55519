import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.shard import shard_of


@given(st.text(min_size=1), st.integers(1, 64))
def test_shard_is_in_range_and_deterministic(user_id, shards):
    s = shard_of(user_id, shards)
    assert 0 <= s < shards
    assert shard_of(user_id, shards) == s


def test_shard_is_stable_across_processes():
    """A resumed run in a new process must shard users exactly as before (no hash salt)."""
    ids = [f"user-{i}" for i in range(50)]
    here = [shard_of(i, 7) for i in ids]
    code = "from bulkops.domain.shard import shard_of;print([shard_of(f'user-{i}',7) for i in range(50)])"
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert there.strip() == str(here)


def test_shards_spread_users_evenly():
    counts = [0] * 8
    for i in range(8000):
        counts[shard_of(f"{i:08x}-guid", 8)] += 1
    assert min(counts) > 800 and max(counts) < 1200
