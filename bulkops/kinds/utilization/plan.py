"""What ``plan`` says of the users' utilization (#19): their settings counted from the job's items,
and the requests they will cost the run (the org default's line: ``kinds/orgutil/plan.py``).

Plan reads no user's setting: the API has no call that reads many at once, so knowing who is
already right would cost one request a user, the same as the run's own reads. The counts are
what the job asks (how many users get which media type, which label, whole settings, returns
to the default) and the estimate is the most the run can spend: a user already right costs
its read only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from bulkops.kinds.utilization.kind import UserUtilizationKind
from bulkops.state.store import RunStore

#: A merged user: the setting's read and the PUT; a whole setting: the PUT; inherit: the read and the DELETE.
MERGED_REQUESTS, WHOLE_REQUESTS, INHERIT_REQUESTS = 2, 1, 2


def describe_user_utilization(store: RunStore) -> dict[str, Any] | None:
    """The job's per-user utilization in counts, or None when it has none."""
    kind = UserUtilizationKind()
    items = [kind.decode(payload) for name, _, payload, _ in store.open_items("after_users") if name == kind.name]
    if not items:
        return None
    media: dict[str, Counter[int]] = {}
    labels: Counter[str] = Counter()
    ways: Counter[str] = Counter()
    for item in items:
        ways["inherit" if item.inherit else "whole" if item.whole else "merged"] += 1
        for mt, m in item.media.items():
            media.setdefault(mt, Counter())[m.maximum_capacity] += 1
        labels.update(list(item.labels))
    requests = ways["merged"] * MERGED_REQUESTS + ways["whole"] * WHOLE_REQUESTS + ways["inherit"] * INHERIT_REQUESTS
    return {
        "users": len(items),
        "merged": ways["merged"],
        "whole": ways["whole"],
        "inherit": ways["inherit"],
        "media": {mt: {"users": sum(c.values()), "capacities": {str(k): v for k, v in sorted(c.items())}} for mt, c in sorted(media.items())},
        "labels": dict(sorted(labels.items())),
        # the labels are listed once, when some user's entry names one
        "requests": requests + (1 if labels else 0),
    }


def utilization_requests(users: Mapping[str, Any] | None) -> int:
    """The most the run spends on the users' utilization (``describe_user_utilization``)."""
    return int(users["requests"]) if users else 0


def describe_utilization_line(summary: Mapping[str, Any]) -> str:
    """``120 user(s): 118 merged (read, PUT), 2 back to the org default; email for 120 (capacity 3: 120); label 'VIP' for 80; at most 242 requests``."""
    ways = [
        f"{summary['merged']} merged into their setting (read, PUT)" if summary["merged"] else "",
        f"{summary['whole']} given a whole setting (PUT, no read)" if summary["whole"] else "",
        f"{summary['inherit']} back to the org default (read, DELETE)" if summary["inherit"] else "",
    ]
    said = [f"{summary['users']} user(s): " + ", ".join(w for w in ways if w)]
    for mt, m in summary["media"].items():
        caps = ", ".join(f"{k}: {v}" for k, v in m["capacities"].items())
        said.append(f"{mt} for {m['users']} (capacity {caps})")
    said += [f"label {name!r} for {n}" for name, n in summary["labels"].items()]
    said.append(f"at most {summary['requests']} requests")
    return "; ".join(said)
