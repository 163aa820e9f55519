"""Shared fixtures for the spec tests: a small org directory mirroring the simulator names."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkops.spec import OrgDirectory

CORPUS = Path(__file__).parent / "corpus"
JOBS = Path(__file__).resolve().parents[2] / "jobs"


def make_directory(users: int = 200) -> OrgDirectory:
    d = OrgDirectory(
        skills={"Billing": "s1", "Sales": "s2", "Retention": "s3", "Technical Support": "s4"},
        languages={"English": "l1", "Spanish": "l2", "French": "l3"},
        queues={"Support EN": "q1", "Support FR": "q2"},
        divisions={"Home": "d1", "Europe": "d2"},
    )
    for i in range(users):
        d.users.add(f"u{i}", f"agent{i:05d}@example.com", f"agent{i:05d}")
    return d


@pytest.fixture
def directory() -> OrgDirectory:
    return make_directory(10)


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text_or_bytes) -> path of a new file in tmp_path."""

    def _write(name: str, content: str | bytes) -> str:
        p = tmp_path / name
        if isinstance(content, str):
            p.write_bytes(content.encode("utf-8"))
        else:
            p.write_bytes(content)
        return str(p)

    return _write
