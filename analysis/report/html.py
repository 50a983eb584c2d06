"""The self-contained HTML report of ``smcap analyze``.

The report is a list of :class:`ReportSection` objects, each built from the JSON-ready
``results`` sections by a function here and placed by its ``order`` number (see
:data:`SECTION_ORDER`; a generalisability scorecard goes first with order 0). :func:`render_report`
joins them into one HTML page with Plotly's JavaScript inlined once, so the file opens offline
and can be mailed to a reviewer. Every number is printed next to plain language saying what it
means and which cut-off it is judged against.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from analysis.criteria import NA

#: Where each section goes (lower first). Sections added by other steps pick a free number:
#: 0–9 before the overview (the generalisability scorecard is 0), 100–899 after the
#: measurement sections (stages, quadrants, claims), warnings last.
SECTION_ORDER: dict[str, int] = {
    "scorecard": 0,
    "overview": 10,
    "reliability": 20,
    "sampling_adequacy": 30,
    "efa": 40,
    "cfa": 50,
    "validity": 60,
    "invariance": 70,
    "common_method": 80,
    "quality": 90,
    "stages": 100,
    "quadrants": 110,
    "claims": 120,
    "warnings": 1000,
}


_PLOT_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass(frozen=True)
class ReportSection:
    """One section of the report.

    Attributes
    ----------
    order : int
        Position (lower first); see :data:`SECTION_ORDER`.
    key : str
        Stable identifier (also the HTML anchor).
    title : str
        Heading.
    html : str
        The body: paragraphs, tables and figure ``<div>``s (Plotly JS is loaded once by
        :func:`render_report`).
    figures : tuple of plotly Figure
        The section's figures, for apps that draw them themselves.
    """

    order: int
    key: str
    title: str
    html: str
    figures: tuple[go.Figure, ...] = field(default=())


# --------------------------------------------------------------------------- building blocks
def esc(text: object) -> str:
    """HTML-escape any value."""
    return html.escape(str(text))


def fmt(value: object, digits: int = 3) -> str:
    """A number for display: fixed decimals, thousands separators for counts, '—' if missing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "—"
        return f"{value:.{digits}f}"
    return esc(value)


def fmt_p(value: float | None) -> str:
    """A p-value: '< .001' below one in a thousand."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return "< .001" if value < 0.001 else f"{value:.3f}"


def badge(verdict: str, text: str | None = None) -> str:
    """A coloured verdict label: ``good``, ``acceptable``, ``poor`` or ``na``."""
    label = text if text is not None else {NA: "not available"}.get(verdict, verdict)
    return f'<span class="badge {esc(verdict)}">{esc(label)}</span>'


def source_name(source: str) -> str:
    """The file name of a data source (reports do not show local folders)."""
    return PurePath(source).name or source


def paragraph(text: str) -> str:
    """A paragraph of plain text (escaped)."""
    return f"<p>{esc(text)}</p>"


def note(text: str) -> str:
    """A small explanatory paragraph (escaped)."""
    return f'<p class="note">{esc(text)}</p>'


def table(
    rows: Iterable[Sequence[str]],
    header: Sequence[str] | None,
    *,
    numeric: Sequence[int] = (),
    caption: str | None = None,
    compact: bool = False,
) -> str:
    """An HTML table from already formatted cells (cells are inserted as HTML).

    Parameters
    ----------
    rows : iterable of sequences of str
        Cell HTML, one sequence per row.
    header : sequence of str or None
        Column headings (escaped); None for a table without a heading row.
    numeric : sequence of int
        Positions of right-aligned columns.
    caption : str, optional
        Caption (escaped).
    compact : bool, default False
        Tighter cells, for wide matrices.
    """
    right = set(numeric)
    head = "".join(
        f'<th class="{"num" if i in right else ""}">{esc(h)}</th>'
        for i, h in enumerate(header or ())
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"num" if i in right else ""}">{c}</td>' for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    css = ' class="compact"' if compact else ""
    return (
        f'<div class="table-wrap"><table{css}>{cap}'
        + (f"<thead><tr>{head}</tr></thead>" if header is not None else "")
        + f"<tbody>{body}</tbody></table></div>"
    )


def figure_html(fig: go.Figure) -> str:
    """A Plotly figure as a ``<div>`` (the JS library is included once by the report)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config=_PLOT_CONFIG)


def section(
    key: str, title: str, parts: Sequence[str], *, figures: Sequence[go.Figure] = ()
) -> ReportSection:
    """A :class:`ReportSection` at its standard position (:data:`SECTION_ORDER`)."""
    return ReportSection(
        order=SECTION_ORDER[key],
        key=key,
        title=title,
        html="\n".join(parts),
        figures=tuple(figures),
    )


def not_run_section(key: str, title: str, reason: str) -> ReportSection:
    """A section saying why an analysis could not be run."""
    return section(key, title, [f'<p class="not-run">Not run: {esc(reason)}</p>'])


# --------------------------------------------------------------------------- the page
_CSS = """
:root { --ink:#1f2933; --muted:#52606d; --line:#d9e2ec; --bg:#ffffff; --panel:#f5f7fa;
  --good:#1b7f3b; --ok:#9a6700; --bad:#b42318; --na:#7b8794; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); background: var(--bg); margin: 0; }
header { background: #102a43; color: #fff; padding: 24px 32px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: #bcccdc; }
nav { padding: 10px 32px; border-bottom: 1px solid var(--line); background: var(--panel);
  font-size: 14px; display: flex; flex-wrap: wrap; gap: 4px 16px; }
nav a { color: #243b53; text-decoration: none; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
main { max-width: 1100px; margin: 0 auto; padding: 8px 32px 48px; }
section { border-bottom: 1px solid var(--line); padding: 12px 0 20px; }
h2 { font-size: 20px; margin: 18px 0 8px; }
p { margin: 8px 0; }
p.note { color: var(--muted); font-size: 13px; }
p.not-run { color: var(--muted); font-style: italic; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 10px 0; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left;
  vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
table.compact th, table.compact td { padding: 4px 5px; font-size: 13px; }
table.compact td:first-child { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
caption { text-align: left; color: var(--muted); font-size: 13px; padding-bottom: 4px; }
.ci { color: var(--muted); font-size: 12px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; color: #fff; white-space: nowrap; }
.badge.good { background: var(--good); } .badge.acceptable { background: var(--ok); }
.badge.poor { background: var(--bad); } .badge.na { background: var(--na); }
.flag { color: var(--bad); font-weight: 600; }
ul.warnings li { margin: 4px 0; }
footer { color: var(--muted); font-size: 12px; max-width: 1100px; margin: 0 auto;
  padding: 0 32px 32px; }
"""


def render_report(
    sections: Iterable[ReportSection],
    *,
    title: str,
    subtitle: str = "",
    footer: str = "",
) -> str:
    """Join sections into one self-contained HTML page.

    Parameters
    ----------
    sections : iterable of ReportSection
        In any order; sorted by ``order`` (ties keep their order).
    title, subtitle : str
        Page heading.
    footer : str
        Small print (software versions, seed).

    Returns
    -------
    str
        The HTML document, with Plotly's JavaScript inlined once (no network needed).
    """
    ordered = sorted(sections, key=lambda s: s.order)
    nav = "".join(f'<a href="#{esc(s.key)}">{esc(s.title)}</a>' for s in ordered)
    body = "\n".join(
        f'<section id="{esc(s.key)}"><h2>{esc(s.title)}</h2>\n{s.html}\n</section>' for s in ordered
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{_CSS}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>"
        f"<nav>{nav}</nav><main>{body}</main><footer>{esc(footer)}</footer></body></html>\n"
    )
