"""The questionnaire as the respondent meets it: pages, questions, order, validation.

Pure logic on an :class:`~instrument.models.Instrument` — no Streamlit, no database. The app
draws what :meth:`Questionnaire.questions` returns and checks submissions with
:meth:`Questionnaire.validate`; storage keeps what :meth:`Questionnaire.clean` returns.

Stored answer values are ``int`` for Likert items, attention checks and whole-number questions,
the option value (``str``) for single-choice questions, and the chosen option values joined by
``;`` in option order for multiple-choice questions. When the scale has a don't-know code, every
Likert item (not an attention check) offers it as its last option and stores the code itself;
the analysis turns it into a missing value.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from instrument import Instrument, Page

QuestionKind = Literal["likert", "attention", "single", "multi", "integer"]
#: A stored answer.
AnswerValue = int | str
#: Separator of the chosen options of a multiple-choice answer.
MULTI_SEPARATOR = ";"
#: Characters of an item text quoted in a "please answer" message.
_QUOTE_CHARS = 70
#: What a whole-number field accepts: digits, optionally grouped in thousands by commas.
_WHOLE_NUMBER = re.compile(r"\d{1,15}|\d{1,3}(?:,\d{3}){1,4}")
#: The item message of a required question left unanswered.
NOT_ANSWERED = "Please answer this question."


@dataclass(frozen=True)
class Question:
    """One question as shown on a page.

    Attributes
    ----------
    id : str
        Item, attention-check or background-question id (the answer's key).
    kind : {"likert", "attention", "single", "multi", "integer"}
        How it is asked and stored.
    number : int
        Position on the page as shown (1-based, after any randomisation).
    text : str
        The statement or question.
    options : tuple of (value, label)
        Scale points (Likert, attention check) or answer options; empty for ``integer``.
    required : bool
        Whether the page may be left forwards without an answer.
    help : str or None
        Extra guidance under the question.
    min, max : int or None
        Bounds of an ``integer`` question.
    dont_know : int or None
        The value of the "don't know / not applicable" option among ``options`` (a Likert
        item of a scale with a don't-know code), so that it can be drawn apart from the
        scale points; ``None`` otherwise.
    """

    id: str
    kind: QuestionKind
    number: int
    text: str
    options: tuple[tuple[AnswerValue, str], ...] = ()
    required: bool = True
    help: str | None = None
    min: int | None = None
    max: int | None = None
    dont_know: int | None = None

    @property
    def label(self) -> str:
        """The numbered label shown (and read by screen readers): ``"3. We know ..."``."""
        return f"{self.number}. {self.text}"

    def describe(self) -> str:
        """Name the question for a message: ``question 3 (“We know which of our ...”)``."""
        quoted = self.text
        if len(quoted) > _QUOTE_CHARS:
            quoted = quoted[: _QUOTE_CHARS - 1].rstrip() + "…"
        return f"question {self.number} (“{quoted}”)"

    def option_labels(self) -> dict[AnswerValue, str]:
        """Option value → label."""
        return dict(self.options)

    def allowed_numbers(self) -> str:
        """What a whole-number question accepts, as an instruction.

        Examples
        --------
        >>> staff = Question(id="n", kind="integer", number=1, text="How many?", min=1, max=50000)
        >>> staff.allowed_numbers()
        'Enter a whole number from 1 to 50,000.'
        """
        if self.min is not None and self.max is not None:
            return f"Enter a whole number from {self.min:,} to {self.max:,}."
        if self.min is not None:
            return f"Enter a whole number of at least {self.min:,}."
        if self.max is not None:
            return f"Enter a whole number up to {self.max:,}."
        return "Enter a whole number."


@dataclass(frozen=True)
class Problem:
    """Why a question keeps the respondent on its page.

    Attributes
    ----------
    question : Question
        The question, numbered as shown.
    message : str
        What the respondent should do, shown next to the question and in the page's list
        of problems: :data:`NOT_ANSWERED`, or the range of a whole-number question
        (:meth:`Question.allowed_numbers`).
    """

    question: Question
    message: str


class Questionnaire:
    """Pages and questions of an instrument, in the order a respondent sees them.

    Parameters
    ----------
    instrument : Instrument
        The validated instrument; its :meth:`~instrument.models.Instrument.page_list` gives
        the pages.

    Examples
    --------
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> q = Questionnaire(load_instrument(DEFAULT_INSTRUMENT))
    >>> q.page_ids[:2], q.n_pages
    (('firm', 'audience'), 7)
    >>> q.next_page("firm"), q.previous_page("firm")
    ('audience', None)
    """

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.pages: tuple[Page, ...] = instrument.page_list()
        self.page_ids: tuple[str, ...] = tuple(p.id for p in self.pages)
        self._index = {pid: i for i, pid in enumerate(self.page_ids)}
        self._likert = {i.id: i for i in instrument.items}
        self._points = _likert_options(instrument)
        self._checks = {a.id: a for a in instrument.attention_checks}
        self._firm = {q.id: q for q in instrument.firmographics}

    @property
    def n_pages(self) -> int:
        """Number of questionnaire pages."""
        return len(self.pages)

    @property
    def first_page(self) -> str:
        """Id of the first page."""
        return self.page_ids[0]

    @property
    def last_page(self) -> str:
        """Id of the last page."""
        return self.page_ids[-1]

    def page(self, page_id: str) -> Page:
        """The page with ``page_id``; ``KeyError`` naming it if unknown."""
        return self.pages[self.index(page_id)]

    def index(self, page_id: str) -> int:
        """0-based position of ``page_id``."""
        try:
            return self._index[page_id]
        except KeyError:
            raise KeyError(
                f"page {page_id!r} is not in instrument {self.instrument.id!r} "
                f"(pages: {', '.join(self.page_ids)})"
            ) from None

    def next_page(self, page_id: str) -> str | None:
        """The page after ``page_id`` (``None`` after the last)."""
        i = self.index(page_id)
        return self.page_ids[i + 1] if i + 1 < len(self.page_ids) else None

    def previous_page(self, page_id: str) -> str | None:
        """The page before ``page_id`` (``None`` before the first)."""
        i = self.index(page_id)
        return self.page_ids[i - 1] if i > 0 else None

    def item_order(self, page_id: str, *, seed: int | None) -> tuple[str, ...]:
        """Likert item and attention-check ids of a page in the respondent's order.

        Parameters
        ----------
        page_id : str
            The page.
        seed : int or None
            The respondent's item-order seed. Pages marked ``randomize: true`` are shuffled
            with ``random.Random(f"{seed}/{page_id}")`` — the same order for the same seed on
            every visit and every Python version; ``None`` keeps the instrument's order.

        Returns
        -------
        tuple of str
            Item ids (attention checks are shuffled in among the items).
        """
        page = self.page(page_id)
        ids = list(self.instrument.page_item_ids(page))
        if page.randomize and seed is not None:
            random.Random(f"{seed}/{page_id}").shuffle(ids)
        return tuple(ids)

    def questions(self, page_id: str, *, seed: int | None) -> tuple[Question, ...]:
        """The questions of a page, numbered as shown: background questions, then items."""
        page = self.page(page_id)
        scale = self.instrument.scale
        points = tuple(zip(scale.points, scale.labels, strict=True))
        dont_know = scale.dont_know.code if scale.dont_know is not None else None
        out: list[Question] = []
        for qid in page.firmographics:
            q = self._firm[qid]
            out.append(
                Question(
                    id=q.id,
                    kind=q.type,
                    number=len(out) + 1,
                    text=q.text,
                    options=tuple((o.value, o.label) for o in q.options),
                    required=q.required,
                    help=q.help,
                    min=q.min,
                    max=q.max,
                )
            )
        for item_id in self.item_order(page_id, seed=seed):
            number = len(out) + 1
            if item_id in self._checks:
                text = self._checks[item_id].text
                out.append(
                    Question(id=item_id, kind="attention", number=number, text=text, options=points)
                )
            else:
                out.append(
                    Question(
                        id=item_id,
                        kind="likert",
                        number=number,
                        text=self._likert[item_id].text,
                        options=self._points[item_id],
                        dont_know=dont_know,
                    )
                )
        return tuple(out)

    def question_ids(self, page_id: str) -> tuple[str, ...]:
        """Ids of every answer a page can hold (order irrelevant)."""
        page = self.page(page_id)
        return tuple(page.firmographics) + self.instrument.page_item_ids(page)

    def all_question_ids(self) -> tuple[str, ...]:
        """Ids of every question of the questionnaire, page by page."""
        return tuple(qid for pid in self.page_ids for qid in self.question_ids(pid))

    def clean(
        self, page_id: str, raw: Mapping[str, Any], *, seed: int | None = None
    ) -> dict[str, AnswerValue | None]:
        """Turn widget values into stored values (``None`` = not answered).

        Parameters
        ----------
        page_id : str
            The page submitted.
        raw : mapping
            Question id → widget value (an ``int``, an option value, a list of option values
            or ``None``). Ids not on the page are an error.
        seed : int or None
            The respondent's item-order seed, so that errors number questions as shown.

        Returns
        -------
        dict
            Every question id of the page → stored value or ``None``.

        Raises
        ------
        ValueError
            When a value is not one of the question's options or outside its bounds, or an
            id does not belong to the page (names the question).
        """
        questions = {q.id: q for q in self.questions(page_id, seed=seed)}
        unknown = sorted(set(raw) - set(questions))
        if unknown:
            raise ValueError(f"page {page_id!r} has no question(s) {unknown}")
        return {qid: _clean_value(q, raw.get(qid)) for qid, q in questions.items()}

    def missing(
        self,
        page_id: str,
        answers: Mapping[str, AnswerValue | None],
        *,
        seed: int | None,
    ) -> tuple[Question, ...]:
        """Required questions of a page without an answer, in the order shown."""
        return tuple(
            q
            for q in self.questions(page_id, seed=seed)
            if q.required and answers.get(q.id) is None
        )

    def entry_problems(
        self, page_id: str, raw: Mapping[str, Any], *, seed: int | None
    ) -> tuple[Problem, ...]:
        """Typed entries of a page that cannot be stored, each with what to enter instead.

        A whole-number question is answered in a text field, so that what the respondent
        typed stays as typed: an entry that is not a whole number (``2.5``, ``ten``) or lies
        outside the question's bounds is reported here rather than rounded or clipped.
        Empty entries are not problems (:meth:`missing` reports required ones).

        Parameters
        ----------
        page_id : str
            The page.
        raw : mapping
            Question id → widget value, as for :meth:`clean`.
        seed : int or None
            The respondent's item-order seed (questions are numbered as shown).

        Returns
        -------
        tuple of Problem
            In the order shown; pass ``raw`` to :meth:`clean` without these entries.
        """
        return tuple(
            Problem(q, q.allowed_numbers())
            for q in self.questions(page_id, seed=seed)
            if q.kind == "integer" and _whole_number(q, raw.get(q.id)) is _UNUSABLE
        )

    def widget_value(self, question: Question, stored: AnswerValue | None) -> Any:
        """The widget value that shows a stored answer (inverse of :meth:`clean`).

        Whole numbers are typed into a text field, so their widget value is text.
        """
        if stored is None:
            return [] if question.kind == "multi" else None
        if question.kind == "integer":
            return str(stored)
        if question.kind == "multi":
            chosen = set(str(stored).split(MULTI_SEPARATOR))
            return [v for v, _ in question.options if v in chosen]
        return stored


def problem_summary(problems: Sequence[Problem]) -> str:
    """The first line of a page's list of problems: what is wrong, and how many.

    Examples
    --------
    >>> q = Question(id="a1", kind="likert", number=3, text="We plan ahead.")
    >>> problem_summary([Problem(q, NOT_ANSWERED)])
    'Please answer this question before going on:'
    >>> n = Question(id="n", kind="integer", number=4, text="How many?", min=0, max=9)
    >>> problem_summary([Problem(q, NOT_ANSWERED), Problem(n, n.allowed_numbers())])
    'Please correct these 2 questions before going on:'
    """
    if not problems:
        return ""
    verb = "answer" if all(p.message == NOT_ANSWERED for p in problems) else "correct"
    if len(problems) == 1:
        return f"Please {verb} this question before going on:"
    return f"Please {verb} these {len(problems)} questions before going on:"


def _likert_options(instrument: Instrument) -> dict[str, tuple[tuple[AnswerValue, str], ...]]:
    """Item id → its answer options: the scale points with the construct's own labels if it
    has them (bipolar items), else the scale's, then the don't-know option if the scale has one.
    """
    scale = instrument.scale
    extra: tuple[tuple[AnswerValue, str], ...] = ()
    if scale.dont_know is not None:
        extra = ((scale.dont_know.code, scale.dont_know.label),)
    out: dict[str, tuple[tuple[AnswerValue, str], ...]] = {}
    for construct in instrument.constructs:
        labels = construct.labels if construct.labels is not None else scale.labels
        options = (*zip(scale.points, labels, strict=True), *extra)
        for item in construct.items:
            out[item.id] = options
    return out


#: What :func:`_whole_number` returns for an entry that cannot be stored.
_UNUSABLE = object()


def _whole_number(question: Question, value: Any) -> Any:
    """A whole-number entry (``int``, integral ``float`` or typed text) as an ``int`` in the
    question's bounds; ``None`` when empty; :data:`_UNUSABLE` otherwise."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not _WHOLE_NUMBER.fullmatch(text):
            return _UNUSABLE
        value = int(text.replace(",", ""))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _UNUSABLE
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return _UNUSABLE
    number = int(value)
    if (question.min is not None and number < question.min) or (
        question.max is not None and number > question.max
    ):
        return _UNUSABLE
    return number


def _clean_value(question: Question, value: Any) -> AnswerValue | None:
    if value is None:
        return None
    allowed = [v for v, _ in question.options]
    if question.kind == "multi":
        if isinstance(value, str):
            value = [v for v in value.split(MULTI_SEPARATOR) if v]
        chosen = list(value)
        bad = [v for v in chosen if v not in allowed]
        if bad:
            raise ValueError(f"{question.describe()}: unknown option(s) {bad}")
        ordered = [v for v in allowed if v in chosen]
        return MULTI_SEPARATOR.join(str(v) for v in ordered) if ordered else None
    if question.kind == "integer":
        number = _whole_number(question, value)
        if number is _UNUSABLE:
            raise ValueError(
                f"{question.describe()}: {value!r} is not a whole number in "
                f"{question.min}..{question.max}"
            )
        return number
    if value not in allowed:
        raise ValueError(f"{question.describe()}: {value!r} is not one of {allowed}")
    return value
