"""The shipped templates: the seed's exact Persian wording, English, RTL HTML, escaping,
and overriding any template from a folder of your own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from crew import Crew
from notifying import deliver, handle_last, html_of, subject, text_of

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import TASK_ASSIGNED
from taskflow.notifications import NotificationType, TemplateRenderer
from taskflow.notifications.templates import TemplateError
from taskflow.testing import RecordingMailer

CONTEXT: dict[str, Any] = {
    "recipient_name": "Sara",
    "title": "Report",
    "user": "Ali",
    "team": "Design",
    "due_date": "2024-02-10",
    "link": "https://app.example/x",
    "assigned_by": "Ali",
    "role": "member",
    "invited_by": "Ali",
    "token": "tok",
    "new_email": "new@example.com",
    "erase_on": "2024-02-17 10:00",
    "excerpt": "Looks good @Sara",
}

# The seed's section 7, word for word (README of the seed: the English meanings).
SEED_PERSIAN = {
    NotificationType.TASK_ASSIGNED: "تسک Report به شما اختصاص داده شد",
    NotificationType.TASK_COMPLETED: "Ali تسک Report را تکمیل کرد",
    NotificationType.TASK_DUE_SOON: "تسک Report فردا سررسید می\u200cشود",
    NotificationType.INVITE_CREATED: "به تیم Design دعوت شدید",
    NotificationType.USER_WELCOME: "به TaskFlow خوش آمدید",
}
ENGLISH = {
    NotificationType.TASK_ASSIGNED: "Task Report was assigned to you",
    NotificationType.TASK_COMPLETED: "Ali completed task Report",
    NotificationType.TASK_DUE_SOON: "Task Report is due tomorrow",
    NotificationType.INVITE_CREATED: "You were invited to team Design",
    NotificationType.USER_WELCOME: "Welcome to TaskFlow",
    NotificationType.COMMENT_ADDED: "Ali commented on task Report",
    NotificationType.COMMENT_MENTIONED: "Ali mentioned you on task Report",
    NotificationType.USER_DATA_EXPORT: "Your TaskFlow data export",
}
PERSIAN = {
    NotificationType.COMMENT_ADDED: "Ali روی تسک Report نظر داد",
    NotificationType.COMMENT_MENTIONED: "Ali در تسک Report از شما نام برد",
    NotificationType.USER_DATA_EXPORT: "خروجی داده‌های شما در TaskFlow",
}


@pytest.fixture
def renderer() -> TemplateRenderer:
    return TemplateRenderer()


@pytest.mark.parametrize("kind", list(SEED_PERSIAN))
def test_persian_subjects_are_the_seeds_wording(renderer: TemplateRenderer, kind: Any) -> None:
    assert renderer.subject(kind, "fa", CONTEXT) == SEED_PERSIAN[kind]


@pytest.mark.parametrize("kind", list(PERSIAN))
def test_persian_subjects_of_the_later_types(renderer: TemplateRenderer, kind: Any) -> None:
    assert renderer.subject(kind, "fa", CONTEXT) == PERSIAN[kind]


@pytest.mark.parametrize("kind", list(ENGLISH))
def test_english_subjects(renderer: TemplateRenderer, kind: Any) -> None:
    assert renderer.subject(kind, "en", CONTEXT) == ENGLISH[kind]


@pytest.mark.parametrize("kind", list(NotificationType))
@pytest.mark.parametrize("language", ["fa", "en"])
def test_every_type_has_subject_text_and_html_in_both_languages(
    renderer: TemplateRenderer, kind: NotificationType, language: str
) -> None:
    mail = renderer.mail(kind, language, CONTEXT)
    assert mail.subject
    assert "https://app.example/x" in mail.text
    assert 'href="https://app.example/x"' in mail.html


def test_persian_html_is_right_to_left_and_english_left_to_right(
    renderer: TemplateRenderer,
) -> None:
    persian = renderer.mail(NotificationType.TASK_ASSIGNED, "fa", CONTEXT).html
    english = renderer.mail(NotificationType.TASK_ASSIGNED, "en", CONTEXT).html
    assert '<html lang="fa" dir="rtl">' in persian
    assert '<html lang="en" dir="ltr">' in english


def test_an_unknown_language_falls_back_to_persian(renderer: TemplateRenderer) -> None:
    assert renderer.subject(NotificationType.USER_WELCOME, "de", CONTEXT) == "به TaskFlow خوش آمدید"


def test_html_is_escaped_and_plain_text_is_left_as_written(renderer: TemplateRenderer) -> None:
    context = {**CONTEXT, "title": "<script>alert(1)</script> & co"}
    mail = renderer.mail(NotificationType.TASK_ASSIGNED, "fa", context)
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in mail.html
    assert "<script>alert(1)</script> & co" in mail.text
    assert mail.subject == "تسک <script>alert(1)</script> & co به شما اختصاص داده شد"


def test_a_subject_is_one_line_whatever_the_title_holds(renderer: TemplateRenderer) -> None:
    context = {**CONTEXT, "title": "two\r\nBcc: someone@example.com"}
    subject = renderer.subject(NotificationType.TASK_ASSIGNED, "en", context)
    assert "\n" not in subject
    assert "\r" not in subject


def test_a_template_folder_overrides_only_what_it_holds(tmp_path: Path) -> None:
    folder = tmp_path / "fa" / "task.assigned"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("کار تازه: {{ title }}", encoding="utf-8")
    renderer = TemplateRenderer(tmp_path)
    mail = renderer.mail(NotificationType.TASK_ASSIGNED, "fa", CONTEXT)
    assert mail.subject == "کار تازه: Report"
    assert 'dir="rtl"' in mail.html  # the rest is still the shipped template
    assert renderer.subject(NotificationType.USER_WELCOME, "fa", CONTEXT) == "به TaskFlow خوش آمدید"


def test_an_overriding_html_template_is_autoescaped_too(tmp_path: Path) -> None:
    folder = tmp_path / "en" / "task.assigned"
    folder.mkdir(parents=True)
    (folder / "body.html").write_text("<p>{{ title }}</p>", encoding="utf-8")
    mail = TemplateRenderer(tmp_path).mail(
        NotificationType.TASK_ASSIGNED, "en", {**CONTEXT, "title": "<b>x</b>"}
    )
    assert mail.html == "<p>&lt;b&gt;x&lt;/b&gt;</p>"


def test_a_missing_variable_is_an_error_not_an_empty_hole(renderer: TemplateRenderer) -> None:
    context = {key: value for key, value in CONTEXT.items() if key != "title"}
    with pytest.raises(TemplateError, match="title"):
        renderer.mail(NotificationType.TASK_ASSIGNED, "fa", context)


def test_an_english_speaker_gets_english_mail_and_inbox(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    tf.notifications.update_preferences(crew.assignee, language="en")
    tf.tasks.create(crew.owner, crew.team_id, title="<script>x</script>", assignee_id=crew.assignee)
    handle_last(tf, events, TASK_ASSIGNED)
    assert deliver(tf) == 1
    [message] = mailer.messages
    assert subject(message) == "Task <script>x</script> was assigned to you"
    assert message["Content-Language"] == "en"
    assert "&lt;script&gt;x&lt;/script&gt;" in html_of(message)
    assert "<script>" not in html_of(message)
    assert "Hello Assignee," in text_of(message)
    assert [n.text for n in tf.notifications.list(crew.assignee).items] == [
        "Task <script>x</script> was assigned to you"
    ]


PUSH_TEXTS = {
    ("fa", NotificationType.TASK_ASSIGNED): ("تسک به شما اختصاص داده شد", "Report (از طرف Ali)"),
    ("en", NotificationType.TASK_ASSIGNED): ("Task assigned to you", "Report (from Ali)"),
    ("fa", NotificationType.TASK_COMPLETED): ("تسک تکمیل شد", "Ali تسک Report را تکمیل کرد"),
    ("en", NotificationType.TASK_COMPLETED): ("Task completed", "Ali completed Report"),
    ("fa", NotificationType.TASK_DUE_SOON): (
        "سررسید فردا",
        "تسک Report فردا سررسید می\u200cشود",
    ),
    ("en", NotificationType.TASK_DUE_SOON): ("Due tomorrow", "Task Report is due tomorrow"),
    ("fa", NotificationType.INVITE_CREATED): (
        "دعوت به تیم",
        "به تیم Design دعوت شدید (از طرف Ali)",
    ),
    ("en", NotificationType.INVITE_CREATED): (
        "Team invitation",
        "You were invited to team Design by Ali",
    ),
    ("fa", NotificationType.COMMENT_ADDED): ("نظر تازه روی Report", "Ali: Looks good @Sara"),
    ("en", NotificationType.COMMENT_ADDED): ("New comment on Report", "Ali: Looks good @Sara"),
    ("fa", NotificationType.COMMENT_MENTIONED): ("Ali از شما نام برد", "Report: Looks good @Sara"),
    ("en", NotificationType.COMMENT_MENTIONED): ("Ali mentioned you", "Report: Looks good @Sara"),
}


@pytest.mark.parametrize(("language", "kind"), list(PUSH_TEXTS))
def test_every_push_type_has_a_short_push_text_in_both_languages(
    renderer: TemplateRenderer, language: str, kind: NotificationType
) -> None:
    push = renderer.push(kind, language, CONTEXT)
    assert (push.title, push.body) == PUSH_TEXTS[language, kind]
    assert "tok" not in push.title + push.body


def test_the_push_types_are_those_with_push_texts() -> None:
    from taskflow.notifications.routing import PUSH_TYPES  # noqa: PLC0415

    assert set(PUSH_TYPES) == {kind for _, kind in PUSH_TEXTS}
