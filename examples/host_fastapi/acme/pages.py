"""Acme's HTML, small enough to need no template engine."""

from __future__ import annotations

from html import escape

from acme.models import Project, User


def page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} · Acme</title>'
        "</head>\n"
        f"<body><h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )


def login_page(error: str | None = None, next_path: str = "/") -> str:
    problem = f'<p role="alert">{escape(error)}</p>' if error else ""
    return page(
        "Log in",
        f"{problem}"
        '<form method="post" action="/login">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        '<label>Email <input name="email" type="email" required></label> '
        '<label>Password <input name="password" type="password" required></label> '
        "<button>Log in</button></form>",
    )


LANGUAGES = {"en": "English", "fa": "فارسی"}


def home_page(user: User, projects: list[Project]) -> str:
    items = "".join(f"<li>{escape(project.name)}</li>" for project in projects)
    options = "".join(
        f'<option value="{code}"{" selected" if code == user.language else ""}>{name}</option>'
        for code, name in LANGUAGES.items()
    )
    return page(
        f"Hello, {user.name}",
        f"<ul>{items}</ul>"
        f'<form method="post" action="/profile"><select name="language">{options}</select>'
        "<button>Save</button></form>"
        '<form method="post" action="/logout"><button>Log out</button></form>',
    )


def not_found_page() -> str:
    return page("Not found", "<p>There is no such page at Acme.</p>")


def invite_page(token: str, error: str | None = None) -> str:
    problem = f'<p role="alert">{escape(error)}</p>' if error else ""
    return page(
        "Join the team",
        f"{problem}"
        '<form method="post" action="/invites/accept">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        "<button>Join</button></form>",
    )
