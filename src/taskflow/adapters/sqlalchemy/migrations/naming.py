"""The names taskflow's migration scripts give its tables, constraints and indexes.

The tables carry the prefix of the storage being migrated (``TASKFLOW_TABLE_PREFIX``,
``taskflow_`` by default), which ``migrate.upgrade`` passes in the Alembic config's
attributes (``TABLES_ATTRIBUTE``). Revisions 0001 to 0003 were written before the prefix
existed: a database made by them has the *legacy* names (no prefix), which revision 0004
renames. So a script asks ``names()`` which names the tables have at its step:

- the configured prefix on a fresh database (``names(fresh=True)``, revision 0001's
  upgrade) and on one whose tables already carry it;
- no prefix (the legacy names) on a database that an older release migrated, until 0004
  renames its tables, and again after 0004's downgrade renamed them back.

Which of the two is told by the database itself: whether ``<prefix>users`` exists (every
taskflow database has it, the task database of a split setup included). Constraint and
index names follow ``tables.NAMING_CONVENTION`` with the same table names.

The scripts never import ``tables.py``: a revision's schema is frozen in the revision.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from alembic import context, op
from attrs import frozen
from sqlalchemy.sql.elements import conv

from taskflow.adapters.sqlalchemy.tables import DEFAULT, TableSet

__all__ = ["TABLES_ATTRIBUTE", "Names", "configured_tables", "names"]

TABLES_ATTRIBUTE: Final = "taskflow_tables"
"""The key of the ``TableSet`` being migrated in ``alembic.config.Config.attributes``."""

_PROBE: Final = "users"


@frozen
class Names:
    """The names at one step of the migrations, for a table ``prefix``."""

    prefix: str

    def t(self, table: str) -> str:
        """The table's name."""
        return self.prefix + table

    def ref(self, table: str) -> str:
        """A foreign key's target: ``<table>.id``."""
        return f"{self.t(table)}.id"

    def f(self, kind: str, table: str, columns: str = "") -> conv:
        """A constraint or index name by the naming convention (``pk``, ``uq``, ``ck``,
        ``ix``): ``<kind>_<table>[_<columns>]``, marked final (``op.f``)."""
        name = f"{kind}_{self.t(table)}"
        return op.f(f"{name}_{columns}" if columns else name)

    def fk(self, table: str, column: str, referred: str) -> conv:
        """A foreign key's name: ``fk_<table>_<column>_<referred table>``."""
        return op.f(f"fk_{self.t(table)}_{column}_{self.t(referred)}")


def configured_tables() -> TableSet:
    """The ``TableSet`` being migrated (the default one when Alembic was run without
    ``migrate.py``, e.g. from the command line)."""
    tables = context.config.attributes.get(TABLES_ATTRIBUTE)
    return tables if isinstance(tables, TableSet) else DEFAULT


def names(*, fresh: bool = False) -> Names:
    """The names the tables have at this step (see the module docstring)."""
    prefix = configured_tables().prefix
    if fresh or not prefix:
        return Names(prefix)
    if sa.inspect(op.get_bind()).has_table(prefix + _PROBE):
        return Names(prefix)
    return Names("")
