"""How far the source papers' model generalises: their claims, the scorecard, power planning.

May import every statistics package below it (:mod:`analysis.measurement`,
:mod:`analysis.structure`, :mod:`analysis.data` for simulation) and :mod:`analysis.criteria`.
"""
