"""Where a job runs: the org and the connection it records when it is created (#28 §1).

A job records its org (``organizations/me``: id and name) and how it was reached (the API base
URL, the region and gc profile named; never a secret). Every later command that connects for
the job (``resume``, ``reconcile retry``, ``undo``, ``verify``) uses the recorded connection
when neither the command line nor the environment says where to connect, so a ``next:`` line
works as printed; and each refuses another org (exit 5) right after the token, before any
write. Precedence: options > environment > the job's record, as options beat the environment
everywhere else; the org check turns a stale variable or a wrong option into a refusal.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from bulkops.cli.support.common import client_config
from bulkops.client import ClientConfig, GenesysClient
from bulkops.client.connect.config import ENV_ACCESS_TOKEN, ENV_CLIENT_ID, ENV_CLIENT_SECRET
from bulkops.client.endpoints.organization import Organization
from bulkops.errors import WrongOrgError
from bulkops.state.store import RunStore

ORG_KEY = "org"
CONNECTION_KEY = "connection"


@dataclass(frozen=True, slots=True)
class JobConnection:
    """How a job reached its org: the API base URL it used, and the region and gc profile named
    (for messages, and the profile for credentials when none are given). Never a secret."""

    base_url: str
    region: str | None = None
    profile: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "region": self.region, "profile": self.profile}

    @classmethod
    def from_json(cls, data: Any) -> JobConnection | None:
        if not isinstance(data, Mapping) or not isinstance(data.get("base_url"), str):
            return None
        return cls(base_url=data["base_url"], region=data.get("region"), profile=data.get("profile"))


def connection_of(config: ClientConfig, kw: Mapping[str, Any]) -> JobConnection:
    """The connection a command used: the URL it resolved to, the region and profile it was given."""
    return JobConnection(base_url=config.api_url, region=kw.get("region") or None, profile=kw.get("profile") or None)


def org_record(org: Organization) -> dict[str, str]:
    return {"id": org.id, "name": org.name}


def binding_meta(org: Organization, connection: JobConnection) -> dict[str, Any]:
    """What a new job records of where it runs (its run store's meta)."""
    return {ORG_KEY: org_record(org), CONNECTION_KEY: connection.to_json()}


def connection_given(kw: Mapping[str, Any]) -> bool:
    """Where to connect was said on the command line or in the environment (click has read
    GENESYSCLOUD_REGION and BULKOPS_BASE_URL into ``region``/``base_url``)."""
    return bool(kw.get("region") or kw.get("base_url") or kw.get("profile"))


def credentials_given(kw: Mapping[str, Any], env: Mapping[str, str]) -> bool:
    named = (env.get(ENV_ACCESS_TOKEN), env.get(ENV_CLIENT_ID), env.get(ENV_CLIENT_SECRET))
    return bool(kw.get("client_id") or kw.get("client_secret") or any(v and v.strip() for v in named))


def with_recorded_connection(kw: dict[str, Any], recorded: JobConnection | None, env: Mapping[str, str]) -> dict[str, Any]:
    """``kw`` with the job's recorded connection where neither options nor environment give one.
    The recorded profile is used only for credentials none given supply."""
    if recorded is None or connection_given(kw):
        return kw
    profile = None if credentials_given(kw, env) else recorded.profile
    return kw | {"base_url": recorded.base_url, "profile": profile}


def job_client_config(kw: dict[str, Any], store: RunStore, job: str) -> ClientConfig:
    """The client's settings for a command on ``job``: the recorded connection fills in for none given."""
    recorded = JobConnection.from_json(store.get(CONNECTION_KEY))
    used = with_recorded_connection(kw, recorded, os.environ)
    if used is not kw and recorded is not None:
        click.echo(f"connecting where job {job} ran: {recorded.base_url}", err=True)
    return client_config(used)


def check_org(recorded: Any, org: Organization, job: str, api_url: str) -> None:
    """WrongOrgError unless ``org`` is the org ``job`` recorded (a job without one passes)."""
    if not isinstance(recorded, Mapping) or recorded.get("id") == org.id:
        return
    raise WrongOrgError(
        f"job {job} ran in org {recorded.get('name')!r} (id {recorded.get('id')}), but the credentials at {api_url} "
        f"belong to org {org.name!r} (id {org.id}): refused before any write, nothing was written"
    )


async def bind_org(client: GenesysClient, store: RunStore, job: str, *, record: bool = True) -> Organization:
    """The org of ``client``, checked against the one ``job`` recorded, before any write. A job made
    before jobs recorded their org records it now (``record``) with the connection in use, and says so."""
    org = await client.get_organization()
    recorded = store.get(ORG_KEY)
    check_org(recorded, org, job, client.config.api_url)
    if recorded is None and record:
        fields: dict[str, Any] = {ORG_KEY: org_record(org)}
        if store.get(CONNECTION_KEY) is None:
            fields[CONNECTION_KEY] = JobConnection(base_url=client.config.api_url).to_json()
        store.set(**fields)
        click.echo(f"note: job {job} had no org recorded (made before jobs recorded theirs); recorded now: {org.name!r} (id {org.id})", err=True)
    return org
