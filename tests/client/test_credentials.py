"""Credentials like the Genesys tools: options > environment > gc CLI profile, a ready token."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.client import ClientConfig
from bulkops.client.connect.config import ENV_ACCESS_TOKEN, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REGION, pick_credentials
from bulkops.client.connect.gcprofile import GcProfile, read_gc_profile
from bulkops.errors import ConfigError

#: The layout `gc profiles new` writes (MyPureCloud/platform-client-sdk-cli, config.go/createprofile.go).
GC_CONFIG = """\
[DEFAULT]
environment = "mypurecloud.ie"
client_credentials = "default-client"
client_secret = "default-secret"

[prod]
environment = "us-east-1"
client_credentials = "prod-client"
client_secret = "prod-secret"
grant_type = "1"

[ci]
environment = "usw2.pure.cloud"
access_token = "ci-token"
client_credentials = "ci-client"
client_secret = "ci-secret"

[browser]
environment = "mypurecloud.com"
client_credentials = "implicit-client"
grant_type = "2"
"""


@pytest.fixture
def gc_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(GC_CONFIG)
    return path


def test_a_profile_is_read_by_name_and_case_insensitively_as_gc_does(gc_file):
    prod = read_gc_profile("prod", gc_file)
    assert (prod.environment, prod.client_id, prod.client_secret, prod.grant_type) == ("us-east-1", "prod-client", "prod-secret", "1")
    assert read_gc_profile("default", gc_file).client_id == "default-client"  # [DEFAULT], as gc's viper lower-cases keys
    assert "prod-secret" not in repr(prod) and "ci-token" not in repr(read_gc_profile("ci", gc_file))


def test_profile_problems_say_what_to_fix(tmp_path, gc_file):
    with pytest.raises(ConfigError, match=r"no such profile .*profiles there: DEFAULT, browser, ci, prod"):
        read_gc_profile("staging", gc_file)
    with pytest.raises(ConfigError, match="gc profiles new"):
        read_gc_profile("prod", tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[prod\nenvironment = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_gc_profile("prod", broken)
    typed = tmp_path / "typed.toml"
    typed.write_text("[prod]\nclient_secret = 5\n")
    with pytest.raises(ConfigError, match="client_secret .* must be a string"):
        read_gc_profile("prod", typed)


def test_the_profile_fills_in_what_no_option_or_variable_gives(gc_file):
    cfg = ClientConfig.resolve(profile="prod", profile_path=gc_file, env={})
    assert (cfg.api_url, cfg.login_url) == ("https://api.mypurecloud.com", "https://login.mypurecloud.com")
    assert (cfg.client_id, cfg.client_secret, cfg.access_token) == ("prod-client", "prod-secret", None)
    assert cfg.credentials_source.startswith("profile 'prod' in ")
    # The environment beats the profile: region and credentials alike.
    env = {ENV_REGION: "mypurecloud.de", ENV_CLIENT_ID: "env-client", ENV_CLIENT_SECRET: "env-secret"}
    cfg = ClientConfig.resolve(profile="prod", profile_path=gc_file, env=env)
    assert cfg.api_url == "https://api.mypurecloud.de" and cfg.client_id == "env-client"
    # And an option beats both.
    cfg = ClientConfig.resolve(region="eu-west-2", client_id="flag-client", client_secret="flag-secret", profile="prod", profile_path=gc_file, env=env)
    assert cfg.api_url == "https://api.euw2.pure.cloud" and cfg.client_id == "flag-client"


def test_a_ready_token_is_kept_out_of_repr_and_wins_over_a_client_in_the_same_source(gc_file):
    cfg = ClientConfig.resolve(base_url="http://127.0.0.1:9", env={ENV_ACCESS_TOKEN: "tok-123", ENV_CLIENT_ID: "c", ENV_CLIENT_SECRET: "s"})
    assert cfg.access_token == "tok-123" and cfg.credentials_source == ENV_ACCESS_TOKEN
    assert "tok-123" not in repr(cfg)
    ci = ClientConfig.resolve(profile="ci", profile_path=gc_file, env={})
    assert ci.access_token == "ci-token" and ci.api_url == "https://api.usw2.pure.cloud"  # gc: a token takes precedence


def test_half_a_client_or_a_browser_profile_is_a_config_error_not_a_quiet_fallthrough(gc_file):
    with pytest.raises(ConfigError, match="client secret is missing"):
        ClientConfig.resolve(base_url="http://127.0.0.1:9", profile="prod", profile_path=gc_file, env={ENV_CLIENT_ID: "only-the-id"})
    with pytest.raises(ConfigError, match="signs in through a browser"):
        ClientConfig.resolve(profile="browser", profile_path=gc_file, env={})
    with pytest.raises(ConfigError, match=ENV_ACCESS_TOKEN):
        ClientConfig.resolve(base_url="http://127.0.0.1:9", env={})


def test_the_old_spelling_still_works_a_blank_variable_is_unset_and_an_option_half_takes_the_other_half_from_the_environment():
    env = {ENV_CLIENT_ID: "cid", ENV_CLIENT_SECRET: "sec", ENV_ACCESS_TOKEN: "  "}
    cfg = ClientConfig.resolve(region="mypurecloud.ie", env=env)
    assert (cfg.client_id, cfg.client_secret, cfg.access_token) == ("cid", "sec", None)
    cfg = ClientConfig.resolve(region="mypurecloud.ie", client_id="flag-id", env=env)
    assert (cfg.client_id, cfg.client_secret) == ("flag-id", "sec")


# -- the precedence rule, over every combination of sources ------------------------------------

SOURCES = ("options", "env token", "env client", "profile token", "profile client")


@given(present=st.sets(st.sampled_from(SOURCES)))
def test_credentials_come_from_the_first_source_that_has_any(present):
    env = {}
    if "env token" in present:
        env[ENV_ACCESS_TOKEN] = "env-token"
    if "env client" in present:
        env |= {ENV_CLIENT_ID: "env-id", ENV_CLIENT_SECRET: "env-secret"}
    profile = None
    if present & {"profile token", "profile client"}:
        profile = GcProfile(
            name="p",
            path="config.toml",
            client_id="profile-id" if "profile client" in present else None,
            client_secret="profile-secret" if "profile client" in present else None,
            access_token="profile-token" if "profile token" in present else None,
        )
    options = {"client_id": "opt-id", "client_secret": "opt-secret"} if "options" in present else {"client_id": None, "client_secret": None}
    first = next((s for s in SOURCES if s in present), None)
    if first is None:
        with pytest.raises(ConfigError):
            pick_credentials(env=env, profile=profile, **options)
        return
    got = pick_credentials(env=env, profile=profile, **options)
    expected = {
        "options": ("opt-id", None),
        "env token": ("", "env-token"),
        "env client": ("env-id", None),
        "profile token": ("", "profile-token"),
        "profile client": ("profile-id", None),
    }[first]
    assert (got.client_id, got.access_token) == expected
