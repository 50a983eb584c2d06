"""Dashboard log-in: argon2-hashed accounts from configuration, and rate-limited attempts.

Nothing here imports Streamlit: :mod:`survey.staff` draws the forms and keeps the session.

Accounts
    Two roles: ``researcher`` (every dashboard page and download) and ``reviewer`` (the
    cluster dashboard, aggregates only). Accounts come from configuration, never from the
    repository:

    - ``.streamlit/secrets.toml`` (git-ignored)::

          [auth.users.alice]
          role = "researcher"
          password_hash = "$argon2id$v=19$m=65536,t=3,p=4$..."

    - environment variables ``SMCAP_USER_<NAME>="<role>:<argon2 hash>"`` (user name
      ``<name>`` in lower case); a variable wins over the secrets file;
    - in demo mode only (``SMCAP_DEMO=1``, set by ``make run``, *and* the embedded demo
      database): the two accounts ``researcher`` and ``reviewer`` of
      ``data/demo_accounts.toml``, a git-ignored file with random passwords generated on the
      machine that runs the demo (:func:`ensure_demo_accounts`).

    Without any of these, nobody can log in: there is no default password.
    ``python -m survey.auth hash`` makes a hash (see :func:`main`).

Rate limiting
    Attempts are counted per user name in the ``login_attempts`` table, so the limit holds
    across browser sessions and app replicas. The first :data:`FREE_FAILURES` failures cost
    nothing; each further one locks the name for twice as long as the one before
    (:data:`BASE_DELAY` seconds, doubling, at most :data:`MAX_DELAY`). While a name is locked
    no password is checked at all, not even a correct one, and the message says how long to
    wait. A success deletes the count; a count idle for :data:`RESET_AFTER` starts afresh.

    Two more limits hold whatever the name, so that new or unknown names cost an attacker as
    much as a known one: at most :data:`GLOBAL_LIMIT` attempts per :data:`GLOBAL_WINDOW` on
    the whole site (beyond it every attempt waits for the window's end, with no password
    verified), and, when the client's address is known, :data:`CLIENT_FREE_FAILURES` free
    failures per client before the same doubling locks. With a client address, a user name's
    lock holds for that client only: someone guessing at a staff name from elsewhere cannot
    keep the real user out (beyond the global window of a minute), and their own guesses stay
    limited by the client and global counts.

    Every attempt is counted as a failure *before* the password is checked, in the same
    transaction that checks the lock (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR
    UPDATE`` on PostgreSQL), and the success clears it afterwards: so a burst of parallel
    guesses cannot all slip through before the first failure is recorded. Unknown user names
    are counted like known ones and take as long to refuse (a dummy hash is verified), so the
    answer does not reveal which names exist.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import hashlib
import math
import os
import re
import secrets
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, delete, select

from survey.config import DEFAULT_DATABASE_URL, PROJECT_DIR
from survey.db import LoginAttempt, upsert_insert, utcnow, write_transaction

Role = Literal["researcher", "reviewer"]
#: The roles, most privileged first.
ROLES: tuple[Role, ...] = ("researcher", "reviewer")
#: Prefix of the environment variables that define accounts.
USER_ENV_PREFIX = "SMCAP_USER_"
#: Environment variable that turns demo mode on (``make run`` sets it).
DEMO_ENV = "SMCAP_DEMO"
#: The demo accounts' file: generated per machine, git-ignored.
DEMO_ACCOUNTS_FILE = PROJECT_DIR / "data" / "demo_accounts.toml"
#: Failed attempts per user name that cost nothing.
FREE_FAILURES = 3
#: Lock after the first failure beyond the free ones (seconds); doubles with each further one.
BASE_DELAY = 5.0
#: Longest lock (seconds).
MAX_DELAY = 900.0
#: A count with no attempt for this long starts afresh (and its row is pruned).
RESET_AFTER = timedelta(hours=1)
#: Failed attempts per client (IP address) that cost nothing; then locks as for a name.
CLIENT_FREE_FAILURES = 10
#: Attempts (any names, any clients) allowed per :data:`GLOBAL_WINDOW`; each attempt beyond
#: waits for the window's end, so no burst of new names costs more than this many argon2
#: verifications. A success gives its attempt back.
GLOBAL_LIMIT = 30
#: The window of :data:`GLOBAL_LIMIT`.
GLOBAL_WINDOW = timedelta(minutes=1)
#: The ``login_attempts`` key of the global count (no typed name starts with a blank).
GLOBAL_KEY = " all"

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_HASHER = PasswordHasher()
_TABLE = LoginAttempt.__table__


class AuthConfigError(ValueError):
    """An account is configured wrongly; the message names the variable or file key."""


@dataclass(frozen=True)
class User:
    """A dashboard account.

    Attributes
    ----------
    name : str
        Lower-case user name.
    role : {"researcher", "reviewer"}
        What the account may see.
    password_hash : str
        argon2 hash of the password (PHC string, ``$argon2id$...``).
    source : str
        Where the account was configured (for messages).
    """

    name: str
    role: Role
    password_hash: str
    source: str = ""


@dataclass(frozen=True)
class LoginResult:
    """The outcome of :func:`attempt_login`.

    Attributes
    ----------
    user : User or None
        The account, when the log-in succeeded.
    wait_seconds : int
        Seconds until the next attempt for this user name is checked (0: try at once).
    message : str
        What to tell the person at the keyboard (empty on success).
    """

    user: User | None
    wait_seconds: int = 0
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the log-in succeeded."""
        return self.user is not None


# --------------------------------------------------------------------------- passwords
def hash_password(password: str) -> str:
    """Hash a password with argon2id (argon2-cffi's RFC 9106 low-memory profile).

    Parameters
    ----------
    password : str
        At least 8 characters.

    Returns
    -------
    str
        The PHC string (``$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>``); it carries its own
        random salt and parameters.

    Raises
    ------
    ValueError
        When the password is shorter than 8 characters.
    """
    if len(password) < 8:
        raise ValueError("password: use at least 8 characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash`` (constant-time; a bad hash is False)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalise_name(name: str) -> str:
    """A user name as stored and compared: trimmed, lower case."""
    return name.strip().casefold()


# --------------------------------------------------------------------------- accounts
def load_users(
    secrets_config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    database_url: str | None = None,
    demo_file: Path = DEMO_ACCOUNTS_FILE,
) -> dict[str, User]:
    """Collect the configured accounts.

    Parameters
    ----------
    secrets_config : mapping, optional
        The parsed ``.streamlit/secrets.toml`` (``st.secrets``); accounts under
        ``auth.users.<name>`` with keys ``role`` and ``password_hash``.
    environ : mapping, optional
        Environment (default ``os.environ``): ``SMCAP_USER_<NAME>="<role>:<hash>"``, and
        ``SMCAP_DEMO``.
    database_url : str, optional
        The study database; the demo accounts apply only to the embedded demo database.
    demo_file : Path
        The demo accounts' file (read only in demo mode).

    Returns
    -------
    dict
        User name → :class:`User`. Later sources win: secrets, then demo accounts, then
        environment variables.

    Raises
    ------
    AuthConfigError
        For an unknown role, a value that is not an argon2 hash, a malformed user name, or an
        unreadable demo file (the message names the variable or key, never the hash).
    """
    env = os.environ if environ is None else environ
    users: dict[str, User] = {}
    auth = (secrets_config or {}).get("auth", {})
    table = auth.get("users", {}) if isinstance(auth, Mapping) else {}
    if not isinstance(table, Mapping):
        raise AuthConfigError("secrets: [auth.users] must be a table of accounts")
    for name, entry in table.items():
        where = f"secrets: [auth.users.{name}]"
        if not isinstance(entry, Mapping):
            raise AuthConfigError(f"{where} must be a table with role and password_hash")
        users.update(_user(name, entry.get("role"), entry.get("password_hash"), where))
    if demo_mode(env, database_url=database_url):
        for name, entry in _read_demo_file(demo_file).items():
            where = f"{demo_file.name}: [auth.users.{name}]"
            users.update(_user(name, entry.get("role"), entry.get("password_hash"), where))
    for var in sorted(env):
        if not var.startswith(USER_ENV_PREFIX) or var == USER_ENV_PREFIX:
            continue
        role, sep, password_hash = env[var].partition(":")
        if not sep:
            raise AuthConfigError(f"{var}: expected '<role>:<argon2 hash>'")
        users.update(_user(var[len(USER_ENV_PREFIX) :], role.strip(), password_hash, var))
    return users


def demo_mode(environ: Mapping[str, str] | None = None, *, database_url: str | None) -> bool:
    """True when ``SMCAP_DEMO`` is on and the app serves the embedded demo database."""
    env = os.environ if environ is None else environ
    on = env.get(DEMO_ENV, "").strip().lower() in ("1", "true", "yes", "on")
    return on and (database_url is None or database_url == DEFAULT_DATABASE_URL)


def _user(name: str, role: Any, password_hash: Any, where: str) -> dict[str, User]:
    key = normalise_name(str(name))
    if not _NAME.fullmatch(key):
        raise AuthConfigError(
            f"{where}: user name {name!r} must start with a letter and use only letters, "
            "digits, '.', '_' or '-' (at most 64)"
        )
    if role not in ROLES:
        raise AuthConfigError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    if not isinstance(password_hash, str) or not password_hash.startswith("$argon2"):
        raise AuthConfigError(
            f"{where}: password_hash must be an argon2 hash ($argon2id$...); make one with "
            "'python -m survey.auth hash'"
        )
    return {key: User(key, role, password_hash, where)}


def _read_demo_file(path: Path) -> dict[str, Mapping[str, Any]]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AuthConfigError(f"{path}: cannot read the demo accounts: {exc}") from None
    users = data.get("auth", {}).get("users", {})
    return {str(k): v for k, v in users.items() if isinstance(v, Mapping)}


def ensure_demo_accounts(path: Path = DEMO_ACCOUNTS_FILE) -> dict[str, str]:
    """Create the demo accounts' file if it is missing; return user name → password.

    The passwords are random (96 bits) and made on this machine, so no password that works
    on a demo installation is known to anyone who has only read the repository. The file
    (mode 0600, git-ignored) keeps the plain passwords so that ``make run`` can print them
    every time, next to their hashes; the app reads only the hashes, and only in demo mode.
    """
    if path.is_file():
        users = _read_demo_file(path)
        if all(isinstance(users.get(r, {}).get("password"), str) for r in ROLES):
            return {role: str(users[role]["password"]) for role in ROLES}
    passwords = {role: secrets.token_urlsafe(12) for role in ROLES}
    lines = [
        "# Demo accounts of `make run` (SMCAP_DEMO=1 with the embedded demo database only).",
        "# Generated on this machine; never commit this file. Delete it for new passwords.",
    ]
    for role, password in passwords.items():
        lines += [
            "",
            f"[auth.users.{role}]",
            f'role = "{role}"',
            f'password = "{password}"',
            f'password_hash = "{hash_password(password)}"',
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return passwords


# --------------------------------------------------------------------------- logging in
def lock_seconds(failures: int, *, free: int = FREE_FAILURES) -> float:
    """Seconds a user name (or client) is locked after its ``failures``-th counted failure.

    Notes
    -----
    :math:`0` for ``failures`` ≤ ``free``, else
    :math:`\\min(B \\cdot 2^{f - F - 1}, M)` with :math:`B` = :data:`BASE_DELAY`,
    :math:`F` = ``free`` (:data:`FREE_FAILURES` for a user name, :data:`CLIENT_FREE_FAILURES`
    for a client) and :math:`M` = :data:`MAX_DELAY`.
    """
    beyond = failures - free
    if beyond <= 0:
        return 0.0
    return min(BASE_DELAY * 2.0 ** min(beyond - 1, 30), MAX_DELAY)


def attempt_login(
    engine: Engine,
    users: Mapping[str, User],
    name: str,
    password: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> LoginResult:
    """Check a user name and password, with the rate limits described in the module docstring.

    Parameters
    ----------
    engine : Engine
        The study database (holds the ``login_attempts`` table).
    users : mapping
        The configured accounts (:func:`load_users`).
    name, password : str
        What was typed.
    client : str, optional
        What identifies the client (its IP address), when known: failures are then also
        counted per client, and a user name's lock holds for that client only.
    now : datetime, optional
        Aware UTC time of the attempt (default: now).

    Returns
    -------
    LoginResult
        The user on success; otherwise a message that does not say whether the name exists,
        and how many seconds to wait when the name, the client or the log-in is locked.
    """
    now = now or utcnow()
    key = normalise_name(name)[:64]
    if not key or not password:
        return LoginResult(None, message="Please enter your user name and password.")
    # a valid user name is its own key; anything else is hashed, so it cannot hit another count
    plain = client is None and _NAME.match(key)
    name_key = key if plain else _digest_key("n", f"{key}\n{client or ''}")
    client_key = None if client is None else _digest_key("c", client)
    with write_transaction(engine) as conn:
        conn.execute(
            _TABLE.delete().where(
                _TABLE.c.last_attempt_at < now - RESET_AFTER,
                (_TABLE.c.locked_until.is_(None)) | (_TABLE.c.locked_until < now),
            )
        )
        busy = _count_global(conn, now)
        if busy:
            return LoginResult(None, busy, _busy_message(busy))
        if client_key is not None:
            wait, _ = _count(conn, client_key, now, free=CLIENT_FREE_FAILURES)
            if wait:
                return LoginResult(None, wait, _locked_message(wait, "from this connection"))
        wait, delay = _count(conn, name_key, now, free=FREE_FAILURES)
        if wait:
            return LoginResult(None, wait, _locked_message(wait, "for this user name"))
    user = users.get(key)
    if verify_password(user.password_hash if user else _dummy_hash(), password) and user:
        with write_transaction(engine) as conn:
            conn.execute(delete(_TABLE).where(_TABLE.c.user_name == name_key))
            conn.execute(
                _TABLE.update()
                .where(_TABLE.c.user_name == GLOBAL_KEY, _TABLE.c.failures > 0)
                .values(failures=_TABLE.c.failures - 1)
            )
        return LoginResult(user)
    wait = math.ceil(delay)
    message = "Wrong user name or password."
    if wait:
        message += f" Too many failed attempts: {_wait_phrase(wait)} before trying again."
    return LoginResult(None, wait, message)


def _digest_key(kind: str, text: str) -> str:
    """A ``login_attempts`` key that no typed user name can equal (it holds a colon)."""
    return f"{kind}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:48]}"


def _row(conn: Connection, key: str, now: datetime) -> Mapping[str, Any]:
    """The ``login_attempts`` row of ``key`` (created empty), locked for this transaction."""
    insert = upsert_insert(conn.dialect.name, _TABLE).on_conflict_do_nothing(
        index_elements=["user_name"]
    )
    conn.execute(
        insert, {"user_name": key, "failures": 0, "last_attempt_at": now, "locked_until": None}
    )
    query = select(_TABLE).where(_TABLE.c.user_name == key)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).mappings().one()


def _count(conn: Connection, key: str, now: datetime, *, free: int) -> tuple[int, float]:
    """Count a failure of ``key`` before the password is checked.

    Returns the seconds ``key`` is still locked (0: not locked, nothing counted) and the lock
    this failure starts (:func:`lock_seconds` with ``free`` free failures).
    """
    row = _row(conn, key, now)
    if row["locked_until"] is not None and row["locked_until"] > now:
        return _ceil_seconds(row["locked_until"] - now), 0.0
    failures = row["failures"] if now - row["last_attempt_at"] < RESET_AFTER else 0
    failures += 1
    delay = lock_seconds(failures, free=free)
    conn.execute(
        _TABLE.update()
        .where(_TABLE.c.user_name == key)
        .values(
            failures=failures,
            last_attempt_at=now,
            locked_until=now + timedelta(seconds=delay) if delay else None,
        )
    )
    return 0, delay


def _count_global(conn: Connection, now: datetime) -> int:
    """Count an attempt against :data:`GLOBAL_LIMIT`; the seconds to wait when it is reached.

    The row's ``last_attempt_at`` is the start of the current window of
    :data:`GLOBAL_WINDOW`; ``locked_until`` its end once the limit is reached.
    """
    row = _row(conn, GLOBAL_KEY, now)
    if row["locked_until"] is not None and row["locked_until"] > now:
        return _ceil_seconds(row["locked_until"] - now)
    start, count = row["last_attempt_at"], row["failures"]
    if now - start >= GLOBAL_WINDOW or row["locked_until"] is not None:
        start, count = now, 0
    count += 1
    conn.execute(
        _TABLE.update()
        .where(_TABLE.c.user_name == GLOBAL_KEY)
        .values(
            failures=count,
            last_attempt_at=start,
            locked_until=start + GLOBAL_WINDOW if count >= GLOBAL_LIMIT else None,
        )
    )
    return 0


@functools.cache
def _dummy_hash() -> str:
    """Verified for unknown user names, so that refusing them takes as long as a wrong
    password (made on first use, not at import)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _ceil_seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _wait_phrase(seconds: int) -> str:
    if seconds < 90:
        return f"please wait {seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"please wait {minutes} minutes"


def _locked_message(seconds: int, where: str) -> str:
    return f"Too many failed attempts {where}: {_wait_phrase(seconds)} before trying again."


def _busy_message(seconds: int) -> str:
    return (
        "Too many log-in attempts on this site just now: "
        f"{_wait_phrase(seconds)} before trying again."
    )


# --------------------------------------------------------------------------- command line
def main(argv: Sequence[str] | None = None) -> int:
    """``python -m survey.auth hash``: make an argon2 hash for a dashboard account.

    Reads the password twice from the terminal (or once from standard input with
    ``--password-stdin``) and prints the hash with the lines to paste into
    ``.streamlit/secrets.toml`` or the environment.
    """
    parser = argparse.ArgumentParser(
        prog="python -m survey.auth", description="Dashboard accounts of the smcap app."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("hash", help="hash a password for .streamlit/secrets.toml")
    make.add_argument("--user", default="alice", help="user name (default: alice)")
    make.add_argument("--role", choices=ROLES, default="researcher")
    make.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    args = parser.parse_args(argv)
    name = normalise_name(args.user)
    if not _NAME.fullmatch(name):
        parser.error(f"--user {args.user!r}: start with a letter; letters, digits, . _ - only")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            parser.error("the passwords differ")
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"# .streamlit/secrets.toml\n[auth.users.{name}]")
    print(f'role = "{args.role}"\npassword_hash = "{hashed}"\n')
    print(f"# or in the environment\n{USER_ENV_PREFIX}{name.upper()}='{args.role}:{hashed}'")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
