"""Streamlit drawing helpers shared by the pages: questions and their problems, the page's
address and top, the resume link, the level chart."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from instrument import LEVELS
from survey import flow
from survey.flow import Comparison, resume_url
from survey.questionnaire import Problem, Question, problem_summary
from survey.store import RespondentState

_LEVEL_LABELS = {
    "operational": "Operational",
    "dynamic": "Dynamic",
    "adaptive": "Adaptive",
    "networking": "Networking",
}


#: Characters Markdown (and Streamlit's extensions: ``:red[…]``, ``$…$``) can give a meaning.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape_markdown(text: object) -> str:
    """``text`` as Markdown that shows exactly these characters: no link, emphasis or formula.

    For text that comes from an upload or the database (column names, group values, error
    messages quoting them): every ASCII punctuation character is backslash-escaped, which also
    keeps ``http://…`` and ``www.…`` from becoming links; line breaks stay line breaks.
    """
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))
    return "  \n".join(escaped.splitlines())


def ask(
    question: Question,
    value: Any,
    *,
    key: str,
    on_change: Callable[..., None] | None = None,
    args: tuple[Any, ...] = (),
) -> Any:
    """Draw one question with its stored answer preselected; return the widget value.

    Likert items and single-choice questions are vertical radio groups without a default
    (every option spelled out, one tap or arrow key to answer, each option read out by
    screen readers); a don't-know option comes last and is set in italics so that it does not
    read as a scale point; multiple choice is a row of pills; counts are a text field, so
    that what is typed stays as typed (``2.5`` is not rounded, ``99999`` not clipped) and an
    entry the question cannot take is named next to it (:func:`problem_note`). Every control
    has its question as a visible label. ``on_change`` is called with ``args`` when the
    respondent changes the answer.
    """
    # Plain text only: the label is also the control's accessible name.
    label = f"{question.label} ({question.help})" if question.help else question.label
    if question.kind in ("likert", "attention", "single"):
        values = [v for v, _ in question.options]
        labels = question.option_labels()
        if question.dont_know is not None:
            labels[question.dont_know] = f"*{labels[question.dont_know]}*"
        return st.radio(
            label,
            values,
            index=values.index(value) if value in values else None,
            format_func=labels.__getitem__,
            key=key,
            on_change=on_change,
            args=args,
        )
    if question.kind == "multi":
        labels = question.option_labels()
        return st.pills(
            label,
            [v for v, _ in question.options],
            selection_mode="multi",
            default=value or None,
            format_func=labels.__getitem__,
            key=key,
            on_change=on_change,
            args=args,
        )
    return st.text_input(
        label,
        value=value or "",
        placeholder="A whole number",
        key=key,
        on_change=on_change,
        args=args,
    )


def page_top(title: str, *, visit: str) -> None:
    """Open a new page at its top, focus its first heading and name it in the tab title.

    Streamlit keeps the scroll offset of its main container across reruns, so without this a
    respondent who pressed Next at the bottom of a long page would land at the bottom of the
    next one. Focusing the heading makes screen readers announce the new page. ``visit``
    identifies the page visit: the script runs again only when it changes (not on every
    answer). Call it last on the page, once the heading has been drawn.
    """
    script = """
<script>
const doc = window.parent.document;
let touched = false;  // never fight a respondent who has started to scroll or answer
for (const name of ["wheel", "touchstart", "pointerdown", "keydown"]) {
  doc.addEventListener(name, () => { touched = true; }, {once: true, capture: true});
}
const settle = () => {
  if (touched) return;
  const main = doc.querySelector('[data-testid="stMain"]');
  if (main) main.scrollTop = 0;
  window.parent.scrollTo(0, 0);
  doc.title = TITLE;
};
const focus = () => {
  // a list of problems after Next takes the focus instead (see problem_marks)
  if (doc.querySelector('.st-key-problems [data-testid="stAlert"]')) return;
  const heading = doc.querySelector('[data-testid="stMain"] h1, [data-testid="stMain"] h2, '
    + '[data-testid="stMain"] h3');
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({preventScroll: true});
  }
};
settle();
focus();
// charts and late elements keep changing the height for a moment after the page is drawn
const timer = setInterval(settle, 100);
setTimeout(() => clearInterval(timer), 2000);
</script>
<!-- VISIT -->
"""
    script = script.replace("TITLE", json.dumps(title)).replace("VISIT", visit)
    _run_script(script, key="page-top")


def page_address(**params: str) -> None:
    """Write ``params`` into the address without adding a browser-history entry.

    For an address that named no page, or a page the respondent may not open yet: the
    address is corrected in place (``history.replaceState``), so the browser's Back does not
    lead to the uncorrected one, and Streamlit is told of the change as if the respondent had
    moved in the history (a ``popstate`` event), which reruns the app with the corrected query
    parameters. (Setting ``st.query_params`` instead would add a history entry.)
    """
    script = """
<script>
const win = window.parent;
const url = new URL(win.location.href);
for (const [name, value] of Object.entries(PARAMS)) url.searchParams.set(name, value);
url.hash = "";
win.history.replaceState(win.history.state, "", url);
win.dispatchEvent(new PopStateEvent("popstate", {state: win.history.state}));
</script>
"""
    _run_script(script.replace("PARAMS", json.dumps(params)), key="page-address")


def anchor(question: Question) -> str:
    """The id a link to ``question`` points at (set on its box by :func:`mark_problems`)."""
    return f"smcap-q-{question.id}"


def problem_list(problems: Sequence[Problem]) -> None:
    """The page's list of problems, each question a link that moves to it."""
    lines = [escape_markdown(problem_summary(problems)), ""]
    for p in problems:
        name = escape_markdown(p.question.describe()[0].upper() + p.question.describe()[1:])
        lines.append(f"- [{name}](#{anchor(p.question)}): {escape_markdown(p.message)}")
    with st.container(key="problems"):
        st.error("\n".join(lines), icon=":material/error:")


def problem_note(problem: Problem) -> None:
    """What is wrong with one question, right under it (its ``aria-describedby`` target)."""
    note_id = f"smcap-problem-{problem.question.id}"
    st.html(f'<p class="smcap-problem" id="{note_id}">{html.escape(problem.message)}</p>')


def mark_problems(
    problems: Sequence[Problem], widget_keys: dict[str, str], *, attempt: int
) -> None:
    """Mark the questions of ``problems`` for assistive technology and link the list to them.

    Streamlit offers no ARIA attributes on its widgets, so a script sets them once the page is
    drawn: each question's control (its radio group, text field, or group of pills) gets
    ``aria-invalid="true"`` and ``aria-describedby`` pointing at its :func:`problem_note`,
    and its box the id of :func:`anchor`. A link in :func:`problem_list` moves the keyboard
    focus to the question's control (its chosen option, else its first) and scrolls it into
    view. Each new ``attempt`` (a press of Next that found problems) scrolls to the top and
    focuses the list, so that it is seen and read out.
    """
    marks = [
        {
            "box": _key_class(widget_keys[p.question.id]),
            "anchor": anchor(p.question),
            "note": f"smcap-problem-{p.question.id}",
        }
        for p in problems
    ]
    script = """
<script>
const win = window.parent;
const doc = win.document;
const MARKS = MARKS_JSON;
// the marks of an earlier press of Next go: a question answered since is no longer invalid
if (win.smcapProblemObserver) win.smcapProblemObserver.disconnect();
for (const old of doc.querySelectorAll("[data-smcap-marked]")) {
  for (const name of ["aria-invalid", "aria-describedby", "data-smcap-marked"]) {
    old.removeAttribute(name);
  }
}
const mark = () => {
  for (const m of MARKS) {
    const box = doc.querySelector("." + m.box);
    if (!box) continue;
    box.id = m.anchor;
    const control = box.querySelector('[role="radiogroup"], input, [data-testid="stButtonGroup"]');
    if (control && !control.hasAttribute("data-smcap-marked")) {
      if (!control.matches("input, [role]")) control.setAttribute("role", "group");
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", m.note);
      control.setAttribute("data-smcap-marked", "");
    }
  }
};
const follow = (event) => {
  const link = event.target.closest('a[href^="#smcap-q-"]');
  const box = link && doc.getElementById(link.getAttribute("href").slice(1));
  if (!box) return;
  event.preventDefault();
  const control = box.querySelector("input:checked")
    || box.querySelector("input, button, textarea");
  box.scrollIntoView({block: "center"});
  if (control) control.focus({preventScroll: true});
};
if (win.smcapFollowProblem) doc.removeEventListener("click", win.smcapFollowProblem);
win.smcapFollowProblem = follow;
doc.addEventListener("click", follow);
mark();
win.smcapProblemObserver = new MutationObserver(mark);  // Streamlit may draw a control anew
win.smcapProblemObserver.observe(doc.querySelector('[data-testid="stMain"]'),
  {childList: true, subtree: true});
// The list takes the focus once it is drawn; the page is redrawn around it for a moment, so
// the focus is checked again until it holds (never against a respondent who has moved on).
let moved = false;
for (const name of ["wheel", "touchstart", "pointerdown", "keydown"]) {
  doc.addEventListener(name, () => { moved = true; }, {once: true, capture: true});
}
const focusList = () => {
  const list = doc.querySelector('.st-key-problems [data-testid="stAlert"]');
  if (moved || !list || doc.activeElement === list) return;
  list.setAttribute("tabindex", "-1");
  const main = doc.querySelector('[data-testid="stMain"]');
  if (main) main.scrollTop = 0;
  list.focus({preventScroll: true});
};
focusList();
const listTimer = setInterval(focusList, 100);
setTimeout(() => clearInterval(listTimer), 2000);
</script>
<!-- ATTEMPT -->
"""
    script = script.replace("MARKS_JSON", json.dumps(marks)).replace("ATTEMPT", str(attempt))
    _run_script(script, key="problem-marks")


def _key_class(key: str) -> str:
    """The CSS class Streamlit gives the element of widget ``key``."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def _run_script(script: str, *, key: str) -> None:
    """Run ``script`` in an invisible same-origin frame (it reaches the app as its parent).

    The frame is drawn again, and the script run again, only when ``script`` changes.
    """
    with st.container(key=key):  # collapsed by style.css
        st.iframe(script, height=1)


def withdraw_box(engine: Engine, respondent: RespondentState) -> None:
    """An expander that lets the respondent delete all their answers (confirmed first)."""
    with st.expander("Withdraw and delete my answers"):
        st.write(
            "You can leave the study at any time. This deletes every answer you have given; "
            "it cannot be undone."
        )
        sure = st.checkbox("Yes, delete all my answers", key=f"withdraw-{respondent.id}")
        if st.button("Delete my answers", disabled=not sure):
            flow.withdraw(engine, respondent)
            st.session_state["withdrawn"] = True
            st.query_params.clear()  # the token and the page number
            st.rerun()


def resume_link(token: str, *, intro: str) -> None:
    """Show the respondent's resume link in a code block (which has a copy button)."""
    st.markdown(intro)
    st.code(resume_url(_base_url(), token), language=None, wrap_lines=True)


def level_chart(
    levels: dict[str, float], comparison: Comparison | None, *, scale: tuple[int, int]
) -> None:
    """Horizontal bars of the four level scores, with the sample median when available."""
    order = [lv for lv in LEVELS if lv in levels]
    # the score is part of the axis label, so no text sits on the bars or the median marks
    names = [f"{_LEVEL_LABELS[lv]} {levels[lv]:.1f}" for lv in order]
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=[levels[lv] for lv in order],
        orientation="h",
        name="Your organisation",
        marker_color="#1f5f8b",
        hovertemplate="%{y}<extra></extra>",
    )
    alt = "Your capability levels: " + ", ".join(names)
    if comparison is not None:
        median = comparison.levels.median
        fig.add_scatter(
            y=names,
            x=[float(median[lv]) for lv in order],
            mode="markers",
            name=f"Median of {comparison.levels.n_respondents} firms",
            marker={"symbol": "line-ns", "size": 26, "line": {"width": 4, "color": "#e07b00"}},
            hovertemplate="median %{x:.1f}<extra></extra>",
        )
        alt += "; sample medians: " + ", ".join(
            f"{_LEVEL_LABELS[lv]} {float(median[lv]):.1f}" for lv in order
        )
    fig.update_layout(
        height=260,
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        xaxis={"range": [scale[0], scale[1]], "dtick": 1, "fixedrange": True},
        yaxis={"autorange": "reversed", "fixedrange": True},
        legend={"orientation": "h", "y": -0.18},
        showlegend=True,
        bargap=0.35,
    )
    st.plotly_chart(fig, config={"displayModeBar": False}, alt=alt)


def _base_url() -> str:
    """The address the respondent uses (without query), or ``""`` outside a browser."""
    return st.context.url or ""
