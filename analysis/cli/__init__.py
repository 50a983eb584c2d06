"""The ``smcap`` command line: :func:`~analysis.cli.smcap.main` and one module per subcommand.

Importing this package loads nothing heavy: the parser is built without SciPy, scikit-learn,
Plotly or the pipeline, which a subcommand imports only when it runs.
"""

from analysis.cli.smcap import main

__all__ = ["main"]
