"""The named steps of ``verify``: matching the job's writes, then placing what is left, as tables."""

from __future__ import annotations

import pytest

from bulkops.domain.platformaudit import AuditMessage, PropertyChange
from bulkops.domain.verification import ExpectedWrite, match_expected, unclaimed


def msg(mid: str, entity: str, *changed: str, action: str = "Update") -> AuditMessage:
    return AuditMessage(mid, "Routing", "User", entity, action, 1.0, changes=tuple(PropertyChange(c, (), ()) for c in changed))


MESSAGES = [msg("m1", "u-1", "skill:s-1"), msg("m2", "u-2", "title"), msg("m3", "q-1", "u-3")]
TOKENS = {m.id: m.tokens() for m in MESSAGES}


@pytest.mark.parametrize(
    "expected, claimed, confirmed, missing",
    [
        ([ExpectedWrite("u-1", "u-1", "skills", frozenset({"s-1"}))], {"m1"}, {"u-1": 1}, {}),
        ([ExpectedWrite("u-1", "u-1", "skills", frozenset({"s-9"}))], set(), {}, {"u-1": 1}),
        ([ExpectedWrite("u-2", "u-2", "fields")], {"m2"}, {"u-2": 1}, {}),  # no tokens: any message on the entity
        ([ExpectedWrite("u-3", "u-3", "restart", optional=True)], {"m3"}, {"u-3": 1}, {}),  # named in another entity's message
        ([ExpectedWrite("u-4", "u-4", "restart", optional=True)], set(), {}, {}),  # optional: never missing
        ([ExpectedWrite("q-1", "q-1", "members", actions=frozenset({"memberadd"}))], set(), {}, {"q-1": 1}),
    ],
)
def test_match_expected(expected, claimed, confirmed, missing):
    got = match_expected(expected, MESSAGES, TOKENS)
    assert got.claimed == claimed
    assert {k: len(v) for k, v in got.confirmed.items()} == confirmed
    assert {k: len(v) for k, v in got.missing.items()} == missing


@pytest.mark.parametrize(
    "claimed, known, unexpected, elsewhere",
    [
        (frozenset({"m1", "m2", "m3"}), ["u-1"], {}, []),
        (frozenset({"m1"}), ["u-2", "u-3"], {"u-2": ["m2"], "u-3": ["m3"]}, []),  # on its entity; or naming an owner
        (frozenset(), ["u-1"], {"u-1": ["m1"]}, ["m2", "m3"]),
        (frozenset(), ["U-3", "q-1"], {"q-1": ["m3"]}, ["m1", "m2"]),  # its entity wins over the owners it names
    ],
)
def test_unclaimed(claimed, known, unexpected, elsewhere):
    got_unexpected, got_elsewhere = unclaimed(MESSAGES, claimed, TOKENS, known)
    assert {k: [f.message_id for f in v] for k, v in got_unexpected.items()} == unexpected
    assert [f.message_id for f in got_elsewhere] == elsewhere
