"""Settings come from the environment, fail fast on bad values, and are safe in production."""

import subprocess

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from railway.env import env_bool, env_cache, env_int, env_list, env_rate
from railway.tests.management import run_manage


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


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "a-production-like-secret-" + "x" * 40}
PRINT_LIMITS = (
    "from django.conf import settings as s; r = s.REST_FRAMEWORK; "
    "print(sorted(r['DEFAULT_THROTTLE_RATES'].items()), r['NUM_PROXIES'], "
    "s.TOKEN_TTL_HOURS, s.TOKENS_PER_USER_MAX, s.CACHES['default']['BACKEND'])"
)


def run_python(script: str, **env: str) -> subprocess.CompletedProcess:
    return run_manage("shell", "--no-imports", "-c", script, **PRODUCTION, **env)


def test_production_settings_hash_new_passwords_with_argon2():
    script = "from django.contrib.auth.hashers import make_password; print(make_password('a-passphrase'))"

    result = run_python(script)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("argon2$argon2id$")


def test_every_limit_is_read_from_the_environment():
    limits = {
        "THROTTLE_LOGIN_PER_ADDRESS": "1/s",
        "THROTTLE_LOGIN_PER_USERNAME": "2/minute",
        "THROTTLE_REGISTER_PER_ADDRESS": "3/hour",
        "THROTTLE_REGISTER_PER_USERNAME": "4/day",
        "THROTTLE_BOOKING_PER_USER": "5/min",
        "THROTTLE_STATION_SEARCH_PER_USER": "8/hour",
        "THROTTLE_PNR_PER_USER": "9/minute",
        "NUM_PROXIES": "2",
        "TOKEN_TTL_HOURS": "6",
        "TOKENS_PER_USER_MAX": "7",
        "CACHE_URL": "redis://cache.internal:6379/1",
    }

    result = run_python(PRINT_LIMITS, **limits)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "[('booking_user', '5/m'), ('login_address', '1/s'), ('login_username', '2/m'), ('pnr_user', '9/m'), "
        "('register_address', '3/h'), ('register_username', '4/d'), ('station_search_user', '8/h')] 2 6 7 "
        "django.core.cache.backends.redis.RedisCache"
    )


def test_the_default_limits_are_the_documented_ones():
    unset = {name: "" for name in ("NUM_PROXIES", "TOKEN_TTL_HOURS", "TOKENS_PER_USER_MAX", "CACHE_URL")}
    for action in ("LOGIN", "REGISTER"):
        unset |= {f"THROTTLE_{action}_PER_ADDRESS": "", f"THROTTLE_{action}_PER_USERNAME": ""}

    result = run_python(
        PRINT_LIMITS,
        **unset,
        THROTTLE_BOOKING_PER_USER="",
        THROTTLE_STATION_SEARCH_PER_USER="",
        THROTTLE_PNR_PER_USER="",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "[('booking_user', '30/m'), ('login_address', '30/m'), ('login_username', '5/m'), "
        "('pnr_user', '60/m'), "
        "('register_address', '20/h'), ('register_username', '10/h'), ('station_search_user', '300/m')] "
        "0 168 10 "
        "django.core.cache.backends.locmem.LocMemCache"
    )


@pytest.mark.parametrize("value", ["5", "5/fortnight", "0/min", "-1/min", "five/min", "5 / min"])
def test_it_refuses_a_malformed_rate_by_name(monkeypatch, value):
    monkeypatch.setenv("X_RATE", value)
    with pytest.raises(ImproperlyConfigured, match="X_RATE"):
        env_rate("X_RATE", "1/min")


def test_it_reads_a_cache_url(monkeypatch):
    monkeypatch.setenv("X_CACHE", "rediss://cache.internal:6380/2")
    assert env_cache("X_CACHE")["LOCATION"] == "rediss://cache.internal:6380/2"
    monkeypatch.setenv("X_CACHE", "memcached://cache.internal")
    with pytest.raises(ImproperlyConfigured, match="X_CACHE"):
        env_cache("X_CACHE")


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


PRINT_DATABASES = (
    "from django.conf import settings as s; d = s.DATABASES; "
    "print(sorted(d), s.AVAILABILITY_FROM_REPLICA, d['replica']['HOST'] if 'replica' in d else None, "
    "sorted(d['default']['OPTIONS'].items()), s.DB_LOCK_TIMEOUT_MS, s.DB_STATEMENT_TIMEOUT_MS)"
)
POSTGRES = "postgres://app@db.internal:5432/railway"


def test_postgresql_bounds_lock_waits_at_3_s_and_statements_at_15_s_by_default():
    unset = {"DB_LOCK_TIMEOUT_MS": "", "DB_STATEMENT_TIMEOUT_MS": "", "DB_CONNECT_TIMEOUT_S": ""}

    result = run_python(PRINT_DATABASES, DATABASE_URL=POSTGRES, DATABASE_REPLICA_URL="", **unset)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "['default']",
        "False",
        "None",
        "[('connect_timeout',",
        "5)]",
        "3000",
        "15000",
    ]


def test_postgresql_sessions_start_with_no_options_a_pooler_would_refuse():
    result = run_python(
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], list(d['OPTIONS']), d['DISABLE_SERVER_SIDE_CURSORS'])",
        DATABASE_URL=POSTGRES,
        DATABASE_REPLICA_URL="",
    )

    assert result.returncode == 0, result.stderr
    # The timeouts are the role's defaults on the server (railway/db/timeouts.py), not `options`.
    assert result.stdout.split() == ["railway.db.postgresql", "['connect_timeout']", "True"]


def test_a_replica_url_adds_a_replica_for_the_search_which_a_setting_can_switch_off():
    replica = "postgres://reader@replica.internal:5432/railway"

    on = run_python(
        PRINT_DATABASES, DATABASE_URL=POSTGRES, DATABASE_REPLICA_URL=replica, DB_LOCK_TIMEOUT_MS="700"
    )
    off = run_python(
        PRINT_DATABASES, DATABASE_URL=POSTGRES, DATABASE_REPLICA_URL=replica, AVAILABILITY_FROM_REPLICA="0"
    )

    assert on.returncode == off.returncode == 0, on.stderr + off.stderr
    assert on.stdout.split()[:4] == ["['default',", "'replica']", "True", "replica.internal"]
    assert on.stdout.split()[-2] == "700"
    assert off.stdout.split()[:3] == ["['default',", "'replica']", "False"]
