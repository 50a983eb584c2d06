"""Study settings from environment variables and the TOML file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from instrument import DEFAULT_INSTRUMENT
from survey import config as config_module
from survey.config import DEFAULT_DATABASE_URL, SettingsError, load_settings


@pytest.fixture(autouse=True)
def no_project_settings_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep a local ``smcap.toml`` in the project folder out of these tests."""
    monkeypatch.setattr(config_module, "DEFAULT_CONFIG_FILE", tmp_path / "absent.toml")


def test_project_settings_file_is_read_when_present(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    local = tmp_path / "smcap.toml"
    local.write_text('[study]\ndatabase_url = "sqlite:////tmp/x.db"\n', encoding="utf-8")
    monkeypatch.setattr(config_module, "DEFAULT_CONFIG_FILE", local)
    assert load_settings({}).database_url == "sqlite:////tmp/x.db"


def test_defaults_are_the_shipped_instrument_and_the_embedded_sqlite_file() -> None:
    settings = load_settings({})
    assert settings.instrument_path == DEFAULT_INSTRUMENT
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith(
        "data/smcap.db"
    )
    assert settings.closes_at is None and settings.max_responses is None
    assert not settings.is_closed(datetime.now(UTC)) and not settings.is_full(10**6)


def test_environment_variables_are_read() -> None:
    settings = load_settings(
        {
            "SMCAP_INSTRUMENT": "/x/inst.yaml",
            "SMCAP_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "SMCAP_CLOSES": "2026-06-30",
            "SMCAP_MAX_RESPONSES": "250",
        }
    )
    assert settings.instrument_path == Path("/x/inst.yaml")
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    # a date keeps the study open through that day (UTC)
    assert settings.closes_at == datetime(2026, 7, 1, tzinfo=UTC)
    assert not settings.is_closed(datetime(2026, 6, 30, 23, 59, tzinfo=UTC))
    assert settings.is_closed(datetime(2026, 7, 1, tzinfo=UTC))
    assert settings.max_responses == 250
    assert not settings.is_full(249) and settings.is_full(250)


def test_datetime_with_offset_is_converted_to_utc() -> None:
    settings = load_settings({"SMCAP_CLOSES": "2026-06-30T18:00+02:00"})
    assert settings.closes_at == datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
    naive = load_settings({"SMCAP_CLOSES": "2026-06-30T18:00"})
    assert naive.closes_at == datetime(2026, 6, 30, 18, 0, tzinfo=UTC)


def test_toml_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "study.toml"
    config.write_text(
        '[study]\ninstrument = "/a.yaml"\ncloses = 2026-01-31\nmax_responses = 40\n',
        encoding="utf-8",
    )
    settings = load_settings({"SMCAP_CONFIG": str(config)})
    assert settings.instrument_path == Path("/a.yaml")
    assert settings.closes_at == datetime(2026, 2, 1, tzinfo=UTC)
    assert settings.max_responses == 40
    both = load_settings({"SMCAP_CONFIG": str(config), "SMCAP_MAX_RESPONSES": "7"})
    assert both.max_responses == 7 and both.instrument_path == Path("/a.yaml")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SMCAP_CLOSES": "next friday"}, "SMCAP_CLOSES: closing date 'next friday'"),
        ({"SMCAP_MAX_RESPONSES": "many"}, "SMCAP_MAX_RESPONSES: maximum responses must be"),
        ({"SMCAP_MAX_RESPONSES": "0"}, "SMCAP_MAX_RESPONSES: maximum responses must be at least 1"),
        ({"SMCAP_CONFIG": "/nonexistent/smcap.toml"}, "SMCAP_CONFIG: settings file"),
    ],
)
def test_malformed_settings_name_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(".", r"\.")):
        load_settings(environ)


def test_toml_errors_name_the_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "study.toml"
    config.write_text("[study]\nmax_respones = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"study\.toml: unknown key\(s\) \['max_respones'\]"):
        load_settings({"SMCAP_CONFIG": str(config)})
    config.write_text("[study]\nmax_responses = 2.5\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\[study\]\.max_responses: maximum responses"):
        load_settings({"SMCAP_CONFIG": str(config)})
    config.write_text("[study\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="cannot read settings"):
        load_settings({"SMCAP_CONFIG": str(config)})
