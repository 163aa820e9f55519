"""How an administrator gives a pool of OAuth clients: GENESYSCLOUD_OAUTHCLIENT_ID_n/_SECRET_n
(n = 2..9) and --pool-profile NAME; every mistake is a ConfigError before any request."""

from __future__ import annotations

import pytest

from bulkops.cli.support.common import client_config
from bulkops.client import ClientConfig
from bulkops.client.connect.poolconfig import MAX_POOL, env_names, pool_members
from bulkops.errors import ConfigError

PRIMARY = ClientConfig.resolve(region="mypurecloud.ie", client_id="main", client_secret="main-secret", env={}, rps=5)


def gc_file(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_pool_without_its_variables_or_profiles():
    assert pool_members(PRIMARY, env={"GENESYSCLOUD_OAUTHCLIENT_ID": "x", "GENESYSCLOUD_OAUTHCLIENT_SECRET": "y"}) == ()


def test_numbered_variables_give_clients_with_the_primarys_settings():
    env = {
        "GENESYSCLOUD_OAUTHCLIENT_ID_2": "two",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET_2": "s2",
        "GENESYSCLOUD_OAUTHCLIENT_ID_4": " four ",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET_4": "s4",
    }
    members = pool_members(PRIMARY, env=env)
    assert [(m.client_id, m.client_secret) for m in members] == [("two", "s2"), ("four", "s4")]
    assert all(m.api_url == PRIMARY.api_url and m.login_url == PRIMARY.login_url and m.rps == 5 for m in members)
    assert members[0].credentials_source == "GENESYSCLOUD_OAUTHCLIENT_ID_2/GENESYSCLOUD_OAUTHCLIENT_SECRET_2"
    assert "s2" not in repr(members) and "s4" not in repr(members)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GENESYSCLOUD_OAUTHCLIENT_ID_3": "three"}, "GENESYSCLOUD_OAUTHCLIENT_SECRET_3 is missing"),
        ({"GENESYSCLOUD_OAUTHCLIENT_SECRET_2": "s"}, "GENESYSCLOUD_OAUTHCLIENT_ID_2 is missing"),
        ({"GENESYSCLOUD_OAUTHCLIENT_ID_2": "main", "GENESYSCLOUD_OAUTHCLIENT_SECRET_2": "s"}, "'main' is given twice"),
        (
            {
                "GENESYSCLOUD_OAUTHCLIENT_ID_2": "x",
                "GENESYSCLOUD_OAUTHCLIENT_SECRET_2": "s",
                "GENESYSCLOUD_OAUTHCLIENT_ID_3": "x",
                "GENESYSCLOUD_OAUTHCLIENT_SECRET_3": "t",
            },
            "'x' is given twice",
        ),
    ],
)
def test_half_a_client_or_the_same_client_twice_is_refused(env, message):
    with pytest.raises(ConfigError, match=message):
        pool_members(PRIMARY, env=env)


def test_pool_profiles_are_read_from_the_gc_cli_config(tmp_path):
    path = gc_file(
        tmp_path,
        """
[night]
environment = "mypurecloud.ie"
client_credentials = "night-id"
client_secret = "night-secret"

[spare]
client_credentials = "spare-id"
client_secret = "spare-secret"
""",
    )
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID_2": "two", "GENESYSCLOUD_OAUTHCLIENT_SECRET_2": "s2"}
    members = pool_members(PRIMARY, env=env, profiles=["night", "spare"], profile_path=path)
    assert [m.client_id for m in members] == ["two", "night-id", "spare-id"]
    assert members[1].credentials_source.startswith("--pool-profile night")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('environment = "mypurecloud.com"\nclient_credentials = "a"\nclient_secret = "b"', "every client of a pool must be of the same org"),
        ('grant_type = "3"\nclient_credentials = "a"', "signs in through a browser"),
        ('access_token = "tok"', "must be an OAuth client"),
        ('client_credentials = "main"\nclient_secret = "b"', "'main' is given twice"),
    ],
)
def test_a_pool_profile_in_another_region_or_without_a_client_is_refused(tmp_path, table, message):
    path = gc_file(tmp_path, f"[other]\n{table}\n")
    with pytest.raises(ConfigError, match=message):
        pool_members(PRIMARY, env={}, profiles=["other"], profile_path=path)


def test_a_pool_holds_at_most_nine_clients(tmp_path):
    env = {}
    for n in range(2, MAX_POOL + 1):
        id_name, secret_name = env_names(n)
        env |= {id_name: f"c{n}", secret_name: f"s{n}"}
    assert len(pool_members(PRIMARY, env=env)) == MAX_POOL - 1
    path = gc_file(tmp_path, '[tenth]\nclient_credentials = "c10"\nclient_secret = "s10"\n')
    with pytest.raises(ConfigError, match="at most 9"):
        pool_members(PRIMARY, env=env, profiles=["tenth"], profile_path=path)


def test_only_a_command_that_offers_a_pool_reads_one(monkeypatch):
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID_2", "two")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET_2", "s2")
    kw = {"region": "mypurecloud.ie", "client_id": "main", "client_secret": "main-secret", "rps": 5.0}
    assert client_config(kw).pool == ()  # plan, verify, ...: no --pool-profile, no pool
    pooled = client_config(kw | {"pool_profile": ()})
    assert [m.client_id for m in pooled.pool] == ["two"]
    monkeypatch.delenv("GENESYSCLOUD_OAUTHCLIENT_SECRET_2")
    with pytest.raises(ConfigError, match="SECRET_2 is missing"):
        client_config(kw | {"pool_profile": ()})
