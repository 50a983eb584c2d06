"""Dashboard accounts: argon2 hashes from configuration, demo accounts, rate-limited log-ins."""

from __future__ import annotations

import io
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from survey import auth
from survey.auth import (
    BASE_DELAY,
    CLIENT_FREE_FAILURES,
    FREE_FAILURES,
    GLOBAL_LIMIT,
    GLOBAL_WINDOW,
    MAX_DELAY,
    RESET_AFTER,
    AuthConfigError,
    User,
    attempt_login,
    ensure_demo_accounts,
    hash_password,
    load_users,
    lock_seconds,
    verify_password,
)
from survey.config import DEFAULT_DATABASE_URL
from survey.db import LoginAttempt

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture(scope="module")
def users() -> dict[str, User]:
    # cheap argon2 parameters keep the log-in tests fast; the parameters travel in the hash
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    return {
        "alice": User("alice", "researcher", cheap),
        "rita": User("rita", "reviewer", cheap),
    }


def attempts_row(engine: Engine, name: str) -> dict | None:
    table = LoginAttempt.__table__
    with engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.user_name == name)).mappings().first()
    return dict(row) if row else None


# --------------------------------------------------------------------------- passwords
def test_hash_is_salted_argon2id_and_verifies(password_hash: str) -> None:
    assert password_hash.startswith("$argon2id$")
    assert password_hash != hash_password(PASSWORD)  # a new salt every time
    assert verify_password(password_hash, PASSWORD)
    assert not verify_password(password_hash, PASSWORD + "!")
    assert not verify_password("not a hash", PASSWORD)


def test_short_passwords_are_refused() -> None:
    with pytest.raises(ValueError, match="password: use at least 8 characters"):
        hash_password("short")


# --------------------------------------------------------------------------- accounts
def test_accounts_from_secrets_and_environment(password_hash: str) -> None:
    secrets = {"auth": {"users": {"Alice": {"role": "reviewer", "password_hash": password_hash}}}}
    env = {"SMCAP_USER_BOB": f"researcher:{password_hash}"}
    users = load_users(secrets, env)
    assert set(users) == {"alice", "bob"}
    assert users["alice"].role == "reviewer" and users["bob"].role == "researcher"
    assert users["bob"].source == "SMCAP_USER_BOB"
    # an environment variable wins over the secrets file
    env["SMCAP_USER_ALICE"] = f"researcher:{password_hash}"
    assert load_users(secrets, env)["alice"].role == "researcher"
    assert load_users(None, {}) == {}  # nothing configured: nobody can log in


@pytest.mark.parametrize(
    ("secrets", "env", "message"),
    [
        ({}, {"SMCAP_USER_EVE": "admin:$argon2id$x"}, "SMCAP_USER_EVE: role 'admin' is not"),
        ({}, {"SMCAP_USER_EVE": "researcher:plaintext"}, "must be an argon2 hash"),
        ({}, {"SMCAP_USER_EVE": "$argon2id$x"}, r"SMCAP_USER_EVE: expected '<role>:<argon2"),
        (
            {"auth": {"users": {"9lives": {"role": "reviewer", "password_hash": "$argon2id$"}}}},
            {},
            r"\[auth.users.9lives\]: user name '9lives' must start with a letter",
        ),
        ({"auth": {"users": {"eve": "x"}}}, {}, r"\[auth.users.eve\] must be a table"),
        ({"auth": {"users": ["eve"]}}, {}, r"\[auth.users\] must be a table"),
    ],
)
def test_misconfigured_accounts_are_named(secrets: dict, env: dict, message: str) -> None:
    with pytest.raises(AuthConfigError, match=message):
        load_users(secrets, env)


def test_demo_accounts_only_in_demo_mode_with_the_demo_database(tmp_path: Path) -> None:
    path = tmp_path / "demo_accounts.toml"
    passwords = ensure_demo_accounts(path)
    assert set(passwords) == {"researcher", "reviewer"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_demo_accounts(path) == passwords  # kept, so `make run` prints the same ones
    demo = {"SMCAP_DEMO": "1"}
    users = load_users({}, demo, database_url=DEFAULT_DATABASE_URL, demo_file=path)
    assert {u.role for u in users.values()} == {"researcher", "reviewer"}
    assert verify_password(users["reviewer"].password_hash, passwords["reviewer"])
    # not without SMCAP_DEMO, and never with a study database
    assert load_users({}, {}, database_url=DEFAULT_DATABASE_URL, demo_file=path) == {}
    study = "postgresql+psycopg://smcap@db/study"
    assert load_users({}, demo, database_url=study, demo_file=path) == {}


def test_broken_demo_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "demo_accounts.toml"
    path.write_text("[auth.users.researcher\n", encoding="utf-8")
    with pytest.raises(AuthConfigError, match="cannot read the demo accounts"):
        load_users({}, {"SMCAP_DEMO": "1"}, demo_file=path)


# --------------------------------------------------------------------------- rate limit
def test_lock_grows_exponentially_after_the_free_failures() -> None:
    assert [lock_seconds(f) for f in range(1, FREE_FAILURES + 1)] == [0.0] * FREE_FAILURES
    assert lock_seconds(FREE_FAILURES + 1) == BASE_DELAY
    assert lock_seconds(FREE_FAILURES + 2) == 2 * BASE_DELAY
    assert lock_seconds(FREE_FAILURES + 3) == 4 * BASE_DELAY
    assert lock_seconds(FREE_FAILURES + 50) == MAX_DELAY


def test_login_succeeds_and_clears_the_count(survey_engine: Engine, users: dict) -> None:
    wrong = attempt_login(survey_engine, users, "alice", "nope", now=T0)
    assert not wrong.ok and wrong.message == "Wrong user name or password."
    assert attempts_row(survey_engine, "alice")["failures"] == 1
    result = attempt_login(survey_engine, users, "  Alice ", PASSWORD, now=T0)
    assert result.ok and result.user.role == "researcher"
    assert attempts_row(survey_engine, "alice") is None


def test_repeated_failures_lock_the_name_even_for_the_right_password(
    survey_engine: Engine, users: dict
) -> None:
    for _ in range(FREE_FAILURES):
        result = attempt_login(survey_engine, users, "rita", "guess", now=T0)
        assert result.wait_seconds == 0
    result = attempt_login(survey_engine, users, "rita", "guess", now=T0)
    assert result.wait_seconds == BASE_DELAY
    assert "Too many failed attempts: please wait 5 seconds" in result.message
    # during the lock not even the right password is checked
    locked = attempt_login(survey_engine, users, "rita", PASSWORD, now=T0 + timedelta(seconds=2))
    assert not locked.ok and locked.wait_seconds == 3
    assert "please wait 3 seconds before trying again" in locked.message
    # after it, the next failure doubles the wait
    later = T0 + timedelta(seconds=BASE_DELAY)
    result = attempt_login(survey_engine, users, "rita", "guess", now=later)
    assert result.wait_seconds == 2 * BASE_DELAY
    assert attempt_login(survey_engine, users, "rita", PASSWORD, now=later + timedelta(10)).ok


def test_unknown_names_are_counted_and_answered_alike(survey_engine: Engine, users: dict) -> None:
    known = attempt_login(survey_engine, users, "alice", "guess", now=T0)
    unknown = attempt_login(survey_engine, users, "mallory", "guess", now=T0)
    assert known.message == unknown.message
    assert attempts_row(survey_engine, "mallory")["failures"] == 1


def test_an_idle_count_starts_afresh_and_is_pruned(survey_engine: Engine, users: dict) -> None:
    for _ in range(FREE_FAILURES + 1):
        attempt_login(survey_engine, users, "rita", "guess", now=T0)
    later = T0 + RESET_AFTER + timedelta(seconds=1)
    result = attempt_login(survey_engine, users, "rita", "guess", now=later)
    assert result.wait_seconds == 0 and attempts_row(survey_engine, "rita")["failures"] == 1
    attempt_login(survey_engine, users, "mallory", "guess", now=T0)
    attempt_login(survey_engine, users, "alice", "guess", now=later)
    assert attempts_row(survey_engine, "mallory") is None  # pruned by a later attempt


def test_empty_input_is_not_counted(survey_engine: Engine, users: dict) -> None:
    result = attempt_login(survey_engine, users, " ", "", now=T0)
    assert result.message == "Please enter your user name and password."
    assert attempts_row(survey_engine, "") is None


def test_parallel_guesses_cannot_outrun_the_limit(survey_engine: Engine, users: dict) -> None:
    """Every attempt is counted before its password is checked, so a burst is limited too."""
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(
            pool.map(lambda _: attempt_login(survey_engine, users, "alice", "x", now=T0), range(12))
        )
    checked = [r for r in results if r.message.startswith("Wrong user name or password")]
    assert len(checked) == FREE_FAILURES + 1
    assert attempts_row(survey_engine, "alice")["failures"] == FREE_FAILURES + 1


def test_new_names_are_throttled_by_the_global_limit(
    survey_engine: Engine, users: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified = []
    check = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda h, p: verified.append(1) or check(h, p))
    results = [
        attempt_login(survey_engine, users, f"name{i}", "guess", now=T0 + timedelta(seconds=i / 10))
        for i in range(3 * GLOBAL_LIMIT)
    ]
    assert len(verified) == GLOBAL_LIMIT  # the rest are refused unchecked
    busy = results[-1]
    assert not busy.ok and 0 < busy.wait_seconds <= GLOBAL_WINDOW.total_seconds()
    assert busy.message.startswith("Too many log-in attempts on this site just now: please wait")
    # the right password waits too, for at most the window; then it works
    assert not attempt_login(
        survey_engine, users, "alice", PASSWORD, now=T0 + timedelta(seconds=9)
    ).ok
    after = T0 + GLOBAL_WINDOW + timedelta(seconds=1)
    assert attempt_login(survey_engine, users, "alice", PASSWORD, now=after).ok


def test_a_name_locked_from_one_client_stays_open_to_another(
    survey_engine: Engine, users: dict
) -> None:
    for _ in range(FREE_FAILURES + 3):
        attempt_login(survey_engine, users, "rita", "guess", client="203.0.113.9", now=T0)
    locked = attempt_login(survey_engine, users, "rita", PASSWORD, client="203.0.113.9", now=T0)
    assert not locked.ok and "for this user name" in locked.message
    assert attempt_login(survey_engine, users, "rita", PASSWORD, client="198.51.100.7", now=T0).ok


def test_one_client_guessing_many_names_is_locked(survey_engine: Engine, users: dict) -> None:
    client = "203.0.113.9"
    for i in range(CLIENT_FREE_FAILURES):
        result = attempt_login(survey_engine, users, f"n{i}", "guess", client=client, now=T0)
        assert result.wait_seconds == 0
    attempt_login(survey_engine, users, "n-last", "guess", client=client, now=T0)
    locked = attempt_login(survey_engine, users, "alice", PASSWORD, client=client, now=T0)
    assert not locked.ok and "from this connection: please wait" in locked.message
    # the client's lock caps at MAX_DELAY like a name's
    assert lock_seconds(CLIENT_FREE_FAILURES + 50, free=CLIENT_FREE_FAILURES) == MAX_DELAY
    assert attempt_login(survey_engine, users, "alice", PASSWORD, client="192.0.2.1", now=T0).ok


# --------------------------------------------------------------------------- command line
def test_hash_command_prints_a_working_hash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    assert auth.main(["hash", "--user", "Ann", "--role", "reviewer", "--password-stdin"]) == 0
    out = capsys.readouterr().out
    assert "[auth.users.ann]" in out and 'role = "reviewer"' in out
    hashed = out.split('password_hash = "')[1].split('"')[0]
    assert verify_password(hashed, "a long passphrase")
    assert "SMCAP_USER_ANN='reviewer:$argon2id$" in out


def test_hash_command_refuses_a_short_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(SystemExit) as exc:
        auth.main(["hash", "--password-stdin"])
    assert exc.value.code == 2
    assert "use at least 8 characters" in capsys.readouterr().err
