"""The respondent's journey: where a visit lands, starting, submitting pages, the result.

Services between the Streamlit pages and storage (no Streamlit here): the pages call these
functions and draw what they return, so the same logic is tested without a browser.

Routing by the resume token in the URL (``?r=<token>``):

==========================================  ===================================================
visit                                       lands on
==========================================  ===================================================
no token, study open                        ``landing`` (study information and consent)
no token, closed or full                    ``closed``
valid token, not completed                  ``questions`` at the respondent's current page
valid token, completed                      ``done`` (their result)
valid token, instrument version changed     ``changed`` (start afresh)
malformed or unknown token                  ``invalid`` (start afresh)
==========================================  ===================================================

Each questionnaire page has an address of its own, the page number next to the token
(``?r=<token>&p=3``), so that the browser's Back and Forward buttons move between survey
pages. A page number the respondent may not open yet (past a page whose required questions
are unanswered, beyond the last page) shows the furthest page they may open; a number that is
no number is ignored (the respondent's current page is shown). See :func:`page_to_show`.

A respondent with a valid token may finish after the study has closed or filled up: they gave
consent while it was open, and turning them away would lose answers already given. So the
response limit is soft — it stops new respondents, not those already started.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy import Engine

from analysis.structure.respondent_profile import (
    Profile,
    SampleLevels,
    respondent_profile,
    sample_levels,
)
from survey import store
from survey.config import Settings
from survey.db import utcnow
from survey.questionnaire import NOT_ANSWERED, AnswerValue, Problem, Question, Questionnaire
from survey.store import RespondentState

#: Completed responses needed before a respondent's levels are shown against the sample.
MIN_COMPARISON_SAMPLE = 30
#: Name of the URL query parameter that carries the resume token.
TOKEN_PARAM = "r"
#: Name of the URL query parameter that carries the questionnaire page number (1-based).
PAGE_PARAM = "p"

RouteKind = Literal["landing", "closed", "questions", "done", "invalid", "changed"]


@dataclass(frozen=True)
class Route:
    """Where a visit lands.

    Attributes
    ----------
    kind : str
        One of ``landing``, ``closed``, ``questions``, ``done``, ``invalid``, ``changed``.
    respondent : RespondentState or None
        The respondent of a valid token.
    reason : str or None
        For ``closed``: ``"closed"`` (past the closing date) or ``"full"``.
    page : str or None
        For ``questions``: the page to show (:func:`page_to_show`), which may differ from
        the respondent's current page when the address names another one.
    """

    kind: RouteKind
    respondent: RespondentState | None = None
    reason: Literal["closed", "full"] | None = None
    page: str | None = None


@dataclass(frozen=True)
class Submission:
    """The outcome of submitting a page.

    Attributes
    ----------
    respondent : RespondentState
        The respondent after the submission.
    problems : tuple of Problem
        Required questions left unanswered and entries that cannot be stored (Next only), in
        the order shown; when not empty the respondent stays on the page (the usable answers
        are saved all the same).
    """

    respondent: RespondentState
    problems: tuple[Problem, ...] = ()

    @property
    def moved(self) -> bool:
        """True when the respondent left the page (or completed)."""
        return not self.problems

    @property
    def missing(self) -> tuple[Question, ...]:
        """The required questions left unanswered."""
        return tuple(p.question for p in self.problems if p.message == NOT_ANSWERED)


@dataclass(frozen=True)
class Comparison:
    """The sample a respondent's levels are compared with.

    Attributes
    ----------
    levels : SampleLevels
        Median level scores and the number of respondents.
    includes_demo : bool
        True when simulated demo responses make up part of the sample.
    """

    levels: SampleLevels
    includes_demo: bool


def route(
    engine: Engine,
    questionnaire: Questionnaire,
    settings: Settings,
    token: str | None,
    *,
    page_number: str | None = None,
    count_completed: Callable[[], int],
    now: datetime | None = None,
) -> Route:
    """Decide where a visit lands (see the module docstring).

    Parameters
    ----------
    engine : Engine
        The survey database.
    questionnaire : Questionnaire
        The questionnaire being served.
    settings : Settings
        Closing date and response limit.
    token : str or None
        The ``r`` query parameter.
    page_number : str or None
        The ``p`` query parameter (see :func:`page_to_show`).
    count_completed : callable
        Returns the number of completed (non-demo) responses; called only for visits without
        a token (the app caches it briefly).
    now : datetime, optional
        Aware UTC time (default: now).
    """
    inst = questionnaire.instrument
    if token:
        respondent = store.find_by_token(engine, token)
        if respondent is None:
            return Route("invalid")
        if (respondent.instrument_id, respondent.instrument_version) != (inst.id, inst.version):
            return Route("changed", respondent)
        if respondent.completed:
            return Route("done", respondent)
        if respondent.current_page not in questionnaire.page_ids:
            return Route("changed", respondent)
        answers = store.load_answers(engine, respondent.id)
        page = page_to_show(questionnaire, respondent, answers, page_number)
        return Route("questions", respondent, page=page)
    if settings.is_closed(now or utcnow()):
        return Route("closed", reason="closed")
    if settings.is_full(count_completed()):
        return Route("closed", reason="full")
    return Route("landing")


def furthest_page(
    questionnaire: Questionnaire,
    answers: Mapping[str, AnswerValue | None],
    *,
    seed: int | None,
) -> str:
    """The furthest page a respondent may open: the first with a required question unanswered.

    Every page up to it can be reached with Next (or Back) from where the respondent is;
    with every required question answered, the last page.
    """
    for page_id in questionnaire.page_ids:
        if questionnaire.missing(page_id, answers, seed=seed):
            return page_id
    return questionnaire.last_page


def page_to_show(
    questionnaire: Questionnaire,
    respondent: RespondentState,
    answers: Mapping[str, AnswerValue | None],
    page_number: str | None,
) -> str:
    """The page a visit shows, from the page number in its address.

    Parameters
    ----------
    questionnaire : Questionnaire
        The questionnaire.
    respondent : RespondentState
        Whose visit (not completed, on a page of ``questionnaire``).
    answers : mapping
        Their stored answers.
    page_number : str or None
        The ``p`` query parameter: a 1-based page number as text.

    Returns
    -------
    str
        The page numbered ``page_number``, or :func:`furthest_page` when that one lies
        beyond it (or beyond the last page). Without a page number, or with one that is not a
        positive whole number, the respondent's current page (again no further than
        :func:`furthest_page`): an address that cannot be read does not move anyone.
    """
    index = questionnaire.index
    furthest = index(furthest_page(questionnaire, answers, seed=respondent.item_order_seed))
    wanted = index(respondent.current_page)
    text = (page_number or "").strip()
    if len(text) <= 4 and text.isascii() and text.isdigit() and int(text) > 0:
        wanted = min(int(text), questionnaire.n_pages) - 1
    return questionnaire.page_ids[min(wanted, furthest)]


def turn_to(
    engine: Engine,
    respondent: RespondentState,
    page_id: str,
    *,
    now: datetime | None = None,
) -> RespondentState:
    """Move the respondent to ``page_id`` (the browser's Back or Forward buttons).

    Their answers are already saved as given; as with the page's own Back and Next buttons
    the time on the page left is added to its timing. Returns the respondent after the move.
    """
    return store.save_page(
        engine,
        respondent.id,
        page_id=respondent.current_page,
        answers={},
        move_to=page_id,
        now=now,
    )


def start(engine: Engine, questionnaire: Questionnaire) -> tuple[RespondentState, str]:
    """Consent given: create the respondent on the first page; returns it and the token."""
    inst = questionnaire.instrument
    return store.create_respondent(
        engine,
        instrument_id=inst.id,
        instrument_version=inst.version,
        first_page=questionnaire.first_page,
    )


def resumable(
    engine: Engine, questionnaire: Questionnaire, token: str | None
) -> RespondentState | None:
    """The respondent of ``token`` when they can go on with this questionnaire, else ``None``.

    Consent given again in a browser that already holds such a token continues that response
    instead of starting a second one.
    """
    respondent = store.find_by_token(engine, token)
    inst = questionnaire.instrument
    if respondent is None or respondent.completed:
        return None
    if (respondent.instrument_id, respondent.instrument_version) != (inst.id, inst.version):
        return None
    return respondent


def decline(engine: Engine, questionnaire: Questionnaire) -> None:
    """Consent declined: count it anonymously; nothing else is stored."""
    inst = questionnaire.instrument
    store.record_decline(engine, instrument_id=inst.id, instrument_version=inst.version)


def submit(
    engine: Engine,
    questionnaire: Questionnaire,
    respondent: RespondentState,
    page_id: str,
    raw: Mapping[str, Any],
    *,
    action: Literal["next", "back"],
    now: datetime | None = None,
) -> Submission:
    """Save a submitted page and move on.

    Parameters
    ----------
    engine : Engine
        The survey database.
    questionnaire : Questionnaire
        The questionnaire.
    respondent : RespondentState
        Who submits.
    page_id : str
        The page the form belonged to.
    raw : mapping
        Question id → widget value.
    action : {"next", "back"}
        ``next`` checks required answers first (and completes after the last page);
        ``back`` saves what is filled in without checking and goes to the previous page.
    now : datetime, optional
        Aware UTC time of the submission.

    Returns
    -------
    Submission
        The respondent after the change and any problems that keep them on the page.

    Raises
    ------
    ValueError
        For an unknown ``action``, a value that is not an option of its question, or
        ``back`` on the first page.

    Notes
    -----
    A typed entry that cannot be stored (:meth:`Questionnaire.entry_problems`) is never
    stored: its question is saved as unanswered, and Next stays on the page naming it.
    """
    seed = respondent.item_order_seed
    invalid = questionnaire.entry_problems(page_id, raw, seed=seed)
    unusable = {p.question.id for p in invalid}
    answers = questionnaire.clean(
        page_id, {k: None if k in unusable else v for k, v in raw.items()}, seed=seed
    )
    if action == "back":
        previous = questionnaire.previous_page(page_id)
        if previous is None:
            raise ValueError(f"page {page_id!r} is the first page: there is no page before it")
        state = store.save_page(
            engine, respondent.id, page_id=page_id, answers=answers, move_to=previous, now=now
        )
        return Submission(state)
    if action != "next":
        raise ValueError(f"action must be 'next' or 'back', got {action!r}")
    missing = [
        Problem(q, NOT_ANSWERED)
        for q in questionnaire.missing(page_id, answers, seed=seed)
        if q.id not in unusable
    ]
    if missing or invalid:
        problems = sorted([*missing, *invalid], key=lambda p: p.question.number)
        state = store.save_page(engine, respondent.id, page_id=page_id, answers=answers, now=now)
        return Submission(state, tuple(problems))
    following = questionnaire.next_page(page_id)
    state = store.save_page(
        engine,
        respondent.id,
        page_id=page_id,
        answers=answers,
        move_to=following,
        complete=following is None,
        now=now,
    )
    return Submission(state)


def save_answer(
    engine: Engine,
    questionnaire: Questionnaire,
    respondent: RespondentState,
    page_id: str,
    question_id: str,
    value: Any,
    *,
    now: datetime | None = None,
) -> RespondentState:
    """Save one answer as it is given, without checking the page or leaving it.

    A draft of the current page: a refresh or a closed tab keeps every answer given, and the
    page is still left (and required answers checked) only by :func:`submit`. A typed entry
    that cannot be stored (:meth:`Questionnaire.entry_problems`) removes the stored answer:
    what is stored is never other than what the page shows.

    Raises
    ------
    ValueError
        For a question not on the page or a value that is not one of its options.
    """
    seed = respondent.item_order_seed
    if questionnaire.entry_problems(page_id, {question_id: value}, seed=seed):
        value = None
    cleaned = questionnaire.clean(page_id, {question_id: value}, seed=seed)
    return store.save_page(
        engine, respondent.id, page_id=page_id, answers={question_id: cleaned[question_id]}, now=now
    )


def withdraw(engine: Engine, respondent: RespondentState) -> bool:
    """Delete the respondent and everything they answered (they withdrew consent)."""
    return store.delete_respondent(engine, respondent.id)


def stored_answers(engine: Engine, respondent: RespondentState) -> dict[str, AnswerValue]:
    """Everything the respondent has saved so far."""
    return store.load_answers(engine, respondent.id)


def profile(engine: Engine, questionnaire: Questionnaire, respondent: RespondentState) -> Profile:
    """The respondent's scores, stage and quadrant from their stored answers."""
    return respondent_profile(stored_answers(engine, respondent), questionnaire.instrument)


def comparison(engine: Engine, questionnaire: Questionnaire) -> Comparison | None:
    """Median level scores of the completed responses, once there are enough of them.

    Real responses are used alone once at least :data:`MIN_COMPARISON_SAMPLE` are complete.
    Before that, a database seeded with the simulated demo responses compares with real and
    demo responses together, and says so. Fewer than the minimum in all: ``None``.
    """
    inst = questionnaire.instrument
    if not inst.constructs_by_level():
        return None
    frame = store.responses_frame(engine, questionnaire, completed_only=True)
    real = frame[~frame["is_demo"]]
    for sample, includes_demo in ((real, False), (frame, bool(frame["is_demo"].any()))):
        levels = sample_levels(sample, inst)
        if levels.n_respondents >= MIN_COMPARISON_SAMPLE:
            return Comparison(levels, includes_demo)
    return None


def resume_url(base_url: str, token: str) -> str:
    """The resume link: the app's address with ``?r=<token>``."""
    return f"{base_url.split('?')[0]}?{urlencode({TOKEN_PARAM: token})}"


def stage_reason(profile: Profile) -> str | None:
    """One sentence saying which capabilities decided the stage (``None`` when unplaced).

    At the top stage nothing is missing; below it, the sentence names the capabilities of the
    next transition that are not yet in place
    (:attr:`~analysis.structure.respondent_profile.Profile.next_steps`,
    the same scores as the capability chart) and the score each needs.
    """
    if profile.stage is None:
        return None
    if not profile.next_steps:
        return (
            f"You are placed at stage {profile.stage} because your answers show every "
            "capability the stage model asks for."
        )
    steps = profile.next_steps
    labels = [s.label for s in steps]
    named = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    verb = "is" if len(labels) == 1 else "are"
    thresholds = sorted({s.threshold for s in steps})
    need = " / ".join(f"{t:.1f}" for t in thresholds)
    scores = ", ".join(f"{s.label} {s.score:.1f}" for s in steps)
    return (
        f"You are placed at stage {profile.stage} because {named} {verb} not yet in place "
        f"(your {'score' if len(steps) == 1 else 'scores'}: {scores}; in place from {need}), "
        f"which the move to stage {profile.stage + 1} requires."
    )


def level_table(profile: Profile, comparison: Comparison | None) -> pd.DataFrame:
    """The respondent's level scores (and the sample median) as a small labelled table."""
    table = pd.DataFrame({"yours": profile.levels})
    if comparison is not None:
        table["sample_median"] = comparison.levels.median.reindex(table.index)
    table.index.name = "level"
    return table
