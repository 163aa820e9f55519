"""How set-up reads the users a spec names: the cheaper of listing the org and fetching just them.

One listing (500 users a page, skills and languages expanded) serves both resolution and
the state every write diffs against. When the spec names few users for the size of the
org, fetching them is cheaper: ids 100 a request, emails and usernames found by search
(100 values a request) and then fetched by id for their state. Pure: the figures come in,
the choice and its reason go out, and ``plan`` prints the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

LISTING_PAGE = 500
ID_BATCH = 100
SEARCH_BATCH = 100

Strategy = Literal["listing", "named"]


@dataclass(frozen=True, slots=True)
class UserReadPlan:
    strategy: Strategy
    listing_requests: int
    named_requests: int
    org_users: int
    named_users: int
    why: str

    @property
    def requests(self) -> int:
        return self.listing_requests if self.strategy == "listing" else self.named_requests


def choose_user_read(*, org_users: int, by_id: int, by_search: int, subjects_by_search: int, named_users: int, must_list: str | None = None) -> UserReadPlan:
    """``by_id``/``by_search``: refs to resolve each way (users and managers);
    ``subjects_by_search``: of those found by search, the ones whose state is then fetched.
    ``must_list``: why only a listing will do (the holders of a skill can be anyone)."""
    listing = max(1, math.ceil(org_users / LISTING_PAGE))
    named = math.ceil(by_id / ID_BATCH) + math.ceil(by_search / SEARCH_BATCH) + math.ceil(subjects_by_search / ID_BATCH)
    if must_list:
        why = f"one listing of the org ({listing} requests): {must_list}"
        return UserReadPlan("listing", listing, named, org_users, named_users, why)
    if named < listing:
        why = f"{named_users} named users of {org_users}: fetching them takes about {named} requests, listing the org {listing}"
        return UserReadPlan("named", listing, named, org_users, named_users, why)
    why = f"{named_users} named users of {org_users}: one listing of the org ({listing} requests) reads them all (fetching them would take {named})"
    return UserReadPlan("listing", listing, named, org_users, named_users, why)
