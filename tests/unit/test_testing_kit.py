"""``taskflow.testing`` for host applications: the real events reach ``tf.events``
receivers (lambdas included), and ``drain`` runs what the worker would (relay, dispatch,
delivery) so a test can assert "Bob got the invite mail", on every storage backend."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pytest

from taskflow import ConfigurationError, TaskFlow
from taskflow.adapters.mail_files import FileMailer
from taskflow.domain.models import Event
from taskflow.events import INVITE_CREATED, TASK_ASSIGNED, USER_SIGNUP
from taskflow.testing import Drained, drain, make_test_taskflow

PASSWORD = "correct horse battery staple"


def test_make_test_taskflow_sends_the_real_events_to_receivers_lambdas_included() -> None:
    tf = make_test_taskflow()
    heard: list[str] = []
    lambdas: list[str] = []

    @tf.events.receiver(USER_SIGNUP)
    def on_signup(event: Event) -> None:
        heard.append(event.payload["email"])

    tf.events.connect(USER_SIGNUP, lambda event: lambdas.append(event.name))
    gc.collect()  # a weakly held receiver would be gone now
    tf.auth.signup(email="ana@example.com", password=PASSWORD, name="Ana")
    assert heard == ["ana@example.com"]
    assert lambdas == [USER_SIGNUP]
    assert [event.name for event in tf.publisher.events] == [USER_SIGNUP]  # and recorded


def _story(tf: TaskFlow) -> tuple[Drained, Drained]:
    """Alice invites Bob, Bob accepts through the mail's link and gets a task."""
    alice = tf.auth.signup(email="alice@example.com", password=PASSWORD, name="Alice").user
    bob = tf.auth.signup(email="bob@example.com", password=PASSWORD, name="Bob").user
    team = tf.teams.create(alice.id, name="Design")
    tf.invites.create(alice.id, team.id, email="bob@example.com")
    invited = drain(tf)
    [invite] = invited.mails_to("Bob@Example.com", type=INVITE_CREATED)
    tf.invites.accept(bob.id, token=invite.token)
    task = tf.tasks.create(alice.id, team.id, title="Home page", assignee_id=bob.id)
    assigned = drain(tf)
    assert assigned.notifications_for(bob.id)[0].data["task_id"] == str(task.id)
    return invited, assigned


def test_drain_shows_the_mails_the_worker_would_send(tf: TaskFlow) -> None:
    invited, assigned = _story(tf)
    assert {event.name for event in invited.events} >= {USER_SIGNUP, INVITE_CREATED}
    [invite] = invited.mails_to("bob@example.com", type="invite.created")
    assert invite.subject == "به تیم Design دعوت شدید"
    assert invite.language == "fa"
    assert any("/invites/accept?token=" in link for link in invite.links)
    assert "Alice" not in invite.to
    assert sorted(mail.to for mail in invited.mails) == [
        "alice@example.com",
        "bob@example.com",
        "bob@example.com",
    ]  # two welcome mails and the invite

    [mail] = assigned.mails_to("bob@example.com")
    assert mail.type == TASK_ASSIGNED
    assert mail.subject == "تسک Home page به شما اختصاص داده شد"
    assert "Home page" in mail.html
    [notification] = assigned.notifications
    assert notification.text == mail.subject
    assert TASK_ASSIGNED in {event.name for event in assigned.events}


def test_a_second_drain_finds_nothing_new(tf: TaskFlow) -> None:
    _story(tf)
    again = drain(tf)
    assert (again.events, again.mails, again.notifications) == ([], [], [])


def test_drain_works_inside_a_running_event_loop(tf: TaskFlow) -> None:
    tf.auth.signup(email="ana@example.com", password=PASSWORD, name="Ana")

    async def an_async_test() -> Drained:
        return drain(tf)

    drained = asyncio.run(an_async_test())
    assert [mail.to for mail in drained.mails] == ["ana@example.com"]


def test_held_mails_go_when_the_clock_reaches_them() -> None:
    tf = make_test_taskflow()
    ana = tf.auth.signup(email="ana@example.com", password=PASSWORD, name="Ana").user
    tf.notifications.update_preferences(
        ana.id, quiet_hours_start="09:00", quiet_hours_end="11:00", timezone="UTC"
    )
    tf.auth.request_password_reset(email="ana@example.com")
    assert tf.clock.now().hour == 10
    assert drain(tf).mails == []  # quiet hours: held, not lost
    tf.clock.advance(hours=2)
    assert [mail.subject for mail in drain(tf).mails] == [
        "به TaskFlow خوش آمدید",
        "بازیابی رمز عبور",
    ]


def test_drain_needs_the_recording_mailer(tmp_path: Path) -> None:
    tf = make_test_taskflow(mailer=FileMailer(tmp_path))
    with pytest.raises(ConfigurationError, match="RecordingMailer"):
        drain(tf)


@pytest.mark.sqlite
def test_make_test_taskflow_runs_on_a_sql_database_too(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'host-tests.sqlite3'}"
    with make_test_taskflow(database_url=url) as tf:
        invited, _ = _story(tf)
        assert len(invited.mails_to("bob@example.com")) == 2
    with make_test_taskflow(database_url=url) as again:  # the same database, migrated once
        assert again.auth.login(email="bob@example.com", password=PASSWORD).user.name == "Bob"
