"""The real ``GenesysClient``, pointed at the test simulator: one factory for every test package.

Tests give the client what they need to control (backoff, governor, clock, transport) as
constructor arguments, never by reaching into it after the fact.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bulkops.client import ClientConfig, GenesysClient


def no_backoff(state: Any) -> float:
    """Retry at once: tests count attempts, they do not wait for them."""
    return 0.0


def config_for(handle: Any, *, via: Any = None, client_secret: str | None = None, **options: Any) -> ClientConfig:
    """The simulator's (or, with ``via``, a FaultProxy's) address and credentials, plus ``options``.

    ``client_secret`` overrides the simulator's, for a client the token endpoint must refuse.
    """
    base_url = via.base_url if via is not None else handle.base_url
    secret = client_secret or handle.client_secret
    return ClientConfig.resolve(base_url=base_url, client_id=handle.client_id, client_secret=secret, env={}, **options)


def make_client(
    handle: Any,
    *,
    via: Any = None,
    client_secret: str | None = None,
    transport: Any = None,
    clock: Any = None,
    governor: Any = None,
    backoff: Any = None,
    **options: Any,
) -> GenesysClient:
    """The real client against the simulator, or a FaultProxy in front of it (``via``);
    ``options`` are ``ClientConfig`` fields (rps, max_attempts, timeout, ...)."""
    cfg = config_for(handle, via=via, client_secret=client_secret, **options)
    return GenesysClient(cfg, transport=transport, clock=clock, governor=governor, backoff=backoff)


def client_for(handle: Any, **options: Any) -> GenesysClient:
    """The engine and report tests' client: retries without waiting."""
    return make_client(handle, backoff=no_backoff, **options)


def pooled_config(handle: Any, extra: int, **options: Any) -> ClientConfig:
    """The simulator's first client, with ``extra`` of its extra clients as the pool (as
    ``--pool-profile`` or the ``_n`` variables give them)."""
    primary = config_for(handle, **options)
    members = tuple(
        dataclasses.replace(primary, client_id=cid, client_secret=secret, credentials_source=f"test {cid}")
        for cid, secret in list(handle.sim.config.credentials.items())[1 : extra + 1]
    )
    return dataclasses.replace(primary, pool=members)
