"""``create_once`` as a table (#27 §2): what each answer to a create leads to. Over HTTP:
tests/engine/test_create_once.py."""

from __future__ import annotations

import pytest

from bulkops.client.createonce import create_once
from bulkops.errors import BadRequestError, ConflictError, MalformedResponseError, ServerError, TransportError

MADE = "the object"


def script(answers: list[object], found: list[object | None]):
    """A ``send`` answering ``answers`` in turn (an exception raised) and a ``find`` answering ``found``."""
    sent: list[int] = []
    looked: list[int] = []

    async def send() -> object:
        sent.append(1)
        answer = answers[len(sent) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def find() -> object | None:
        looked.append(1)
        return found[len(looked) - 1]

    return send, find, sent, looked


@pytest.mark.parametrize(
    ("answers", "found", "result", "sends", "lookups"),
    [
        ([MADE], [], MADE, 1, 0),  # answered: no look-up
        ([ServerError(502, "bad gateway")], [MADE], MADE, 1, 1),  # landed, answer lost: adopted
        ([TransportError("reset")], [MADE], MADE, 1, 1),
        ([MalformedResponseError(200, "html")], [MADE], MADE, 1, 1),
        ([ServerError(503, "busy"), MADE], [None], MADE, 2, 1),  # did not land: sent again
        ([TransportError("timeout"), ConflictError(409, "already exists")], [None, MADE], MADE, 2, 2),  # landed late: adopted
        ([BadRequestError(400, "bad name")], [], BadRequestError, 1, 0),  # a clean refusal: no look-up
        ([ConflictError(409, "already exists")], [], ConflictError, 1, 0),  # existed before: raised
        ([ServerError(502, "x"), ServerError(502, "y"), ServerError(502, "z")], [None, None, None], ServerError, 3, 3),  # rounds spent
    ],
)
async def test_what_each_answer_to_a_create_leads_to(answers, found, result, sends, lookups):
    send, find, sent, looked = script(answers, found)
    if isinstance(result, type):
        with pytest.raises(result):
            await create_once(send, find, what="x", rounds=3)
    else:
        assert await create_once(send, find, what="x", rounds=3) == result
    assert (len(sent), len(looked)) == (sends, lookups)
