"""The Acme app: its pages, its login, its JSON API and its error handlers.

``create_app(config, db)`` is Acme as it was before taskflow. Given a ``TaskFlow`` built
with Acme's user directory, it also serves taskflow's API under ``/api`` in identity
mode: the user Acme's session cookie names is the user taskflow serves, and Acme's
``/invites/accept`` page is where taskflow's invite mails lead.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated
from urllib.parse import parse_qsl, quote

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from acme import pages
from acme.accounts import authenticate, set_language
from acme.config import AcmeConfig
from acme.models import Database, Project, User
from taskflow import TaskFlow, TaskflowError
from taskflow.adapters.fastapi import mount_taskflow, run_service

SESSION_COOKIE = "acme_session"
SESSION_USER = "user_id"


def logged_in_user_id(request: Request) -> int | None:
    """Acme's id of the user its session cookie names, or None. taskflow's resolver too:
    ``mount_taskflow(..., identity=logged_in_user_id)``."""
    user_id = request.session.get(SESSION_USER)
    return user_id if isinstance(user_id, int) else None


class ProjectIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class ProjectOut(BaseModel):
    id: int
    name: str


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of an HTML form (``application/x-www-form-urlencoded``), read with the
    standard library: FastAPI's ``Form()`` would need python-multipart for these two
    small forms."""
    if request.headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
        return {}
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace")))


def current_user(request: Request) -> User:
    """The logged-in user, or Acme's 401."""
    db: Database = request.app.state.db
    user_id = logged_in_user_id(request)
    with db.session() as session:
        user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise HTTPException(401, "Log in first.")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def _local(path: str | None) -> str:
    """A redirect target on this site only (no open redirect through ``next``)."""
    if not path or not path.startswith("/") or path.startswith("//"):
        return "/"
    return path


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def create_app(
    config: AcmeConfig,
    db: Database,
    tf: TaskFlow | None = None,
    *,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
) -> FastAPI:
    app = FastAPI(title="Acme Projects", lifespan=lifespan)
    app.add_middleware(
        SessionMiddleware,
        secret_key=config.secret_key,
        session_cookie=SESSION_COOKIE,
        same_site="lax",
        https_only=config.https_only,
    )
    app.state.db = db

    # --- Acme's own error bodies ---------------------------------------------------------

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404 and _wants_html(request):
            return HTMLResponse(pages.not_found_page(), status_code=404)
        return JSONResponse(
            {"message": error.detail, "status": error.status_code},
            status_code=error.status_code,
            headers=error.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> Response:
        fields = {".".join(map(str, e["loc"])): e["msg"] for e in error.errors()}
        return JSONResponse(
            {"message": "Some fields are not right.", "status": 422, "fields": fields},
            status_code=422,
        )

    # --- pages and login -----------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        user_id = logged_in_user_id(request)
        with db.session() as session:
            user = session.get(User, user_id) if user_id is not None else None
            if user is None:
                return HTMLResponse(pages.login_page())
            projects = session.scalars(
                sa.select(Project).where(Project.owner_id == user.id).order_by(Project.id)
            ).all()
        return HTMLResponse(pages.home_page(user, list(projects)))

    @app.get("/login", response_class=HTMLResponse)
    def login_form(next: str = "/") -> HTMLResponse:
        return HTMLResponse(pages.login_page(next_path=_local(next)))

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await form_fields(request)
        next_path = _local(form.get("next"))
        user = await run_in_threadpool(
            authenticate, db, form.get("email", ""), form.get("password", "")
        )
        if user is None:
            page = pages.login_page("Wrong email or password.", next_path)
            return HTMLResponse(page, status_code=401)
        request.session.clear()
        request.session[SESSION_USER] = user.id
        return RedirectResponse(next_path, status_code=303)

    @app.post("/profile")
    async def update_profile(request: Request) -> Response:
        language = (await form_fields(request)).get("language", "")
        if language not in pages.LANGUAGES:
            raise HTTPException(422, "Choose en or fa.")
        user: User = await run_in_threadpool(current_user, request)
        await run_in_threadpool(set_language, db, user.id, language)
        if tf is not None:  # taskflow keeps a copy of the name, email and language
            await run_in_threadpool(tf.identities.refresh, user.id)
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    def logout(request: Request) -> RedirectResponse:
        request.session.clear()
        return RedirectResponse("/", status_code=303)

    # --- Acme's JSON API -----------------------------------------------------------------

    @app.get("/projects")
    def list_projects(user: CurrentUser) -> list[ProjectOut]:
        with db.session() as session:
            rows = session.scalars(
                sa.select(Project).where(Project.owner_id == user.id).order_by(Project.id)
            )
            return [ProjectOut(id=p.id, name=p.name) for p in rows]

    @app.post("/projects", status_code=201)
    def create_project(body: ProjectIn, user: CurrentUser) -> ProjectOut:
        with db.session() as session:
            project = Project(owner_id=user.id, name=body.name)
            session.add(project)
            session.commit()
            return ProjectOut(id=project.id, name=project.name)

    @app.get("/projects/{project_id}")
    def get_project(project_id: int, user: CurrentUser) -> ProjectOut:
        with db.session() as session:
            project = session.get(Project, project_id)
        if project is None or project.owner_id != user.id:
            raise HTTPException(404, "No such project.")
        return ProjectOut(id=project.id, name=project.name)

    if tf is not None:
        _add_taskflow(app, tf)
    return app


def _add_taskflow(app: FastAPI, tf: TaskFlow) -> None:
    """taskflow's API under /api for Acme's logged-in users, and the page its invite
    mails link to (``TASKFLOW_APP_URL`` + ``/invites/accept?token=...``)."""
    mount_taskflow(app, tf, prefix="/api", identity=logged_in_user_id)

    @app.get("/invites/accept", response_class=HTMLResponse)
    def invite(request: Request, token: str = "") -> Response:
        if logged_in_user_id(request) is None:
            here = quote(f"/invites/accept?token={token}", safe="")
            return RedirectResponse(f"/login?next={here}", status_code=303)
        return HTMLResponse(pages.invite_page(token))

    @app.post("/invites/accept")
    async def accept_invite(request: Request) -> Response:
        token = (await form_fields(request)).get("token", "")
        user: User = await run_in_threadpool(current_user, request)
        try:
            actor = await run_service(request, tf.identities.user_id_for, user.id)
            await run_service(request, tf.invites.accept, actor, token=token)
        except TaskflowError as error:
            return HTMLResponse(pages.invite_page(token, error.message), status_code=error.status)
        return RedirectResponse("/", status_code=303)
