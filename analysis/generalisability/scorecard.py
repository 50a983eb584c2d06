"""How far does the model generalise? One scorecard over every criterion of DESIGN §2.3.

:func:`scorecard` reads the ``results`` dictionary the analysis pipeline builds (the
``results.json`` sections) and gives one row per criterion — measurement (reliability, CFA
fit, convergent and discriminant validity, invariance), stage structure, ordering, stability,
agreement, quadrants and the papers' four claims — each with its value, the threshold it is
judged against, a verdict and a one-line explanation. A section that was not computed reads
``not run``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from analysis.criteria import (
    AGREEMENT_GOOD,
    ALPHA_MIN,
    AVE_MIN,
    CFI_GOOD,
    CR_MIN,
    DELTA_CFI_MIN,
    DELTA_RMSEA_MAX,
    EQUIVALENCE_BOUND,
    FIT_CUTOFFS,
    H_SCALABLE,
    HTMT_DISTINCT,
    HTMT_LIBERAL,
    HTMT_STRICT,
    JACCARD_STABLE,
    MIN_QUADRANT_SHARE,
    NON_CUMULATIVE_OK,
    NON_CUMULATIVE_PARTLY,
    PREDICTION_STRENGTH_CUTOFF,
    RMSEA_GOOD,
    SIGNIFICANCE_LEVEL,
    SRMR_GOOD,
    agreement_verdict,
    convergent_valid,
    cumulative_verdict,
    fmt_cut,
    scalable,
)
from analysis.generalisability.claims import CLAIM_TEXT

#: Verdicts of a scorecard row. ``inconclusive`` is used for claims the data cannot decide.
SCORECARD_VERDICTS: tuple[str, ...] = (
    "supported",
    "partly",
    "inconclusive",
    "not supported",
    "not run",
)

#: Good and acceptable bounds of each fit index (Hu & Bentler, 1999; see analysis.criteria).
FIT_GOOD = {name: good for name, good, _, _ in FIT_CUTOFFS}
FIT_OK = {name: ok for name, _, ok, _ in FIT_CUTOFFS}


@dataclass(frozen=True)
class ScorecardRow:
    """One criterion of the scorecard.

    Attributes
    ----------
    key : str
        Stable identifier (``reliability``, ``cfa_fit``, ..., ``claim_size_vs_stage``).
    area : str
        ``Measurement``, ``Stages``, ``Quadrants`` or ``The papers' claims``.
    criterion : str
        Short name.
    question : str
        The question the row answers, in plain words.
    value : str
        The evidence, formatted.
    threshold : str
        What counts as support.
    verdict : str
        One of :data:`SCORECARD_VERDICTS`.
    explanation : str
        One plain-language sentence.
    """

    key: str
    area: str
    criterion: str
    question: str
    value: str
    threshold: str
    verdict: str
    explanation: str


def scorecard(results: Mapping[str, Any]) -> list[ScorecardRow]:
    """Judge every generalisability criterion from the pipeline's results.

    Parameters
    ----------
    results : mapping
        The ``results.json`` content: keys ``reliability.<construct>.alpha``,
        ``cfa.{cfi,tli,rmsea,srmr}``, ``validity.{ave,cr,htmt}``,
        ``invariance.{configural,metric,scalar}`` (with ``delta_cfi``/``delta_rmsea``),
        ``stages``, ``quadrants`` and ``claims``. Missing sections give ``not run`` rows.

    Returns
    -------
    list of ScorecardRow
        Sixteen rows in a fixed order: reliability, CFA fit, convergent validity,
        discriminant validity, invariance, networking structure (assemblage vs four tiers),
        stage structure, ordering, profiles in the model's order (non-cumulative share),
        stability, agreement, quadrants, then the four claims.

    Notes
    -----
    Thresholds: Cronbach's α ≥ .70 for every construct (Nunnally, 1978); CFI and TLI ≥ .95,
    RMSEA ≤ .06, SRMR ≤ .08 (Hu & Bentler, 1999; "partly" at .90/.90/.08/.10); AVE ≥ .50 and
    CR ≥ .70 (Fornell & Larcker, 1981); HTMT < .85 for every pair of constructs (Henseler et
    al., 2015; "partly" below .90); invariance holds at a level when CFI drops by at most .010
    and RMSEA rises by at most .015 (Chen, 2007); agreement ARI and linear kappa ≥ .60
    ("substantial", Landis & Koch, 1977; "partly" ≥ .40). The stage rows follow
    :func:`analysis.structure.stages.assess_stages`; the claims rows repeat the claims' own verdicts
    (``not testable`` → ``not run``).

    Examples
    --------
    >>> rows = scorecard({"reliability": {"a": {"alpha": 0.82}, "b": {"alpha": 0.64}}})
    >>> rows[0].verdict, rows[0].value
    ('partly', '1 of 2 constructs; lowest α = .64 (b)')
    >>> rows[1].verdict  # no CFA in the results
    'not run'
    """
    rows = [
        _reliability(results.get("reliability")),
        _cfa_fit(results.get("cfa")),
        _convergent(results.get("validity")),
        _discriminant(results.get("validity")),
        _invariance(results.get("invariance")),
        _networking_structure(results.get("cfa")),
        *_stage_rows(results.get("stages")),
        _quadrants(results.get("quadrants")),
        *_claim_rows(results.get("claims")),
    ]
    return rows


def scorecard_dict(rows: list[ScorecardRow]) -> dict[str, Any]:
    """``results.json: generalisability`` — the rows and a count per verdict."""
    counts = {v: sum(r.verdict == v for r in rows) for v in SCORECARD_VERDICTS}
    return {"rows": [asdict(r) for r in rows], "counts": counts}


# ---------------------------------------------------------------------- helpers
def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _f(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return text.replace("0.", ".", 1) if abs(value) < 1 else text


def _not_run(
    key: str, area: str, criterion: str, question: str, threshold: str, why: str
) -> ScorecardRow:
    return ScorecardRow(key, area, criterion, question, "—", threshold, "not run", why)


def _skipped(section: Any) -> str | None:
    """The pipeline's reason when a section says ``status: "not run"``."""
    if isinstance(section, Mapping) and section.get("status") == "not run":
        reason = str(section.get("reason") or "it could not be run")
        return f"Not run: {reason[0].lower()}{reason[1:]}".rstrip(".") + "."
    return None


def _per_construct(obj: Any) -> dict[str, float]:
    """{construct: number} from ``{c: x}`` or ``{c: {"value": x}}``; other entries skipped."""
    out: dict[str, float] = {}
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            num = _num(value.get("value") if isinstance(value, Mapping) else value)
            if num is not None:
                out[str(key)] = num
    return out


def _pairs(obj: Any) -> Iterator[tuple[str, str, float]]:
    """HTMT values from a nested mapping ``{a: {b: x}}`` (diagonal skipped) or a list of
    ``{"a": ..., "b": ..., "htmt": x}`` / ``[a, b, x]`` entries."""
    if isinstance(obj, Mapping):
        for a, row in obj.items():
            if isinstance(row, Mapping):
                for b, value in row.items():
                    num = _num(value)
                    if num is not None and str(a) != str(b):
                        yield str(a), str(b), num
    elif isinstance(obj, list):
        for entry in obj:
            if isinstance(entry, Mapping):
                names = [str(v) for k, v in entry.items() if k != "htmt"][:2]
                num = _num(entry.get("htmt"))
                if num is not None and len(names) == 2:
                    yield names[0], names[1], num
            elif isinstance(entry, list | tuple) and len(entry) == 3:
                num = _num(entry[2])
                if num is not None:
                    yield str(entry[0]), str(entry[1]), num


# ---------------------------------------------------------------------- measurement
_M = "Measurement"


def _reliability(section: Any) -> ScorecardRow:
    key, crit = "reliability", "Reliability"
    question = "Do the items of each construct measure it consistently?"
    threshold = f"Cronbach's α ≥ {_f(ALPHA_MIN)} for every construct"
    if not isinstance(section, Mapping):
        return _not_run(key, _M, crit, question, threshold, "Reliability was not computed.")
    alphas = {
        str(c): a
        for c, r in section.items()
        if isinstance(r, Mapping) and (a := _num(r.get("alpha"))) is not None
    }
    if not alphas:
        return _not_run(key, _M, crit, question, threshold, "No construct has an α.")
    n_ok = sum(a >= ALPHA_MIN for a in alphas.values())
    worst = min(alphas, key=alphas.__getitem__)
    value = f"{n_ok} of {len(alphas)} constructs; lowest α = {_f(alphas[worst])} ({worst})"
    if n_ok == len(alphas):
        return ScorecardRow(
            key,
            _M,
            crit,
            question,
            value,
            threshold,
            "supported",
            "Every scale is internally consistent.",
        )
    weak = sorted(c for c, a in alphas.items() if a < ALPHA_MIN)
    verdict = "partly" if n_ok >= len(alphas) / 2 else "not supported"
    return ScorecardRow(
        key,
        _M,
        crit,
        question,
        value,
        threshold,
        verdict,
        f"Below {_f(ALPHA_MIN)}: {', '.join(weak)} — these scales need better items.",
    )


def _cfa_fit(section: Any) -> ScorecardRow:
    key, crit = "cfa_fit", "Factor structure (CFA fit)"
    question = "Does the theorised factor structure fit the answers?"
    threshold = (
        f"CFI, TLI ≥ {_f(CFI_GOOD)}; RMSEA ≤ {_f(RMSEA_GOOD)}; SRMR ≤ {_f(SRMR_GOOD)} "
        "(Hu & Bentler)"
    )
    if not isinstance(section, Mapping):
        return _not_run(key, _M, crit, question, threshold, "The CFA was not run.")
    if (why := _skipped(section)) is not None:
        return _not_run(key, _M, crit, question, threshold, why)
    values = {k: _num(section.get(k)) for k in FIT_GOOD}
    known = {k: v for k, v in values.items() if v is not None}
    if not known:
        return _not_run(key, _M, crit, question, threshold, "The CFA gave no fit indices.")
    value = ", ".join(f"{k.upper()} {_f(v, 3)}" for k, v in known.items())

    def meets(cut: dict[str, float]) -> list[str]:
        return [
            k for k, v in known.items() if not (v >= cut[k] if k in ("cfi", "tli") else v <= cut[k])
        ]

    fail_good, fail_ok = meets(FIT_GOOD), meets(FIT_OK)
    if not fail_good:
        return ScorecardRow(
            key,
            _M,
            crit,
            question,
            value,
            threshold,
            "supported",
            "The answers fit the theorised constructs well.",
        )
    if not fail_ok:
        return ScorecardRow(
            key,
            _M,
            crit,
            question,
            value,
            threshold,
            "partly",
            f"Acceptable but not good fit on {', '.join(k.upper() for k in fail_good)}.",
        )
    return ScorecardRow(
        key,
        _M,
        crit,
        question,
        value,
        threshold,
        "not supported",
        f"Poor fit on {', '.join(k.upper() for k in fail_ok)}: the constructs "
        "do not hold together as theorised.",
    )


def _convergent(section: Any) -> ScorecardRow:
    key, crit = "convergent_validity", "Convergent validity"
    question = "Do each construct's items share most of their variance?"
    threshold = f"AVE ≥ {_f(AVE_MIN)} and CR ≥ {_f(CR_MIN)} for every construct"
    if not isinstance(section, Mapping):
        return _not_run(key, _M, crit, question, threshold, "Validity was not computed.")
    if (why := _skipped(section)) is not None:
        return _not_run(key, _M, crit, question, threshold, why)
    ave, cr = _per_construct(section.get("ave")), _per_construct(section.get("cr"))
    if not ave and not cr:
        return _not_run(key, _M, crit, question, threshold, "No AVE or CR in the results.")
    constructs = sorted(set(ave) | set(cr))
    ok = [c for c in constructs if convergent_valid(cr.get(c, 1), ave.get(c, 1))]
    value = f"{len(ok)} of {len(constructs)} constructs"
    if ave:
        worst = min(ave, key=ave.__getitem__)
        value += f"; lowest AVE = {_f(ave[worst])} ({worst})"
    if len(ok) == len(constructs):
        return ScorecardRow(
            key,
            _M,
            crit,
            question,
            value,
            threshold,
            "supported",
            "Every construct explains at least half of its items' variance.",
        )
    verdict = "partly" if len(ok) >= len(constructs) / 2 else "not supported"
    failing = ", ".join(c for c in constructs if c not in ok)
    return ScorecardRow(
        key, _M, crit, question, value, threshold, verdict, f"Weak convergence: {failing}."
    )


def _discriminant(section: Any) -> ScorecardRow:
    key, crit = "discriminant_validity", "Discriminant validity"
    question = "Are the constructs distinct from each other?"
    threshold = f"HTMT < {_f(HTMT_STRICT)} for every pair (Henseler et al.)"
    if (why := _skipped(section)) is not None:
        return _not_run(key, _M, crit, question, threshold, why)
    if not isinstance(section, Mapping) or section.get("htmt") is None:
        return _not_run(key, _M, crit, question, threshold, "HTMT was not computed.")
    pairs = {tuple(sorted((a, b))): v for a, b, v in _pairs(section.get("htmt"))}
    if not pairs:
        return _not_run(key, _M, crit, question, threshold, "No HTMT values in the results.")
    (a, b), top = max(pairs.items(), key=lambda kv: kv[1])
    n_bad = sum(v >= HTMT_STRICT for v in pairs.values())
    value = (
        f"highest HTMT = {_f(top)} ({a} – {b}); {n_bad} of {len(pairs)} pairs ≥ {_f(HTMT_STRICT)}"
    )
    if n_bad == 0:
        return ScorecardRow(
            key,
            _M,
            crit,
            question,
            value,
            threshold,
            "supported",
            "Every pair of constructs is empirically distinct.",
        )
    verdict = "partly" if top < HTMT_LIBERAL else "not supported"
    return ScorecardRow(
        key,
        _M,
        crit,
        question,
        value,
        threshold,
        verdict,
        f"{a} and {b} overlap: respondents may not tell them apart.",
    )


def _networking_structure(section: Any) -> ScorecardRow:
    key, crit = "networking_structure", "Networking as an assemblage"
    question = (
        "Is networking capability an assemblage of the operational, dynamic and adaptive "
        "capabilities (seed 001 §5), rather than a fourth tier?"
    )
    threshold = (
        f"assemblage not worse than four tiers: Δχ² p ≥ {_f(SIGNIFICANCE_LEVEL)} "
        "(or lower BIC: partly)"
    )
    ns = section.get("networking_structure") if isinstance(section, Mapping) else None
    if (why := _skipped(ns)) is not None:
        return _not_run(key, _M, crit, question, threshold, why)
    if not isinstance(ns, Mapping):
        return _not_run(
            key,
            _M,
            crit,
            question,
            threshold,
            "Not tested: it needs the CFA and constructs for all four capability levels.",
        )
    p, d_bic = _num(ns.get("pvalue")), _num(ns.get("bic_diff"))
    value = f"Δχ²({ns['df_diff']}) = {ns['chisq_diff']:.1f}, p {_fmt_p(p)}; ΔBIC = {d_bic:+.1f}"
    if p is not None and p >= SIGNIFICANCE_LEVEL:
        verdict = "supported"
    elif d_bic is not None and d_bic < 0:
        verdict = "partly"
    else:
        verdict = "not supported"
    return ScorecardRow(key, _M, crit, question, value, threshold, verdict, str(ns["summary"]))


def _fmt_p(p: float | None) -> str:
    if p is None:
        return "n/a"
    return "< .001" if p < 0.001 else f"= {p:.3f}".replace("0.", ".")


def _invariance(section: Any) -> ScorecardRow:
    key, crit = "invariance", "Measurement invariance"
    question = "Do the items measure the same way across groups?"
    threshold = (
        f"each level: CFI drops ≤ {-DELTA_CFI_MIN:.3f}, RMSEA rises ≤ {DELTA_RMSEA_MAX:.3f} "
        "(Chen 2007)"
    )
    if not isinstance(section, Mapping) or not section:
        return _not_run(
            key,
            _M,
            crit,
            question,
            threshold,
            "No group comparison was requested (smcap analyze --group COLUMN).",
        )
    if (why := _skipped(section)) is not None:
        return _not_run(key, _M, crit, question, threshold, why)
    held: dict[str, bool | None] = {}
    for level in ("metric", "scalar"):
        step = section.get(level)
        held[level] = _level_holds(step) if isinstance(step, Mapping) else None
    group = section.get("group")
    where = f" across {group}" if group else ""
    parts = [
        f"{lvl} {'holds' if ok else 'fails' if ok is False else 'not tested'}"
        for lvl, ok in held.items()
    ]
    value = "configural fitted; " + ", ".join(parts)
    if held["metric"] and held["scalar"]:
        return ScorecardRow(
            key,
            _M,
            crit,
            question,
            value,
            threshold,
            "supported",
            f"Loadings and intercepts are equal{where}: scores are comparable.",
        )
    if held["metric"]:
        return ScorecardRow(
            key,
            _M,
            crit,
            question,
            value,
            threshold,
            "partly",
            f"Loadings are equal{where} but intercepts are not: compare "
            "relations between constructs, not mean scores.",
        )
    if held["metric"] is False:
        return ScorecardRow(
            key,
            _M,
            crit,
            question,
            value,
            threshold,
            "not supported",
            f"The items do not measure the same way{where}.",
        )
    return _not_run(key, _M, crit, question, threshold, "The invariance models were not fitted.")


def _level_holds(step: Mapping[str, Any]) -> bool | None:
    """Chen's (2007) rule on one level's change from the previous (less constrained) one.

    ``delta_cfi`` / ``delta_rmsea`` are read as *constrained minus less constrained* (a worse
    fit has a negative ΔCFI). An explicit verdict wins: ``holds`` (bool) or ``verdict``
    (``invariant`` / ``not invariant`` / ``not converged``, as
    :meth:`analysis.sem.invariance.InvarianceResult.as_dict`).
    """
    if isinstance(step.get("holds"), bool):
        return step["holds"]
    verdict = step.get("verdict")
    if verdict in ("invariant", "not invariant", "not converged"):
        return {"invariant": True, "not invariant": False}.get(verdict)
    d_cfi, d_rmsea = _num(step.get("delta_cfi")), _num(step.get("delta_rmsea"))
    if d_cfi is None and d_rmsea is None:
        return None
    return (d_cfi is None or d_cfi >= DELTA_CFI_MIN) and (
        d_rmsea is None or d_rmsea <= DELTA_RMSEA_MAX
    )


# ---------------------------------------------------------------------- stages
_S = "Stages"


def _stage_rows(stages: Any) -> list[ScorecardRow]:
    specs = [
        (
            "stage_structure",
            "Stage structure",
            "Do firms fall into distinct stages rather than along one continuum?",
            "≥ 2 profiles by the k rule; 4 in the theory",
        ),
        (
            "ordering",
            "Cumulative ordering",
            "Are the capability levels built up in the theory's order?",
            f"Loevinger's H ≥ {_f(H_SCALABLE)} and the theory's order",
        ),
        (
            "non_cumulative",
            "Profiles in the model's order",
            "Do firms have the capabilities of a stage only once they have those of the earlier "
            "stages, as the stage model says?",
            f"at most {NON_CUMULATIVE_OK:.0%} of firms break the order "
            f"({NON_CUMULATIVE_PARTLY:.0%}: partly)",
        ),
        (
            "stability",
            "Stability and replicability",
            "Do the stages reappear in resamples and in the other half of the sample?",
            f"every stage Jaccard ≥ {_f(JACCARD_STABLE)}; prediction strength ≥ "
            f"{_f(PREDICTION_STRENGTH_CUTOFF)}",
        ),
        (
            "agreement",
            "Theory vs data",
            "Do the data-driven stages agree with the theory's stage rule?",
            f"ARI and linear weighted kappa ≥ {_f(AGREEMENT_GOOD)}",
        ),
    ]
    if (why := _skipped(stages)) is not None:
        return [_not_run(k, _S, c, q, t, why) for k, c, q, t in specs]
    if not isinstance(stages, Mapping):
        return [
            _not_run(
                k,
                _S,
                c,
                q,
                t,
                "The stage analysis was not run (the instrument needs all four capability levels).",
            )
            for k, c, q, t in specs
        ]
    return [
        _structure(stages, *specs[0]),
        _ordering(stages, *specs[1]),
        _non_cumulative(stages, *specs[2]),
        _stability(stages, *specs[3]),
        _agreement(stages, *specs[4]),
    ]


def _non_cumulative(
    st: Mapping[str, Any], key: str, crit: str, question: str, threshold: str
) -> ScorecardRow:
    models = st.get("models") or []
    default = next((m for m in models if m.get("default")), None)
    if default is None or _num(default.get("non_cumulative_share")) is None:
        return _not_run(key, _S, crit, question, threshold, "No stage model was applied.")
    share = _num(default["non_cumulative_share"])
    n = int(default["counts"].get("non_cumulative", 0))
    value = f"{n:,} firms ({share:.1%}) break the order of '{default['id']}'"
    others = [
        f"{m['id']}: {_num(m['non_cumulative_share']):.1%}"
        for m in models
        if not m.get("default") and _num(m.get("non_cumulative_share")) is not None
    ]
    if others:
        value += "; other models: " + ", ".join(others)
    verdict = cumulative_verdict(share)
    if verdict == "supported":
        text = "Almost every firm builds the capabilities in the model's order."
    elif verdict == "partly":
        text = (
            "Most firms follow the model's order, but a noticeable group has later-stage "
            "capabilities without earlier ones; they are flagged non_cumulative, not filed low."
        )
    else:
        text = (
            "Many firms have later-stage capabilities without the earlier ones: the order the "
            "model declares does not describe them."
        )
    return ScorecardRow(key, _S, crit, question, value, threshold, verdict, text)


def _structure(
    st: Mapping[str, Any], key: str, crit: str, question: str, threshold: str
) -> ScorecardRow:
    k = int(st.get("n_profiles") or 1)
    margin = _num(st.get("bic_margin_over_k1"))
    value = f"{k} profile{'s' if k != 1 else ''}"
    if k > 1 and margin is not None:
        value += f"; BIC {margin:,.0f} lower than one profile"
    bic_k = st.get("bic_best_k")
    if bic_k is not None and bic_k != k:
        value += f" (plain BIC would pick {bic_k})"
    verdict = st.get("verdict", "not run")
    if verdict == "supported" and k != st.get("theory_stages", 4):
        verdict = "partly"
        text = f"Stages exist, but the data show {k}, not the theory's four."
    elif verdict == "supported":
        text = "Four distinct, stable, ordered stages, as the theory says."
    elif k == 1:
        text = (
            "Maturity looks like one continuum: separate stages do not describe the firms "
            "better (a null result)."
        )
    else:
        text = str(st.get("summary", ""))
    return ScorecardRow(key, _S, crit, question, value, threshold, verdict, text)


def _ordering(
    st: Mapping[str, Any], key: str, crit: str, question: str, threshold: str
) -> ScorecardRow:
    o = st.get("ordering")
    if not isinstance(o, Mapping) or _num(o.get("h")) is None:
        return _not_run(
            key,
            _S,
            crit,
            question,
            threshold,
            "Too few levels vary between respondents to test the order.",
        )
    h = _num(o["h"])
    ci = o.get("h_ci") or [None, None]
    perfect = _num(o.get("perfect_pattern_share"))
    value = f"H = {_f(h)} [{_f(_num(ci[0]))}, {_f(_num(ci[1]))}] ({o.get('band')})"
    if perfect is not None:
        value += f"; {perfect:.0%} of firms follow a perfect cumulative pattern"
    in_order = o.get("order_matches_theory")
    is_scale = scalable(h)
    if is_scale and in_order is not False:
        verdict, text = (
            "supported",
            ("Firms that have a later level almost always have the earlier ones too."),
        )
    elif is_scale or in_order:
        verdict = "partly"
        text = (
            "The levels are cumulative, but not in the theory's order."
            if is_scale
            else "The order is right, but many firms skip levels."
        )
    else:
        verdict, text = "not supported", "Levels are developed independently, not cumulatively."
    return ScorecardRow(key, _S, crit, question, value, threshold, verdict, text)


def _stability(
    st: Mapping[str, Any], key: str, crit: str, question: str, threshold: str
) -> ScorecardRow:
    jac, ps = st.get("jaccard"), st.get("prediction_strength")
    if not isinstance(jac, Mapping) or not isinstance(ps, Mapping):
        return _not_run(
            key,
            _S,
            crit,
            question,
            threshold,
            "Not applicable: the data show one profile, so there is nothing to re-find.",
        )
    j, p = _num(jac.get("min")), _num(ps.get("value"))
    value = f"lowest Jaccard = {_f(j)}; prediction strength = {_f(p)}"
    ok_j, ok_p = bool(jac.get("stable")), bool(ps.get("strong"))
    if ok_j and ok_p:
        return ScorecardRow(
            key,
            _S,
            crit,
            question,
            value,
            threshold,
            "supported",
            "The same stages come back in resamples and in new data.",
        )
    if ok_j or ok_p:
        weak = "replicate in the other half-sample" if ok_j else "survive resampling"
        return ScorecardRow(
            key, _S, crit, question, value, threshold, "partly", f"Some stages do not {weak}."
        )
    return ScorecardRow(
        key,
        _S,
        crit,
        question,
        value,
        threshold,
        "not supported",
        "The stages change from sample to sample: they are not reproducible.",
    )


def _agreement(
    st: Mapping[str, Any], key: str, crit: str, question: str, threshold: str
) -> ScorecardRow:
    a = st.get("agreement")
    if int(st.get("n_profiles") or 1) < 2:
        return _not_run(
            key,
            _S,
            crit,
            question,
            threshold,
            "Not applicable: the data show one profile, so there are no data-driven "
            "stages to compare.",
        )
    if not isinstance(a, Mapping) or _num(a.get("ari")) is None:
        return _not_run(key, _S, crit, question, threshold, "No theory stage to compare with.")
    ari, kappa = _num(a["ari"]), _num(a.get("kappa_linear"))
    exact = _num(a.get("exact"))
    value = f"ARI = {_f(ari)}; κ (linear) = {_f(kappa)}"
    if exact is not None:
        value += f"; {exact:.0%} of firms get the same stage number"
    verdict = _agreement_verdict(ari, kappa)
    text = {
        "supported": "The theory's rule and the data group firms alike.",
        "partly": "Moderate agreement: the rule and the data differ for many firms.",
        "not supported": "The theory's rule does not match the groups in the data.",
    }[verdict]
    robustness = _threshold_robustness(st, verdict)
    if robustness:
        text += " " + robustness
    return ScorecardRow(key, _S, crit, question, value, threshold, verdict, text)


def _agreement_verdict(ari: float | None, kappa: float | None) -> str:
    return agreement_verdict(min(v for v in (ari, kappa) if v is not None))


def _threshold_robustness(st: Mapping[str, Any], verdict: str) -> str:
    """Whether the agreement verdict survives moving the rule's cut, and where it would hold.

    Reads ``stages.threshold_sensitivity`` (the rule re-run with every threshold shifted) and
    ``stages.calibrated_thresholds`` (the cuts the data suggest).
    """
    grid = [
        r
        for r in st.get("threshold_sensitivity") or []
        if _num(r.get("ari")) is not None and _num(r.get("kappa_linear")) is not None
    ]
    if not grid:
        return ""
    judged = [(r, _agreement_verdict(_num(r["ari"]), _num(r["kappa_linear"]))) for r in grid]
    lo, hi = judged[0][0]["shift"], judged[-1][0]["shift"]
    span = f"{_shift(lo)} to {_shift(hi)} scale points"
    if all(v == verdict for _, v in judged):
        out = f"The verdict is robust: it is the same with every threshold moved {span}."
    else:
        holds = [r for r, v in judged if v == "supported"]
        best = max(grid, key=lambda r: min(_num(r["ari"]) or -1, _num(r["kappa_linear"]) or -1))
        out = f"The verdict hinges on the threshold (it changes within {span})."
        if holds and verdict != "supported":
            first, last = holds[0], holds[-1]
            out += (
                f" Agreement would hold (ARI and κ ≥ {_f(AGREEMENT_GOOD)}) with the cut at "
                f"{_cuts(first)}"
                + (f" to {_cuts(last)}" if last is not first else "")
                + f"; it is highest at {_cuts(best)} (ARI = {_f(_num(best['ari']))})."
            )
        elif verdict == "supported":
            fails = [r for r, v in judged if v != "supported"]
            out += f" It no longer holds with the cut at {_cuts(fails[0])}."
        else:
            out += (
                f" It is never substantial on the grid; the best is ARI = "
                f"{_f(_num(best['ari']))} with the cut at {_cuts(best)}."
            )
    cal = st.get("calibrated_thresholds")
    if isinstance(cal, Mapping) and cal:
        cuts = [c.get("cut") for c in cal.values()]
        if all(_num(c) is not None for c in cuts):
            out += " The data put the cut at " + ", ".join(
                f"{lv} {_num(c['cut']):.2f}" for lv, c in cal.items()
            )
            comp = (st.get("stage_comparison") or {}).get("calibrated_vs_cluster") or {}
            if _num(comp.get("ari")) is not None:
                out += f" (calibrated stages vs data: ARI = {_f(_num(comp['ari']))})"
            out += "."
        else:
            out += " The data give no cut of their own for every level (not bimodal)."
    return out


def _shift(value: float) -> str:
    return f"{value:+g}" if value else "0"


def _cuts(row: Mapping[str, Any]) -> str:
    """The thresholds of a grid row: one number when they are all equal."""
    values = sorted({round(float(v), 2) for v in row["thresholds"].values()})
    if len(values) == 1:
        return f"{values[0]:g}"
    return "/".join(f"{v:g}" for v in row["thresholds"].values())


# ---------------------------------------------------------------------- quadrants
def _quadrants(q: Any) -> ScorecardRow:
    key, crit, area = "quadrants", "Quadrants", "Quadrants"
    question = "Are all four strategy quadrants populated, and are the two axes distinct?"
    threshold = (
        f"every quadrant ≥ {MIN_QUADRANT_SHARE * 100:.0f} % of firms; |r| and HTMT of the axes "
        f"< {_f(HTMT_DISTINCT)}"
    )
    if not isinstance(q, Mapping):
        return _not_run(
            key,
            area,
            crit,
            question,
            threshold,
            "The instrument has no control and orientation axes.",
        )
    if (why := _skipped(q)) is not None:
        return _not_run(key, area, crit, question, threshold, why)
    shares = q.get("shares") or {}
    share_vals = {k: _num(v.get("share")) for k, v in shares.items() if isinstance(v, Mapping)}
    smallest = min((v for v in share_vals.values() if v is not None), default=None)
    smallest_name = min(share_vals, key=lambda k: share_vals[k] or 0) if share_vals else "—"
    r, htmt = _num(q.get("correlation")), _num(q.get("htmt"))
    label = smallest_name.replace("_", " ").title().replace("To", "to")
    share = "—" if smallest is None else f"{smallest:.0%}"
    value = f"smallest quadrant: {label}, {share} of firms; axes r = {_f(r)}" + (
        f", HTMT = {_f(htmt)}" if htmt is not None else ""
    )
    populated, distinct = bool(q.get("all_populated")), bool(q.get("distinct"))
    if populated and distinct:
        verdict, text = "supported", "All four strategies occur, on two separate dimensions."
    elif populated or distinct:
        verdict = "partly"
        text = (
            "The axes are distinct, but some quadrant is nearly empty."
            if distinct
            else "All quadrants occur, but the two axes measure nearly the same thing."
        )
    else:
        verdict, text = "not supported", "The four-quadrant model does not describe these firms."
    return ScorecardRow(key, area, crit, question, value, threshold, verdict, text)


# ---------------------------------------------------------------------- claims
_CLAIM_NAMES = {
    "size_vs_stage": (
        "Size vs stage",
        "Is maturity unrelated to firm size?",
        f"rho's 95% CI inside ±{fmt_cut(EQUIVALENCE_BOUND)}",
    ),
    "offering_vs_quadrant": (
        "Offering vs quadrant",
        "Are Thought Leadership firms service and Dissemination firms product providers?",
        f"Cramér's V CI above {fmt_cut(EQUIVALENCE_BOUND)}, in that direction",
    ),
    "stage_vs_decentralisation": (
        "Stage 4 decentralises",
        "Do firms decentralise as they mature?",
        "rho CI > 0 and most stage-4 firms decentralised",
    ),
    "stage_vs_performance": (
        "Capabilities vs performance",
        "Do more capable firms report better social-media performance?",
        f"rho's 95% CI above {fmt_cut(EQUIVALENCE_BOUND)}",
    ),
}


def _claim_rows(claims: Any) -> list[ScorecardRow]:
    area = "The papers' claims"
    rows = []
    for claim_id in CLAIM_TEXT:
        crit, question, threshold = _CLAIM_NAMES[claim_id]
        key = f"claim_{claim_id}"
        c = claims.get(claim_id) if isinstance(claims, Mapping) else None
        if not isinstance(c, Mapping):
            rows.append(
                _not_run(key, area, crit, question, threshold, "The claims were not tested.")
            )
            continue
        est, ci = _num(c.get("estimate")), c.get("ci")
        if est is None:
            value = "—"
        else:
            value = f"{c.get('effect', 'effect')} = {_f(est)}"
            if isinstance(ci, list | tuple) and len(ci) == 2:
                value += f" [{_f(_num(ci[0]))}, {_f(_num(ci[1]))}]"
            value += f"; n = {int(c.get('n') or 0):,}"
        verdict = c.get("verdict", "not run")
        if verdict == "not testable":
            verdict = "not run"
        rows.append(
            ScorecardRow(
                key, area, crit, question, value, threshold, verdict, str(c.get("explanation", ""))
            )
        )
    return rows
