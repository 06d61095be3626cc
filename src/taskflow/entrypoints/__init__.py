"""The entry points, above the composition root: the ``taskflow`` command line (``cli``)
and its commands: ``serve`` (the reference HTTP server), ``worker`` (the notification
worker) and ``db`` (the migrations). Each gets what it runs from ``taskflow.bootstrap``."""
