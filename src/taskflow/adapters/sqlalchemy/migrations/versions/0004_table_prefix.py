"""table prefix: the tables of a database migrated by an older release get their prefix

taskflow's tables carry a prefix (``TASKFLOW_TABLE_PREFIX``, ``taskflow_`` by default), so
that they never meet an application's own ``users``, ``teams``, ``tasks``, ``comments``
or ``sessions``. A fresh database gets the prefixed names from revision 0001 on
(``naming.py``), and this revision does nothing there. A database that revisions 0001 to
0003 made before the prefix existed has the unprefixed names: its tables are renamed,
rows kept, and so are their constraints and indexes where the backend lets them be:

- PostgreSQL: every table, constraint (primary, unique, check, foreign keys) and index;
- MariaDB: every table, index (unique keys included), check and foreign key (the
  primary key is always ``PRIMARY``); a foreign key or a check is dropped and added back
  under its new name (the rows are checked again);
- SQLite: every table (the foreign keys of the others follow) and index; the names of
  the constraints written inside a table's definition (primary, unique, check, foreign
  keys) cannot be changed without copying the table and stay as they were (SQLite
  scopes them to their table and never shows them).

The downgrade renames them back to the unprefixed names (the older release's).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from taskflow.adapters.sqlalchemy.migrations.naming import Names, configured_tables, names

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The schema of revision 0003, frozen: per table, its unique constraints and indexes (the
# column part of their names, and the index's columns), checks (name part, condition)
# and foreign keys (column, referred table, ON DELETE). Every table's primary key is
# ``pk_<table>``.
_UNIQUES: dict[str, tuple[str, ...]] = {
    "users": ("email",),
    "team_members": ("team_id_user_id",),
    "invites": ("token_hash",),
    "one_time_tokens": ("token_hash",),
    "tasks": ("team_id_created_by_idempotency_key",),
    "notification_log": ("event_id_recipient_channel",),
}
_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "teams": (("owner_id",),),
    "team_members": (("user_id",),),
    "invites": (("accepted_by",), ("created_by",), ("team_id", "created_at")),
    "one_time_tokens": (("user_id", "purpose"),),
    "sessions": (("user_id", "created_at"),),
    "revoked_tokens": (("expires_at",),),
    "tasks": (
        ("assignee_id",),
        ("team_id", "created_at", "id"),
        ("team_id", "status", "created_at", "id"),
        ("due_date",),
    ),
    "comments": (("task_id", "created_at", "id"),),
    "task_activity": (("task_id", "created_at", "id"),),
    "outbox": (("published_at", "occurred_at"),),
    "notifications": (("user_id", "created_at", "id"),),
    "notification_log": (
        ("status", "next_attempt_at"),
        ("recipient", "channel", "sent_at"),
        ("created_at", "id"),
    ),
}
_ROLES = "role IN ('member', 'admin', 'owner')"
_CHECKS: dict[str, tuple[tuple[str, str], ...]] = {
    "team_members": (("role", _ROLES),),
    "invites": (("role", _ROLES),),
    "login_failures": (("count", "count >= 0"),),
    "one_time_tokens": (("purpose", "purpose IN ('verify_email', 'password_reset')"),),
    "tasks": (
        ("status", "status IN ('todo', 'in_progress', 'done')"),
        ("priority", "priority IN ('low', 'medium', 'high')"),
        ("version", "version >= 1"),
    ),
    "task_activity": (
        (
            "kind",
            "kind IN ('created', 'changed', 'assigned', 'unassigned', 'completed', "
            "'reopened', 'deleted', 'restored', 'commented')",
        ),
    ),
    "notification_log": (
        ("status", "status IN ('pending', 'sending', 'sent', 'deferred', 'failed', 'dead')"),
        ("channel", "channel IN ('email', 'in_app')"),
    ),
}
_CASCADE = "CASCADE"
_FOREIGN_KEYS: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "teams": (("owner_id", "users", None),),
    "team_members": (("team_id", "teams", _CASCADE), ("user_id", "users", _CASCADE)),
    "invites": (
        ("team_id", "teams", _CASCADE),
        ("created_by", "users", None),
        ("accepted_by", "users", None),
    ),
    "one_time_tokens": (("user_id", "users", _CASCADE),),
    "sessions": (("user_id", "users", _CASCADE),),
    "comments": (("task_id", "tasks", _CASCADE),),
    "task_activity": (("task_id", "tasks", _CASCADE),),
    "notifications": (("user_id", "users", _CASCADE),),
    "notification_preferences": (("user_id", "users", _CASCADE),),
    "due_soon_reminders": (("task_id", "tasks", _CASCADE),),
}
_TABLES: tuple[str, ...] = (
    "users",
    "teams",
    "team_members",
    "invites",
    "login_failures",
    "one_time_tokens",
    "sessions",
    "revoked_tokens",
    "tasks",
    "comments",
    "task_activity",
    "outbox",
    "notifications",
    "notification_log",
    "notification_preferences",
    "due_soon_reminders",
)


def upgrade() -> None:
    wanted = configured_tables().prefix
    now = names().prefix
    if now != wanted:  # made by an older release: unprefixed
        _rename(Names(now), Names(wanted))


def downgrade() -> None:
    now = names().prefix
    if now:
        _rename(Names(now), Names(""))


def _rename(old: Names, new: Names) -> None:
    for table in _TABLES:
        op.rename_table(old.t(table), new.t(table))
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _rename_postgresql(old, new)
    elif dialect in ("mysql", "mariadb"):
        _rename_mariadb(old, new)
    else:
        _rename_sqlite(old, new)


def _sql(statement: str) -> None:
    op.execute(statement)


def _index_names(table: str, old: Names, new: Names) -> list[tuple[str, str, tuple[str, ...]]]:
    """(old name, new name, columns) of each index of ``table`` (not the unique ones)."""
    return [
        (old.f("ix", table, "_".join(columns)), new.f("ix", table, "_".join(columns)), columns)
        for columns in _INDEXES.get(table, ())
    ]


def _rename_postgresql(old: Names, new: Names) -> None:
    for table in _TABLES:
        renamed: list[tuple[str, str]] = [(old.f("pk", table), new.f("pk", table))]
        renamed += [(old.f("uq", table, c), new.f("uq", table, c)) for c in _UNIQUES.get(table, ())]
        renamed += [
            (old.f("ck", table, name), new.f("ck", table, name))
            for name, _ in _CHECKS.get(table, ())
        ]
        renamed += [
            (old.fk(table, column, referred), new.fk(table, column, referred))
            for column, referred, _ in _FOREIGN_KEYS.get(table, ())
        ]
        for before, after in renamed:
            _sql(f'ALTER TABLE "{new.t(table)}" RENAME CONSTRAINT "{before}" TO "{after}"')
        for before, after, _ in _index_names(table, old, new):
            _sql(f'ALTER INDEX "{before}" RENAME TO "{after}"')


def _rename_mariadb(old: Names, new: Names) -> None:
    for table in _TABLES:
        name = new.t(table)
        renamed: list[tuple[str, str]] = [
            (old.f("uq", table, c), new.f("uq", table, c)) for c in _UNIQUES.get(table, ())
        ]
        renamed += [(before, after) for before, after, _ in _index_names(table, old, new)]
        for before, after in renamed:
            _sql(f"ALTER TABLE `{name}` RENAME INDEX `{before}` TO `{after}`")
        for check, condition in _CHECKS.get(table, ()):
            _sql(f"ALTER TABLE `{name}` DROP CONSTRAINT `{old.f('ck', table, check)}`")
            _sql(
                f"ALTER TABLE `{name}` ADD CONSTRAINT `{new.f('ck', table, check)}` "
                f"CHECK ({condition})"
            )
        for column, referred, on_delete in _FOREIGN_KEYS.get(table, ()):
            _sql(f"ALTER TABLE `{name}` DROP FOREIGN KEY `{old.fk(table, column, referred)}`")
            cascade = f" ON DELETE {on_delete}" if on_delete else ""
            _sql(
                f"ALTER TABLE `{name}` ADD CONSTRAINT `{new.fk(table, column, referred)}` "
                f"FOREIGN KEY (`{column}`) REFERENCES `{new.t(referred)}` (`id`){cascade}"
            )


def _rename_sqlite(old: Names, new: Names) -> None:
    for table in _TABLES:
        for before, after, columns in _index_names(table, old, new):
            op.drop_index(before, table_name=new.t(table))
            op.create_index(after, new.t(table), list(columns), unique=False)
