"""Answers a simulated respondent gives, and what the database must then hold.

Shared by the AppTest, browser and concurrency tests (no Streamlit or browser imports here).
"""

from __future__ import annotations

import random
from typing import Any

from survey.questionnaire import MULTI_SEPARATOR, AnswerValue, Questionnaire


def plan_answers(questionnaire: Questionnaire, *, seed: int) -> dict[str, Any]:
    """Widget values a simulated respondent gives to every question (attention checks right)."""
    rng = random.Random(seed)
    checks = {a.id: a.answer for a in questionnaire.instrument.attention_checks}
    dont_know = questionnaire.instrument.scale.dont_know
    plan: dict[str, Any] = {}
    for page_id in questionnaire.page_ids:
        for q in questionnaire.questions(page_id, seed=None):
            values = [v for v, _ in q.options]
            if q.kind == "attention":
                plan[q.id] = checks[q.id]
            elif q.kind == "likert":
                # a respondent who knows the answers (don't-know is tested on its own)
                plan[q.id] = rng.choice(
                    [v for v in values if dont_know is None or v != dont_know.code]
                )
            elif q.kind == "single":
                plan[q.id] = rng.choice(values)
            elif q.kind == "multi":
                chosen = set(rng.sample(values, rng.randint(1, 3)))
                plan[q.id] = [v for v in values if v in chosen]
            else:
                plan[q.id] = rng.randint(q.min or 0, min(q.max or 50, 50))
    return plan


def stored_form(questionnaire: Questionnaire, page_id: str, plan: dict[str, Any]) -> dict:
    """What the database must hold for a page answered with ``plan``."""
    out: dict[str, AnswerValue] = {}
    for q in questionnaire.questions(page_id, seed=None):
        if q.id not in plan:
            continue
        value = plan[q.id]
        if q.kind == "multi":
            value = MULTI_SEPARATOR.join(v for v, _ in q.options if v in value)
        out[q.id] = value
    return out
