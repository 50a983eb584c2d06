"""``python -m analysis.cli``: the ``smcap`` command."""

import sys

from analysis.cli.smcap import main

sys.exit(main())
