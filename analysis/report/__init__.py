"""The HTML report and the tables of ``results.json``, for the CLI, notebooks and dashboards.

:mod:`~analysis.report.html` holds the building blocks (escaping, number formats, tables,
figures) and assembles the sections in order; each section is a function of one part of the
results. Imports the statistics packages only for their constants and figures; computes nothing.
"""
