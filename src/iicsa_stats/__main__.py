"""``python -m iicsa_stats``: the same as the ``iicsa-stats`` command."""

import sys

from .cli import main

sys.exit(main())
