"""``python -m omisync`` is the same as the ``omisync`` command."""

from omisync.cli import main

raise SystemExit(main())
