"""Rendering notifications with Jinja2.

The templates ship in the package (``taskflow/notifications/templates``), one folder per
language and, inside it, one folder per notification type::

    fa/layout.html                      the HTML frame (lang="fa" dir="rtl")
    fa/task.assigned/subject.txt        the subject, and the in-app text
    fa/task.assigned/body.txt           the plain-text part
    fa/task.assigned/body.html          the HTML part (extends fa/layout.html)
    fa/task.assigned/push_title.txt     a push notification's title (push types only)
    fa/task.assigned/push_body.txt      its one-line text

A folder given as ``template_dir`` is searched first: put a file at the same relative
path there to override a shipped one for that language (``en/task.assigned/subject.txt``),
or at the path without the language folder to override it for every language
(``task.assigned/subject.txt``, ``layout.html``). For ``{lang}/{path}`` the search order
is: ``template_dir/{lang}/{path}``, ``template_dir/{path}``, the shipped
``{lang}/{path}``. HTML templates are autoescaped (a task title ``<script>`` arrives as
text); ``.txt`` templates are not, as plain text needs no escaping. An unknown variable is
an error, not an empty string. Every template gets ``app_name`` (``TASKFLOW_APP_NAME``)
and ``language``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from attrs import frozen

from taskflow.domain.notifications import DEFAULT_LANGUAGE, LANGUAGES, NotificationType

__all__ = ["RenderedMail", "RenderedPush", "TemplateError", "TemplateRenderer"]


class TemplateError(Exception):
    """A template is missing or broken (internal: the runner marks the delivery failed)."""


@frozen
class RenderedMail:
    subject: str
    text: str
    html: str


@frozen
class RenderedPush:
    title: str
    body: str


class _OverrideLoader(jinja2.BaseLoader):
    """``template_dir``: ``{lang}/{path}`` there, else ``{path}`` there (an override for
    every language)."""

    def __init__(self, template_dir: Path | str) -> None:
        self._files = jinja2.FileSystemLoader(str(template_dir))

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        try:
            return self._files.get_source(environment, template)
        except jinja2.TemplateNotFound:
            language, _, rest = template.partition("/")
            if language not in LANGUAGES or not rest:
                raise
            return self._files.get_source(environment, rest)


class TemplateRenderer:
    """Renders subject, plain text and HTML of a notification type in a language.
    ``app_name`` is the product's name the templates show; a language the templates do
    not have falls back to ``default_language``."""

    def __init__(
        self,
        template_dir: Path | str | None = None,
        *,
        app_name: str = "TaskFlow",
        default_language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self._default_language = default_language
        loaders: list[jinja2.BaseLoader] = []
        if template_dir is not None:
            loaders.append(_OverrideLoader(template_dir))
        loaders.append(jinja2.PackageLoader("taskflow.notifications", "templates"))
        self._env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html", "htm", "xml"),
                default_for_string=False,
                default=False,
            ),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._env.globals["app_name"] = app_name

    def subject(
        self, notification_type: NotificationType, language: str, context: Mapping[str, Any]
    ) -> str:
        """The subject line (also the in-app text): one line, spaces collapsed."""
        raw = self._render(notification_type, language, "subject.txt", context)
        return " ".join(raw.split())

    def mail(
        self, notification_type: NotificationType, language: str, context: Mapping[str, Any]
    ) -> RenderedMail:
        subject = self.subject(notification_type, language, context)
        full = {**context, "subject": subject}
        return RenderedMail(
            subject=subject,
            text=self._render(notification_type, language, "body.txt", full),
            html=self._render(notification_type, language, "body.html", full),
        )

    def push(
        self, notification_type: NotificationType, language: str, context: Mapping[str, Any]
    ) -> RenderedPush:
        """A push notification's title and text: one line each, spaces collapsed."""
        title = self._render(notification_type, language, "push_title.txt", context)
        body = self._render(notification_type, language, "push_body.txt", context)
        return RenderedPush(title=" ".join(title.split()), body=" ".join(body.split()))

    def _render(
        self,
        notification_type: NotificationType,
        language: str,
        part: str,
        context: Mapping[str, Any],
    ) -> str:
        language = language if language in LANGUAGES else self._default_language
        name = f"{language}/{notification_type.value}/{part}"
        try:
            return self._env.get_template(name).render({**context, "language": language})
        except jinja2.TemplateError as error:
            raise TemplateError(f"{name}: {error}") from error
