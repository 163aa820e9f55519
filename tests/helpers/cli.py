"""The real command line in child processes: run, spawn, read `status`, steer the simulator process."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bulkops.simulator.process import client_env


def write_matrix(path: Path, users: int) -> Path:
    """A wide CSV: agent i gets Billing 1-5 and loses Sales."""
    rows = ["email,Billing,Sales"] + [f"agent{i:05d}@example.com,{1 + i % 5},-" for i in range(users)]
    path.write_text("\n".join(rows) + "\n")
    return path


def bulkops(*args: str, timeout: float = 120, **kw: Any) -> subprocess.CompletedProcess[str]:
    """Run ``bulkops ARGS`` to the end, with the simulator's credentials."""
    return subprocess.run([sys.executable, "-m", "bulkops", *args], env=client_env(), capture_output=True, text=True, timeout=timeout, **kw)


def spawn(*args: str, preexec_fn: Callable[[], None] | None = None) -> subprocess.Popen[str]:
    """Start ``bulkops ARGS`` and return at once (signals, kills, concurrent processes)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bulkops", *args], env=client_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec_fn
    )


def status(state: Path, job: str = "j") -> dict[str, Any]:
    """``bulkops status JOB --json``, parsed."""
    info: dict[str, Any] = orjson.loads(bulkops("status", job, "--state-dir", str(state), "--json").stdout)
    return info


def sim_config(url: str, **knobs: Any) -> None:
    """Change a simulator process's runtime knobs (``POST /__sim/config``)."""
    req = urllib.request.Request(f"{url}/__sim/config", data=orjson.dumps(knobs), method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def writes_counted(stats: dict[str, Any]) -> int:
    """Requests in a simulator's ``/__sim/stats`` that could change its org: every PATCH, PUT and
    DELETE, and every POST but the token's."""
    by_method = stats["byMethod"]
    posts = sum(v["total"] for k, v in stats["byRoute"].items() if k.startswith("POST") and "oauth" not in k)
    return sum(by_method.get(m, 0) for m in ("PATCH", "PUT", "DELETE")) + int(posts)


def sim_writes(url: str) -> int:
    """``writes_counted`` of the simulator process at ``url``."""
    with urllib.request.urlopen(f"{url}/__sim/stats", timeout=10) as answer:
        return writes_counted(orjson.loads(answer.read()))
