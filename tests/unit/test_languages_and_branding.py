"""Each user's language comes from sign-up (``language``), else the configured default
(``TASKFLOW_DEFAULT_LANGUAGE``); the product's name (``TASKFLOW_APP_NAME``) is in every
template; overrides work for every language; the links' paths are settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from notifying import deliver, handle_last, html_of, subject, text_of

from taskflow import ConfigurationError, InvalidInput, TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.domain.notifications import NotificationType
from taskflow.events import INVITE_CREATED, TASK_ASSIGNED, USER_PASSWORD_RESET, USER_SIGNUP
from taskflow.notifications import NotificationConfig, TemplateRenderer
from taskflow.settings import Settings
from taskflow.testing import RecordingMailer, make_test_taskflow, one_time_token

PASSWORD = "correct horse battery staple"


def test_the_language_given_at_signup_is_the_users(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer
) -> None:
    user_id = tf.auth.signup(
        email="sara@example.com", password=PASSWORD, name="Sara", language="en"
    ).user.id
    assert tf.notifications.get_preferences(user_id).language == "en"
    handle_last(tf, events, USER_SIGNUP)
    assert deliver(tf) == 1
    [welcome] = mailer.messages
    assert subject(welcome) == "Welcome to TaskFlow"
    assert welcome["Content-Language"] == "en"


def test_without_a_language_the_seeds_persian_is_the_default(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer
) -> None:
    user_id = tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara").user.id
    assert tf.notifications.get_preferences(user_id).language == "fa"
    handle_last(tf, events, USER_SIGNUP)
    deliver(tf)
    assert subject(mailer.messages[-1]) == "به TaskFlow خوش آمدید"


def test_an_unsupported_language_at_signup_is_refused(tf: TaskFlow) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara", language="de")
    assert [field["field"] for field in caught.value.errors] == ["language"]
    assert caught.value.status == 400


def test_the_configured_default_language_applies_to_who_chose_none() -> None:
    events = RecordingEventPublisher()
    mailer = RecordingMailer()
    tf = make_test_taskflow(
        publisher=events,
        mailer=mailer,
        notification_config=NotificationConfig(default_language="en"),
    )
    quiet = tf.auth.signup(email="a@example.com", password=PASSWORD, name="A").user.id
    persian = tf.auth.signup(
        email="b@example.com", password=PASSWORD, name="B", language="fa"
    ).user.id
    assert tf.notifications.get_preferences(quiet).language == "en"
    assert tf.notifications.get_preferences(persian).language == "fa"
    for event in events.named(USER_SIGNUP):
        tf.notifications.handle_event(event)
    deliver(tf)
    assert [subject(m) for m in mailer.to("a@example.com")] == ["Welcome to TaskFlow"]
    assert [subject(m) for m in mailer.to("b@example.com")] == ["به TaskFlow خوش آمدید"]


def test_an_invitee_without_an_account_reads_the_default_language() -> None:
    events = RecordingEventPublisher()
    mailer = RecordingMailer()
    tf = make_test_taskflow(
        publisher=events,
        mailer=mailer,
        notification_config=NotificationConfig(default_language="en"),
    )
    owner = tf.auth.signup(email="o@example.com", password=PASSWORD, name="O").user.id
    team = tf.teams.create(owner, name="Design")
    tf.invites.create(owner, team.id, email="new@example.com")
    handle_last(tf, events, INVITE_CREATED)
    deliver(tf)
    assert [subject(m) for m in mailer.to("new@example.com")] == ["You were invited to team Design"]


def test_the_app_name_is_in_every_mail_of_every_language() -> None:
    events = RecordingEventPublisher()
    mailer = RecordingMailer()
    tf = make_test_taskflow(
        publisher=events, mailer=mailer, notification_config=NotificationConfig(app_name="Acme")
    )
    for email, language in (("en@example.com", "en"), ("fa@example.com", "fa")):
        tf.auth.signup(email=email, password=PASSWORD, name="N", language=language)
    for event in events.named(USER_SIGNUP):
        tf.notifications.handle_event(event)
    deliver(tf)
    assert len(mailer.messages) == 2
    for message in mailer.messages:
        assert "TaskFlow" not in subject(message) + text_of(message) + html_of(message)
        assert "Acme" in subject(message)
        assert text_of(message).rstrip().endswith("Acme")  # the signature
        assert "Acme</p>" in html_of(message)  # the layout's footer


def test_every_shipped_template_renders_the_app_name_escaped() -> None:
    renderer = TemplateRenderer(app_name="<Acme & Co>")
    context = {
        "recipient_name": "N",
        "link": "https://app.example.com/x",
        "title": "T",
        "task_id": "1",
        "team_id": "2",
        "due_date": "2024-02-02",
        "assigned_by": "A",
        "user": "U",
        "team": "Design",
        "role": "member",
        "invited_by": "I",
        "token": "t",
        "new_email": "new@example.com",
        "erase_on": "2024-02-09 10:00",
        "excerpt": "E",
    }
    for kind in NotificationType:
        for language in ("fa", "en"):
            mail = renderer.mail(kind, language, context)
            assert "TaskFlow" not in mail.subject + mail.text + mail.html
            assert "&lt;Acme &amp; Co&gt;" in mail.html
            assert "<Acme & Co>" in mail.text


def test_an_override_without_a_language_folder_applies_to_every_language(
    tmp_path: Path,
) -> None:
    (tmp_path / "task.assigned").mkdir()
    (tmp_path / "task.assigned" / "subject.txt").write_text("New: {{ title }}", "utf-8")
    (tmp_path / "en" / "task.assigned").mkdir(parents=True)
    (tmp_path / "en" / "task.assigned" / "body.txt").write_text("EN body {{ link }}", "utf-8")
    (tmp_path / "layout.html").write_text(
        '<html lang="{{ language }}">{% block content %}{% endblock %}'
        "<footer>{{ app_name }}</footer></html>",
        "utf-8",
    )
    renderer = TemplateRenderer(tmp_path, app_name="Acme")
    context = {"title": "Report", "recipient_name": "S", "link": "https://x/t", "due_date": None}
    english = renderer.mail(NotificationType.TASK_ASSIGNED, "en", context)
    persian = renderer.mail(NotificationType.TASK_ASSIGNED, "fa", context)
    assert english.subject == persian.subject == "New: Report"
    assert english.text == "EN body https://x/t"
    assert persian.text.startswith("سلام S")  # the shipped Persian body: not overridden
    # The shipped bodies extend "<lang>/layout.html": the override for every language wins.
    assert english.html.startswith('<html lang="en">')
    assert persian.html.startswith('<html lang="fa">')
    assert english.html.endswith("<footer>Acme</footer></html>")


def test_a_language_specific_override_wins_over_the_one_for_every_language(
    tmp_path: Path,
) -> None:
    for folder, text in ((tmp_path, "all"), (tmp_path / "en", "english")):
        (folder / "invite.created").mkdir(parents=True)
        (folder / "invite.created" / "subject.txt").write_text(text, "utf-8")
    renderer = TemplateRenderer(tmp_path)
    context = {"team": "T"}
    assert renderer.subject(NotificationType.INVITE_CREATED, "en", context) == "english"
    assert renderer.subject(NotificationType.INVITE_CREATED, "fa", context) == "all"


def test_the_link_paths_are_settings() -> None:
    events = RecordingEventPublisher()
    mailer = RecordingMailer()
    config = NotificationConfig(
        app_url="https://app.example.com/",
        invite_path="/join",
        reset_password_path="/#/password/new",
        task_path="/board/{id}/open",
    )
    tf = make_test_taskflow(publisher=events, mailer=mailer, notification_config=config)
    owner = tf.auth.signup(email="o@example.com", password=PASSWORD, name="O", language="en")
    tf.auth.signup(email="s@example.com", password=PASSWORD, name="S", language="en")
    team = tf.teams.create(owner.user.id, name="T")
    tf.invites.create(owner.user.id, team.id, email="new@example.com")
    tf.auth.request_password_reset(email="s@example.com")
    handle_last(tf, events, INVITE_CREATED)
    handle_last(tf, events, USER_PASSWORD_RESET)
    deliver(tf)
    [invite] = mailer.to("new@example.com")
    assert "https://app.example.com/join?token=" in text_of(invite)
    [reset] = mailer.to("s@example.com")
    assert "https://app.example.com/#/password/new?token=" in text_of(reset)


def test_the_task_link_path_is_a_setting() -> None:
    events = RecordingEventPublisher()
    mailer = RecordingMailer()
    config = NotificationConfig(app_url="https://app.example.com", task_path="/board/{id}/open")
    tf = make_test_taskflow(publisher=events, mailer=mailer, notification_config=config)
    owner = tf.auth.signup(email="o@example.com", password=PASSWORD, name="O").user.id
    bob = tf.auth.signup(email="b@example.com", password=PASSWORD, name="B").user.id
    team = tf.teams.create(owner, name="T")
    tf.invites.create(owner, team.id, email="b@example.com")
    tf.invites.accept(bob, token=one_time_token(tf, events.named(INVITE_CREATED)[-1]))
    task = tf.tasks.create(owner, team.id, title="Report", assignee_id=bob)
    handle_last(tf, events, TASK_ASSIGNED)
    deliver(tf)
    [assigned] = mailer.to("b@example.com")
    assert f"https://app.example.com/board/{task.id}/open" in text_of(assigned)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("invite_path", "join"),  # no leading /
        ("invite_path", "/join?x=1"),  # the token is appended with ?
        ("verify_email_path", "/a b"),
        ("task_path", "/tasks"),  # no {id}
    ],
)
def test_a_bad_link_path_is_refused(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=r"path|id"):
        NotificationConfig(**{field: value})


def test_the_settings_become_the_notification_config() -> None:
    settings = Settings(
        app_name="Acme",
        default_language="en",
        app_url="https://app.example.com",
        invite_link_path="/join",
        verify_email_link_path="/verify",
        reset_password_link_path="/reset",
        task_link_path="/t/{id}",
        _env_file=None,
    )
    config = settings.notification_config()
    assert (config.app_name, config.default_language, config.app_url) == (
        "Acme",
        "en",
        "https://app.example.com",
    )
    assert (
        config.invite_path,
        config.verify_email_path,
        config.reset_password_path,
        config.task_path,
    ) == ("/join", "/verify", "/reset", "/t/{id}")
    assert config.mail_from == "Acme <no-reply@localhost>"  # SMTP_FROM unset


def test_settings_refuse_a_language_they_do_not_have() -> None:
    with pytest.raises(ConfigurationError, match="TASKFLOW_DEFAULT_LANGUAGE"):
        Settings(default_language="de", _env_file=None)
    with pytest.raises(ConfigurationError, match="TASKFLOW_TASK_LINK_PATH"):
        Settings(task_link_path="/tasks", _env_file=None)
