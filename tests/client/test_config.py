import re

import pytest

from bulkops.client.connect.config import REGION_DOMAINS, ClientConfig, region_domain, urls_for
from bulkops.errors import ConfigError


@pytest.mark.parametrize(
    "region,domain",
    [
        ("mypurecloud.com", "mypurecloud.com"),
        ("mypurecloud.ie", "mypurecloud.ie"),
        ("usw2.pure.cloud", "usw2.pure.cloud"),
        ("us-east-1", "mypurecloud.com"),
        ("eu_west_2", "euw2.pure.cloud"),
        ("api.mypurecloud.de", "mypurecloud.de"),
    ],
)
def test_region_maps_to_its_domain(region, domain):
    assert region_domain(region) == domain


def test_region_gives_api_and_login_hosts():
    assert urls_for(region="usw2.pure.cloud") == ("https://api.usw2.pure.cloud", "https://login.usw2.pure.cloud")


def test_unknown_region_names_the_known_ones():
    with pytest.raises(ConfigError, match="mypurecloud.ie"):
        region_domain("moon.pure.cloud")


def test_plain_http_is_refused_except_on_loopback():
    assert urls_for(base_url="http://127.0.0.1:8080/") == ("http://127.0.0.1:8080", "http://127.0.0.1:8080")
    assert urls_for(base_url="http://localhost:1")[0] == "http://localhost:1"
    assert urls_for(base_url="http://[::1]:9")[0] == "http://[::1]:9"
    with pytest.raises(ConfigError, match="loopback"):
        urls_for(base_url="http://api.mypurecloud.com")


def test_https_base_url_swaps_api_for_login_like_the_sdk():
    assert urls_for(base_url="https://api.euw2.pure.cloud") == ("https://api.euw2.pure.cloud", "https://login.euw2.pure.cloud")


def test_credentials_come_from_the_genesys_environment_and_never_show_in_repr():
    env = {
        "GENESYSCLOUD_OAUTHCLIENT_ID": "cid",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": "s3cr3t-value",
        "GENESYSCLOUD_REGION": "mypurecloud.ie",
    }
    cfg = ClientConfig.resolve(env=env)
    assert cfg.api_url == "https://api.mypurecloud.ie" and cfg.client_id == "cid"
    assert "s3cr3t-value" not in repr(cfg)


def test_missing_credentials_name_the_variables():
    with pytest.raises(ConfigError, match="GENESYSCLOUD_OAUTHCLIENT_ID"):
        ClientConfig.resolve(env={"GENESYSCLOUD_REGION": "mypurecloud.com"})


def _resolve(**options):
    return ClientConfig.resolve(base_url="http://127.0.0.1:9", client_id="cid", client_secret="sec", env={}, **options)


@pytest.mark.parametrize("rps", [float("nan"), float("inf"), float("-inf"), 0, -1, 10_001])
def test_rps_must_be_a_finite_positive_number_up_to_the_ceiling(rps):
    with pytest.raises(ConfigError, match=r"^--rps must be a number above 0 and at most 10000 \(requests per second\), got "):
        _resolve(rps=rps)


@pytest.mark.parametrize("rps", [0.1, 8, 2000, 10_000])
def test_sane_rates_are_kept(rps):
    assert _resolve(rps=rps).rps == rps


@pytest.mark.parametrize(
    "name,value",
    [
        ("timeout", float("nan")),
        ("timeout", float("inf")),
        ("max_retry_seconds", float("inf")),
        ("max_retry_after", float("nan")),
        ("max_attempts", 0),
        ("max_attempts", 2.5),
        ("max_connections", 10**6),
        ("page_size", 501),
    ],
)
def test_every_numeric_option_is_checked_the_same_way(name, value):
    with pytest.raises(ConfigError, match="must be a (whole )?number above 0 and at most"):
        _resolve(**{name: value})


def test_the_retry_budget_is_named_by_its_flag():
    with pytest.raises(ConfigError, match="^--retry-budget must be"):
        _resolve(max_retry_seconds=float("nan"))


@pytest.mark.parametrize(
    "url",
    ["https://agent:hunter2@api.mypurecloud.com", "http://:hunter2@127.0.0.1:9", "https://agent@api.mypurecloud.com", "ftp://a:hunter2@x"],
)
def test_a_base_url_with_userinfo_is_refused_without_echoing_it(url):
    with pytest.raises(ConfigError, match="must not carry a user name or password") as caught:
        urls_for(base_url=url)
    assert "hunter2" not in str(caught.value) and "agent" not in str(caught.value)


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "http://127.0.0.1:port", "http://u:hunter2@[::1"])
def test_an_unparsable_base_url_is_a_config_error(url):
    with pytest.raises(ConfigError, match="--base-url is not a valid URL") as caught:
        urls_for(base_url=url)
    assert "hunter2" not in str(caught.value)


def test_unknown_region_names_both_forms_and_every_form_named_is_accepted():
    with pytest.raises(ConfigError) as refused:
        region_domain("moon-1")
    message = str(refused.value)
    assert "eu-west-1 (mypurecloud.ie)" in message and "us-east-1 (mypurecloud.com)" in message
    named = re.findall(r"([a-z0-9-]+) \(([a-z0-9.-]+)\)", message)
    assert len(named) == len(REGION_DOMAINS)
    assert all(region_domain(name) == domain == region_domain(domain) for name, domain in named)
