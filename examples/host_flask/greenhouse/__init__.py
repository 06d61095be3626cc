"""Greenhouse: an existing Flask app (its own users, login, plants, error handlers and
pages) that embeds taskflow in identity mode. See ../README.md.

``create_app(config, db)`` is Greenhouse as it was before taskflow. Given a ``TaskFlow``
built with Greenhouse's user directory, it also serves taskflow's API under ``/api``:
the user Greenhouse's session cookie names is the user taskflow serves, and Greenhouse's
``/invites/accept`` page is where taskflow's invite mails lead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar

import click
import sqlalchemy as sa
from flask import Flask, g, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, Unauthorized

from greenhouse.accounts import add_user, authenticate, set_locale
from greenhouse.models import Database, Plant, User
from taskflow import TaskFlow, TaskflowError
from taskflow.adapters.flask import TaskFlowExtension

__all__ = ["create_app", "logged_in_user_id"]

LOCALES = {"en": "English", "fa": "فارسی"}
View = TypeVar("View", bound=Callable[..., Any])


def logged_in_user_id() -> int | None:
    """Greenhouse's id of the user its session cookie names, or None. taskflow's
    resolver too: ``TaskFlowExtension(..., identity=logged_in_user_id)``."""
    user_id = session.get("user_id")
    return user_id if isinstance(user_id, int) else None


def login_required(view: View) -> View:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.user is None:
            raise Unauthorized("Log in first.")
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


class InvalidFields(Exception):
    """A request body Greenhouse refuses: 422 with each field at fault."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__("invalid fields")
        self.fields = dict(fields)


def _local(path: str | None) -> str:
    """A redirect target on this site only (no open redirect through ``next``)."""
    if not path or not path.startswith("/") or path.startswith("//"):
        return "/"
    return path


def _plant_fields(body: Any) -> tuple[str, int]:
    if not isinstance(body, dict):
        raise InvalidFields({"body": "a JSON object is expected"})
    name, days = body.get("name"), body.get("water_every_days", 7)
    problems = {}
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 80:
        problems["name"] = "1 to 80 characters"
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        problems["water_every_days"] = "a whole number of days, 1 to 365"
    if problems:
        raise InvalidFields(problems)
    return name, days


def _plant_out(plant: Plant) -> dict[str, Any]:
    return {"id": plant.id, "name": plant.name, "water_every_days": plant.water_every_days}


def create_app(config: Mapping[str, Any], db: Database, tf: TaskFlow | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(SESSION_COOKIE_NAME="greenhouse_session", SESSION_COOKIE_SAMESITE="Lax")
    app.config.update(config)

    # --- Greenhouse's own error bodies ---------------------------------------------------

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        if status == 404 and request.accept_mimetypes.accept_html:
            return render_template("not_found.html"), 404
        return jsonify(problem=error.description, status=status), status

    @app.errorhandler(InvalidFields)
    def invalid_fields(error: InvalidFields) -> ResponseReturnValue:
        return jsonify(problem="Some fields are not right.", status=422, fields=error.fields), 422

    # --- who is logged in ----------------------------------------------------------------

    @app.before_request
    def load_user() -> None:
        user_id = logged_in_user_id()
        with db.session() as db_session:
            g.user = db_session.get(User, user_id) if user_id is not None else None

    # --- pages and login -----------------------------------------------------------------

    @app.get("/")
    def home() -> ResponseReturnValue:
        if g.user is None:
            return render_template("login.html", next_path="/")
        with db.session() as db_session:
            plants = db_session.scalars(
                sa.select(Plant).where(Plant.keeper_id == g.user.id).order_by(Plant.id)
            ).all()
        return render_template("home.html", user=g.user, plants=plants, locales=LOCALES)

    @app.post("/settings")
    @login_required
    def update_settings() -> ResponseReturnValue:
        locale = request.form.get("locale", "")
        if locale not in LOCALES:
            raise InvalidFields({"locale": "en or fa"})
        set_locale(db, g.user.id, locale)
        if tf is not None:  # taskflow keeps a copy of the name, email and language
            tf.identities.refresh(g.user.id)
        return redirect("/", code=303)

    @app.get("/login")
    def login_form() -> ResponseReturnValue:
        return render_template("login.html", next_path=_local(request.args.get("next")))

    @app.post("/login")
    def login() -> ResponseReturnValue:
        next_path = _local(request.form.get("next"))
        user = authenticate(db, request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            page = render_template(
                "login.html", next_path=next_path, error="Wrong username or password."
            )
            return page, 401
        session.clear()
        session["user_id"] = user.id
        return redirect(next_path, code=303)

    @app.post("/logout")
    def logout() -> ResponseReturnValue:
        session.clear()
        return redirect("/", code=303)

    # --- Greenhouse's JSON API -----------------------------------------------------------

    @app.get("/plants")
    @login_required
    def list_plants() -> ResponseReturnValue:
        with db.session() as db_session:
            plants = db_session.scalars(
                sa.select(Plant).where(Plant.keeper_id == g.user.id).order_by(Plant.id)
            )
            return jsonify([_plant_out(plant) for plant in plants])

    @app.post("/plants")
    @login_required
    def add_plant() -> ResponseReturnValue:
        name, days = _plant_fields(request.get_json())
        with db.session() as db_session:
            plant = Plant(keeper_id=g.user.id, name=name, water_every_days=days)
            db_session.add(plant)
            db_session.commit()
            return jsonify(_plant_out(plant)), 201

    @app.get("/plants/<int:plant_id>")
    @login_required
    def get_plant(plant_id: int) -> ResponseReturnValue:
        with db.session() as db_session:
            plant = db_session.get(Plant, plant_id)
        if plant is None or plant.keeper_id != g.user.id:
            return jsonify(problem="No such plant.", status=404), 404
        return jsonify(_plant_out(plant))

    # --- the command line: flask add-user ------------------------------------------------

    @app.cli.command("add-user")
    @click.argument("username")
    @click.argument("email")
    @click.argument("display_name")
    @click.option("--locale", default="en", help="fa or en")
    @click.password_option()
    def add_user_command(
        username: str, email: str, display_name: str, locale: str, password: str
    ) -> None:
        """Add a user who can log in."""
        user = add_user(
            db,
            username=username,
            email=email,
            display_name=display_name,
            password=password,
            locale=locale,
        )
        click.echo(f"added user {user.id}: {user.username}")

    if tf is not None:
        _add_taskflow(app, tf)
    return app


def _add_taskflow(app: Flask, tf: TaskFlow) -> None:
    """taskflow's API under /api for Greenhouse's logged-in users, and the page its
    invite mails link to (``TASKFLOW_APP_URL`` + ``/invites/accept?token=...``)."""
    TaskFlowExtension(app, tf, url_prefix="/api", identity=logged_in_user_id)

    @app.get("/invites/accept")
    def invite() -> ResponseReturnValue:
        token = request.args.get("token", "")
        if g.user is None:
            return redirect(url_for("login_form", next=request.full_path), code=303)
        return render_template("invite.html", token=token)

    @app.post("/invites/accept")
    @login_required
    def accept_invite() -> ResponseReturnValue:
        token = request.form.get("token", "")
        try:
            tf.invites.accept(tf.identities.user_id_for(g.user.id), token=token)
        except TaskflowError as error:
            return render_template("invite.html", token=token, error=error.message), error.status
        return redirect("/", code=303)
