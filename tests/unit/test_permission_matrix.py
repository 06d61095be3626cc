"""THE permission matrix: every cell of the table in docs/permissions.md, tried against the
real services. The table is read from the document, so the two cannot drift apart."""

# Every action takes (world, actor, missing); those naming no team or task ignore some.
# ruff: noqa: ARG005

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path
from uuid import UUID, uuid4

import attrs
import pytest
from crew import Crew

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.domain.models import Role
from taskflow.errors import InviteEmailMismatch, NotTeamMember, TaskflowError
from taskflow.events import INVITE_CREATED
from taskflow.services.permissions import ROLE_PERMISSIONS
from taskflow.testing import one_time_token

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
PASSWORD = "correct horse battery staple"  # every account of the crew fixture has it
COLUMNS = ("owner", "admin", "member", "creator", "assignee", "non-member", "missing")
OUTCOMES = {"allowed", "400", "403", "404", "409", "—"}


@attrs.frozen
class Row:
    action: str
    cells: dict[str, str]
    permission: str


def read_matrix() -> list[Row]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- permission-matrix:start -->")[1].split(
        "<!-- permission-matrix:end -->"
    )[0]
    lines = [line.strip() for line in table.strip().splitlines()]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["action", *COLUMNS, "permission"], header
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        match = re.match(r"`([a-z_.]+)`", cells[0])
        assert match, f"no `action` in {line!r}"
        outcomes = dict(zip(COLUMNS, cells[1:-1], strict=True))
        assert set(outcomes.values()) <= OUTCOMES, line
        rows.append(Row(action=match.group(1), cells=outcomes, permission=cells[-1]))
    return rows


MATRIX = read_matrix()


# --- the world every cell runs in ------------------------------------------------------


@attrs.frozen
class World:
    tf: TaskFlow
    crew: Crew
    events: RecordingEventPublisher
    add_member: Callable[..., UUID]
    task_id: UUID  # made by crew.creator, assigned to crew.assignee
    comment_id: UUID  # written by crew.creator on that task

    def team(self, missing: bool) -> UUID:
        return uuid4() if missing else self.crew.team_id

    def task(self, missing: bool) -> UUID:
        return uuid4() if missing else self.task_id

    def comment(self, missing: bool) -> UUID:
        return uuid4() if missing else self.comment_id

    def fresh_email(self) -> str:
        return f"invitee-{uuid4().hex[:12]}@example.com"

    def pending_invite(self) -> tuple[UUID, str]:
        """An invite from the owner to an email without an account: (id, token)."""
        invite = self.tf.invites.create(
            self.crew.owner, self.crew.team_id, email=self.fresh_email()
        )
        return invite.id, one_time_token(self.tf, self.events.named(INVITE_CREATED)[-1])


Action = Callable[[World, UUID, bool], object]


def _invite_action(method: str) -> Action:
    def act(w: World, actor: UUID, missing: bool) -> object:
        invite_id, _ = w.pending_invite()
        return getattr(w.tf.invites, method)(actor, uuid4() if missing else invite_id)

    return act


def _accept_someone_elses(w: World, actor: UUID, missing: bool) -> object:
    _, token = w.pending_invite()
    return w.tf.invites.accept(actor, token=secrets.token_urlsafe(32) if missing else token)


def _restore(w: World, actor: UUID, missing: bool) -> object:
    w.tf.tasks.delete(w.crew.creator, w.task_id)
    return w.tf.tasks.restore(actor, w.task(missing))


def _reopen(w: World, actor: UUID, missing: bool) -> object:
    w.tf.tasks.complete(w.crew.creator, w.task_id)
    return w.tf.tasks.reopen(actor, w.task(missing))


ACTIONS: dict[str, Action] = {
    "teams.create": lambda w, a, m: w.tf.teams.create(a, name="New team"),
    "teams.list_mine": lambda w, a, m: w.tf.teams.list_mine(a),
    "teams.get": lambda w, a, m: w.tf.teams.get(a, w.team(m)),
    "teams.rename": lambda w, a, m: w.tf.teams.rename(a, w.team(m), name="Renamed"),
    "teams.delete": lambda w, a, m: w.tf.teams.delete(a, w.team(m)),
    "members.list": lambda w, a, m: w.tf.teams.list_members(a, w.team(m)),
    "members.make_admin": lambda w, a, m: w.tf.teams.change_role(
        a, w.team(m), w.add_member(w.crew.team_id, w.crew.owner), role="admin"
    ),
    "members.make_member": lambda w, a, m: w.tf.teams.change_role(
        a, w.team(m), w.add_member(w.crew.team_id, w.crew.owner, role="admin"), role="member"
    ),
    "members.change_own_role": lambda w, a, m: w.tf.teams.change_role(
        a, w.team(m), a, role="admin"
    ),
    "members.remove_member": lambda w, a, m: w.tf.teams.remove_member(
        a, w.team(m), w.add_member(w.crew.team_id, w.crew.owner)
    ),
    "members.remove_admin": lambda w, a, m: w.tf.teams.remove_member(
        a, w.team(m), w.add_member(w.crew.team_id, w.crew.owner, role="admin")
    ),
    "members.remove_owner": lambda w, a, m: w.tf.teams.remove_member(a, w.team(m), w.crew.owner),
    "members.leave": lambda w, a, m: w.tf.teams.leave(a, w.team(m)),
    "members.transfer_ownership": lambda w, a, m: w.tf.teams.transfer_ownership(
        a, w.team(m), new_owner_id=w.crew.member
    ),
    "invites.create": lambda w, a, m: w.tf.invites.create(
        a, w.team(m), email=w.fresh_email(), role="member"
    ),
    "invites.create_admin": lambda w, a, m: w.tf.invites.create(
        a, w.team(m), email=w.fresh_email(), role="admin"
    ),
    "invites.create_owner": lambda w, a, m: w.tf.invites.create(
        a, w.team(m), email=w.fresh_email(), role="owner"
    ),
    "invites.list_pending": lambda w, a, m: w.tf.invites.list_pending(a, w.team(m)),
    "invites.revoke": _invite_action("revoke"),
    "invites.resend": _invite_action("resend"),
    "invites.accept_someone_elses": _accept_someone_elses,
    "auth.get_user_permissions": lambda w, a, m: w.tf.auth.get_user_permissions(a, w.team(m)),
    "auth.update_profile": lambda w, a, m: w.tf.auth.update_profile(a, name="Renamed"),
    "auth.request_email_change": lambda w, a, m: w.tf.auth.request_email_change(
        a, password=PASSWORD, new_email=w.fresh_email()
    ),
    "auth.request_deletion": lambda w, a, m: w.tf.auth.request_deletion(a, password=PASSWORD),
    "invites.list_mine": lambda w, a, m: w.tf.invites.list_mine(a),
    "tasks.create": lambda w, a, m: w.tf.tasks.create(a, w.team(m), title="New task"),
    "tasks.get": lambda w, a, m: w.tf.tasks.get(a, w.task(m)),
    "tasks.list_team": lambda w, a, m: w.tf.tasks.list_team(a, w.team(m)),
    "tasks.list_mine": lambda w, a, m: w.tf.tasks.list_mine(a),
    "tasks.activity": lambda w, a, m: w.tf.tasks.activity(a, w.task(m)),
    "tasks.update": lambda w, a, m: w.tf.tasks.update(a, w.task(m), title="Changed"),
    "tasks.assign": lambda w, a, m: w.tf.tasks.assign(a, w.task(m), assignee_id=w.crew.admin),
    "tasks.complete": lambda w, a, m: w.tf.tasks.complete(a, w.task(m)),
    "tasks.reopen": _reopen,
    "tasks.delete": lambda w, a, m: w.tf.tasks.delete(a, w.task(m)),
    "tasks.restore": _restore,
    "comments.add": lambda w, a, m: w.tf.comments.add(a, w.task(m), content="Hi"),
    "comments.list": lambda w, a, m: w.tf.comments.list(a, w.task(m)),
    "comments.edit": lambda w, a, m: w.tf.comments.edit(a, w.comment(m), content="Edited"),
    "comments.delete": lambda w, a, m: w.tf.comments.delete(a, w.comment(m)),
    "exports.request": lambda w, a, m: w.tf.exports.request(a),
}


def test_every_row_of_the_document_has_an_action_and_back() -> None:
    assert [row.action for row in MATRIX] == list(ACTIONS)


@pytest.fixture
def world(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher, add_member: Callable[..., UUID]
) -> World:
    task = tf.tasks.create(crew.creator, crew.team_id, title="Task", assignee_id=crew.assignee)
    comment = tf.comments.add(crew.creator, task.id, content="A comment")
    return World(
        tf=tf,
        crew=crew,
        events=events,
        add_member=add_member,
        task_id=task.id,
        comment_id=comment.id,
    )


CELLS = [
    pytest.param(row.action, column, row.cells[column], id=f"{row.action}[{column}]")
    for row in MATRIX
    for column in COLUMNS
    if row.cells[column] != "—"
]


def actor_of(world: World, column: str) -> UUID:
    crew = world.crew
    return {
        "owner": crew.owner,
        "admin": crew.admin,
        "member": crew.member,
        "creator": crew.creator,
        "assignee": crew.assignee,
        "non-member": crew.outsider,
        "missing": crew.owner,  # allowed to do anything: only the missing thing can fail
    }[column]


@pytest.mark.parametrize(("action", "column", "expected"), CELLS)
def test_cell(world: World, action: str, column: str, expected: str) -> None:
    act = ACTIONS[action]
    actor = actor_of(world, column)
    missing = column == "missing"
    if expected == "allowed":
        act(world, actor, missing)
        return
    with pytest.raises(TaskflowError) as caught:
        act(world, actor, missing)
    error = caught.value
    assert error.status == int(expected), f"{type(error).__name__}: {error.message}"
    if expected == "403":
        # Outsiders learn that they are outsiders; members that their role is too low;
        # a link sent to someone else says just that, to anyone.
        if action == "invites.accept_someone_elses":
            assert isinstance(error, InviteEmailMismatch)
        elif column == "non-member":
            assert isinstance(error, NotTeamMember)
        else:
            assert not isinstance(error, NotTeamMember)


def test_every_cell_is_tried() -> None:
    cells = sum(1 for row in MATRIX for column in COLUMNS if row.cells[column] != "—")
    assert len(CELLS) == cells
    assert len(MATRIX) == len(ACTIONS) >= 37
    # Only actions that name no team/task/comment have no "missing" cell, and no other
    # cell is left out.
    for row in MATRIX:
        blanks = [c for c in COLUMNS if row.cells[c] == "—"]
        assert blanks in ([], ["missing"]), row.action


# --- ROLE_PERMISSIONS (what get_user_permissions lists) agrees with the matrix --------

ROLE_COLUMNS: dict[str, Role] = {"owner": Role.OWNER, "admin": Role.ADMIN, "member": Role.MEMBER}


@pytest.mark.parametrize("row", [r for r in MATRIX if r.permission != "—"], ids=lambda r: r.action)
def test_role_permissions_agree_with_the_matrix(row: Row) -> None:
    names = [name.strip() for name in row.permission.split("/")]
    known = set().union(*ROLE_PERMISSIONS.values())
    if len(names) == 1:
        (name,) = names
        assert name in known, name
        for column, role in ROLE_COLUMNS.items():
            # 409: the role may, the state refuses (the owner leaving before transferring).
            may = row.cells[column] in {"allowed", "409"}
            assert (name in ROLE_PERMISSIONS[role]) == may, (column, name)
        return
    own, anything = names
    assert own.endswith("_own"), names
    assert anything.endswith("_any"), names
    assert own in known
    for column, role in ROLE_COLUMNS.items():
        assert (anything in ROLE_PERMISSIONS[role]) == (row.cells[column] == "allowed"), column
    # A plain member's "_own" right is what lets the creator (and for tasks the assignee).
    assert (own in ROLE_PERMISSIONS[Role.MEMBER]) == (row.cells["creator"] == "allowed")


def test_every_role_permission_appears_in_the_matrix() -> None:
    named = {n.strip() for row in MATRIX for n in row.permission.split("/")} - {"—"}
    every = set().union(*ROLE_PERMISSIONS.values())
    assert every <= named, every - named


def test_higher_roles_have_every_permission_of_lower_ones() -> None:
    assert ROLE_PERMISSIONS[Role.MEMBER] <= ROLE_PERMISSIONS[Role.ADMIN]
    assert ROLE_PERMISSIONS[Role.ADMIN] <= ROLE_PERMISSIONS[Role.OWNER]
