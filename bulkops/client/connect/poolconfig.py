"""Who else may write for a run: the other OAuth clients of a pool (opt-in).

Genesys allows each OAuth client its own request allowance, so a job spread over several
clients of one org finishes sooner. The primary client is found as always (``ClientConfig.resolve``);
the others come from the environment, ``GENESYSCLOUD_OAUTHCLIENT_ID_2``/``GENESYSCLOUD_OAUTHCLIENT_SECRET_2``
up to ``_9``, and from ``--pool-profile NAME`` (a ``gc`` CLI profile; repeatable). Nothing else
changes a run: without any of them there is no pool. Secrets are never options: a secret on a
command line is in the shell history and in ``ps`` for every user of the machine.

Every member connects where the primary does (a profile naming another region is refused) and
with the primary's settings (``--rps`` is each client's ceiling); each must be an OAuth client
(id and secret): a ready access token cannot be refreshed, and its client cannot be told apart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from bulkops.client.connect.config import ENV_CLIENT_ID, ENV_CLIENT_SECRET, ClientConfig, urls_for
from bulkops.client.connect.gcprofile import BROWSER_GRANTS, read_gc_profile
from bulkops.errors import ConfigError

#: A pool holds at most this many clients, the primary included (``_2`` ... ``_9``).
MAX_POOL = 9


def env_names(n: int) -> tuple[str, str]:
    """The variables of the pool's ``n``-th client: ``GENESYSCLOUD_OAUTHCLIENT_ID_n``, ``..._SECRET_n``."""
    return f"{ENV_CLIENT_ID}_{n}", f"{ENV_CLIENT_SECRET}_{n}"


def pool_members(
    primary: ClientConfig,
    *,
    env: Mapping[str, str],
    profiles: Sequence[str] = (),
    profile_path: Path | None = None,
) -> tuple[ClientConfig, ...]:
    """The pool's other clients, in order (environment ``_2`` ... ``_9``, then the profiles), each
    a copy of ``primary``'s settings with its own credentials; empty when none is given.

    A ConfigError for half a client, a browser or token-only profile, a profile in another
    region, the same client twice (two tokens of one client share one allowance) or more than
    ``MAX_POOL`` clients in all."""
    found: list[tuple[str, str, str]] = []  # (id, secret, where)
    for n in range(2, MAX_POOL + 1):
        id_name, secret_name = env_names(n)
        client_id, secret = _blank_none(env.get(id_name)), _blank_none(env.get(secret_name))
        if client_id or secret:
            if not client_id or not secret:
                raise ConfigError(f"pool client {n}: {id_name if not client_id else secret_name} is missing (both {id_name} and {secret_name} are needed)")
            found.append((client_id, secret, f"{id_name}/{secret_name}"))
    for name in profiles:
        found.append(_from_profile(primary, name, profile_path))
    if len(found) + 1 > MAX_POOL:
        raise ConfigError(f"a pool holds at most {MAX_POOL} OAuth clients, the primary included; {len(found) + 1} were given")
    seen = {primary.client_id: primary.credentials_source or "the primary client"} if primary.client_id else {}
    for client_id, _, where in found:
        if client_id in seen:
            raise ConfigError(f"pool: OAuth client {client_id!r} is given twice ({seen[client_id]} and {where}); each client of a pool must be another client")
        seen[client_id] = where
    return tuple(
        dataclasses.replace(primary, client_id=client_id, client_secret=secret, access_token=None, credentials_source=where)
        for client_id, secret, where in found
    )


def _from_profile(primary: ClientConfig, name: str, path: Path | None) -> tuple[str, str, str]:
    profile = read_gc_profile(name, path)
    where = f"--pool-profile {name} ({profile.path})"
    if profile.grant_type in BROWSER_GRANTS and not profile.client_secret:
        raise ConfigError(f"{where} signs in through a browser ({BROWSER_GRANTS[profile.grant_type]}); a pool client must be a client-credentials client")
    if not profile.client_id or not profile.client_secret:
        raise ConfigError(f"{where} has no client_credentials/client_secret: a pool client must be an OAuth client (a ready token cannot be refreshed)")
    if profile.environment and urls_for(region=profile.environment)[0] != primary.api_url:
        raise ConfigError(f"{where} is for {profile.environment}, but the run connects to {primary.api_url}: every client of a pool must be of the same org")
    return profile.client_id, profile.client_secret, where


def _blank_none(value: str | None) -> str | None:
    return None if value is None else value.strip() or None
