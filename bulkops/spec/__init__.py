"""Job specs: read CSV/JSON skill matrices, validate all of it in one pass, resolve refs.

Public API: ``open_spec`` / ``load_and_validate`` -> ``OpenSpec``; ``OrgDirectory`` /
``UserDirectory`` / ``Resolver`` / ``resolve`` for resolution. Format: docs/spec-format.md.
"""

from bulkops.spec.resolve import OrgDirectory, Resolver, UserDirectory, resolve
from bulkops.spec.spec import OpenSpec, file_sha256, load_and_validate, open_spec
from bulkops.spec.validate import MAX_PROBLEMS, MAX_SKILLS_PER_USER

__all__ = [
    "MAX_PROBLEMS",
    "MAX_SKILLS_PER_USER",
    "OpenSpec",
    "OrgDirectory",
    "Resolver",
    "UserDirectory",
    "file_sha256",
    "load_and_validate",
    "open_spec",
    "resolve",
]
