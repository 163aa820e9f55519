"""The gc profile file is read only when it is a bounded regular file, and its exposure is said (#25 §8b)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from structlog.testing import capture_logs
from test_credentials import GC_CONFIG

from bulkops.client.connect import gcprofile
from bulkops.client.connect.gcprofile import MAX_PROFILE_BYTES, read_gc_profile
from bulkops.errors import ConfigError


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(gcprofile, "_warned", set())


def private(path: Path, text: str = GC_CONFIG) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_a_fifo_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    done: list[BaseException] = []

    def read() -> None:
        try:
            read_gc_profile("prod", fifo)
        except BaseException as exc:
            done.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(30)  # it returns at once; the bound only keeps a regression from hanging the suite
    if reader.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # free the stuck reader
        pytest.fail("reading a FIFO as the gc profile file blocked")
    assert isinstance(done[0], ConfigError) and "not a regular file" in str(done[0])


def test_a_link_to_dev_zero_is_refused(tmp_path):
    link = tmp_path / "config.toml"
    link.symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match="not a regular file"):
        read_gc_profile("prod", link)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not a regular file|cannot read"):
        read_gc_profile("prod", tmp_path)


def test_a_file_over_the_bound_is_refused_but_one_at_the_bound_is_read(tmp_path):
    padding = "#" * (MAX_PROFILE_BYTES - len(GC_CONFIG.encode()) - 1) + "\n"
    at_bound = private(tmp_path / "at.toml", GC_CONFIG + padding)
    assert at_bound.stat().st_size == MAX_PROFILE_BYTES
    assert read_gc_profile("prod", at_bound).client_id == "prod-client"
    over = private(tmp_path / "over.toml", GC_CONFIG + padding + "#")
    with pytest.raises(ConfigError, match="over 1 MB"):
        read_gc_profile("prod", over)


def test_a_link_to_a_regular_file_is_followed(tmp_path):
    real = private(tmp_path / "real.toml")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    assert read_gc_profile("prod", link).client_secret == "prod-secret"


def test_a_private_file_is_read_without_a_word(tmp_path):
    path = private(tmp_path / "config.toml")
    with capture_logs() as logs:
        read_gc_profile("prod", path)
    assert logs == []


@pytest.mark.parametrize(
    ("mode", "profile", "problem"),
    [
        (0o666, "prod", "can be changed by other users"),
        (0o620, "browser", "can be changed by other users"),  # no secret, but others choose where credentials go
        (0o604, "prod", "holds a secret other users can read"),
        (0o640, "ci", "holds a secret other users can read"),
    ],
)
def test_an_exposed_file_is_warned_about_once(tmp_path, mode, profile, problem):
    path = private(tmp_path / "config.toml")
    path.chmod(mode)
    with capture_logs() as logs:
        read_gc_profile(profile, path)
        read_gc_profile(profile, path)
    assert [(e["event"], e["problem"], e["mode"], e["log_level"]) for e in logs] == [("gcprofile.exposed", problem, f"{mode:04o}", "warning")]
    assert f"chmod 600 {path}" == logs[0]["fix"]
    assert not any("secret" in str(v) and "prod-secret" in str(v) for e in logs for v in e.values())


def test_a_readable_file_without_a_secret_is_not_warned_about(tmp_path):
    path = private(tmp_path / "config.toml", '[browser]\nenvironment = "mypurecloud.com"\nclient_credentials = "c"\ngrant_type = "2"\n')
    path.chmod(0o644)
    with capture_logs() as logs:
        read_gc_profile("browser", path)
    assert logs == []
