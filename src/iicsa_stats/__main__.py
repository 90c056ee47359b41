"""``python -m iicsa_stats``: the same as the ``iicsa-stats`` command."""

from .cli import main

raise SystemExit(main())
