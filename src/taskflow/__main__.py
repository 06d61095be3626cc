"""``python -m taskflow``: the same as the ``taskflow`` command."""

import sys

from taskflow.entrypoints.cli import main

sys.exit(main())
