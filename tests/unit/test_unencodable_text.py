"""Text that is not valid Unicode (a lone surrogate: JSON's ``"\\ud800"``, which Python's
json module accepts) is refused as invalid input, never a UnicodeEncodeError (a 500):
the SQL drivers, argon2 and the JWT library all encode text as UTF-8."""

from __future__ import annotations

import pytest

from taskflow import TaskFlow
from taskflow.errors import InvalidInput, InvalidToken, TaskflowError

PASSWORD = "correct horse battery"
LONE = "\ud800"


def test_a_lone_surrogate_in_a_task_title_is_invalid_input(tf: TaskFlow) -> None:
    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner")
    team = tf.teams.create(owner.user.id, name="Crew")
    with pytest.raises(InvalidInput) as raised:
        tf.tasks.create(owner.user.id, team.id, title=f"a{LONE}b")
    assert raised.value.errors[0]["field"] == "title"
    task = tf.tasks.create(owner.user.id, team.id, title="ok")
    with pytest.raises(InvalidInput):
        tf.comments.add(owner.user.id, task.id, content=LONE)


def test_a_lone_surrogate_in_a_password_is_invalid_input(tf: TaskFlow) -> None:
    with pytest.raises(InvalidInput) as raised:
        tf.auth.signup(email="s@example.com", password=f"pass{LONE}word", name="S")
    assert raised.value.errors[0]["field"] == "password"


def test_a_lone_surrogate_in_a_one_time_token_is_refused(tf: TaskFlow) -> None:
    for call in (
        lambda: tf.auth.verify_email(LONE),
        lambda: tf.auth.reset_password(LONE, new_password=PASSWORD),
    ):
        with pytest.raises(TaskflowError) as raised:
            call()
        assert raised.value.status in {400, 410}


def test_a_lone_surrogate_in_a_bearer_or_refresh_token_is_an_invalid_token(tf: TaskFlow) -> None:
    with pytest.raises(InvalidToken):
        tf.auth.validate_token(f"a{LONE}.b.c")
    with pytest.raises(InvalidToken):
        tf.auth.refresh(f"a{LONE}.b.c")
    with pytest.raises(InvalidToken):
        tf.auth.logout(f"a{LONE}.b.c")
