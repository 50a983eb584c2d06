"""Structure in the sample: maturity stages, strategy quadrants and a respondent's place in them.

Latent profiles and their mixture model, bootstrap stability, cumulative ordering, agreement of
theory and data-driven stages, the stage rule's thresholds, the quadrants, a respondent's own
profile and the dashboards' suppressed aggregates. May import :mod:`analysis.measurement`,
:mod:`analysis.sem`, :mod:`analysis.criteria` and :mod:`instrument`.
"""
