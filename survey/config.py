"""Study settings: instrument file, database, closing date and response limit.

Settings come from environment variables, optionally on top of a TOML file; an environment
variable wins over the file. Nothing here imports Streamlit or SQLAlchemy.

=========================  ======================  ===========================================
environment variable       TOML key (``[study]``)  meaning
=========================  ======================  ===========================================
``SMCAP_CONFIG``           —                       path of the TOML file (default ``smcap.toml``
                                                   in the project folder, if it exists)
``SMCAP_INSTRUMENT``       ``instrument``          instrument YAML (default: the shipped one)
``SMCAP_DATABASE_URL``     ``database_url``        SQLAlchemy URL (default: SQLite
                                                   ``data/smcap.db``)
``SMCAP_CLOSES``           ``closes``              ISO date or date-time after which no new
                                                   respondent may start
``SMCAP_MAX_RESPONSES``    ``max_responses``       completed responses after which no new
                                                   respondent may start
=========================  ======================  ===========================================
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from instrument import DEFAULT_INSTRUMENT

PROJECT_DIR = Path(__file__).resolve().parent.parent
#: The embedded database used when no URL is configured.
DEFAULT_DATABASE_PATH = PROJECT_DIR / "data" / "smcap.db"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_DATABASE_PATH}"
DEFAULT_CONFIG_FILE = PROJECT_DIR / "smcap.toml"

_KEYS = {
    "instrument": "SMCAP_INSTRUMENT",
    "database_url": "SMCAP_DATABASE_URL",
    "closes": "SMCAP_CLOSES",
    "max_responses": "SMCAP_MAX_RESPONSES",
}


class SettingsError(ValueError):
    """A setting is malformed; the message names the variable or file key."""


@dataclass(frozen=True)
class Settings:
    """Where the study's instrument and data live, and when it stops taking respondents.

    Attributes
    ----------
    instrument_path : Path
        The instrument YAML file.
    database_url : str
        SQLAlchemy URL (``sqlite:///...`` or ``postgresql+psycopg://...``).
    closes_at : datetime or None
        Aware UTC time from which new respondents are turned away.
    max_responses : int or None
        Number of completed (non-demo) responses from which new respondents are turned away.
    """

    instrument_path: Path
    database_url: str
    closes_at: datetime | None = None
    max_responses: int | None = None

    def is_closed(self, now: datetime) -> bool:
        """True when the closing time has passed at ``now`` (aware datetime)."""
        return self.closes_at is not None and now >= self.closes_at

    def is_full(self, n_completed: int) -> bool:
        """True when ``n_completed`` reaches the response limit."""
        return self.max_responses is not None and n_completed >= self.max_responses


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment and the optional TOML file.

    Parameters
    ----------
    environ : mapping, optional
        Environment to read (default ``os.environ``).

    Returns
    -------
    Settings
        Validated settings; defaults fill what is not given.

    Raises
    ------
    SettingsError
        When the TOML file named by ``SMCAP_CONFIG`` is missing or invalid, or a value cannot
        be parsed (the message names the variable or ``file: [study].key``).

    Notes
    -----
    A closing *date* (``2026-06-30``) keeps the study open through that day in UTC, i.e. it
    closes at ``2026-07-01T00:00Z``; a date-time without an offset is read as UTC.
    """
    env = os.environ if environ is None else environ
    raw: dict[str, tuple[Any, str]] = {}
    config_file = env.get("SMCAP_CONFIG")
    if config_file:
        raw.update(_read_toml(Path(config_file), required=True))
    elif DEFAULT_CONFIG_FILE.exists():
        raw.update(_read_toml(DEFAULT_CONFIG_FILE, required=False))
    for key, var in _KEYS.items():
        value = env.get(var)
        if value is not None and value.strip():
            raw[key] = (value.strip(), var)

    instrument = raw.get("instrument")
    database = raw.get("database_url")
    return Settings(
        instrument_path=Path(instrument[0]) if instrument else DEFAULT_INSTRUMENT,
        database_url=str(database[0]) if database else DEFAULT_DATABASE_URL,
        closes_at=_parse_closes(*raw["closes"]) if "closes" in raw else None,
        max_responses=_parse_max(*raw["max_responses"]) if "max_responses" in raw else None,
    )


def _read_toml(path: Path, *, required: bool) -> dict[str, tuple[Any, str]]:
    if not path.is_file():
        if required:
            raise SettingsError(f"SMCAP_CONFIG: settings file {path} not found")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read settings: {exc}") from None
    study = data.get("study", {})
    if not isinstance(study, dict):
        raise SettingsError(f"{path}: [study] must be a table")
    unknown = sorted(set(study) - set(_KEYS))
    if unknown:
        raise SettingsError(
            f"{path}: unknown key(s) {unknown} in [study]; allowed: {sorted(_KEYS)}"
        )
    return {key: (value, f"{path}: [study].{key}") for key, value in study.items()}


def _parse_closes(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        parsed: date | datetime = value
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = (
                date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
            )
        except ValueError:
            raise SettingsError(
                f"{where}: closing date {value!r} is not an ISO date (2026-06-30) or "
                "date-time (2026-06-30T18:00+01:00)"
            ) from None
    else:
        raise SettingsError(f"{where}: closing date must be a date, got {value!r}")
    if not isinstance(parsed, datetime):
        return datetime.combine(parsed + timedelta(days=1), time(0, 0), tzinfo=UTC)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_max(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise SettingsError(f"{where}: maximum responses must be a whole number, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError(
            f"{where}: maximum responses must be a whole number, got {value!r}"
        ) from None
    if number != value and not isinstance(value, str):
        raise SettingsError(f"{where}: maximum responses must be a whole number, got {value!r}")
    if number < 1:
        raise SettingsError(f"{where}: maximum responses must be at least 1, got {number}")
    return number
