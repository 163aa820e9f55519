"""Where to connect and as whom: region/base-URL mapping and credentials.

Environment variables are the ones the Genesys ecosystem already uses (the ``gc`` CLI
and the Terraform provider): ``GENESYSCLOUD_OAUTHCLIENT_ID``,
``GENESYSCLOUD_OAUTHCLIENT_SECRET``, ``GENESYSCLOUD_REGION`` and ``GENESYSCLOUD_ACCESS_TOKEN``
(a token obtained elsewhere, used as it is). ``--profile NAME`` reads the ``gc`` CLI's
``~/.gc/config.toml``. Precedence: options > environment > profile (see ``pick_credentials``).
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bulkops.client.connect.gcprofile import BROWSER_GRANTS, GcProfile, read_gc_profile
from bulkops.errors import ConfigError

#: The SDK's ``PureCloudRegionHosts`` enum: name -> region domain (the API host minus ``api.``).
REGION_DOMAINS: dict[str, str] = {
    "us_east_1": "mypurecloud.com",
    "eu_west_1": "mypurecloud.ie",
    "ap_southeast_2": "mypurecloud.com.au",
    "ap_northeast_1": "mypurecloud.jp",
    "eu_central_1": "mypurecloud.de",
    "us_west_2": "usw2.pure.cloud",
    "ca_central_1": "cac1.pure.cloud",
    "ap_northeast_2": "apne2.pure.cloud",
    "eu_west_2": "euw2.pure.cloud",
    "ap_south_1": "aps1.pure.cloud",
    "us_east_2": "use2.us-gov-pure.cloud",
    "sa_east_1": "sae1.pure.cloud",
    "me_central_1": "mec1.pure.cloud",
    "ap_northeast_3": "apne3.pure.cloud",
    "eu_central_2": "euc2.pure.cloud",
    "mx_central_1": "mxc1.pure.cloud",
    "ap_southeast_1": "apse1.pure.cloud",
    "eusc_de_east_1": "edee1.eusc-pure.cloud",
}

ENV_CLIENT_ID = "GENESYSCLOUD_OAUTHCLIENT_ID"
ENV_CLIENT_SECRET = "GENESYSCLOUD_OAUTHCLIENT_SECRET"
ENV_REGION = "GENESYSCLOUD_REGION"
ENV_ACCESS_TOKEN = "GENESYSCLOUD_ACCESS_TOKEN"
ENV_BASE_URL = "BULKOPS_BASE_URL"

#: Numeric options: (ceiling, unit). Each must be a finite number above 0 and at most its
#: ceiling - far beyond any sensible setting, low enough to catch a slip (a NaN rate spins
#: the limiter, an infinite one divides by zero). rps: Genesys Cloud allows one client a
#: few hundred requests a minute; 10,000/s leaves room for the simulator benchmarks.
NUMERIC_LIMITS: dict[str, tuple[float, str]] = {
    "rps": (10_000, "requests per second"),
    "timeout": (3600, "seconds"),
    "max_attempts": (1000, "attempts"),
    "max_retry_seconds": (7 * 86400, "seconds"),
    "max_retry_after": (86400, "seconds"),
    "max_connections": (1024, "connections"),
    "page_size": (500, "entities per page, the API's maximum"),
}
_WHOLE_NUMBERS = frozenset({"max_attempts", "max_connections", "page_size"})
#: Command-line names of the options that have one, for messages.
_FLAGS = {"rps": "--rps", "max_retry_seconds": "--retry-budget"}


def region_domain(region: str) -> str:
    """``us-east-1``, ``us_east_1``, ``mypurecloud.com`` or ``api.mypurecloud.com`` -> domain."""
    key = region.strip().lower()
    enum_key = key.replace("-", "_")
    if enum_key in REGION_DOMAINS:
        return REGION_DOMAINS[enum_key]
    key = key.removeprefix("https://").removeprefix("api.").removeprefix("login.").rstrip("/")
    if key in REGION_DOMAINS.values():
        return key
    raise ConfigError(f"unknown Genesys Cloud region {region!r}; use one of: {known_regions()} (or --base-url)")


def known_regions() -> str:
    """Each region as both forms it is accepted in: ``us-east-1 (mypurecloud.com)``."""
    return ", ".join(f"{name.replace('_', '-')} ({domain})" for name, domain in sorted(REGION_DOMAINS.items()))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _shown(url: str) -> str:
    """The URL as it may appear in a message: any ``user:password@`` blanked out."""
    return re.sub(r"//[^/?#]*@", "//***@", url)


def urls_for(*, region: str | None = None, base_url: str | None = None) -> tuple[str, str]:
    """(api base, login base). The login host swaps a leading ``api.`` for ``login.``, as the SDK does."""
    if base_url:
        try:
            parts = urlsplit(base_url.rstrip("/"))
            _ = parts.port  # raises ValueError for a port that is not a number 0-65535
        except ValueError:
            raise ConfigError(f"--base-url is not a valid URL: {_shown(base_url)!r}") from None
        if "@" in parts.netloc:
            raise ConfigError(
                "--base-url must not carry a user name or password (user:password@host); give the "
                f"OAuth client with --client-id/--client-secret or {ENV_CLIENT_ID}/{ENV_CLIENT_SECRET}"
            )
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"--base-url must be an http(s) URL, got {_shown(base_url)!r}")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ConfigError("plain http is only allowed on loopback (127.0.0.1, localhost, ::1); use https")
        api = f"{parts.scheme}://{parts.netloc}"
        login = api.replace("//api.", "//login.", 1)
        return api, login
    if region:
        domain = region_domain(region)
        return f"https://api.{domain}", f"https://login.{domain}"
    raise ConfigError(f"say where to connect: --region (or {ENV_REGION}), --base-url, or a --profile with an environment")


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who the client is: an OAuth client (id and secret) or a ready access token, and where
    it was found (``source``, for messages). Secrets never show in ``repr``."""

    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    access_token: str | None = field(default=None, repr=False)
    source: str = ""


def pick_credentials(
    *,
    client_id: str | None,
    client_secret: str | None,
    env: Mapping[str, str],
    profile: GcProfile | None = None,
) -> Credentials:
    """Credentials from the first source that has any: options, then environment, then profile.

    Options: ``--client-id``/``--client-secret`` (a half given there is completed from the
    environment, as before profiles existed). Environment: ``GENESYSCLOUD_ACCESS_TOKEN``, else
    ``GENESYSCLOUD_OAUTHCLIENT_ID``/``_SECRET``. Profile: its ``access_token``, else its client.
    Within one source a ready token wins over a client, as in ``gc``. A source with half a client
    is a ConfigError rather than a quiet fall-through to the next one.
    """
    env_id, env_secret = _blank_none(env.get(ENV_CLIENT_ID)), _blank_none(env.get(ENV_CLIENT_SECRET))
    if client_id or client_secret:
        return _client(client_id or env_id, client_secret or env_secret, "--client-id/--client-secret")
    token = _blank_none(env.get(ENV_ACCESS_TOKEN))
    if token:
        return Credentials(access_token=token, source=ENV_ACCESS_TOKEN)
    if env_id or env_secret:
        return _client(env_id, env_secret, f"{ENV_CLIENT_ID}/{ENV_CLIENT_SECRET}")
    if profile is not None:
        where = f"profile {profile.name!r} in {profile.path}"
        if profile.access_token:
            return Credentials(access_token=profile.access_token, source=where)
        if profile.grant_type in BROWSER_GRANTS and not profile.client_secret:
            raise ConfigError(
                f"{where} signs in through a browser ({BROWSER_GRANTS[profile.grant_type]}); bulkops needs a "
                f"client-credentials profile, or a token in {ENV_ACCESS_TOKEN}"
            )
        if profile.client_id or profile.client_secret:
            return _client(profile.client_id, profile.client_secret, where)
        raise ConfigError(f"{where} has no client_credentials/client_secret and no access_token")
    raise ConfigError(
        f"credentials missing: set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} (a client-credentials OAuth client), "
        f"or {ENV_ACCESS_TOKEN} (a ready token), or pass --client-id/--client-secret or --profile NAME"
    )


def _client(client_id: str | None, client_secret: str | None, source: str) -> Credentials:
    if not client_id or not client_secret:
        missing = "client id" if not client_id else "client secret"
        raise ConfigError(f"OAuth client credentials incomplete: the {missing} is missing ({source})")
    return Credentials(client_id=client_id, client_secret=client_secret, source=source)


def _blank_none(value: str | None) -> str | None:
    """An empty or blank variable counts as unset (``export X=`` in a shell profile)."""
    if value is None:
        return None
    return value.strip() or None


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything the client needs. The secret and the token never show in ``repr``.

    With ``access_token`` the client uses that token as it is and never asks the token
    endpoint; it cannot be refreshed, so a 401 on it is final."""

    api_url: str
    login_url: str
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    access_token: str | None = field(default=None, repr=False)
    #: Where the credentials came from, for messages ("GENESYSCLOUD_ACCESS_TOKEN", "profile 'prod' in ...").
    credentials_source: str = ""
    rps: float = 8.0
    timeout: float = 30.0
    max_attempts: int = 8
    max_retry_seconds: float = 600.0
    max_retry_after: float = 120.0
    max_connections: int = 32
    page_size: int = 500
    #: A pool's other OAuth clients (``poolconfig.pool_members``), each with these settings: a pass
    #: writes through them all (``client.pool``). Empty: this client alone, as without a pool.
    pool: tuple[ClientConfig, ...] = ()

    @classmethod
    def resolve(
        cls,
        *,
        region: str | None = None,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        profile: str | None = None,
        profile_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        **options: float | None,
    ) -> ClientConfig:
        """Options win over the environment, the environment over ``profile`` (a ``gc`` CLI
        profile, read from ``profile_path`` or ``~/.gc/config.toml``); missing credentials
        are a ConfigError."""
        env = os.environ if env is None else env
        gc = read_gc_profile(profile, profile_path) if profile else None
        region = region or _blank_none(env.get(ENV_REGION))
        base_url = base_url or _blank_none(env.get(ENV_BASE_URL))
        if not region and not base_url and gc is not None:
            region = gc.environment
        who = pick_credentials(client_id=client_id, client_secret=client_secret, env=env, profile=gc)
        api, login = urls_for(region=region, base_url=base_url)
        # Any: each value goes to the field of its name (float or int), checked by _check_number first.
        given: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
        for name, value in given.items():
            _check_number(name, value)
        return cls(
            api_url=api,
            login_url=login,
            client_id=who.client_id,
            client_secret=who.client_secret,
            access_token=who.access_token,
            credentials_source=who.source,
            **given,
        )


def _check_number(name: str, value: object) -> None:
    """ConfigError unless ``value`` is a finite number in (0, ceiling] for option ``name``
    (a whole number where one is meant); options without limits pass."""
    if name not in NUMERIC_LIMITS:
        return
    high, unit = NUMERIC_LIMITS[name]
    whole = name in _WHOLE_NUMBERS
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 < value <= high and (not whole or value == int(value))
    if not ok:
        kind = "a whole number" if whole else "a number"
        got = f"{value:g}" if isinstance(value, (int, float)) else repr(value)
        raise ConfigError(f"{_FLAGS.get(name, name)} must be {kind} above 0 and at most {high:g} ({unit}), got {got}")
