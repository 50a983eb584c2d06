"""Measurement: item scores and the statistics of the scales they form.

Scoring (reverse keying; construct, level and axis scores; theory stage and quadrant),
pairwise correlations, reliability (α, ω, item–rest), sampling adequacy (KMO, Bartlett),
exploratory factor analysis, construct validity (CR, AVE, Fornell–Larcker, HTMT) and
common-method bias. May import :mod:`analysis.linalg`, :mod:`analysis.criteria`,
:mod:`analysis.sem` and :mod:`instrument`; never Streamlit, a database or the survey.
"""
