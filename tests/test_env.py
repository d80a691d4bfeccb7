"""The typed environment readers of config.env and the DATABASE_URL parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_int, env_list, env_str

NAME = "EQUITY_TEST_SETTING"
BASE_DIR = Path("/srv/equity")


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)


# --- env_str ----------------------------------------------------------------


def test_env_str_reads_the_variable(monkeypatch):
    monkeypatch.setenv(NAME, "value")

    assert env_str(NAME) == "value"
    assert env_str(NAME, "default") == "value"


def test_env_str_falls_back_to_the_default(unset):
    assert env_str(NAME, "default") == "default"


def test_env_str_refuses_unset_variable_without_default(unset):
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_str(NAME)


# --- env_bool ---------------------------------------------------------------


@pytest.mark.parametrize("raw", ["true", "TRUE", " True ", "1", "yes", "on"])
def test_env_bool_reads_true(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)

    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("raw", ["false", "False", "0", "no", "off", ""])
def test_env_bool_reads_false(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)

    assert env_bool(NAME, True) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_falls_back_to_the_default(unset, default):
    assert env_bool(NAME, default) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "oui"])
def test_env_bool_refuses_anything_else_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)

    with pytest.raises(ImproperlyConfigured, match=f"{NAME}='{raw}' is not a boolean"):
        env_bool(NAME, False)


# --- env_int ----------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("42", 42), ("-3", -3), ("0", 0)])
def test_env_int_reads_an_integer(monkeypatch, raw, expected):
    monkeypatch.setenv(NAME, raw)

    assert env_int(NAME, 7) == expected


def test_env_int_falls_back_to_the_default(unset):
    assert env_int(NAME, 7) == 7


@pytest.mark.parametrize("raw", ["x", "4.5", ""])
def test_env_int_refuses_a_non_integer_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)

    with pytest.raises(ImproperlyConfigured, match=f"{NAME}='{raw}' is not an integer"):
        env_int(NAME, 7)


# --- env_list ---------------------------------------------------------------


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv(NAME, " portail.example, ,api.portail.example,, ")

    assert env_list(NAME, ["localhost"]) == ["portail.example", "api.portail.example"]


def test_env_list_falls_back_to_a_copy_of_the_default(unset):
    default = ["localhost"]

    hosts = env_list(NAME, default)
    hosts.append("added")

    assert hosts == ["localhost", "added"]
    assert default == ["localhost"]


# --- database_from_url --------------------------------------------------------


def test_database_from_url_reads_postgres():
    assert database_from_url("postgres://user:pw@host:5433/name", base_dir=BASE_DIR) == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "name",
        "USER": "user",
        "PASSWORD": "pw",
        "HOST": "host",
        "PORT": "5433",
        "CONN_MAX_AGE": 0,
        "OPTIONS": {},
    }


def test_database_from_url_decodes_credentials_and_reads_options():
    database = database_from_url(
        "postgresql://equity:p%40ss%2Fword@db.internal/equity?conn_max_age=60&sslmode=require",
        base_dir=BASE_DIR,
    )

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["USER"], database["PASSWORD"]) == ("equity", "p@ss/word")
    assert (database["HOST"], database["PORT"]) == ("db.internal", "")
    assert database["CONN_MAX_AGE"] == 60
    assert database["OPTIONS"] == {"sslmode": "require"}


def test_database_from_url_puts_a_relative_sqlite_path_under_base_dir():
    assert database_from_url("sqlite:///var/x.sqlite3", base_dir=BASE_DIR) == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/srv/equity/var/x.sqlite3",
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
    }


def test_database_from_url_keeps_an_absolute_sqlite_path():
    database = database_from_url("sqlite:////tmp/abs.sqlite3", base_dir=BASE_DIR)

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == "/tmp/abs.sqlite3"


@pytest.mark.parametrize("url", ["mysql://user:pw@host/name", "redis://localhost:6379/0", ""])
def test_database_from_url_refuses_an_unsupported_scheme(url):
    with pytest.raises(ImproperlyConfigured, match="is not supported"):
        database_from_url(url, base_dir=BASE_DIR)


@pytest.mark.parametrize(
    "url",
    ["postgres://user:pw@host/name?conn_max_age=soon", "postgres://user:pw@host:port/name"],
    ids=["conn-max-age", "port"],
)
def test_database_from_url_refuses_a_malformed_number_as_improperly_configured(url):
    with pytest.raises(ImproperlyConfigured):
        database_from_url(url, base_dir=BASE_DIR)
