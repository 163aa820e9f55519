"""The spec as validated: a private copy taken before the first read.

A spec saved over while the org is being read must not be applied unvalidated. So the
file is copied once (hashed on the way), every pass reads the copy, and the copy moves
into the job's folder; the original is read again only to compare its hash on resume.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class SpecSnapshot:
    original: str  # as the operator named it: problems and messages use it
    copy: Path  # owner-only; what every pass reads
    sha256: str


def take_snapshot(path: str | os.PathLike[str]) -> SpecSnapshot:
    """Copy ``path`` to a private temporary file in one streaming pass, hashing as it goes."""
    original = os.fspath(path)
    suffix = "".join(Path(original).suffixes[-1:])  # the readers sniff by content, but keep the name's hint
    fd, name = tempfile.mkstemp(prefix="bulkops-spec-", suffix=suffix)  # created 0600
    atexit.register(_remove, name)
    digest = hashlib.sha256()
    with open(original, "rb") as src, os.fdopen(fd, "wb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    return SpecSnapshot(original, Path(name), digest.hexdigest())


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def keep_copy(snapshot: Path, target: Path) -> Path:
    """Keep a copy of the snapshot in the job folder, owner-only and whole or not at all.
    (The readers go on reading the snapshot, which is removed when the process ends.)"""
    tmp = target.with_name(target.name + ".tmp")
    shutil.copyfile(snapshot, tmp)
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)
    return target
