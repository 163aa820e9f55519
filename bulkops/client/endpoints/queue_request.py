"""What a queue read becomes for the whole-queue PUT (``QueueRequest``).

Everything read goes back (a PUT resets what it leaves out), except what the system sets and one
thing the API shows but refuses: the first conditional group routing rule's ``queue``. That rule is
about the queue itself, a GET names it, and a PUT carrying it is refused with 400; the Terraform
provider removes it before every queue PUT ("remove queue_id from first CGR rule to avoid api
error", routing_queue/resource_genesyscloud_routing_queue.go). Every rule and every other field of
rule 0 is kept: the rules are the queue's, not the job's.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

CGR_FIELD = "conditionalGroupRouting"


def queue_request(read: Mapping[str, Any], read_only: Iterable[str] = ()) -> dict[str, Any]:
    """A deep copy of ``read`` without the ``read_only`` fields and without rule 0's queue."""
    skip = frozenset(read_only)
    body = {k: copy.deepcopy(v) for k, v in read.items() if k not in skip}
    rules = (body.get(CGR_FIELD) or {}).get("rules") if isinstance(body.get(CGR_FIELD), dict) else None
    if isinstance(rules, list) and rules and isinstance(rules[0], dict):
        rules[0].pop("queue", None)
    return body
