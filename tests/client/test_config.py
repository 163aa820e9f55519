import pytest

from bulkops.client.config import ClientConfig, region_domain, urls_for
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
