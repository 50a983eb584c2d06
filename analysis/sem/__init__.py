"""Structural equation models: our own engine for confirmatory factor analysis.

Kept apart as lavaan keeps its source: the model specification, sample statistics, estimation,
test statistics and fit measures each live in their own module, so that an estimator is added
as a file (not a branch in the others), plus multi-group fits and measurement invariance.
May import :mod:`analysis.linalg`, :mod:`analysis.criteria` and :mod:`instrument`.
"""
