"""The dashboards' tables and numbers as shown: human labels, one precision per kind of number.

No Streamlit and no numbers of their own: each function reads a ``results.json`` section (or a
table of :mod:`analysis.report.tables`) and returns text or a DataFrame of text, ready for
``st.table``. Every kind of number has one format, used on every page:

=================================== ============ ===============================
kind                                example      function
=================================== ============ ===============================
coefficient bounded by 1 (α, ω, CR,  .87, −.05    :func:`coefficient`
AVE, HTMT, r, ARI, κ)
fit index (CFI, TLI, RMSEA, SRMR,   .923         :func:`fit_index`
their changes)
p-value                             .023, < .001 :func:`p_value`
χ²                                  3,313.1      :func:`chi_square`
count                               1,234        :func:`count`
=================================== ============ ===============================

A value that does not exist (a change of fit for the reference model, a cut the data do not
give) is shown as :data:`MISSING`, and the page says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analysis.report.tables import fit_table, invariance_table, reliability_table, validity_table
from analysis.results import Results
from instrument import Instrument

#: What a table shows where a value does not exist.
MISSING = "—"
_MINUS = "−"


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _no_leading_zero(value: float, digits: int) -> str:
    text = f"{abs(value):.{digits}f}"
    if text.startswith("0."):
        text = text[1:]
    negative = value < 0 and float(text) != 0
    return (_MINUS if negative else "") + text


def coefficient(value: float | None) -> str:
    """A coefficient that cannot exceed 1 in size, APA style: two decimals, no leading zero.

    Examples
    --------
    >>> coefficient(0.8679), coefficient(-0.046), coefficient(1.0), coefficient(None)
    ('.87', '−.05', '1.00', '—')
    """
    return MISSING if _absent(value) else _no_leading_zero(float(value), 2)


def fit_index(value: float | None) -> str:
    """A fit index or a change of one: three decimals (Chen's cut-offs are at .010), no 0.

    Examples
    --------
    >>> fit_index(0.92299), fit_index(-0.0124), fit_index(None)
    ('.923', '−.012', '—')
    """
    return MISSING if _absent(value) else _no_leading_zero(float(value), 3)


def p_value(value: float | None) -> str:
    """A p-value, APA style: ``< .001`` below .001, else three decimals without the 0.

    Examples
    --------
    >>> p_value(1.6e-90), p_value(0.22537), p_value(None)
    ('< .001', '.225', '—')
    """
    if _absent(value):
        return MISSING
    return "< .001" if float(value) < 0.001 else _no_leading_zero(float(value), 3)


def chi_square(value: float | None) -> str:
    """χ² (or Δχ²) with one decimal and thousands separators.

    Examples
    --------
    >>> chi_square(3313.1175), chi_square(None)
    ('3,313.1', '—')
    """
    return MISSING if _absent(value) else f"{float(value):,.1f}"


def count(value: float | None) -> str:
    """A count (n, df) with thousands separators.

    Examples
    --------
    >>> count(1816.0), count(None)
    ('1,816', '—')
    """
    return MISSING if _absent(value) else f"{int(value):,}"


def construct_names(instrument: Instrument) -> dict[str, str]:
    """Construct id → the construct's label in the instrument (e.g. ``stp`` → its name)."""
    return {c.id: c.label for c in instrument.constructs}


# --------------------------------------------------------------------------- sample sizes
def cfa_sample(results: Results) -> str:
    """Why the CFA has fewer respondents than were analysed, in one sentence.

    Examples
    --------
    >>> from analysis.results import parse_results
    >>> cfa_sample(parse_results({"n_respondents": 404, "cfa": {"status": "ok", "n": 355}}))
    'CFA on 355 respondents with complete answers of 404 analysed: the other 49 left at least one item unanswered or answered “don’t know”, and ML with listwise deletion (as lavaan) needs every answer.'
    """  # noqa: E501
    analysed = results.n_respondents or 0
    cfa = results.cfa
    if cfa is None or cfa.status != "ok" or cfa.n is None:
        return f"{analysed:,} respondents analysed; the CFA was not run."
    if cfa.n == analysed:
        return f"CFA on all {analysed:,} respondents analysed (every one answered every item)."
    return (
        f"CFA on {cfa.n:,} respondents with complete answers of {analysed:,} analysed: the other "
        f"{analysed - cfa.n:,} left at least one item unanswered or answered “don’t know”, and ML "
        "with listwise deletion (as lavaan) needs every answer."
    )


def reliability_sample(results: Results) -> str:
    """How many respondents the reliability statistics rest on, in one sentence."""
    analysed = results.n_respondents or 0
    per_construct = results.reliability if isinstance(results.reliability, dict) else {}
    n_obs = {r.n_obs for r in per_construct.values()}
    on = f"all {analysed:,} respondents analysed" if n_obs == {analysed} else "the respondents"
    return (
        f"Reliability uses every answer of {on}, item pair by item pair (pairwise, as R psych); "
        "an item's n below counts the respondents who answered it."
    )


# --------------------------------------------------------------------------- tables
def reliability_display(reliability: Mapping[str, Any], instrument: Instrument) -> pd.DataFrame:
    """Reliability per construct: name, items, α with its 95% CI, standardised α, ω, verdict."""
    table = reliability_table(reliability)
    names = construct_names(instrument)
    return pd.DataFrame(
        {
            "Construct": [names.get(c, c) for c in table.index],
            "Items": table["n_items"].map(count),
            "α": table["alpha"].map(coefficient),
            "α 95% CI": [
                f"[{coefficient(lo)}, {coefficient(hi)}]"
                for lo, hi in zip(table["alpha_ci_low"], table["alpha_ci_high"], strict=True)
            ],
            "Standardised α": table["alpha_std"].map(coefficient),
            "ω total": table["omega"].map(coefficient),
            "Verdict": table["verdict"],
        }
    )


def item_display(
    reliability: Mapping[str, Any], construct: str, instrument: Instrument
) -> pd.DataFrame:
    """One construct's items: text, n, item-rest correlation and α if the item were dropped.

    ``α if dropped`` above the construct's α marks an item that lowers the consistency.
    """
    section = reliability[construct]
    alpha = section["alpha"]
    texts = {i.id: i.text for c in instrument.constructs for i in c.items}
    rows = []
    for item, s in section["items"].items():
        dropped = s.get("alpha_if_dropped")
        rows.append(
            {
                "Item": item,
                "Text": texts.get(item, ""),
                "n": count(s.get("n")),
                "Item-rest r": coefficient(s.get("r_drop")),
                "α if dropped": coefficient(dropped)
                + (" ↑" if not _absent(dropped) and not _absent(alpha) and dropped > alpha else ""),
            }
        )
    return pd.DataFrame(rows, columns=["Item", "Text", "n", "Item-rest r", "α if dropped"])


def fit_display(cfa: Mapping[str, Any]) -> pd.DataFrame:
    """Global fit of the CFA model(s), each index with its verdict (Hu & Bentler, 1999)."""
    fits = fit_table(cfa)

    def judged(key: str) -> list[str]:
        return [
            f"{fit_index(v)} ({w})" for v, w in zip(fits[key], fits[f"{key}_verdict"], strict=True)
        ]

    return pd.DataFrame(
        {
            "Model": [str(m).capitalize() for m in fits.index],
            "n": fits["n"].map(count),
            "χ²": fits["chisq"].map(chi_square),
            "df": fits["df"].map(count),
            "p": fits["pvalue"].map(p_value),
            "CFI": judged("cfi"),
            "TLI": judged("tli"),
            "RMSEA": judged("rmsea"),
            "RMSEA 90% CI": [
                f"[{fit_index(lo)}, {fit_index(hi)}]"
                for lo, hi in zip(fits["rmsea_ci_low"], fits["rmsea_ci_high"], strict=True)
            ],
            "SRMR": judged("srmr"),
        }
    )


def validity_display(validity: Mapping[str, Any], instrument: Instrument) -> pd.DataFrame:
    """Convergent and discriminant validity per construct, constructs by name."""
    table = validity_table(validity)
    names = construct_names(instrument)
    return pd.DataFrame(
        {
            "Construct": [names.get(c, c) for c in table.index],
            "CR": table["cr"].map(coefficient),
            "AVE": table["ave"].map(coefficient),
            "√AVE": table["sqrt_ave"].map(coefficient),
            "Highest HTMT": table["max_htmt"].map(coefficient),
            "With": [names.get(c, c) if c else MISSING for c in table["max_htmt_with"]],
        }
    )


#: Invariance models in the order they are tested, as a methods section names them.
INVARIANCE_MODELS = {"configural": "Configural", "metric": "Metric", "scalar": "Scalar"}


def invariance_display(invariance: Mapping[str, Any]) -> pd.DataFrame:
    """The invariance models' fit and their changes from the previous model (Chen, 2007).

    The configural model is the reference: its changes are :data:`MISSING`.
    """
    table = invariance_table(invariance)
    return pd.DataFrame(
        {
            "Model": [INVARIANCE_MODELS.get(m, m) for m in table.index],
            "χ²": table["chisq"].map(chi_square),
            "df": table["df"].map(count),
            "CFI": table["cfi"].map(fit_index),
            "TLI": table["tli"].map(fit_index),
            "RMSEA": table["rmsea"].map(fit_index),
            "SRMR": table["srmr"].map(fit_index),
            "Δχ²": table["delta_chisq"].map(chi_square),
            "Δdf": table["delta_df"].map(count),
            "p (Δχ²)": table["delta_p"].map(p_value),
            "ΔCFI": table["delta_cfi"].map(fit_index),
            "ΔRMSEA": table["delta_rmsea"].map(fit_index),
            "Verdict": table["verdict"].fillna(MISSING),
        }
    )


def calibrated_cuts_display(calibrated: Mapping[str, Any], instrument: Instrument) -> pd.DataFrame:
    """The stage rule's threshold beside the cut the data suggest, per construct by name."""
    names = construct_names(instrument)
    rows = []
    for construct, c in calibrated.items():
        ci = c.get("ci")
        cut = c.get("cut")
        rows.append(
            {
                "Construct": names.get(construct, construct),
                "Rule's threshold": f"{float(c['theory']):.2f}",
                "Data's cut": MISSING if _absent(cut) else f"{float(cut):.2f}",
                "95% CI": f"[{ci[0]:.2f}, {ci[1]:.2f}]" if ci else MISSING,
                "Note": (c.get("reason") or MISSING)
                if _absent(cut)
                else f"{c['share_developed']:.0%} of firms in the developed group",
            }
        )
    return pd.DataFrame(
        rows, columns=["Construct", "Rule's threshold", "Data's cut", "95% CI", "Note"]
    )
