"""Respondent data in and out: checking a responses file, simulating one, safe exports.

:mod:`~analysis.data.responses` turns a responses file into validated frames (every problem a
user can cause ends in one clear error); :mod:`~analysis.data.simulate` draws respondents from
the theory with known truth; :mod:`~analysis.data.export` writes formula-safe CSV and SPSS files.
May import :mod:`analysis.measurement.scoring` and :mod:`instrument`.
"""
