"""The Genesys Cloud CLI's profiles (``~/.gc/config.toml``), read for ``--profile NAME``.

The ``gc`` CLI (MyPureCloud/platform-client-sdk-cli, ``gc profiles new``) keeps one TOML table
per profile, ``[DEFAULT]`` being the one it uses without ``--profile``. Of its keys bulkops reads
``environment`` (a region domain such as ``mypurecloud.ie``, or an AWS-style region such as
``eu-west-1``), ``client_credentials`` (the OAuth client's id, despite the name),
``client_secret``, ``access_token`` (which, as in ``gc``, wins over any grant type) and
``grant_type`` ("1" client credentials, "2" implicit, "3" PKCE, "0" none). ``gc`` reads profile
names case-insensitively (viper lower-cases keys), and so does this.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from bulkops.errors import ConfigError

log = structlog.get_logger("bulkops.client.connect.gcprofile")

#: A ``gc`` config holds a few profiles of a few lines each: anything bigger is not one, and
#: reading it whole (a link to ``/dev/zero``, a huge file) must not be what ends the process.
MAX_PROFILE_BYTES = 1 << 20
#: Paths already warned about in this process (the pool reads one file once per client).
_warned: set[str] = set()

#: Grant types whose tokens come from a browser login: no client secret in the profile.
BROWSER_GRANTS = {"2": "implicit grant", "3": "PKCE grant"}


def gc_config_path() -> Path:
    """Where ``gc`` keeps its profiles (``~/.gc/config.toml``; ``HOME`` decides ``~``)."""
    return Path.home() / ".gc" / "config.toml"


@dataclass(frozen=True, slots=True)
class GcProfile:
    """What bulkops uses of one ``gc`` profile. Secrets never show in ``repr``."""

    name: str
    path: str
    environment: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    grant_type: str | None = None


def read_gc_profile(name: str, path: Path | None = None) -> GcProfile:
    """Profile ``name`` from the ``gc`` config file; a ConfigError that says what to fix otherwise."""
    path = path or gc_config_path()
    raw, mode = _read_bounded(name, path)
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"--profile {name}: cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--profile {name}: {path} is not valid TOML: {exc}") from None
    table = _table(document, name)
    if table is None:
        known = ", ".join(sorted(k for k, v in document.items() if isinstance(v, dict))) or "none"
        raise ConfigError(f"--profile {name}: no such profile in {path} (profiles there: {known})")
    profile = _profile(table, name, path)
    _warn_if_exposed(path, mode, holds_secret=bool(profile.client_secret or profile.access_token))
    return profile


def _read_bounded(name: str, path: Path) -> tuple[bytes, int]:
    """(the file's bytes, its mode): a regular file of at most MAX_PROFILE_BYTES, else a ConfigError.

    Opened without blocking (a FIFO would wait for a writer forever) and checked on the open
    descriptor, so what is read is what was checked; a link to a regular file is followed.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ConfigError(f"--profile {name}: no Genesys Cloud CLI config at {path} (`gc profiles new` creates one)") from None
    except OSError as exc:
        raise ConfigError(f"--profile {name}: cannot read {path}: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ConfigError(f"--profile {name}: {path} is not a regular file (a FIFO, a device or a folder): refusing to read it")
    with os.fdopen(fd, "rb") as file:
        try:
            raw = file.read(MAX_PROFILE_BYTES + 1)
        except OSError as exc:
            raise ConfigError(f"--profile {name}: cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise ConfigError(f"--profile {name}: {path} is over {MAX_PROFILE_BYTES // (1 << 20)} MB: not a Genesys Cloud CLI config")
    return raw, info.st_mode


def _warn_if_exposed(path: Path, mode: int, *, holds_secret: bool) -> None:
    """Warn once per path: others can change it (and so where the credentials go), or read its secret."""
    writable = bool(mode & (stat.S_IWGRP | stat.S_IWOTH))
    readable = holds_secret and bool(mode & (stat.S_IRGRP | stat.S_IROTH))
    if not (writable or readable) or str(path) in _warned:
        return
    _warned.add(str(path))
    what = "can be changed by other users" if writable else "holds a secret other users can read"
    log.warning("gcprofile.exposed", path=str(path), mode=f"{stat.S_IMODE(mode):04o}", problem=what, fix=f"chmod 600 {path}")


def _profile(table: dict[str, Any], name: str, path: Path) -> GcProfile:
    return GcProfile(
        name=name,
        path=str(path),
        environment=_text(table, "environment", name, path),
        client_id=_text(table, "client_credentials", name, path),
        client_secret=_text(table, "client_secret", name, path),
        access_token=_text(table, "access_token", name, path),
        grant_type=_text(table, "grant_type", name, path),
    )


def _table(document: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The profile's table: the exact name first, then the only one equal ignoring case."""
    exact = document.get(name)
    if isinstance(exact, dict):
        return exact
    folded = [v for k, v in document.items() if isinstance(v, dict) and k.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def _text(table: dict[str, Any], key: str, name: str, path: Path) -> str | None:
    """A string setting, blank meaning unset; any other TOML type is a mistake worth naming."""
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and key == "grant_type":
        value = str(value)  # written by hand as a number
    if not isinstance(value, str):
        raise ConfigError(f"--profile {name}: {key} in {path} must be a string")
    return value.strip() or None
