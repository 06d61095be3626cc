"""Accounts and tokens (the seed's /auth/* endpoints), sessions, email verification,
password reset and change, and the invite endpoints the seed puts under /auth."""

from __future__ import annotations

from flask import Response, request

from taskflow.adapters.flask.edge import taskflow_blueprint
from taskflow.adapters.flask.helpers import (
    bearer_token,
    current_principal,
    get_runtime,
    get_taskflow,
    parse_body,
    path_uuid,
    rate_limit,
    reply,
    strict_rate_limit,
)
from taskflow.adapters.web.cookies import (
    CSRF_HEADER,
    REFRESH_COOKIE,
    check_csrf,
    cleared_cookies,
    cookie_is_secure,
    refresh_cookie_path,
    session_cookies,
)
from taskflow.adapters.web.languages import ACCEPT_LANGUAGE, preferred_language
from taskflow.adapters.web.schemas import (
    AcceptInviteIn,
    DataExportOut,
    DeletionIn,
    DeletionOut,
    EmailChangeIn,
    EmailIn,
    EndedSessionsOut,
    InviteIn,
    LoginIn,
    PasswordChangeIn,
    PasswordResetIn,
    ProfileIn,
    RefreshIn,
    SignupIn,
    TeamOut,
    TokenIn,
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

__all__ = ["HOSTED_ENDPOINTS", "blueprint", "identity_blueprint"]

blueprint = taskflow_blueprint("taskflow_auth", __name__)
blueprint.before_request(rate_limit)


@blueprint.post("/auth/signup")
@strict_rate_limit
def signup() -> Response:
    body = parse_body(SignupIn)
    language = body.language or preferred_language(request.headers.get(ACCEPT_LANGUAGE))
    result = get_taskflow().auth.signup(
        email=body.email, password=body.password, name=body.name, language=language
    )
    return reply(signup_out(result), 201)


@blueprint.post("/auth/login")
@strict_rate_limit
def login() -> Response:
    body = parse_body(LoginIn)
    return reply(login_out(get_taskflow().auth.login(email=body.email, password=body.password)))


@blueprint.post("/auth/refresh")
@strict_rate_limit
def refresh() -> Response:
    body = parse_body(RefreshIn)
    return reply(login_out(get_taskflow().auth.refresh(body.refresh_token)))


@blueprint.post("/auth/logout")
def logout() -> Response:
    current_principal()
    get_taskflow().auth.logout(bearer_token())
    return reply(None, 204)


def _cookie_secure() -> bool:
    forwarded_proto = ", ".join(request.headers.getlist("X-Forwarded-Proto"))
    https = get_runtime().is_https(request.scheme, request.remote_addr, forwarded_proto)
    return cookie_is_secure(https=https, host=request.host)


def _with_session(response: Response, refresh: str) -> Response:
    max_age = int(get_taskflow().auth_config.refresh_token_ttl.total_seconds())
    path = refresh_cookie_path(request.path)
    for cookie in session_cookies(refresh, path=path, max_age=max_age, secure=_cookie_secure()):
        response.headers.add("Set-Cookie", cookie)
    return response


@blueprint.post("/auth/cookie/login")
@strict_rate_limit
def cookie_login() -> Response:
    body = parse_body(LoginIn)
    result = get_taskflow().auth.login(email=body.email, password=body.password)
    return _with_session(reply(cookie_login_out(result)), result.refresh_token)


@blueprint.post("/auth/cookie/refresh")
@strict_rate_limit
def cookie_refresh() -> Response:
    refresh = check_csrf(request.cookies.get(REFRESH_COOKIE), request.headers.get(CSRF_HEADER))
    result = get_taskflow().auth.refresh(refresh)
    return _with_session(reply(cookie_login_out(result)), result.refresh_token)


@blueprint.post("/auth/cookie/logout")
def cookie_logout() -> Response:
    current_principal()
    get_taskflow().auth.logout(bearer_token())
    response = reply(None, 204)
    path = refresh_cookie_path(request.path)
    for cookie in cleared_cookies(path=path, secure=_cookie_secure()):
        response.headers.add("Set-Cookie", cookie)
    return response


@blueprint.get("/auth/me")
def me() -> Response:
    tf = get_taskflow()
    if get_runtime().identity is not None:
        profile = tf.auth.me(current_principal().user_id)
    else:
        # The token check and the profile together: one statement on SQL storage.
        _principal, profile = tf.auth.me_for_token(bearer_token())
    return reply(user_with_teams_out(profile))


@blueprint.patch("/auth/me")
def update_profile() -> Response:
    principal = current_principal()
    body = parse_body(ProfileIn)
    return reply(
        profile_out(get_taskflow().auth.update_profile(principal.user_id, **body.changes()))
    )


@blueprint.get("/auth/me/invites")
def my_invites() -> Response:
    principal = current_principal()
    return reply(page_of(get_taskflow().invites.list_mine(principal.user_id), invite_out))


@blueprint.post("/auth/email-change")
def request_email_change() -> Response:
    principal = current_principal()
    body = parse_body(EmailChangeIn)
    get_taskflow().auth.request_email_change(
        principal.user_id,
        password=body.password,
        new_email=body.new_email,
        session_id=principal.session_id,
    )
    return reply(None, 204)


@blueprint.post("/auth/email-change/confirm")
@strict_rate_limit
def confirm_email_change() -> Response:
    body = parse_body(TokenIn)
    get_taskflow().auth.confirm_email_change(body.token)
    return reply(None, 204)


@blueprint.post("/auth/email-change/undo")
@strict_rate_limit
def undo_email_change() -> Response:
    body = parse_body(TokenIn)
    get_taskflow().auth.undo_email_change(body.token)
    return reply(None, 204)


@blueprint.post("/auth/deletion")
def request_deletion() -> Response:
    principal = current_principal()
    body = parse_body(DeletionIn)
    due_at = get_taskflow().auth.request_deletion(principal.user_id, password=body.password)
    return reply(DeletionOut(deletion_due_at=due_at), 202)


@blueprint.post("/auth/invite")
def create_invite() -> Response:
    principal = current_principal()
    body = parse_body(InviteIn)
    invite = get_taskflow().invites.create(
        principal.user_id, body.team_id, email=body.email, role=body.role
    )
    return reply(invite_out(invite), 201)


@blueprint.post("/auth/invite/accept")
def accept_invite() -> Response:
    principal = current_principal()
    body = parse_body(AcceptInviteIn)
    return reply(TeamOut.of(get_taskflow().invites.accept(principal.user_id, token=body.token)))


@blueprint.get("/auth/sessions")
def list_sessions() -> Response:
    principal = current_principal()
    sessions = get_taskflow().auth.list_sessions(principal.user_id)
    return reply(page_of(sessions, lambda session: session_out(session, principal.session_id)))


@blueprint.delete("/auth/sessions/<session_id>")
def end_session(session_id: str) -> Response:
    principal = current_principal()
    get_taskflow().auth.end_session(principal.user_id, path_uuid(session_id, "session_id"))
    return reply(None, 204)


@blueprint.delete("/auth/sessions")
def end_other_sessions() -> Response:
    principal = current_principal()
    ended = get_taskflow().auth.end_all_sessions(
        principal.user_id, except_session_id=principal.session_id
    )
    return reply(EndedSessionsOut(ended=ended))


@blueprint.post("/auth/me/export")
def request_data_export() -> Response:
    principal = current_principal()
    accepted = get_taskflow().exports.request(principal.user_id)
    out = DataExportOut(
        requested_at=accepted.requested_at, next_request_at=accepted.next_request_at
    )
    return reply(out, 202)


@blueprint.post("/auth/verify-email")
def request_email_verification() -> Response:
    principal = current_principal()
    get_taskflow().auth.request_email_verification(principal.user_id)
    return reply(None, 204)


@blueprint.post("/auth/verify-email/confirm")
@strict_rate_limit
def verify_email() -> Response:
    body = parse_body(TokenIn)
    get_taskflow().auth.verify_email(body.token)
    return reply(None, 204)


@blueprint.post("/auth/password-reset")
@strict_rate_limit
def request_password_reset() -> Response:
    body = parse_body(EmailIn)
    get_taskflow().auth.request_password_reset(email=body.email)
    return reply(None, 204)


@blueprint.post("/auth/password-reset/confirm")
@strict_rate_limit
def reset_password() -> Response:
    body = parse_body(PasswordResetIn)
    get_taskflow().auth.reset_password(body.token, new_password=body.new_password)
    return reply(None, 204)


@blueprint.post("/auth/password")
def change_password() -> Response:
    principal = current_principal()
    body = parse_body(PasswordChangeIn)
    get_taskflow().auth.change_password(
        principal.user_id,
        current_password=body.current_password,
        new_password=body.new_password,
        session_id=principal.session_id,
    )
    return reply(None, 204)


HOSTED_ENDPOINTS = ("me", "create_invite", "accept_invite")
"""The auth area's views in identity mode: the host owns accounts, logins and sessions."""

identity_blueprint = taskflow_blueprint("taskflow_auth", __name__)
"""The auth area in identity mode (the same name as ``blueprint``, so ``url_for`` is the
same): ``/auth/me`` and the invite endpoints."""
identity_blueprint.before_request(rate_limit)
for _rule, _view, _methods in (
    ("/auth/me", me, ["GET"]),
    ("/auth/invite", create_invite, ["POST"]),
    ("/auth/invite/accept", accept_invite, ["POST"]),
):
    identity_blueprint.add_url_rule(_rule, view_func=_view, methods=_methods)
