"""A NUL character (``\\x00``, ``"\\u0000"`` in JSON) in any text input is refused as
invalid input on every backend. PostgreSQL cannot store it in a text column (the driver
raises a DataError), so without the check it was a 500 on PostgreSQL only."""

from __future__ import annotations

import pytest

from taskflow import TaskFlow
from taskflow.errors import InvalidInput

PASSWORD = "correct horse battery"


def test_a_nul_in_a_task_title_or_description_is_invalid_input(tf: TaskFlow) -> None:
    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner")
    team = tf.teams.create(owner.user.id, name="Crew")
    with pytest.raises(InvalidInput) as raised:
        tf.tasks.create(owner.user.id, team.id, title="a\x00b")
    assert raised.value.errors[0]["field"] == "title"
    with pytest.raises(InvalidInput) as raised:
        tf.tasks.create(owner.user.id, team.id, title="ok", description="x\x00")
    assert raised.value.errors[0]["field"] == "description"
    task = tf.tasks.create(owner.user.id, team.id, title="ok")
    with pytest.raises(InvalidInput):
        tf.tasks.update(owner.user.id, task.id, title="\x00 still")
    assert tf.tasks.get(owner.user.id, task.id).version == 1


def test_a_nul_in_a_search_or_an_idempotency_key_is_invalid_input(tf: TaskFlow) -> None:
    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner")
    team = tf.teams.create(owner.user.id, name="Crew")
    with pytest.raises(InvalidInput):
        tf.tasks.list_team(owner.user.id, team.id, q="a\x00")
    with pytest.raises(InvalidInput):
        tf.tasks.list_mine(owner.user.id, q="\x00")
    with pytest.raises(InvalidInput):
        tf.tasks.create(owner.user.id, team.id, title="t", idempotency_key="k\x00")


def test_a_nul_in_a_name_or_a_comment_is_invalid_input(tf: TaskFlow) -> None:
    with pytest.raises(InvalidInput):
        tf.auth.signup(email="a@example.com", password=PASSWORD, name="Sa\x00ra")
    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner")
    with pytest.raises(InvalidInput):
        tf.teams.create(owner.user.id, name="Cr\x00ew")
    team = tf.teams.create(owner.user.id, name="Crew")
    with pytest.raises(InvalidInput):
        tf.teams.rename(owner.user.id, team.id, name="\x00")
    task = tf.tasks.create(owner.user.id, team.id, title="ok")
    with pytest.raises(InvalidInput):
        tf.comments.add(owner.user.id, task.id, content="hi\x00")
    comment = tf.comments.add(owner.user.id, task.id, content="hi")
    with pytest.raises(InvalidInput):
        tf.comments.edit(owner.user.id, comment.id, content="\x00")


def test_a_password_may_hold_any_character_it_is_only_ever_hashed(tf: TaskFlow) -> None:
    password = "pass\x00word!"
    tf.auth.signup(email="nul@example.com", password=password, name="Nul")
    assert tf.auth.login(email="nul@example.com", password=password).user.name == "Nul"
