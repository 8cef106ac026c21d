"""Settings: validated at start-up, every error naming its variable, no silent default keys."""

from __future__ import annotations

import pytest

from optout import create_app
from optout.config import ConfigError

GOOD = {
    "OPTOUT_SECRET_KEYS": "k" * 40,
    "OPTOUT_ID_KEY": "i" * 40,
    "OPTOUT_BASE_URL": "https://optout.example.no",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in ("OPTOUT_SECRET_KEYS", "OPTOUT_ID_KEY", "OPTOUT_BASE_URL", "OPTOUT_DATABASE_URL", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"OPTOUT_SECRET_KEYS": ""}, "OPTOUT_SECRET_KEYS"),
        ({"OPTOUT_ID_KEY": ""}, "OPTOUT_ID_KEY"),
        ({"OPTOUT_SECRET_KEYS": "short"}, "OPTOUT_SECRET_KEYS"),
        ({"OPTOUT_ID_KEY": f"{'a' * 40} {'b' * 40}"}, "OPTOUT_ID_KEY"),
        ({"OPTOUT_BASE_URL": ""}, "OPTOUT_BASE_URL"),
        ({"OPTOUT_BASE_URL": "http://optout.example.no"}, "OPTOUT_BASE_URL"),
        ({"OPTOUT_BASE_URL": "optout.example.no"}, "OPTOUT_BASE_URL"),
        ({"OPTOUT_POLICY_DATE": "28.02.2020"}, "OPTOUT_POLICY_DATE"),
    ],
)
def test_production_start_up_errors_name_the_variable(tmp_path, change, variable):
    with pytest.raises(ConfigError, match=variable):
        create_app({**GOOD, **change, "OPTOUT_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_environment_variables_are_read(tmp_path, monkeypatch):
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPTOUT_OFFICER_EMAIL", "personvern@example.no")
    monkeypatch.setenv("OPTOUT_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    settings = create_app().extensions["optout.settings"]
    assert settings.officer.email == "personvern@example.no"
    assert settings.officer.organisation == "Mesier AS" and settings.policy_version == "2020-02-28"
    assert settings.base_url == "https://optout.example.no"


def test_development_generates_keys_once_and_keeps_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = create_app({"DEBUG": True, "OPTOUT_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    second = create_app({"DEBUG": True, "OPTOUT_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    one, two = first.extensions["optout.settings"], second.extensions["optout.settings"]
    assert one.secret_keys == two.secret_keys and one.id_key == two.id_key
    assert len(one.secret_keys[0]) >= 32
    assert one.base_url == "http://127.0.0.1:5000"


def test_postgres_urls_use_psycopg_3():
    from optout.db import normalize_url

    assert normalize_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def _officer(tmp_path, **change):
    app = create_app({**GOOD, **change, "OPTOUT_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    return app.extensions["optout.settings"].officer


def test_the_contact_block_defaults_per_language(tmp_path):
    officer = _officer(tmp_path)
    assert (officer.attention_in("nb"), officer.attention_in("en")) == (
        "Att.: Personvernansvarlig",
        "Attn: Privacy Officer",
    )
    assert (officer.country_in("nb"), officer.country_in("en")) == ("Norge", "Norway")
    assert officer.phone == "+47 98 26 05 80"


def test_the_old_single_setting_is_the_value_for_both_languages_unless_one_is_given(tmp_path):
    officer = _officer(
        tmp_path,
        OPTOUT_OFFICER_ATTENTION="Personvernombudet",
        OPTOUT_OFFICER_COUNTRY="Noreg",
        OPTOUT_OFFICER_COUNTRY_EN="Norway",
    )
    assert officer.attention_in("nb") == officer.attention_in("en") == "Personvernombudet"
    assert (officer.country_in("nb"), officer.country_in("en")) == ("Noreg", "Norway")


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"OPTOUT_OFFICER_ATTENTION_NB": " "}, "OPTOUT_OFFICER_ATTENTION_NB"),
        ({"OPTOUT_OFFICER_ATTENTION_EN": "Attn:\nsomeone"}, "OPTOUT_OFFICER_ATTENTION_EN"),
        ({"OPTOUT_OFFICER_COUNTRY_EN": "N" * 201}, "OPTOUT_OFFICER_COUNTRY_EN"),
        ({"OPTOUT_OFFICER_EMAIL": ""}, "OPTOUT_OFFICER_EMAIL"),
        ({"OPTOUT_OFFICER_PHONE": "ring oss"}, "OPTOUT_OFFICER_PHONE"),
        ({"OPTOUT_OFFICER_PHONE": "+47"}, "OPTOUT_OFFICER_PHONE"),
    ],
)
def test_contact_settings_are_validated(tmp_path, change, variable):
    with pytest.raises(ConfigError, match=variable):
        _officer(tmp_path, **change)


def test_a_country_may_be_left_out(tmp_path):
    assert _officer(tmp_path, OPTOUT_OFFICER_COUNTRY_NB="").country_in("nb") == ""


def test_development_keeps_a_country_left_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app(
        {"DEBUG": True, "OPTOUT_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "OPTOUT_OFFICER_COUNTRY_NB": ""}
    )
    officer = app.extensions["optout.settings"].officer
    assert (officer.country_in("nb"), officer.country_in("en")) == ("", "Norway")
