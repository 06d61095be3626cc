"""Issue 12, point 1: a one-time token (invite, email verification, password reset) is in
the mail, and nowhere in storage. Everything every backend stores (the outbox, the
delivery log, the notifications, the token hashes...) is read back after each flow, before
and after the mail is sent, and must not hold the raw token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from notifying import deliver, handle_last, text_of
from toolbox import texts

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import INVITE_CREATED, USER_PASSWORD_RESET, USER_VERIFY_EMAIL
from taskflow.testing import RecordingMailer, one_time_token

PASSWORD = "correct horse battery staple"


@pytest.fixture
def everything_stored(request: pytest.FixtureRequest, tf: TaskFlow) -> Callable[[], str]:
    """All the text the storage of ``tf`` holds right now, in every table or collection."""
    backend = getattr(request.node.callspec, "params", {}).get("tf", "memory")

    def read() -> str:
        if backend == "memory":
            store = tf.uow_factory.store  # type: ignore[attr-defined]
            return "\n".join(texts(store))
        from sqlalchemy import select  # noqa: PLC0415

        from taskflow.adapters.sqlalchemy.tables import metadata  # noqa: PLC0415

        databases = tf.uow_factory.databases  # type: ignore[attr-defined]
        rows = []
        for engine in databases.engines():
            with engine.connect() as connection:
                for table in metadata.sorted_tables:
                    rows.extend(str(tuple(row)) for row in connection.execute(select(table)))
        return "\n".join(rows)

    return read


@pytest.mark.parametrize("flow", ["invite", "verify", "reset"])
def test_no_one_time_token_is_stored_before_or_after_its_mail(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
    everything_stored: Callable[[], str],
    flow: str,
) -> None:
    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner")
    if flow == "invite":
        team = tf.teams.create(owner.user.id, name="Crew")
        tf.invites.create(owner.user.id, team.id, email="sara@example.com")
        name, recipient = INVITE_CREATED, "sara@example.com"
    elif flow == "verify":
        tf.auth.request_email_verification(owner.user.id)
        name, recipient = USER_VERIFY_EMAIL, "owner@example.com"
    else:
        tf.auth.request_password_reset(email="owner@example.com")
        name, recipient = USER_PASSWORD_RESET, "owner@example.com"
    token = one_time_token(tf, events.named(name)[-1])

    assert token not in everything_stored()  # the outbox holds the event, sealed
    handle_last(tf, events, name)
    assert token not in everything_stored()  # the pending delivery holds it sealed too
    assert deliver(tf) == 1
    [message] = mailer.to(recipient)
    assert f"?token={token}" in text_of(message)  # the mail, and only the mail, has it
    assert token not in everything_stored()
