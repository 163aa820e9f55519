"""Eventual consistency, as the Terraform provider's users meet it on a real org.

terraform-provider-genesyscloud #1410 and #1461 report a GET right after a write returning the
old state, and 409s on ``PATCH /api/v2/users/{id}`` right after a skills write. Two knobs model
them: ``read_lag_ms`` (a read within that long of a write to a user sees the user as it was
before the write) and ``post_write_conflict_rate`` (a user PATCH soon after a write to the same
user answers a spurious 409, changing nothing). How long the real lag is, is not documented: the
knobs are a conservative stand-in (docs/simulator.md).
"""

from __future__ import annotations

import copy

from bulkops.simulator.model.org import User

#: A user PATCH this soon after a write may meet a spurious 409 (when read_lag_ms is shorter).
MIN_CONFLICT_WINDOW_S = 1.0


class WriteLag:
    def __init__(self) -> None:
        self._before: dict[str, tuple[float, User]] = {}  # user id -> (first write of the window, user before it)
        self._last_write: dict[str, float] = {}

    def before_write(self, user: User, now: float, lag_s: float) -> None:
        """Call before a write changes ``user``: keeps what lagging reads will still see."""
        self._last_write[user.id] = now
        if lag_s <= 0:
            return
        seen = self._before.get(user.id)
        if seen is None or now - seen[0] >= lag_s:  # a burst of writes reads as the state before the burst
            self._before[user.id] = (now, copy.deepcopy(user))

    def view(self, user: User, now: float, lag_s: float) -> User:
        """The user as a read at ``now`` sees it."""
        seen = self._before.get(user.id)
        if seen is not None and now - seen[0] < lag_s:
            return seen[1]
        return user

    def written_within(self, user_id: str, now: float, window_s: float) -> bool:
        last = self._last_write.get(user_id)
        return last is not None and now - last < window_s
