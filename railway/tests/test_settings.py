"""Settings come from the environment, fail fast on bad values, and are safe in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from railway.env import env_bool, env_int, env_list

PROJECT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "railway.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_reads_typed_values(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    monkeypatch.setenv("X_COUNT", "42")
    monkeypatch.setenv("X_HOSTS", "a.example, b.example,")
    assert env_bool("X_FLAG") is True
    assert env_int("X_COUNT", 1) == 42
    assert env_list("X_HOSTS", []) == ["a.example", "b.example"]


@pytest.mark.parametrize(("reader", "value"), [(env_bool, "maybe"), (env_int, "ten")])
def test_it_refuses_malformed_values_by_name(monkeypatch, reader, value):
    monkeypatch.setenv("X_SETTING", value)
    with pytest.raises(ImproperlyConfigured, match="X_SETTING"):
        reader("X_SETTING", 1) if reader is env_int else reader("X_SETTING")


def test_it_refuses_to_start_in_production_without_a_secret_key():
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    "behind_proxy", [{}, {"SECURE_PROXY_SSL_HEADER": "1"}], ids=["direct", "behind a proxy"]
)
def test_production_settings_pass_the_deploy_check(behind_proxy):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-production-like-secret-" + "x" * 40,
        ALLOWED_HOSTS="rail.example.com",
        **behind_proxy,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 1000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize("value", ["0", "-5", "twenty"])
def test_it_refuses_a_seat_cap_that_is_not_a_positive_integer(value):
    result = run_manage("check", DEBUG="1", BOOKING_MAX_SEATS_PER_USER_PER_TRAIN=value)
    assert result.returncode != 0
    assert "BOOKING_MAX_SEATS_PER_USER_PER_TRAIN" in result.stderr
