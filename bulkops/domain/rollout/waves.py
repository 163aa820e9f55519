"""Waves of a run (#31 §3): which users go in which wave, and how long a watch lasts. Pure.

``--waves 5%,25%,100%`` names the share of the job's users applied once each wave is through
(cumulative, rising, the last 100%). A user's wave comes from a stable hash of their id (the first
8 bytes of its SHA-256 as a share of 2^64), so the split is the same in every process and on every
resume, and it does not depend on the order of the spec.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Iterable

_SHARE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*")
_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h)\s*")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class WavesError(ValueError):
    """A ``--waves`` or ``--watch`` value that cannot be read."""


def parse_waves(text: str) -> tuple[float, ...]:
    """``"5%,25%,100%"`` -> (0.05, 0.25, 1.0): cumulative shares, strictly rising, the last 100%."""
    shares = []
    for part in text.split(","):
        m = _SHARE.fullmatch(part)
        if m is None:
            raise WavesError(f"{part.strip() or 'nothing'!r} in {text!r} is not a share like 25%")
        shares.append(float(m.group(1)) / 100.0)
    for before, after in zip(shares, shares[1:], strict=False):
        if after <= before:
            raise WavesError(f"the waves in {text!r} must rise (each share counts the users of the waves before it too)")
    if not 0.0 < shares[0] or shares[-1] != 1.0:
        raise WavesError(f"the waves in {text!r} must start above 0% and end at 100% (every user is in a wave)")
    return tuple(shares)


def share_of(user_id: str) -> float:
    """The user's place in [0, 1): the first 8 bytes of the SHA-256 of their id, over 2^64."""
    return int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:8], "big") / 2.0**64


def wave_of(user_id: str, shares: tuple[float, ...]) -> int:
    """The 0-based wave the user goes in: the first whose cumulative share is past theirs."""
    return min(bisect_right(shares, share_of(user_id)), len(shares) - 1)


def users_through(user_ids: Iterable[str], shares: tuple[float, ...], wave: int) -> list[str]:
    """The users of waves 0..``wave`` (a user of an earlier wave still open goes again), in order."""
    return [uid for uid in user_ids if wave_of(uid, shares) <= wave]


def parse_duration(text: str) -> float:
    """``"20s"``, ``"10m"``, ``"1h"``, ``"500ms"`` -> seconds (a number with its unit; at least 0)."""
    m = _DURATION.fullmatch(text)
    if m is None:
        raise WavesError(f"{text!r} is not a duration like 20s, 10m or 1h")
    return float(m.group(1)) * _UNIT_SECONDS[m.group(2)]


def describe_share(share: float) -> str:
    return f"{share * 100:g}%"
