"""Accounts and tokens (the seed's /auth/* endpoints), sessions, email verification,
password reset and change, and the invite endpoints the seed puts under /auth."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Cookie, Depends, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from taskflow.adapters.fastapi.dependencies import (
    CurrentPrincipal,
    TaskFlowDep,
    auth_rate_limit,
    awaited_host_user,
    bearer_credentials,
    bearer_scheme,
    bearer_token,
    error_responses,
    get_runtime,
    in_service_thread,
    principal_of,
    rate_limit,
)
from taskflow.adapters.fastapi.responses import JSONBytesResponse
from taskflow.adapters.fastapi.routing import TaskflowRoute, operation_id
from taskflow.adapters.web.cookies import (
    CSRF_HEADER,
    REFRESH_COOKIE,
    check_csrf,
    cleared_cookies,
    cookie_is_secure,
    refresh_cookie_path,
    session_cookies,
)
from taskflow.adapters.web.languages import preferred_language
from taskflow.adapters.web.schemas import (
    AcceptInviteIn,
    CookieLoginOut,
    DataExportOut,
    DeletionIn,
    DeletionOut,
    EmailChangeIn,
    EmailIn,
    EndedSessionsOut,
    InviteIn,
    InviteOut,
    LoginIn,
    LoginOut,
    PageOut,
    PasswordChangeIn,
    PasswordResetIn,
    ProfileIn,
    ProfileOut,
    RefreshIn,
    SessionOut,
    SignupIn,
    SignupOut,
    TeamOut,
    TokenIn,
    UserWithTeamsOut,
    page_of,
)
from taskflow.adapters.web.serializers import (
    cookie_login_out,
    invite_out,
    login_out,
    profile_out,
    session_out,
    signup_out,
    user_with_teams_out,
)
from taskflow.bootstrap import TaskFlow
from taskflow.domain.host_users import HostUserId

__all__ = ["identity_router", "router"]

router = APIRouter(
    tags=["auth"], route_class=TaskflowRoute, generate_unique_id_function=operation_id
)
"""The auth area: ``/auth/me``, the account routes and the invite routes."""
identity_router = APIRouter(
    tags=["auth"], route_class=TaskflowRoute, generate_unique_id_function=operation_id
)
"""The auth area in identity mode (the host owns accounts, logins and sessions):
``/auth/me`` and the invite routes."""
_me_alone = APIRouter(route_class=TaskflowRoute, generate_unique_id_function=operation_id)
"""``/auth/me`` alone: it applies the general rate limit itself."""
_limited = APIRouter(
    dependencies=[Depends(rate_limit)],
    route_class=TaskflowRoute,
    generate_unique_id_function=operation_id,
)
"""The account routes, with the general rate limit as a dependency."""
_invites = APIRouter(
    dependencies=[Depends(rate_limit)],
    route_class=TaskflowRoute,
    generate_unique_id_function=operation_id,
)
"""The invite routes, with the general rate limit as a dependency."""
_strict = [Depends(auth_rate_limit)]


@_limited.post(
    "/auth/signup",
    status_code=201,
    dependencies=_strict,
    responses=error_responses(400, 409, 413),
)
def signup(
    body: SignupIn,
    tf: TaskFlowDep,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> SignupOut:
    """Create an account; answers with a first access token and refresh token. The
    user's language is ``language``, else the request's ``Accept-Language``."""
    language = body.language or preferred_language(accept_language)
    return signup_out(
        tf.auth.signup(email=body.email, password=body.password, name=body.name, language=language)
    )


@_limited.post("/auth/login", dependencies=_strict, responses=error_responses(400, 401, 413, 423))
def login(body: LoginIn, tf: TaskFlowDep) -> LoginOut:
    """Exchange email and password for an access token and a refresh token (a new
    session). Repeated failures lock the account for a while (423)."""
    return login_out(tf.auth.login(email=body.email, password=body.password))


@_limited.post("/auth/refresh", dependencies=_strict, responses=error_responses(400, 401, 413))
def refresh(body: RefreshIn, tf: TaskFlowDep) -> LoginOut:
    """Exchange a refresh token for a new access token and refresh token (rotation: the
    old refresh token stops working; reusing it ends the session, 401)."""
    return login_out(tf.auth.refresh(body.refresh_token))


@_limited.post(
    "/auth/logout", status_code=204, response_class=Response, responses=error_responses(401)
)
def logout(
    _principal: CurrentPrincipal,
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer_credentials)],
    tf: TaskFlowDep,
) -> None:
    """Revoke this access token and end its session."""
    tf.auth.logout(credentials.credentials)


def _cookie_secure(request: Request) -> bool:
    runtime = get_runtime(request)
    peer = request.client.host if request.client else None
    https = runtime.is_https(request.url.scheme, peer, request.headers.get("x-forwarded-proto"))
    return cookie_is_secure(https=https, host=request.headers.get("host"))


def _hand_over_session(request: Request, response: Response, tf: TaskFlow, refresh: str) -> None:
    max_age = int(tf.auth_config.refresh_token_ttl.total_seconds())
    for cookie in session_cookies(
        refresh,
        path=refresh_cookie_path(request.url.path),
        max_age=max_age,
        secure=_cookie_secure(request),
    ):
        response.headers.append("Set-Cookie", cookie)


@_limited.post(
    "/auth/cookie/login", dependencies=_strict, responses=error_responses(400, 401, 413, 423)
)
def cookie_login(
    body: LoginIn, request: Request, response: Response, tf: TaskFlowDep
) -> CookieLoginOut:
    """The web client's login: the access token in the body, the refresh token in an
    httpOnly ``SameSite=Strict`` cookie scoped to ``/auth/cookie/refresh``, and its CSRF
    token in the readable ``taskflow_csrf`` cookie."""
    result = tf.auth.login(email=body.email, password=body.password)
    _hand_over_session(request, response, tf, result.refresh_token)
    return cookie_login_out(result)


@_limited.post(
    "/auth/cookie/refresh", dependencies=_strict, responses=error_responses(400, 401, 403)
)
def cookie_refresh(
    request: Request,
    response: Response,
    tf: TaskFlowDep,
    refresh_cookie: Annotated[str | None, Cookie(alias=REFRESH_COOKIE)] = None,
    csrf_token: Annotated[
        str | None,
        Header(
            alias=CSRF_HEADER,
            description="The value of the taskflow_csrf cookie; without it, 403 csrf_failed.",
        ),
    ] = None,
) -> CookieLoginOut:
    """The web client's refresh: rotates the cookie's refresh token (as
    ``POST /auth/refresh`` does) and answers a new access token."""
    result = tf.auth.refresh(check_csrf(refresh_cookie, csrf_token))
    _hand_over_session(request, response, tf, result.refresh_token)
    return cookie_login_out(result)


@_limited.post(
    "/auth/cookie/logout",
    status_code=204,
    response_class=Response,
    responses=error_responses(401),
)
def cookie_logout(
    _principal: CurrentPrincipal,
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer_credentials)],
    request: Request,
    response: Response,
    tf: TaskFlowDep,
) -> None:
    """The web client's logout: ends the session and clears its cookies."""
    tf.auth.logout(credentials.credentials)
    path = refresh_cookie_path(request.url.path)
    for cookie in cleared_cookies(path=path, secure=_cookie_secure(request)):
        response.headers.append("Set-Cookie", cookie)


@_me_alone.get(
    "/auth/me",
    operation_id="getMe",
    response_model=UserWithTeamsOut,
    response_class=JSONBytesResponse,
    responses=error_responses(401, 404),
    openapi_extra={"security": [{bearer_scheme.scheme_name: []}]},
)
async def me(request: Request) -> Response:
    """The caller's account and teams."""
    # The busiest endpoint, with no FastAPI dependency at all (resolving them costs on
    # every request): the general rate limit and the bearer token are read here, in the
    # order the other routes' dependencies have them (429 before 401); the security
    # requirement is declared as bearer_scheme would declare it. The token check and
    # the read go in ONE hop to the service threads.
    await rate_limit(request)
    runtime = get_runtime(request)
    if runtime.identity is not None:
        host_user_id = await awaited_host_user(request)
        return await in_service_thread(request, _hosted_me, request, host_user_id)
    token = bearer_token(request)
    return await in_service_thread(request, _me, runtime.tf, token)


def _hosted_me(request: Request, awaited_host_user_id: HostUserId | None) -> Response:
    principal = principal_of(request, None, awaited_host_user_id)
    profile = get_runtime(request).tf.auth.me(principal.user_id)
    return JSONBytesResponse(user_with_teams_out(profile).model_dump_json().encode())


def _me(tf: TaskFlow, token: str) -> Response:
    _principal, profile = tf.auth.me_for_token(token)  # one statement on SQL storage
    # Serialized here, by pydantic, straight to JSON bytes: returned as the model, FastAPI
    # would validate it again and encode it through Python objects (response_model above
    # keeps the OpenAPI document the same; a test compares the body with the model).
    return JSONBytesResponse(user_with_teams_out(profile).model_dump_json().encode())


@_limited.patch("/auth/me", responses=error_responses(400, 401, 404, 413))
def update_profile(body: ProfileIn, principal: CurrentPrincipal, tf: TaskFlowDep) -> ProfileOut:
    """Change the caller's name, language or time zone: only the fields sent (each
    validated as at sign-up). Answers the profile with its language and time zone."""
    return profile_out(tf.auth.update_profile(principal.user_id, **body.changes()))


@_limited.get("/auth/me/invites", operation_id="listMyInvites", responses=error_responses(401, 404))
def my_invites(principal: CurrentPrincipal, tf: TaskFlowDep) -> PageOut[InviteOut]:
    """The invites waiting for the caller's address (any team), newest first."""
    return page_of(tf.invites.list_mine(principal.user_id), invite_out)


@_limited.post(
    "/auth/email-change",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 404, 409, 413, 423),
)
def request_email_change(body: EmailChangeIn, principal: CurrentPrincipal, tf: TaskFlowDep) -> None:
    """Move the account to ``new_email``, proven by the password: a confirmation link is
    mailed there. Until it is followed, nothing changes; then the old address is told
    (with a link that undoes the change) and the other sessions end."""
    tf.auth.request_email_change(
        principal.user_id,
        password=body.password,
        new_email=body.new_email,
        session_id=principal.session_id,
    )


@_limited.post(
    "/auth/email-change/confirm",
    status_code=204,
    response_class=Response,
    dependencies=_strict,
    responses=error_responses(400, 409, 410, 413),
)
def confirm_email_change(body: TokenIn, tf: TaskFlowDep) -> None:
    """Public: complete an email change with the token mailed to the new address (409:
    another account has taken the address meanwhile)."""
    tf.auth.confirm_email_change(body.token)


@_limited.post(
    "/auth/email-change/undo",
    status_code=204,
    response_class=Response,
    dependencies=_strict,
    responses=error_responses(400, 409, 410, 413),
)
def undo_email_change(body: TokenIn, tf: TaskFlowDep) -> None:
    """Public: put the account back at its previous address with the token mailed there;
    every session ends."""
    tf.auth.undo_email_change(body.token)


@_limited.post(
    "/auth/deletion",
    operation_id="requestAccountDeletion",
    status_code=202,
    responses=error_responses(400, 401, 404, 409, 413, 423),
)
def request_deletion(body: DeletionIn, principal: CurrentPrincipal, tf: TaskFlowDep) -> DeletionOut:
    """Delete the caller's account, proven by the password: every session ends, and the
    account is erased at ``deletion_due_at`` unless a login comes first. 409
    ``owner_must_transfer`` (naming the ``teams``) while the caller owns a team."""
    due_at = tf.auth.request_deletion(principal.user_id, password=body.password)
    return DeletionOut(deletion_due_at=due_at)


@_invites.post(
    "/auth/invite", status_code=201, responses=error_responses(400, 401, 403, 404, 409, 413)
)
def create_invite(body: InviteIn, principal: CurrentPrincipal, tf: TaskFlowDep) -> InviteOut:
    """Invite an email address to a team (admin or owner); the invitee gets a mail."""
    invite = tf.invites.create(principal.user_id, body.team_id, email=body.email, role=body.role)
    return invite_out(invite)


@_invites.post("/auth/invite/accept", responses=error_responses(400, 401, 403, 404, 409, 410, 413))
def accept_invite(body: AcceptInviteIn, principal: CurrentPrincipal, tf: TaskFlowDep) -> TeamOut:
    """Join the team of an invite sent to the caller's email address."""
    return TeamOut.of(tf.invites.accept(principal.user_id, token=body.token))


@_limited.get("/auth/sessions", responses=error_responses(401))
def list_sessions(principal: CurrentPrincipal, tf: TaskFlowDep) -> PageOut[SessionOut]:
    """The caller's active sessions (logins), newest first."""
    sessions = tf.auth.list_sessions(principal.user_id)
    return page_of(sessions, lambda session: session_out(session, principal.session_id))


@_limited.delete(
    "/auth/sessions/{session_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 404),
)
def end_session(session_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> None:
    """End one of the caller's sessions (its refresh token stops working)."""
    tf.auth.end_session(principal.user_id, session_id)


@_limited.delete("/auth/sessions", responses=error_responses(401))
def end_other_sessions(principal: CurrentPrincipal, tf: TaskFlowDep) -> EndedSessionsOut:
    """End every session of the caller except the current one ("log out elsewhere")."""
    ended = tf.auth.end_all_sessions(principal.user_id, except_session_id=principal.session_id)
    return EndedSessionsOut(ended=ended)


@_limited.post("/auth/me/export", status_code=202, responses=error_responses(401))
def request_data_export(principal: CurrentPrincipal, tf: TaskFlowDep) -> DataExportOut:
    """Ask for a copy of the caller's data (profile, teams, their tasks, comments and
    notifications) as one JSON file, mailed to their address as an attachment by the
    worker. Once per ``TASKFLOW_DATA_EXPORT_INTERVAL`` (24 h): sooner, 429
    ``data_export_too_soon`` with ``Retry-After``."""
    accepted = tf.exports.request(principal.user_id)
    return DataExportOut(
        requested_at=accepted.requested_at, next_request_at=accepted.next_request_at
    )


@_limited.post(
    "/auth/verify-email", status_code=204, response_class=Response, responses=error_responses(401)
)
def request_email_verification(principal: CurrentPrincipal, tf: TaskFlowDep) -> None:
    """Mail the caller a link to verify their email address."""
    tf.auth.request_email_verification(principal.user_id)


@_limited.post(
    "/auth/verify-email/confirm",
    status_code=204,
    response_class=Response,
    dependencies=_strict,
    responses=error_responses(400, 410, 413),
)
def verify_email(body: TokenIn, tf: TaskFlowDep) -> None:
    """Public: confirm an email address with the token from the mail."""
    tf.auth.verify_email(body.token)


@_limited.post(
    "/auth/password-reset",
    status_code=204,
    response_class=Response,
    dependencies=_strict,
    responses=error_responses(400, 413),
)
def request_password_reset(body: EmailIn, tf: TaskFlowDep) -> None:
    """Public: mail a reset link if an account has this address (the answer is the same
    either way, so it does not tell who has an account)."""
    tf.auth.request_password_reset(email=body.email)


@_limited.post(
    "/auth/password-reset/confirm",
    status_code=204,
    response_class=Response,
    dependencies=_strict,
    responses=error_responses(400, 410, 413),
)
def reset_password(body: PasswordResetIn, tf: TaskFlowDep) -> None:
    """Public: set a new password with the token from the mail (every session ends)."""
    tf.auth.reset_password(body.token, new_password=body.new_password)


@_limited.post(
    "/auth/password",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 404, 413, 423),
)
def change_password(body: PasswordChangeIn, principal: CurrentPrincipal, tf: TaskFlowDep) -> None:
    """Change the password (the current one is required); other sessions end."""
    tf.auth.change_password(
        principal.user_id,
        current_password=body.current_password,
        new_password=body.new_password,
        session_id=principal.session_id,
    )


for _area, _parts in (
    (router, (_me_alone, _limited, _invites)),
    (identity_router, (_me_alone, _invites)),
):
    for _part in _parts:
        _area.include_router(_part)
