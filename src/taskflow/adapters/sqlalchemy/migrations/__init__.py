"""taskflow's Alembic migration scripts (run them with ``taskflow db upgrade``)."""
