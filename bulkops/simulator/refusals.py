"""Refusals whose status and code the platform does not publish: "in use" and "duplicate name".

Each is raised once, in its 409 form (what the simulator always answered); ``answer`` turns it into
the 400 form when ``refusal_status`` (a runtime knob) is 400, so a client can be tested against
either. Confirmed: none of the three; the Terraform provider only shows that the platform uses the
code ``general.conflict`` on a create that meets an existing object (user/resource_genesyscloud_user.go)
and answers some conflicts as 400 (a stale version: util_retries.go ``IsVersionMismatch``). The 400
codes below are guesses (docs/simulator.md, "Refusal codes").
"""

from __future__ import annotations

import dataclasses

from bulkops.simulator.errors import SimApiError

IN_USE = "in_use"  # DELETE of a skill a group, ring or flow uses
LABEL_IN_USE = "label_in_use"  # DELETE of a utilization label agents use
DUPLICATE_NAME = "duplicate_name"  # a skill, skill group or label named as another one
#: The code of each refusal's 400 form (guesses).
CODES_400 = {
    IN_USE: "resource.in.use",
    LABEL_IN_USE: "utilization.label.in.use",
    DUPLICATE_NAME: "duplicate.value",
}
STATUSES = (409, 400)


def answer(exc: SimApiError, status: int) -> SimApiError:
    """``exc`` as the configured form answers it: unchanged unless it is one of these refusals and the
    form is 400 (same message, details and entity; the 400 code)."""
    if exc.refusal is None or status == exc.status:
        return exc
    return dataclasses.replace(exc, status=status, code=CODES_400[exc.refusal])
