"""Where to connect and as whom: region/base-URL mapping and credentials.

Environment variables are the ones the Genesys ecosystem already uses (the ``gc`` CLI
and the Terraform provider): ``GENESYSCLOUD_OAUTHCLIENT_ID``,
``GENESYSCLOUD_OAUTHCLIENT_SECRET``, ``GENESYSCLOUD_REGION``.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

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
    known = ", ".join(sorted(REGION_DOMAINS.values()))
    raise ConfigError(f"unknown Genesys Cloud region {region!r}; use one of: {known} (or --base-url)")


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
    raise ConfigError(f"say where to connect: --region (or {ENV_REGION}) or --base-url")


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything the client needs. The secret never shows in ``repr``."""

    api_url: str
    login_url: str
    client_id: str
    client_secret: str = field(repr=False)
    rps: float = 8.0
    timeout: float = 30.0
    max_attempts: int = 8
    max_retry_seconds: float = 600.0
    max_retry_after: float = 120.0
    max_connections: int = 32
    page_size: int = 500

    @classmethod
    def resolve(
        cls,
        *,
        region: str | None = None,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        env: Mapping[str, str] | None = None,
        **options: float | None,
    ) -> ClientConfig:
        """Options win over the environment; missing credentials are a ConfigError."""
        env = os.environ if env is None else env
        region = region or env.get(ENV_REGION)
        base_url = base_url or env.get(ENV_BASE_URL)
        client_id = client_id or env.get(ENV_CLIENT_ID)
        client_secret = client_secret or env.get(ENV_CLIENT_SECRET)
        if not client_id or not client_secret:
            raise ConfigError(
                f"OAuth client credentials missing: set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} "
                "(a client-credentials OAuth client) or pass --client-id/--client-secret"
            )
        api, login = urls_for(region=region, base_url=base_url)
        # Any: each value goes to the field of its name (float or int), checked by _check_number first.
        given: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
        for name, value in given.items():
            _check_number(name, value)
        return cls(api_url=api, login_url=login, client_id=client_id, client_secret=client_secret, **given)


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
