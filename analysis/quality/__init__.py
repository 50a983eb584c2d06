"""Data quality: screens of each respondent's answers, and the fieldwork monitor's statistics.

May import :mod:`analysis.measurement` (scores, correlations), :mod:`analysis.linalg`,
:mod:`analysis.criteria` and :mod:`instrument`.
"""
