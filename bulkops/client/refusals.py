"""Telling an "in use" or "duplicate name" refusal apart from any other 4xx, whatever its status.

The platform does not publish the status or code of these refusals. The simulator answered them as
409; the real one may answer 400 with a specific ``code``. So a refusal is recognised when it is a 409
(on these requests, which carry no version, a 409 can mean nothing else) or a 400 whose code is one
known for it or whose message says so. Which codes are confirmed and which are guesses:
docs/simulator.md, "Refusal codes".
"""

from __future__ import annotations

from typing import TypeVar

from bulkops.errors import ApiError

E = TypeVar("E", bound=ApiError)

#: ``general.conflict``: the code the Terraform provider matches on a create that meets an existing
#: object (user/resource_genesyscloud_user.go) -- the one code here a Genesys source shows. The others
#: are the simulator's guesses for the 400 form (simulator/refusals.py) and plausible spellings.
IN_USE_CODES = frozenset({"general.conflict", "resource.in.use", "routing.skill.in.use", "utilization.label.in.use", "entity.in.use"})
DUPLICATE_CODES = frozenset({"general.conflict", "duplicate.value", "duplicate.name", "resource.already.exists", "general.resource.exists"})
IN_USE_WORDS = ("in use", "is used by", "being used", "still used")
DUPLICATE_WORDS = ("already exists", "duplicate")


def retyped(cls: type[E], exc: ApiError) -> E:
    """``exc`` as the more precise ``cls``: same status, code, message, request and attempts."""
    out = cls(exc.status, exc.message, code=exc.code, correlation_id=exc.correlation_id, method=exc.method, path=exc.path, body=exc.body)
    out.attempts = exc.attempts
    return out


def _refused(exc: ApiError, codes: frozenset[str], words: tuple[str, ...]) -> bool:
    if exc.status == 409:
        return True
    if exc.status != 400:
        return False
    text = exc.message.lower()
    return exc.code in codes or any(w in text for w in words)


def is_in_use(exc: ApiError) -> bool:
    """A DELETE refused because something still uses the object (a skill, a utilization label)."""
    return _refused(exc, IN_USE_CODES, IN_USE_WORDS)


def is_duplicate_name(exc: ApiError) -> bool:
    """A create or rename refused because another object has that name."""
    return _refused(exc, DUPLICATE_CODES, DUPLICATE_WORDS)
