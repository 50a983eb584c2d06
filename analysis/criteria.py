"""Every cut-off a result is judged against, defined once with its citation.

A cut-off is a number that turns a statistic into a verdict: "α ≥ .70 is acceptable",
"ΔCFI ≥ −.010 means invariant". Each one lives here as a named constant, next to the paper it
comes from, and each verdict is one small function. Everything else in ``analysis/`` and
``survey/`` imports them by name, so a reader finds one number in one place and a report
caption can never disagree with the rule that produced its verdict (``tests/test_criteria.py``
scans the source for stray copies).

This module is the bottom of the house: it imports only the standard library.

Notes
-----
Captions print a cut-off the way the methods literature does, without the leading zero
(:func:`fmt_cut`): ``f"CFI ≥ {fmt_cut(CFI_GOOD)}"`` gives ``"CFI ≥ .95"``.

References
----------
Anderson, J. C., & Gerbing, D. W. (1984). The effect of sampling error on convergence, improper
solutions, and goodness-of-fit indices for maximum likelihood confirmatory factor analysis.
*Psychometrika*, 49(2), 155–173.

Ashman, K. M., Bird, C. M., & Zepf, S. E. (1994). Detecting bimodality in astronomical
datasets. *The Astronomical Journal*, 108(6), 2348–2361.

Bentler, P. M., & Bonett, D. G. (1980). Significance tests and goodness of fit in the analysis
of covariance structures. *Psychological Bulletin*, 88(3), 588–606.

Bentler, P. M., & Chou, C.-P. (1987). Practical issues in structural modeling. *Sociological
Methods & Research*, 16(1), 78–117.

Browne, M. W., & Cudeck, R. (1993). Alternative ways of assessing model fit. In K. A. Bollen &
J. S. Long (Eds.), *Testing structural equation models* (pp. 136–162). Sage.

Celeux, G., & Soromenho, G. (1996). An entropy criterion for assessing the number of clusters
in a mixture model. *Journal of Classification*, 13(2), 195–212.

Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement invariance.
*Structural Equation Modeling*, 14(3), 464–504.

Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing
measurement invariance. *Structural Equation Modeling*, 9(2), 233–255.

Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.). Erlbaum.

Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey data.
*Journal of Experimental Social Psychology*, 66, 4–19.

Fisher, R. A. (1925). *Statistical methods for research workers*. Oliver & Boyd.

Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with unobservable
variables and measurement error. *Journal of Marketing Research*, 18(1), 39–50.

George, D., & Mallery, P. (2003). *SPSS for Windows step by step* (4th ed.). Allyn & Bacon.

Glorfeld, L. W. (1995). An improvement on Horn's parallel analysis methodology for selecting
the correct number of factors to retain. *Educational and Psychological Measurement*, 55(3),
377–393.

Guttman, L. (1950). The basis for scalogram analysis. In S. A. Stouffer et al. (Eds.),
*Measurement and prediction* (pp. 60–90). Princeton University Press.

Hair, J. F., Black, W. C., Babin, B. J., & Anderson, R. E. (2010). *Multivariate data analysis*
(7th ed.). Pearson.

Hennig, C. (2007). Cluster-wise assessment of cluster stability. *Computational Statistics &
Data Analysis*, 52(1), 258–271.

Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing discriminant
validity in variance-based structural equation modeling. *Journal of the Academy of Marketing
Science*, 43(1), 115–135.

Howard, M. C. (2016). A review of exploratory factor analysis decisions and overview of current
practices. *International Journal of Human–Computer Interaction*, 32(1), 51–62.

Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure
analysis. *Structural Equation Modeling*, 6(1), 1–55.

Huang, J. L., Curran, P. G., Keeney, J., Poposki, E. M., & DeShon, R. P. (2012). Detecting and
deterring insufficient effort responding to surveys. *Journal of Business and Psychology*,
27(1), 99–114.

Kaiser, H. F. (1974). An index of factorial simplicity. *Psychometrika*, 39(1), 31–36.

Kass, R. E., & Raftery, A. E. (1995). Bayes factors. *Journal of the American Statistical
Association*, 90(430), 773–795.

Kline, R. B. (2016). *Principles and practice of structural equation modeling* (4th ed.).
Guilford.

Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical
data. *Biometrics*, 33(1), 159–174.

Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data.
*Psychological Methods*, 17(3), 437–455.

Mokken, R. J. (1971). *A theory and procedure of scale analysis*. De Gruyter.

Newman, D. A. (2014). Missing data: Five practical guidelines. *Organizational Research
Methods*, 17(4), 372–411.

Nunnally, J. C. (1978). *Psychometric theory* (2nd ed.). McGraw-Hill.

Nunnally, J. C., & Bernstein, I. H. (1994). *Psychometric theory* (3rd ed.). McGraw-Hill.

Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Common method biases
in behavioral research. *Journal of Applied Psychology*, 88(5), 879–903.

Raftery, A. E. (1995). Bayesian model selection in social research. *Sociological Methodology*,
25, 111–163.

Sijtsma, K., & Molenaar, I. W. (2002). *Introduction to nonparametric item response theory*.
Sage.

Tabachnick, B. G., & Fidell, L. S. (2013). *Using multivariate statistics* (6th ed.). Pearson.

Tibshirani, R., & Walther, G. (2005). Cluster validation by prediction strength. *Journal of
Computational and Graphical Statistics*, 14(3), 511–528.

Examples
--------
>>> fit_verdict("cfi", 0.93)
('acceptable', 'acceptable')
>>> fmt_cut(DELTA_CFI_MIN, 3)
'−.010'
"""

from __future__ import annotations

import math
from typing import Any

# --------------------------------------------------------------------------- verdict names
#: Badge classes of a verdict (also the words ``results.json`` and the report use).
GOOD, ACCEPTABLE, POOR, NA = "good", "acceptable", "poor", "na"
#: (verdict, words) in order from best to missing.
FIT_WORDS: tuple[tuple[str, str], ...] = (
    (GOOD, "good"),
    (ACCEPTABLE, "acceptable"),
    (POOR, "poor"),
    (NA, "not available"),
)

# --------------------------------------------------------------------------- significance
#: Significance level of every test judged "significant or not" (Fisher, 1925): χ² of a CFA,
#: Bartlett's sphericity, the nested Δχ² test.
SIGNIFICANCE_LEVEL: float = 0.05

# --------------------------------------------------------------------------- global fit
#: CFI and TLI at or above which fit is good (Hu & Bentler, 1999).
CFI_GOOD: float = 0.95
TLI_GOOD: float = CFI_GOOD
#: CFI and TLI at or above which fit is acceptable (Bentler & Bonett, 1980).
CFI_ACCEPTABLE: float = 0.90
TLI_ACCEPTABLE: float = CFI_ACCEPTABLE
#: RMSEA at or below which fit is good (Hu & Bentler, 1999).
RMSEA_GOOD: float = 0.06
#: RMSEA at or below which fit is acceptable (Browne & Cudeck, 1993).
RMSEA_ACCEPTABLE: float = 0.08
#: SRMR at or below which fit is good (Hu & Bentler, 1999).
SRMR_GOOD: float = 0.08
#: SRMR at or below which fit is acceptable (Kline, 2016).
SRMR_ACCEPTABLE: float = 0.10
#: (index, good, acceptable, higher is better) for each fit index judged.
FIT_CUTOFFS: tuple[tuple[str, float, float, bool], ...] = (
    ("cfi", CFI_GOOD, CFI_ACCEPTABLE, True),
    ("tli", TLI_GOOD, TLI_ACCEPTABLE, True),
    ("rmsea", RMSEA_GOOD, RMSEA_ACCEPTABLE, False),
    ("srmr", SRMR_GOOD, SRMR_ACCEPTABLE, False),
)
#: Respondents needed per free parameter of a CFA (Bentler & Chou, 1987).
RESPONDENTS_PER_PARAMETER: int = 5
#: The smallest sample a CFA is ever run on (Anderson & Gerbing, 1984).
MIN_CFA_RESPONDENTS: int = 50
#: Share of respondents a CFA may lose to listwise deletion before a warning (a house rule,
#: not a published cut-off: beyond it the complete cases may no longer represent the sample).
MAX_LISTWISE_SHARE: float = 0.20

# --------------------------------------------------------------------------- reliability
#: Cronbach's α (or ω) at or above which reliability is good (George & Mallery, 2003).
ALPHA_GOOD: float = 0.80
#: ... acceptable for research use (Nunnally, 1978).
ALPHA_MIN: float = 0.70
#: ... questionable below ``ALPHA_MIN``, poor below this (George & Mallery, 2003).
ALPHA_QUESTIONABLE: float = 0.60
#: Corrected item–rest correlation (r.drop) below which an item fits its scale poorly
#: (Nunnally & Bernstein, 1994).
ITEM_REST_MIN: float = 0.30

# --------------------------------------------------------------------------- sampling adequacy
#: Kaiser's (1974) bands for the KMO measure: lower bound and label, best first.
KMO_MARVELLOUS: float = 0.90
KMO_MERITORIOUS: float = 0.80
KMO_MIDDLING: float = 0.70
KMO_MEDIOCRE: float = 0.60
KMO_MISERABLE: float = 0.50
KMO_BANDS: tuple[tuple[float, str], ...] = (
    (KMO_MARVELLOUS, "marvellous"),
    (KMO_MERITORIOUS, "meritorious"),
    (KMO_MIDDLING, "middling"),
    (KMO_MEDIOCRE, "mediocre"),
    (KMO_MISERABLE, "miserable"),
)
#: KMO at or above which sampling adequacy is good ("meritorious", Kaiser, 1974).
KMO_GOOD: float = KMO_MERITORIOUS
#: KMO needed to factor-analyse at all ("mediocre", Kaiser, 1974).
KMO_MIN: float = KMO_MEDIOCRE

# --------------------------------------------------------------------------- loadings
#: Horn's parallel analysis keeps a factor whose eigenvalue beats this quantile of the
#: eigenvalues of random data (Glorfeld, 1995).
PARALLEL_ANALYSIS_QUANTILE: float = 0.95
#: Standardised CFA loading at or above which the construct explains half the item's variance
#: (Hair et al., 2010).
LOADING_GOOD: float = 0.70
#: Standardised CFA loading below which an item is weak (Hair et al., 2010).
LOADING_MIN: float = 0.50
#: EFA: an item's primary loading must reach this (Howard, 2016) ...
EFA_PRIMARY_MIN: float = 0.40
#: ... its second-highest loading must stay below this ...
EFA_CROSS_MAX: float = 0.30
#: ... and the two must differ by at least this (the .40–.30–.20 rule, Howard, 2016).
EFA_GAP_MIN: float = 0.20

# --------------------------------------------------------------------------- construct validity
#: Composite reliability needed for convergent validity (Fornell & Larcker, 1981).
CR_MIN: float = 0.70
#: Average variance extracted needed for convergent validity (Fornell & Larcker, 1981).
AVE_MIN: float = 0.50
#: HTMT below which two constructs are distinct, strict criterion (Henseler et al., 2015).
HTMT_STRICT: float = 0.85
#: ... liberal criterion, for conceptually close constructs (Henseler et al., 2015).
HTMT_LIBERAL: float = 0.90

# --------------------------------------------------------------------------- invariance
#: Smallest change in CFI (restricted minus freer model) that still counts as invariant
#: (Cheung & Rensvold, 2002; Chen, 2007).
DELTA_CFI_MIN: float = -0.010
#: Largest rise in RMSEA that still counts as invariant (Chen, 2007).
DELTA_RMSEA_MAX: float = 0.015

# --------------------------------------------------------------------------- common method
#: Share of all item variance one unrotated factor may take before Harman's single-factor test
#: signals common-method variance (Podsakoff et al., 2003).
HARMAN_MAX_SHARE: float = 0.50

# --------------------------------------------------------------------------- cumulative scaling
#: Lower bounds of Mokken's bands for Loevinger's H (Mokken, 1971; Sijtsma & Molenaar, 2002).
H_STRONG: float = 0.50
H_MEDIUM: float = 0.40
#: H from which items form a (weak) cumulative scale (Mokken, 1971).
H_SCALABLE: float = 0.30
H_BANDS: tuple[tuple[float, str], ...] = (
    (H_STRONG, "strong"),
    (H_MEDIUM, "medium"),
    (H_SCALABLE, "weak"),
    (-math.inf, "not scalable"),
)
#: Share of firms breaking a stage model's order that still counts as cumulative: Guttman's
#: (1950) coefficient of reproducibility ≥ .90 allows 10 % errors ...
NON_CUMULATIVE_OK: float = 0.10
#: ... and up to this share is "partly" cumulative.
NON_CUMULATIVE_PARTLY: float = 0.20

# --------------------------------------------------------------------------- cluster stability
#: Mean bootstrap Jaccard at or above which a cluster is stable (Hennig, 2007; fpc's
#: ``recover``) ...
JACCARD_STABLE: float = 0.75
#: ... and at or below which it has dissolved (Hennig, 2007; fpc's ``dissolution``).
JACCARD_DISSOLVED: float = 0.50
#: Prediction strength at or above which k clusters are well supported (Tibshirani & Walther,
#: 2005).
PREDICTION_STRENGTH_CUTOFF: float = 0.80

# --------------------------------------------------------------------------- agreement
#: ARI and weighted κ at or above which two stage assignments agree substantially, and
#: moderately (Landis & Koch, 1977).
AGREEMENT_GOOD: float = 0.60
AGREEMENT_FAIR: float = 0.40

# --------------------------------------------------------------------------- bimodality
#: BIC advantage of two normals over one before a level counts as bimodal ("very strong"
#: evidence, Raftery, 1995).
BIMODAL_MIN_DELTA_BIC: float = 10.0
#: Ashman's D the two components must reach. D > 2 (Ashman et al., 1994) is the least
#: separation at which two equal normals show a dip; a skewed or ceiling-bounded single group is
#: fitted by two normals with D just above 2 (1.8–2.25 in simulations of one continuous maturity
#: on a 1–7 scale, against 3.2–5.5 for real stages), so the bar is set above that.
BIMODAL_MIN_SEPARATION: float = 2.5
#: Share of firms the smaller component must hold.
BIMODAL_MIN_WEIGHT: float = 0.05

# --------------------------------------------------------------------------- latent profiles
#: An added profile must lower BIC by this much (2 ln B > 10, Kass & Raftery, 1995) ...
PROFILE_MIN_BIC_GAIN: float = 10.0
#: ... raise the log-likelihood by this many nats per respondent (guards against BIC's
#: large-sample over-extraction) ...
PROFILE_MIN_GAIN_PER_RESPONDENT: float = 0.03
#: ... leave no profile smaller than this share of respondents ...
PROFILE_MIN_CLASS_SHARE: float = 0.05
#: ... and classify clearly: relative entropy at least this (Celeux & Soromenho, 1996).
PROFILE_MIN_ENTROPY: float = 0.80

# --------------------------------------------------------------------------- quadrants
#: Share of firms every strategy quadrant must hold for the typology to be populated.
MIN_QUADRANT_SHARE: float = 0.05
#: |r| and HTMT of the two axes below which they are distinct (Henseler et al., 2015).
HTMT_DISTINCT: float = HTMT_STRICT

# --------------------------------------------------------------------------- claims
#: Correlations inside ±EQUIVALENCE_BOUND count as "no meaningful relation" (Cohen's, 1988,
#: "small" effect is r = .10, so a relation certainly smaller than that is negligible).
EQUIVALENCE_BOUND: float = 0.10
#: Fewest respondents with both variables for a claim to be tested.
MIN_N: int = 30

# --------------------------------------------------------------------------- data quality
#: A construct is scored only when at least this share of its items was answered (the "half
#: rule" for prorated scale scores, Newman, 2014).
MIN_ANSWERED_SHARE: float = 0.50
#: Straight-lining: the longest run of identical answers covers at least this share of the
#: items (Curran, 2016) ...
LONGSTRING_SHARE: float = 0.50
#: ... and at least this many items.
LONGSTRING_MIN: int = 6
#: Answers needed before a zero within-person SD counts.
MIN_ANSWERED_FOR_SD: int = 5
#: Speeding: total time below this fraction of the median time (Curran, 2016) ...
SPEED_RATIO: float = 1.0 / 3.0
#: ... or fewer than this many seconds per item (Huang et al., 2012).
MIN_SECONDS_PER_ITEM: float = 2.0
#: Multivariate outlier: Mahalanobis distance with p below this (Tabachnick & Fidell, 2013).
OUTLIER_P: float = 0.001
#: Respondents per item needed before the outlier screen runs (fewer make the covariance
#: matrix near-singular and almost everyone an outlier).
OUTLIER_MIN_RATIO: float = 2.0
#: Missingness: more than this share of the Likert items unanswered (Meade & Craig, 2012).
MAX_MISSING_SHARE: float = 0.20


# --------------------------------------------------------------------------- formatting
def fmt_cut(value: float, digits: int = 2) -> str:
    """A cut-off as the methods literature prints it: no leading zero, a true minus sign.

    Parameters
    ----------
    value : float
        The cut-off.
    digits : int, default 2
        Decimals shown.

    Returns
    -------
    str
        ``".70"`` for 0.70, ``"−.010"`` for −0.010 with ``digits=3``, ``"2.50"`` for 2.5.

    Examples
    --------
    >>> fmt_cut(ALPHA_MIN), fmt_cut(DELTA_RMSEA_MAX, 3)
    ('.70', '.015')
    """
    text = f"{abs(value):.{digits}f}"
    if abs(value) < 1:
        text = text.removeprefix("0")
    return ("−" if value < 0 else "") + text


# --------------------------------------------------------------------------- verdicts
def fit_verdict(index: str, value: float | None) -> tuple[str, str]:
    """(verdict, words) for a global fit index against :data:`FIT_CUTOFFS`.

    Parameters
    ----------
    index : {"cfi", "tli", "rmsea", "srmr"}
        The fit index.
    value : float or None
        Its value; None or NaN give :data:`NA`.

    Returns
    -------
    tuple of str
        :data:`GOOD`, :data:`ACCEPTABLE` or :data:`POOR` with its words. Cut-offs are
        inclusive: CFI = .95 is good, RMSEA = .06 is good.

    Raises
    ------
    ValueError
        If ``index`` has no cut-off.

    References
    ----------
    Hu & Bentler (1999); Bentler & Bonett (1980); Browne & Cudeck (1993); Kline (2016).
    """
    if value is None or math.isnan(value):
        return NA, "not available"
    for name, good, ok, higher in FIT_CUTOFFS:
        if name == index:
            if (value >= good) if higher else (value <= good):
                return GOOD, "good"
            if (value >= ok) if higher else (value <= ok):
                return ACCEPTABLE, "acceptable"
            return POOR, "poor"
    raise ValueError(f"no cut-off for fit index '{index}'")


def alpha_verdict(value: float | None) -> tuple[str, str]:
    """(verdict, words) for a reliability coefficient.

    ≥ :data:`ALPHA_GOOD` good, ≥ :data:`ALPHA_MIN` acceptable (Nunnally, 1978),
    ≥ :data:`ALPHA_QUESTIONABLE` questionable, otherwise poor (George & Mallery, 2003).
    """
    if value is None or math.isnan(value):
        return NA, "not available"
    if value >= ALPHA_GOOD:
        return GOOD, "good"
    if value >= ALPHA_MIN:
        return ACCEPTABLE, "acceptable"
    if value >= ALPHA_QUESTIONABLE:
        return POOR, "questionable"
    return POOR, "poor"


def kmo_label(value: float) -> str:
    """Kaiser's (1974) verbal label for a KMO value (:data:`KMO_BANDS`).

    Examples
    --------
    >>> kmo_label(0.85), kmo_label(0.3)
    ('meritorious', 'unacceptable')
    """
    if not math.isfinite(value):
        return "not available"
    return next((label for cut, label in KMO_BANDS if value >= cut), "unacceptable")


def kmo_verdict(value: float | None) -> str:
    """:data:`GOOD` from :data:`KMO_GOOD`, :data:`ACCEPTABLE` from :data:`KMO_MIN`, else poor."""
    if value is None or math.isnan(value):
        return POOR
    return GOOD if value >= KMO_GOOD else ACCEPTABLE if value >= KMO_MIN else POOR


def significant(p: float | None) -> bool:
    """Whether ``p`` is below :data:`SIGNIFICANCE_LEVEL` (False when missing)."""
    return p is not None and not math.isnan(p) and p < SIGNIFICANCE_LEVEL


def item_rest_ok(r_drop: float) -> bool:
    """Whether an item's corrected item–rest correlation reaches :data:`ITEM_REST_MIN`."""
    return r_drop >= ITEM_REST_MIN


def convergent_valid(cr: float, ave: float) -> bool:
    """Fornell & Larcker (1981): CR ≥ :data:`CR_MIN` and AVE ≥ :data:`AVE_MIN`."""
    return cr >= CR_MIN and ave >= AVE_MIN


def invariant(delta_cfi: float, delta_rmsea: float) -> bool:
    """Chen (2007): ΔCFI ≥ :data:`DELTA_CFI_MIN` and ΔRMSEA ≤ :data:`DELTA_RMSEA_MAX`."""
    return delta_cfi >= DELTA_CFI_MIN and delta_rmsea <= DELTA_RMSEA_MAX


def efa_loading_flags(primary: Any, secondary: Any) -> tuple[Any, Any]:
    """(cross-loading, weak primary) by Howard's (2016) .40–.30–.20 rule.

    A cross-loading has a second loading ≥ :data:`EFA_CROSS_MAX` or within
    :data:`EFA_GAP_MIN` of the first; a weak primary is below :data:`EFA_PRIMARY_MIN`.
    ``primary`` and ``secondary`` are absolute loadings, floats or arrays of them (compared
    element-wise); ``secondary`` is None for a one-factor solution (never a cross-loading).
    """
    if secondary is None:
        cross: Any = False
    else:
        cross = (secondary >= EFA_CROSS_MAX) | (primary - secondary < EFA_GAP_MIN)
    return cross, primary < EFA_PRIMARY_MIN


def h_band(h: float) -> str:
    """Mokken's band for Loevinger's H (:data:`H_BANDS`; NaN → ``not scalable``)."""
    if math.isnan(h):
        return "not scalable"
    return next(label for bound, label in H_BANDS if h >= bound)


def scalable(h: float | None) -> bool:
    """Whether Loevinger's H reaches :data:`H_SCALABLE` (Mokken, 1971)."""
    return h is not None and not math.isnan(h) and h >= H_SCALABLE


def cluster_stable(min_jaccard: float) -> bool:
    """Hennig (2007): every cluster's mean Jaccard ≥ :data:`JACCARD_STABLE`."""
    return min_jaccard >= JACCARD_STABLE


def prediction_strength_ok(value: float) -> bool:
    """Tibshirani & Walther (2005): prediction strength ≥ :data:`PREDICTION_STRENGTH_CUTOFF`."""
    return value >= PREDICTION_STRENGTH_CUTOFF


def agreement_verdict(low: float) -> str:
    """Landis & Koch (1977) for the lower of ARI and κ: ``"supported"`` from
    :data:`AGREEMENT_GOOD`, ``"partly"`` from :data:`AGREEMENT_FAIR`, else ``"not supported"``."""
    if low >= AGREEMENT_GOOD:
        return "supported"
    return "partly" if low >= AGREEMENT_FAIR else "not supported"


def cumulative_verdict(non_cumulative_share: float) -> str:
    """``"supported"`` up to :data:`NON_CUMULATIVE_OK` of firms out of order, ``"partly"`` up to
    :data:`NON_CUMULATIVE_PARTLY`, else ``"not supported"`` (Guttman, 1950)."""
    if non_cumulative_share <= NON_CUMULATIVE_OK:
        return "supported"
    return "partly" if non_cumulative_share <= NON_CUMULATIVE_PARTLY else "not supported"
