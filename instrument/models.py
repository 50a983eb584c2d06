"""The questionnaire as data: frozen pydantic models for the instrument file.

The public format is described in DESIGN §3.1. A researcher's instrument needs only ``id``,
``version``, ``title``, ``scale`` and ``constructs``; everything else (pages, firmographics,
attention checks, the stage rule, quadrant rule and feedback texts) is optional and has a
sensible default, so that any Likert instrument can be analysed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Level = Literal["operational", "dynamic", "adaptive", "networking"]
Axis = Literal["control", "orientation"]
Role = Literal["outcome"]
QuestionType = Literal["single", "multi", "integer"]
Measures = Literal["sector", "offering", "firm_size", "country", "role", "informant", "other"]
#: What a non-scored indicator validates (it is asked, stored and exported, never scored).
Validates = Literal["stage", "control", "orientation"]
Quadrant = Literal["call_to_action", "dissemination", "thought_leadership", "co_creation"]

#: The four capability levels in the order the stage model layers them (seed 001, Fig. 2).
LEVELS: tuple[Level, ...] = ("operational", "dynamic", "adaptive", "networking")
#: The two strategy axes (seed 002, Fig. 2).
AXES: tuple[Axis, ...] = ("control", "orientation")
#: The four quadrants; keys of :attr:`Feedback.quadrants`.
QUADRANTS: tuple[Quadrant, ...] = (
    "call_to_action",
    "dissemination",
    "thought_leadership",
    "co_creation",
)

#: The quadrants' names in seed 002 (Cartwright, Davies & Archer-Brown 2021, Table 2), shown when
#: an instrument's feedback does not name them (``feedback.quadrants.<code>.title``).
QUADRANT_TITLES: dict[Quadrant, str] = {
    "call_to_action": "Call to Action",
    "dissemination": "Dissemination",
    "thought_leadership": "Thought Leadership",
    "co_creation": "Co-creation",
}

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]


class LocatedValueError(ValueError):
    """A validation error that knows where in the document it happened.

    ``loc`` is relative to the model that raised it, e.g. ``("constructs", 3, "items", 2, "id")``;
    :func:`instrument.loader.load_instrument` joins it to pydantic's location and the YAML line.
    """

    def __init__(self, message: str, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.loc = loc


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DontKnow(_Frozen):
    """A "don't know / not applicable" answer offered beside the scale points.

    It is stored as its own ``code`` (outside the scale), so that "does not apply to us" stays
    distinguishable from a skipped item, and the analysis treats it as missing.
    """

    code: int
    label: str = Field(default="Don't know / not applicable", min_length=1)


class Scale(_Frozen):
    """The response scale shared by every Likert item.

    Attributes
    ----------
    min, max : int
        Lowest and highest scale point (``min < max``).
    labels : list of str
        One label per scale point, ``max - min + 1`` of them, lowest first.
    dont_know : DontKnow, optional
        A "don't know / not applicable" option offered with every Likert item.
    """

    min: int
    max: int
    labels: tuple[str, ...]
    dont_know: DontKnow | None = None

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if self.min >= self.max:
            raise LocatedValueError(
                f"scale min ({self.min}) must be lower than max ({self.max})", ("min",)
            )
        if self.dont_know is not None and self.min <= self.dont_know.code <= self.max:
            raise LocatedValueError(
                f"the don't-know code {self.dont_know.code} lies on the scale "
                f"{self.min}..{self.max}; choose a code outside it (e.g. 99)",
                ("dont_know", "code"),
            )
        n_points = self.max - self.min + 1
        if len(self.labels) != n_points:
            raise LocatedValueError(
                f"scale has {n_points} points ({self.min}..{self.max}) but "
                f"{len(self.labels)} labels; give exactly one label per point",
                ("labels",),
            )
        return self

    @property
    def midpoint(self) -> float:
        """The neutral point, ``(min + max) / 2``."""
        return (self.min + self.max) / 2

    def point_at(self, share: float) -> float:
        """The score ``share`` of the way from ``min`` to ``max`` (0 → min, 1 → max)."""
        return self.min + share * (self.max - self.min)

    @property
    def points(self) -> tuple[int, ...]:
        """All scale points, lowest first."""
        return tuple(range(self.min, self.max + 1))


class Item(_Frozen):
    """One Likert statement."""

    id: Identifier
    text: str = Field(min_length=1)
    reverse: bool = False


class Construct(_Frozen):
    """A first-order construct measured by two or more Likert items.

    ``level`` places the construct in the stage model, ``axis`` in the quadrant model and
    ``role: outcome`` marks an outcome scale; all three are optional. ``labels`` replaces the
    scale's point labels for this construct's items (a bipolar item: "Mainly new contacts" …
    "Mainly existing relationships"); the points themselves stay the instrument's scale.
    ``advice`` is the plain-language next step shown to a respondent who has not yet shown
    this capability.
    """

    id: Identifier
    label: str = Field(min_length=1)
    level: Level | None = None
    axis: Axis | None = None
    role: Role | None = None
    source: str | None = None
    description: str | None = None
    advice: str | None = None
    labels: tuple[str, ...] | None = None
    items: tuple[Item, ...]

    @model_validator(mode="after")
    def _check(self) -> Construct:
        if len(self.items) < 2:
            raise LocatedValueError(
                f"construct '{self.id}' has {len(self.items)} item(s); a construct needs "
                "at least 2 items to be measured",
                ("items",),
            )
        tags = [t for t in (self.level, self.axis, self.role) if t is not None]
        if len(tags) > 1:
            raise ValueError(
                f"construct '{self.id}' sets more than one of level/axis/role; choose one"
            )
        return self


class Option(_Frozen):
    """One answer option of a firmographic question."""

    value: Identifier
    label: str = Field(min_length=1)


class Firmographic(_Frozen):
    """A background question about the firm or the respondent.

    ``measures`` tells the analysis what the question is about (for the papers' claims:
    firm size vs stage, product/service vs quadrant; ``informant`` for the respondent's part in
    social-media decisions). For ``firm_size`` the options must be listed from smallest to
    largest. ``validates`` marks a non-scored indicator of the stage or an axis (asked,
    stored, exported and compared with the scores, never scored).
    """

    id: Identifier
    text: str = Field(min_length=1)
    type: QuestionType = "single"
    options: tuple[Option, ...] = ()
    measures: Measures | None = None
    validates: Validates | None = None
    required: bool = True
    min: int | None = None
    max: int | None = None
    help: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Firmographic:
        if self.type in ("single", "multi"):
            if len(self.options) < 2:
                raise ValueError(
                    f"question '{self.id}' of type '{self.type}' needs at least 2 options"
                )
            dupes = _duplicates(o.value for o in self.options)
            if dupes:
                raise LocatedValueError(
                    f"question '{self.id}' repeats option value(s) {dupes}", ("options",)
                )
        elif self.options:
            raise ValueError(f"question '{self.id}' of type 'integer' cannot have options")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"question '{self.id}': min ({self.min}) is above max ({self.max})")
        return self


class AttentionCheck(_Frozen):
    """An instructed-response item: the respondent must choose ``answer``."""

    id: Identifier
    text: str = Field(min_length=1)
    answer: int


class Page(_Frozen):
    """One questionnaire page; blocks are shown in the order listed."""

    id: Identifier
    title: str = Field(min_length=1)
    intro: str | None = None
    firmographics: tuple[str, ...] = ()
    constructs: tuple[str, ...] = ()
    attention_checks: tuple[str, ...] = ()
    randomize: bool = False


#: Where a level counts as developed by default: this share of the way up the instrument's own
#: scale (5 on 1–7; 3.67 on 1–5; 4.33 on 1–6). The seeds are qualitative case studies and give no
#: number for "developed"; the analysis reports how the verdicts move when the cut moves
#: (``analysis.structure.thresholds``) and where the data themselves put it.
DEVELOPED_SHARE: float = 2 / 3


class StageRule(_Frozen):
    """Thresholds of the cumulative stage rule (seed 001, Fig. 2).

    A level counts as developed when its score is at or above its threshold. The theory
    stage is 1 + the number of consecutive developed transitions: operational, then
    dynamic *and* adaptive, then networking. Levels without a threshold here get the
    scale-aware default (:data:`DEVELOPED_SHARE` of the way up the scale; see
    :meth:`Instrument.stage_thresholds`).
    """

    thresholds: dict[Level, float] = Field(default_factory=dict)


class QuadrantRule(_Frozen):
    """Where the two axes are cut to form quadrants (default: the scale midpoint).

    A firm whose axis score lies within ``mixed_band`` of a cut (inclusive) is *mixed* on that
    axis and gets no quadrant: a tie is never "high". The default band is 1/48 of the scale's
    range (0.125 on 1–7): on scores of three to five items only an exact tie falls in it.
    Widen it to treat near-ties as mixed too (0.25 on 1–7 also takes in a four-item score one
    answer off neutral).
    """

    control_cut: float | None = None
    orientation_cut: float | None = None
    mixed_band: float | None = Field(default=None, ge=0)


class Source(_Frozen):
    """A passage of a source paper that a placement rests on.

    Attributes
    ----------
    paper : str
        Which seed (``"001"``: the stage model; ``"002"``: the strategy quadrants).
    section : str
        Section number (``"4.3.3"``) or figure/table.
    quote : str
        A short quotation (at most ~30 words) from that section.
    """

    paper: str = Field(min_length=1)
    section: str = Field(min_length=1)
    quote: str = Field(min_length=1, max_length=400)

    def cite(self) -> str:
        """``seed 001 §4.3.3: “…”``."""
        where = self.section if self.section[:1].isalpha() else f"§{self.section}"
        return f"seed {self.paper} {where}: “{self.quote}”"


class Requirement(_Frozen):
    """One capability that must be in place to pass a transition: a construct or a level.

    In YAML: ``{construct: network_development, source: {...}}`` or ``{level: operational}``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    construct_id: Identifier | None = Field(default=None, alias="construct")
    level: Level | None = None
    threshold: float | None = None
    source: Source | None = None

    @model_validator(mode="after")
    def _check(self) -> Requirement:
        if (self.construct_id is None) == (self.level is None):
            raise ValueError("a requirement names exactly one of 'construct' or 'level'")
        return self

    @property
    def key(self) -> str:
        """The score the requirement reads: the construct id, or the level name."""
        return self.construct_id if self.construct_id is not None else str(self.level)


class Transition(_Frozen):
    """An arrow of the stage model: what a firm must have to reach stage ``to``."""

    to: int = Field(ge=2)
    requires: tuple[Requirement, ...] = Field(min_length=1)
    source: Source | None = None


class StageTitle(_Frozen):
    """Name of a stage, with the passage that describes it."""

    stage: int = Field(ge=1)
    title: str = Field(min_length=1)
    source: Source | None = None


class StageModel(_Frozen):
    """A cumulative stage model declared as data: stages and what each transition requires.

    A firm is at stage *s* when it meets every requirement of the transitions to 2, …, *s* and
    not all of those to *s* + 1. A firm that meets a later transition in full while failing an
    earlier one breaks the declared order and is flagged ``non_cumulative`` (evidence about the
    theory), never filed at the lower stage. ``threshold`` is the score at which every
    requirement of this model counts as in place (unless a requirement sets its own); without
    it the instrument's level thresholds apply.
    """

    id: Identifier
    label: str = Field(min_length=1)
    description: str | None = None
    threshold: float | None = None
    threshold_rationale: str | None = None
    stages: tuple[StageTitle, ...] = ()
    transitions: tuple[Transition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> StageModel:
        for i, t in enumerate(self.transitions):
            if t.to != i + 2:
                raise LocatedValueError(
                    f"transition {i + 1} of stage model '{self.id}' leads to stage {t.to}; "
                    f"transitions must lead to stages 2, 3, … in order (expected {i + 2})",
                    ("transitions", i, "to"),
                )
            _first_duplicate(
                [(("transitions", i, "requires", j), r.key) for j, r in enumerate(t.requires)],
                "requirement",
            )
        for i, title in enumerate(self.stages):
            if title.stage > self.n_stages:
                raise LocatedValueError(
                    f"stage {title.stage} is named but the model has {self.n_stages} stages",
                    ("stages", i, "stage"),
                )
        return self

    @property
    def n_stages(self) -> int:
        """Number of stages (one more than the transitions)."""
        return len(self.transitions) + 1

    @property
    def requirement_keys(self) -> tuple[str, ...]:
        """Every score the model reads, in transition order, each once."""
        return tuple(dict.fromkeys(r.key for t in self.transitions for r in t.requires))

    def transition_keys(self) -> tuple[tuple[str, ...], ...]:
        """The requirement keys of each transition, in order."""
        return tuple(tuple(r.key for r in t.requires) for t in self.transitions)

    def title(self, stage: int) -> str | None:
        """The declared title of ``stage``, if any."""
        return next((t.title for t in self.stages if t.stage == stage), None)


class StageFeedback(_Frozen):
    """What a stage looks like and what moves a firm on (plain language)."""

    title: str
    looks_like: tuple[str, ...]
    next_steps: tuple[str, ...] = ()


class QuadrantFeedback(_Frozen):
    """Plain-language description of a strategy quadrant."""

    title: str
    summary: str
    strengths: tuple[str, ...] = ()
    watch_out: tuple[str, ...] = ()


class Feedback(_Frozen):
    """Feedback texts shown to respondents on the completion page."""

    stages: dict[Literal[1, 2, 3, 4], StageFeedback] = Field(default_factory=dict)
    quadrants: dict[Quadrant, QuadrantFeedback] = Field(default_factory=dict)


class Study(_Frozen):
    """Study information for the landing and consent page."""

    introduction: str | None = None
    consent: str | None = None
    contact: str | None = None


class Instrument(_Frozen):
    """A complete instrument: the public YAML format (DESIGN §3.1) plus the app's sections."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str | None = None
    study: Study = Study()
    scale: Scale
    constructs: tuple[Construct, ...] = Field(min_length=1)
    firmographics: tuple[Firmographic, ...] = ()
    attention_checks: tuple[AttentionCheck, ...] = ()
    pages: tuple[Page, ...] = ()
    stage_rule: StageRule = StageRule()
    stage_models: tuple[StageModel, ...] = ()
    quadrant_rule: QuadrantRule = QuadrantRule()
    feedback: Feedback = Feedback()
    seconds_per_item: float = Field(default=7.0, gt=0)

    @model_validator(mode="after")
    def _check_references(self) -> Instrument:
        _first_duplicate(
            [((("constructs", i, "id")), c.id) for i, c in enumerate(self.constructs)],
            "construct id",
        )
        _first_duplicate(
            [
                (("constructs", ci, "items", ii, "id"), item.id)
                for ci, c in enumerate(self.constructs)
                for ii, item in enumerate(c.items)
            ]
            + [(("firmographics", qi, "id"), q.id) for qi, q in enumerate(self.firmographics)]
            + [
                (("attention_checks", ai, "id"), a.id) for ai, a in enumerate(self.attention_checks)
            ],
            "item id",
        )
        for ai, check in enumerate(self.attention_checks):
            if not self.scale.min <= check.answer <= self.scale.max:
                raise LocatedValueError(
                    f"attention check '{check.id}' expects answer {check.answer}, which is "
                    f"outside the scale {self.scale.min}..{self.scale.max}",
                    ("attention_checks", ai, "answer"),
                )
        for level, value in self.stage_rule.thresholds.items():
            if not self.scale.min <= value <= self.scale.max:
                raise LocatedValueError(
                    f"stage threshold of '{level}' is {value:g}, outside the scale "
                    f"{self.scale.min}..{self.scale.max}",
                    ("stage_rule", "thresholds", level),
                )
        for ci, construct in enumerate(self.constructs):
            if construct.labels is not None and len(construct.labels) != len(self.scale.points):
                raise LocatedValueError(
                    f"construct '{construct.id}' has {len(construct.labels)} labels but the "
                    f"scale has {len(self.scale.points)} points; give one label per point",
                    ("constructs", ci, "labels"),
                )
            if construct.id in LEVELS:
                raise LocatedValueError(
                    f"construct id '{construct.id}' is the name of a capability level; "
                    "choose another id (stage models refer to levels by that name)",
                    ("constructs", ci, "id"),
                )
        self._check_stage_models()
        if self.pages:
            self._check_pages()
        return self

    def _check_stage_models(self) -> None:
        _first_duplicate(
            [(("stage_models", i, "id"), m.id) for i, m in enumerate(self.stage_models)],
            "stage model id",
        )
        known = {c.id for c in self.constructs}
        levels = set(self.constructs_by_level())
        for mi, model in enumerate(self.stage_models):
            if model.threshold is not None and not (
                self.scale.min <= model.threshold <= self.scale.max
            ):
                raise LocatedValueError(
                    f"threshold {model.threshold:g} of stage model '{model.id}' lies outside "
                    f"the scale {self.scale.min}..{self.scale.max}",
                    ("stage_models", mi, "threshold"),
                )
            for ti, transition in enumerate(model.transitions):
                for ri, req in enumerate(transition.requires):
                    where = ("stage_models", mi, "transitions", ti, "requires", ri)
                    if req.construct_id is not None and req.construct_id not in known:
                        raise LocatedValueError(
                            f"stage model '{model.id}' requires unknown construct "
                            f"'{req.construct_id}' (constructs: {', '.join(sorted(known))})",
                            (*where, "construct"),
                        )
                    if req.level is not None and req.level not in levels:
                        raise LocatedValueError(
                            f"stage model '{model.id}' requires level '{req.level}', but no "
                            "construct is tagged with that level",
                            (*where, "level"),
                        )
                    if req.threshold is not None and not (
                        self.scale.min <= req.threshold <= self.scale.max
                    ):
                        raise LocatedValueError(
                            f"threshold {req.threshold:g} lies outside the scale "
                            f"{self.scale.min}..{self.scale.max}",
                            (*where, "threshold"),
                        )

    def _check_pages(self) -> None:
        _first_duplicate([(("pages", i, "id"), p.id) for i, p in enumerate(self.pages)], "page id")
        known = {
            "constructs": [c.id for c in self.constructs],
            "firmographics": [q.id for q in self.firmographics],
            "attention_checks": [a.id for a in self.attention_checks],
        }
        for kind, ids in known.items():
            placed = [
                ((("pages", pi, kind, ri)), ref)
                for pi, page in enumerate(self.pages)
                for ri, ref in enumerate(getattr(page, kind))
            ]
            for loc, ref in placed:
                if ref not in ids:
                    raise LocatedValueError(
                        f"page refers to unknown {kind[:-1].replace('_', ' ')} '{ref}'", loc
                    )
            _first_duplicate(placed, f"{kind[:-1].replace('_', ' ')} on a page")
            placed_ids = {ref for _, ref in placed}
            missing = [i for i in ids if i not in placed_ids]
            if missing:
                raise LocatedValueError(
                    f"{kind.replace('_', ' ')} {missing} are not placed on any page; "
                    "list every one of them under some page",
                    ("pages",),
                )

    # ----------------------------------------------------------------- look-ups
    @property
    def items(self) -> tuple[Item, ...]:
        """All Likert items of all constructs, in instrument order."""
        return tuple(i for c in self.constructs for i in c.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Ids of all Likert items, in instrument order."""
        return tuple(i.id for i in self.items)

    @property
    def reverse_item_ids(self) -> tuple[str, ...]:
        """Ids of the reverse-keyed items."""
        return tuple(i.id for i in self.items if i.reverse)

    def construct(self, construct_id: str) -> Construct:
        """Return the construct with ``construct_id`` (``KeyError`` if unknown)."""
        for c in self.constructs:
            if c.id == construct_id:
                return c
        raise KeyError(construct_id)

    def construct_of(self) -> dict[str, str]:
        """Map each item id to the id of its construct."""
        return {i.id: c.id for c in self.constructs for i in c.items}

    def constructs_by_level(self) -> dict[Level, tuple[Construct, ...]]:
        """Constructs of each declared level (levels without constructs are left out)."""
        out: dict[Level, tuple[Construct, ...]] = {}
        for level in LEVELS:
            found = tuple(c for c in self.constructs if c.level == level)
            if found:
                out[level] = found
        return out

    def constructs_by_axis(self) -> dict[Axis, tuple[Construct, ...]]:
        """Constructs of each declared axis (axes without constructs are left out)."""
        out: dict[Axis, tuple[Construct, ...]] = {}
        for axis in AXES:
            found = tuple(c for c in self.constructs if c.axis == axis)
            if found:
                out[axis] = found
        return out

    @property
    def outcome_constructs(self) -> tuple[Construct, ...]:
        """Constructs with ``role: outcome``."""
        return tuple(c for c in self.constructs if c.role == "outcome")

    @property
    def has_stage_model(self) -> bool:
        """True when all four capability levels have constructs and a stage model applies."""
        return len(self.constructs_by_level()) == len(LEVELS) and self.stage_model is not None

    @property
    def has_quadrant_model(self) -> bool:
        """True when both axes have at least one construct."""
        return len(self.constructs_by_axis()) == len(AXES)

    def firmographic(self, question_id: str) -> Firmographic:
        """Return the firmographic question with ``question_id`` (``KeyError`` if unknown)."""
        for q in self.firmographics:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def firmographic_measuring(self, measures: Measures) -> Firmographic | None:
        """The first firmographic question tagged ``measures: <measures>``, if any."""
        return next((q for q in self.firmographics if q.measures == measures), None)

    def page_list(self) -> tuple[Page, ...]:
        """The pages in order; without ``pages`` one page per construct (after firmographics)."""
        if self.pages:
            return self.pages
        pages: list[Page] = []
        if self.firmographics:
            pages.append(
                Page(
                    id="about_you",
                    title="About your organisation",
                    firmographics=tuple(q.id for q in self.firmographics),
                )
            )
        pages.extend(
            Page(id=f"p_{c.id}", title=c.label, constructs=(c.id,)) for c in self.constructs
        )
        if self.attention_checks:
            last = pages[-1]
            pages[-1] = last.model_copy(
                update={"attention_checks": tuple(a.id for a in self.attention_checks)}
            )
        return tuple(pages)

    def page_item_ids(self, page: Page) -> tuple[str, ...]:
        """Likert item and attention-check ids shown on ``page`` (before randomisation)."""
        ids: list[str] = []
        for cid in page.constructs:
            ids.extend(i.id for i in self.construct(cid).items)
        ids.extend(page.attention_checks)
        return tuple(ids)

    def stage_model_list(self) -> tuple[StageModel, ...]:
        """The declared stage models, the default first; else the 1.0 model (levels only).

        An instrument without ``stage_models`` that tags constructs with all four levels gets
        :data:`LEVELS_1_0`; one without all four levels has no stage model.
        """
        if self.stage_models:
            return self.stage_models
        if len(self.constructs_by_level()) == len(LEVELS):
            return (LEVELS_1_0,)
        return ()

    @property
    def stage_model(self) -> StageModel | None:
        """The default stage model (the first declared one), or ``None``."""
        models = self.stage_model_list()
        return models[0] if models else None

    @property
    def stage_model_declared(self) -> bool:
        """True when the file declares its stage model(s); False for the implied 1.0 model."""
        return bool(self.stage_models)

    def requirement_thresholds(self, model: StageModel) -> dict[str, float]:
        """The threshold in force for each score ``model`` reads.

        A requirement's own ``threshold`` wins, then the model's ``threshold``; otherwise a
        level requirement takes the level's threshold (:meth:`stage_thresholds`) and a
        construct requirement the threshold of the construct's level, or the scale-aware
        default for an untagged construct.
        """
        levels = self.stage_thresholds()
        default = self.scale.point_at(DEVELOPED_SHARE)
        out: dict[str, float] = {}
        for t in model.transitions:
            for r in t.requires:
                if r.threshold is not None:
                    value = r.threshold
                elif model.threshold is not None:
                    value = model.threshold
                elif r.level is not None:
                    value = levels[r.level]
                else:
                    level = self.construct(str(r.construct_id)).level
                    value = levels[level] if level is not None else default
                out.setdefault(r.key, float(value))
        return out

    def stage_thresholds(self) -> dict[Level, float]:
        """The threshold in force for each level: the instrument's own, else the default.

        The default is the same relative point on every scale, :data:`DEVELOPED_SHARE` of the
        way up (5 on 1–7, 3.67 on 1–5, 4.33 on 1–6), so that "developed" does not come to mean
        "only the top answer" on a short scale.

        Examples
        --------
        >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
        >>> load_instrument(DEFAULT_INSTRUMENT).stage_thresholds()["dynamic"]
        5.0
        """
        default = self.scale.point_at(DEVELOPED_SHARE)
        return {lv: float(self.stage_rule.thresholds.get(lv, default)) for lv in LEVELS}

    def stage_threshold_origin(self) -> dict[Level, str]:
        """``"instrument"`` for thresholds the file sets, ``"default"`` for the others."""
        return {
            lv: "instrument" if lv in self.stage_rule.thresholds else "default" for lv in LEVELS
        }

    def quadrant_mixed_band(self) -> float:
        """Half-width of the "mixed" band around each quadrant cut (default range / 48)."""
        band = self.quadrant_rule.mixed_band
        return (self.scale.max - self.scale.min) / 48 if band is None else float(band)

    def quadrant_names(self) -> dict[str, str]:
        """The name of each quadrant, in :data:`QUADRANTS` order: its feedback title, or the
        papers' name (:data:`QUADRANT_TITLES`) when the instrument gives none."""
        given = self.feedback.quadrants
        return {q: given[q].title if q in given else QUADRANT_TITLES[q] for q in QUADRANTS}

    def quadrant_cuts(self) -> tuple[float, float]:
        """(control cut, orientation cut), defaulting to the scale midpoint."""
        mid = self.scale.midpoint
        rule = self.quadrant_rule
        return (
            mid if rule.control_cut is None else rule.control_cut,
            mid if rule.orientation_cut is None else rule.orientation_cut,
        )

    def estimated_minutes(self) -> float:
        """Rough completion time: ``seconds_per_item`` per Likert item, 12 s per other question."""
        n_likert = len(self.items) + len(self.attention_checks)
        seconds = n_likert * self.seconds_per_item + 12.0 * len(self.firmographics)
        return round(seconds / 60.0, 1)


def _duplicates(values: Iterable[str]) -> list[str]:
    counts = Counter(values)
    return sorted(v for v, n in counts.items() if n > 1)


def _first_duplicate(located: list[tuple[tuple[str | int, ...], str]], what: str) -> None:
    """Raise at the second occurrence of the first repeated value, naming the first one."""
    seen: dict[str, tuple[str | int, ...]] = {}
    for loc, value in located:
        if value in seen:
            first = _format_loc(seen[value])
            raise LocatedValueError(f"duplicate {what} '{value}' (first used at {first})", loc)
        seen[value] = loc


def _format_loc(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


#: The 1.0 format's model: an instrument that only tags constructs with ``level:`` is scored
#: with four cumulative levels, operational → dynamic and adaptive → networking.
LEVELS_1_0 = StageModel(
    id="levels_1_0",
    label="Instrument 1.0 mapping: operational → dynamic and adaptive → networking",
    description="Each level is developed when its mean score reaches the threshold; the four "
    "levels are layered as in smcap's instrument 1.0. Networking is a fourth tier here, "
    "which seed 001 §5 argues against; kept so that 1.0 data stay analysable and the two "
    "readings can be compared.",
    transitions=(
        Transition(to=2, requires=(Requirement(level="operational"),)),
        Transition(to=3, requires=(Requirement(level="dynamic"), Requirement(level="adaptive"))),
        Transition(to=4, requires=(Requirement(level="networking"),)),
    ),
)
