"""Data access for the survey: plain functions over an engine (no Streamlit).

The app, the demo seeding, the tests and the benchmarks all go through these functions. Every
write is one short transaction (:func:`survey.db.write_transaction`); answers are upserted with
``INSERT ... ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL alike, so resubmitting a page
updates answers instead of duplicating them.

Resume tokens are 192-bit URL-safe random strings; only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, select, update

from survey.db import (
    Answer,
    Contact,
    DeclineCount,
    PageTiming,
    Respondent,
    read_connection,
    upsert_insert,
    utcnow,
    write_transaction,
)
from survey.questionnaire import AnswerValue, Questionnaire

#: Bytes of randomness in a resume token (192 bits).
TOKEN_BYTES = 24
_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_RESPONDENTS = Respondent.__table__
_ANSWERS = Answer.__table__
_TIMINGS = PageTiming.__table__
_DECLINES = DeclineCount.__table__
_CONTACTS = Contact.__table__


@dataclass(frozen=True)
class RespondentState:
    """A snapshot of a respondent's row (what the app needs to route and draw)."""

    id: str
    instrument_id: str
    instrument_version: str
    consented_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    current_page: str | None
    page_shown_at: datetime | None
    item_order_seed: int | None
    is_demo: bool

    @property
    def completed(self) -> bool:
        """True once the respondent has submitted the last page."""
        return self.completed_at is not None


@dataclass(frozen=True)
class CompletedResponse:
    """A whole response to import at once (demo seeding, load tests).

    Attributes
    ----------
    respondent_id : str
        Stable id; importing the same id twice keeps the first.
    answers : mapping
        Question id → stored value (missing answers left out).
    page_seconds : mapping
        Page id → seconds spent (one visit each).
    completed_at : datetime, optional
        When the response was completed (default: the time of the import); the start is that
        minus the page times.
    """

    respondent_id: str
    answers: Mapping[str, AnswerValue]
    page_seconds: Mapping[str, float] = field(default_factory=dict)
    completed_at: datetime | None = None


def new_token() -> str:
    """A fresh resume token: 192 random bits, URL-safe (32 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a resume token — the only form in which tokens are stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str | None) -> bool:
    """True when ``token`` has the shape of a resume token (checked before any query)."""
    return token is not None and bool(_TOKEN_PATTERN.fullmatch(token))


def create_respondent(
    engine: Engine,
    *,
    instrument_id: str,
    instrument_version: str,
    first_page: str,
    now: datetime | None = None,
) -> tuple[RespondentState, str]:
    """Register a respondent who has just given consent.

    Parameters
    ----------
    engine : Engine
        The survey database.
    instrument_id, instrument_version : str
        What the respondent answers (recorded on the response).
    first_page : str
        Page the respondent starts on (shown now: its timer starts).
    now : datetime, optional
        Aware UTC time of consent (default: the current time).

    Returns
    -------
    (RespondentState, str)
        The new respondent and their resume token. The token is returned once and never
        stored; only its SHA-256 is.
    """
    now = now or utcnow()
    token = new_token()
    row = {
        "id": secrets.token_hex(16),
        "instrument_id": instrument_id,
        "instrument_version": instrument_version,
        "consented_at": now,
        "started_at": None,
        "completed_at": None,
        "updated_at": now,
        "current_page": first_page,
        "page_shown_at": now,
        "item_order_seed": secrets.randbelow(2**31),
        "resume_token_hash": hash_token(token),
        "is_demo": False,
    }
    with write_transaction(engine) as conn:
        conn.execute(_RESPONDENTS.insert(), row)
    return _state(row), token


def find_by_token(engine: Engine, token: str | None) -> RespondentState | None:
    """The respondent a resume token belongs to, or ``None`` (malformed or unknown token)."""
    if token is None or not looks_like_token(token):
        return None
    with read_connection(engine) as conn:
        row = (
            conn.execute(
                select(_RESPONDENTS).where(_RESPONDENTS.c.resume_token_hash == hash_token(token))
            )
            .mappings()
            .first()
        )
    return _state(row) if row else None


def get_respondent(engine: Engine, respondent_id: str) -> RespondentState | None:
    """The respondent with ``respondent_id``, or ``None``."""
    with read_connection(engine) as conn:
        row = (
            conn.execute(select(_RESPONDENTS).where(_RESPONDENTS.c.id == respondent_id))
            .mappings()
            .first()
        )
    return _state(row) if row else None


def load_answers(engine: Engine, respondent_id: str) -> dict[str, AnswerValue]:
    """All stored answers of a respondent: question id → value."""
    with read_connection(engine) as conn:
        rows = conn.execute(
            select(_ANSWERS.c.item_id, _ANSWERS.c.value_int, _ANSWERS.c.value_text).where(
                _ANSWERS.c.respondent_id == respondent_id
            )
        ).all()
    return {item: (v_int if v_int is not None else v_text) for item, v_int, v_text in rows}


def save_page(
    engine: Engine,
    respondent_id: str,
    *,
    page_id: str,
    answers: Mapping[str, AnswerValue | None],
    move_to: str | None = None,
    complete: bool = False,
    now: datetime | None = None,
) -> RespondentState:
    """Store a page's answers and, optionally, move on — in one transaction.

    Parameters
    ----------
    engine : Engine
        The survey database.
    respondent_id : str
        Whose answers.
    page_id : str
        The page submitted.
    answers : mapping
        Question id → value; ``None`` removes a stored answer (the respondent cleared it).
    move_to : str, optional
        Page to show next (Next or Back). The time since the submitted page was shown is
        added to its page timing and the new page's timer starts.
    complete : bool, default False
        Mark the response complete (after the last page). Completing is idempotent: the first
        completion time is kept.
    now : datetime, optional
        Aware UTC time of the submission.

    Returns
    -------
    RespondentState
        The respondent after the change.

    Raises
    ------
    KeyError
        When the respondent does not exist.

    Notes
    -----
    A completed response is frozen: later submissions (for example from a second browser tab)
    change nothing. Page time counts from when the page was first shown, kept in the database,
    so refreshing the page or restarting the server does not reset it; time spent away from
    the survey while the page is open is included.
    """
    now = now or utcnow()
    with write_transaction(engine) as conn:
        row = _lock_respondent(conn, respondent_id)
        if row["completed_at"] is not None:
            return _state(row)
        _write_answers(conn, respondent_id, answers, now)
        changes: dict[str, Any] = {"updated_at": now}
        if row["started_at"] is None and any(v is not None for v in answers.values()):
            changes["started_at"] = now
        leaving = move_to is not None or complete
        if leaving and row["current_page"] == page_id and row["page_shown_at"] is not None:
            seconds = max(0.0, (now - row["page_shown_at"]).total_seconds())
            _add_timing(conn, respondent_id, page_id, seconds)
        if move_to is not None:
            changes.update(current_page=move_to, page_shown_at=now)
        if complete:
            changes.update(completed_at=now, current_page=page_id, page_shown_at=None)
        conn.execute(
            update(_RESPONDENTS).where(_RESPONDENTS.c.id == respondent_id).values(**changes)
        )
        return _state({**row, **changes})


def delete_respondent(engine: Engine, respondent_id: str) -> bool:
    """Withdraw a respondent: delete their row, answers and timings. True if one existed."""
    with write_transaction(engine) as conn:
        result = conn.execute(delete(_RESPONDENTS).where(_RESPONDENTS.c.id == respondent_id))
    return result.rowcount > 0


def record_decline(engine: Engine, *, instrument_id: str, instrument_version: str) -> None:
    """Add one to the anonymous decline counter (nothing about the person is stored)."""
    stmt = upsert_insert(engine.dialect.name, _DECLINES)
    stmt = stmt.on_conflict_do_update(
        index_elements=["instrument_id", "instrument_version"],
        set_={"declines": _DECLINES.c.declines + 1},
    )
    with write_transaction(engine) as conn:
        conn.execute(
            stmt,
            {
                "instrument_id": instrument_id,
                "instrument_version": instrument_version,
                "declines": 1,
            },
        )


def decline_count(engine: Engine, *, instrument_id: str) -> int:
    """Declines of an instrument, all versions together."""
    with read_connection(engine) as conn:
        value = conn.execute(
            select(func.coalesce(func.sum(_DECLINES.c.declines), 0)).where(
                _DECLINES.c.instrument_id == instrument_id
            )
        ).scalar_one()
    return int(value)


def count_completed(engine: Engine, *, instrument_id: str, include_demo: bool = False) -> int:
    """Completed responses to an instrument (demo responses only when asked)."""
    query = select(func.count()).where(
        _RESPONDENTS.c.instrument_id == instrument_id,
        _RESPONDENTS.c.completed_at.is_not(None),
    )
    if not include_demo:
        query = query.where(_RESPONDENTS.c.is_demo.is_(False))
    with read_connection(engine) as conn:
        return int(conn.execute(query).scalar_one())


def responses_frame(
    engine: Engine,
    questionnaire: Questionnaire,
    *,
    completed_only: bool = True,
    include_demo: bool = True,
) -> pd.DataFrame:
    """Every response as one row, in the layout of a survey export (``smcap simulate``).

    Parameters
    ----------
    engine : Engine
        The survey database.
    questionnaire : Questionnaire
        The questionnaire whose responses to export (its instrument id selects them).
    completed_only : bool, default True
        Leave out unfinished responses.
    include_demo : bool, default True
        Keep simulated demo responses.

    Returns
    -------
    DataFrame
        Columns ``respondent_id``; the background questions (choices as text, multiple choice
        joined by ``;``, counts as ``Int64``); the Likert items and the attention checks
        (``Int64``) in instrument order; ``page_time_<page id>`` seconds; then
        ``instrument_version``, ``is_demo``, ``consented_at`` and ``completed_at``. Rows are
        sorted by ``respondent_id``; unanswered questions are missing.
    """
    inst = questionnaire.instrument
    text_ids = {q.id for q in inst.firmographics if q.type in ("single", "multi")}
    # the layout of ``smcap simulate``: background questions, items, attention checks
    question_ids = [
        *(q.id for q in inst.firmographics),
        *inst.item_ids,
        *(a.id for a in inst.attention_checks),
    ]
    who = select(
        _RESPONDENTS.c.id,
        _RESPONDENTS.c.instrument_version,
        _RESPONDENTS.c.is_demo,
        _RESPONDENTS.c.consented_at,
        _RESPONDENTS.c.completed_at,
    ).where(_RESPONDENTS.c.instrument_id == inst.id)
    if completed_only:
        who = who.where(_RESPONDENTS.c.completed_at.is_not(None))
    if not include_demo:
        who = who.where(_RESPONDENTS.c.is_demo.is_(False))
    chosen = who.subquery()
    answers = select(
        _ANSWERS.c.respondent_id, _ANSWERS.c.item_id, _ANSWERS.c.value_int, _ANSWERS.c.value_text
    ).join(chosen, chosen.c.id == _ANSWERS.c.respondent_id)
    timings = select(_TIMINGS.c.respondent_id, _TIMINGS.c.page_id, _TIMINGS.c.seconds).join(
        chosen, chosen.c.id == _TIMINGS.c.respondent_id
    )
    with read_connection(engine) as conn:
        people = pd.DataFrame(
            conn.execute(who).all(),
            columns=[
                "respondent_id",
                "instrument_version",
                "is_demo",
                "consented_at",
                "completed_at",
            ],
        )
        long = pd.DataFrame(conn.execute(answers).all(), columns=["rid", "item", "num", "text"])
        times = pd.DataFrame(conn.execute(timings).all(), columns=["rid", "page", "seconds"])
    index = pd.Index(sorted(people["respondent_id"]), name="respondent_id")
    numbers = long.pivot(index="rid", columns="item", values="num")
    texts = long.pivot(index="rid", columns="item", values="text")
    columns = {}
    for qid in question_ids:
        source = texts if qid in text_ids else numbers
        values = source[qid] if qid in source.columns else pd.Series(dtype=object)
        values = values.reindex(index)
        columns[qid] = values.astype("string" if qid in text_ids else "Int64")
    seconds = times.pivot(index="rid", columns="page", values="seconds")
    for page_id in questionnaire.page_ids:
        values = seconds[page_id] if page_id in seconds.columns else pd.Series(dtype=float)
        columns[f"page_time_{page_id}"] = values.reindex(index).astype(float)
    out = pd.DataFrame(columns, index=index)
    meta = people.set_index("respondent_id").reindex(index)
    out["instrument_version"] = meta["instrument_version"].astype("string")
    out["is_demo"] = meta["is_demo"].astype(bool)
    out["consented_at"] = meta["consented_at"]
    out["completed_at"] = meta["completed_at"]
    return out.reset_index()


@dataclass(frozen=True)
class DataVersion:
    """What identifies the state of a study's responses (the dashboards' cache keys).

    Attributes
    ----------
    n_respondents, n_completed : int
        Respondents who consented; those who completed.
    last_update, last_completion : datetime or None
        Latest change to any response; latest completion.
    declines : int
        Declined consents.
    """

    n_respondents: int
    n_completed: int
    last_update: datetime | None
    last_completion: datetime | None
    declines: int

    @property
    def responses_key(self) -> str:
        """Changes whenever anything changes: a consent, an answer, a completion, a decline."""
        return f"{self.n_respondents}|{self.last_update}|{self.declines}"

    @property
    def completed_key(self) -> str:
        """Changes when a response is completed or a completed one is withdrawn.

        Completed responses are frozen (:func:`save_page`), so the analysis of the completed
        responses stays valid while others are still answering.
        """
        return f"{self.n_completed}|{self.last_completion}"


def data_version(engine: Engine, *, instrument_id: str) -> DataVersion:
    """The current :class:`DataVersion` of an instrument's responses (two small queries)."""
    completed = _RESPONDENTS.c.completed_at
    query = select(
        func.count(),
        func.count(completed),
        func.max(_RESPONDENTS.c.updated_at),
        func.max(completed),
    ).where(_RESPONDENTS.c.instrument_id == instrument_id)
    with read_connection(engine) as conn:
        n, n_done, last, last_done = conn.execute(query).one()
    return DataVersion(
        n_respondents=int(n),
        n_completed=int(n_done),
        last_update=last,
        last_completion=last_done,
        declines=decline_count(engine, instrument_id=instrument_id),
    )


def progress_frame(engine: Engine, *, instrument_id: str) -> pd.DataFrame:
    """Every respondent's progress (no answers): one row per respondent who consented.

    Returns
    -------
    DataFrame
        Indexed by ``respondent_id``: ``instrument_version``, ``is_demo``, ``consented_at``,
        ``started_at``, ``completed_at`` (aware UTC, missing when not yet) and
        ``current_page``.
    """
    cols = [
        _RESPONDENTS.c.id,
        _RESPONDENTS.c.instrument_version,
        _RESPONDENTS.c.is_demo,
        _RESPONDENTS.c.consented_at,
        _RESPONDENTS.c.started_at,
        _RESPONDENTS.c.completed_at,
        _RESPONDENTS.c.current_page,
    ]
    with read_connection(engine) as conn:
        rows = conn.execute(
            select(*cols).where(_RESPONDENTS.c.instrument_id == instrument_id)
        ).all()
    names = ["respondent_id", *(c.name for c in cols[1:])]
    frame = pd.DataFrame(rows, columns=names).set_index("respondent_id").sort_index()
    frame["is_demo"] = frame["is_demo"].astype(bool)
    for column in ("consented_at", "started_at", "completed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def page_timings(engine: Engine, *, instrument_id: str) -> pd.DataFrame:
    """Seconds per respondent and page (pages left at least once), in long form.

    Returns
    -------
    DataFrame
        Columns ``respondent_id``, ``page_id``, ``seconds``, ``visits``.
    """
    query = select(
        _TIMINGS.c.respondent_id, _TIMINGS.c.page_id, _TIMINGS.c.seconds, _TIMINGS.c.visits
    ).join(_RESPONDENTS, _RESPONDENTS.c.id == _TIMINGS.c.respondent_id)
    query = query.where(_RESPONDENTS.c.instrument_id == instrument_id)
    with read_connection(engine) as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=["respondent_id", "page_id", "seconds", "visits"])
    return frame.astype({"seconds": float, "visits": int})


def save_contact(engine: Engine, *, instrument_id: str, email: str) -> None:
    """Store an e-mail address for the study's findings, unlinked from any response.

    Raises
    ------
    ValueError
        When ``email`` does not look like an e-mail address.
    """
    email = email.strip()
    if len(email) > 320 or not _EMAIL_PATTERN.fullmatch(email):
        raise ValueError(f"email: {email!r} does not look like an e-mail address")
    with write_transaction(engine) as conn:
        conn.execute(
            _CONTACTS.insert(),
            {"id": secrets.token_hex(16), "instrument_id": instrument_id, "email": email},
        )


def drop_stale_demo(engine: Engine, *, instrument_id: str, keep_version: str) -> int:
    """Delete simulated demo responses to other versions of an instrument.

    Only rows marked ``is_demo`` are touched — a real respondent's answers are never deleted
    here. Used when the shipped instrument moves to a new version, so that the demo database
    holds one version's demo responses.

    Returns
    -------
    int
        Number of demo respondents deleted.
    """
    stale = (
        (_RESPONDENTS.c.instrument_id == instrument_id)
        & (_RESPONDENTS.c.instrument_version != keep_version)
        & _RESPONDENTS.c.is_demo.is_(True)
    )
    with write_transaction(engine) as conn:
        ids = list(conn.execute(select(_RESPONDENTS.c.id).where(stale)).scalars())
        if not ids:
            return 0
        for table in (_ANSWERS, _TIMINGS):
            conn.execute(table.delete().where(table.c.respondent_id.in_(ids)))
        conn.execute(_RESPONDENTS.delete().where(_RESPONDENTS.c.id.in_(ids)))
    return len(ids)


def import_completed(
    engine: Engine,
    responses: Iterable[CompletedResponse],
    *,
    instrument_id: str,
    instrument_version: str,
    is_demo: bool,
    now: datetime | None = None,
) -> int:
    """Store whole completed responses at once; ids already present are skipped.

    Used to seed the simulated demo responses (idempotently: running it twice adds nothing).
    Imported respondents have no resume token.

    Returns
    -------
    int
        Number of respondents added.
    """
    now = now or utcnow()
    batch = list(responses)
    if not batch:
        return 0
    ids = [r.respondent_id for r in batch]
    with write_transaction(engine) as conn:
        present = set(
            conn.execute(select(_RESPONDENTS.c.id).where(_RESPONDENTS.c.id.in_(ids))).scalars()
        )
        new = [r for r in batch if r.respondent_id not in present]
        if not new:
            return 0
        conn.execute(
            _RESPONDENTS.insert(),
            [
                {
                    "id": r.respondent_id,
                    "instrument_id": instrument_id,
                    "instrument_version": instrument_version,
                    "consented_at": _started(r, now),
                    "started_at": _started(r, now),
                    "completed_at": r.completed_at or now,
                    "updated_at": now,
                    "current_page": None,
                    "page_shown_at": None,
                    "item_order_seed": None,
                    "resume_token_hash": None,
                    "is_demo": is_demo,
                }
                for r in new
            ],
        )
        answer_rows = [
            _answer_row(r.respondent_id, item, value, now)
            for r in new
            for item, value in r.answers.items()
            if value is not None
        ]
        if answer_rows:
            conn.execute(_ANSWERS.insert(), answer_rows)
        timing_rows = [
            {"respondent_id": r.respondent_id, "page_id": p, "seconds": float(s), "visits": 1}
            for r in new
            for p, s in r.page_seconds.items()
        ]
        if timing_rows:
            conn.execute(_TIMINGS.insert(), timing_rows)
    return len(new)


# --------------------------------------------------------------------------- helpers
def _started(response: CompletedResponse, now: datetime) -> datetime:
    """Start of an imported response: its completion minus the time spent on its pages."""
    done = response.completed_at or now
    return done - timedelta(seconds=float(sum(response.page_seconds.values())))


def _lock_respondent(conn: Connection, respondent_id: str) -> dict[str, Any]:
    query = select(_RESPONDENTS).where(_RESPONDENTS.c.id == respondent_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise KeyError(f"respondent {respondent_id!r} does not exist")
    return dict(row)


def _answer_row(
    respondent_id: str, item_id: str, value: AnswerValue, now: datetime
) -> dict[str, Any]:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    return {
        "respondent_id": respondent_id,
        "item_id": item_id,
        "value_int": int(value) if is_int else None,
        "value_text": None if is_int else str(value),
        "answered_at": now,
    }


def _write_answers(
    conn: Connection,
    respondent_id: str,
    answers: Mapping[str, AnswerValue | None],
    now: datetime,
) -> None:
    given = [_answer_row(respondent_id, k, v, now) for k, v in answers.items() if v is not None]
    cleared = [k for k, v in answers.items() if v is None]
    if given:
        stmt = upsert_insert(conn.dialect.name, _ANSWERS)
        excluded = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=["respondent_id", "item_id"],
            set_={
                "value_int": excluded.value_int,
                "value_text": excluded.value_text,
                "answered_at": excluded.answered_at,
            },
            # keep the time of the original answer when the value did not change
            where=_ANSWERS.c.value_int.is_distinct_from(excluded.value_int)
            | _ANSWERS.c.value_text.is_distinct_from(excluded.value_text),
        )
        conn.execute(stmt, given)
    if cleared:
        conn.execute(
            delete(_ANSWERS).where(
                _ANSWERS.c.respondent_id == respondent_id, _ANSWERS.c.item_id.in_(cleared)
            )
        )


def _add_timing(conn: Connection, respondent_id: str, page_id: str, seconds: float) -> None:
    stmt = upsert_insert(conn.dialect.name, _TIMINGS)
    stmt = stmt.on_conflict_do_update(
        index_elements=["respondent_id", "page_id"],
        set_={
            "seconds": _TIMINGS.c.seconds + stmt.excluded.seconds,
            "visits": _TIMINGS.c.visits + 1,
        },
    )
    conn.execute(
        stmt,
        {"respondent_id": respondent_id, "page_id": page_id, "seconds": seconds, "visits": 1},
    )


def _state(row: Mapping[str, Any]) -> RespondentState:
    return RespondentState(
        id=row["id"],
        instrument_id=row["instrument_id"],
        instrument_version=row["instrument_version"],
        consented_at=row["consented_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        current_page=row["current_page"],
        page_shown_at=row["page_shown_at"],
        item_order_seed=row["item_order_seed"],
        is_demo=bool(row["is_demo"]),
    )
