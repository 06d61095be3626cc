"""JWTs: what they carry, and every way a token is refused (TokenCodec and validate_token)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import attrs
import jwt
import pytest
from pydantic import SecretStr

from taskflow import ConfigurationError, InvalidToken, TaskFlow, TokenExpired, TokenRevoked
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.security.tokens import TokenCodec, TokenType
from taskflow.services.read_models import AuthResult
from taskflow.testing import TEST_AUTH_CONFIG, FakeClock, make_test_taskflow

PASSWORD = "correct horse battery staple"
JWT_SECRET = TEST_AUTH_CONFIG.jwt_secret.get_secret_value()
REFRESH_SECRET = TEST_AUTH_CONFIG.refresh_secret.get_secret_value()
NOW = datetime(2024, 2, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def codec() -> TokenCodec:
    return TokenCodec(TEST_AUTH_CONFIG)


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def verify_with(token: str, key: str) -> None:
    """Check the signature with pyjwt itself (not ``exp``: these tokens are from 2024)."""
    jwt.decode(token, key, algorithms=["HS256"], audience="taskflow", options={"verify_exp": False})


def valid_payload(token_type: str = "access") -> dict[str, Any]:  # noqa: S107
    return {
        "sub": str(uuid4()),
        "sid": str(uuid4()),
        "jti": str(uuid4()),
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(minutes=15)).timestamp()),
        "iss": "taskflow",
        "aud": "taskflow",
        "type": token_type,
    }


# --- what a token carries ---------------------------------------------------------------


def test_access_token_claims(codec: TokenCodec) -> None:
    user_id, session_id = uuid4(), uuid4()
    issued = codec.issue(TokenType.ACCESS, user_id=user_id, session_id=session_id, now=NOW)
    claims = claims_of(issued.token)
    assert jwt.get_unverified_header(issued.token)["alg"] == "HS256"
    assert claims["sub"] == str(user_id)
    assert claims["sid"] == str(session_id)
    assert claims["type"] == "access"
    assert claims["iss"] == "taskflow"
    assert claims["aud"] == "taskflow"
    assert claims["iat"] == int(NOW.timestamp())
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["jti"] == issued.claims.jti
    # signed with JWT_SECRET
    verify_with(issued.token, JWT_SECRET)


def test_refresh_token_claims_and_key(codec: TokenCodec) -> None:
    issued = codec.issue(TokenType.REFRESH, user_id=uuid4(), session_id=uuid4(), now=NOW)
    claims = claims_of(issued.token)
    assert claims["type"] == "refresh"
    assert claims["exp"] - claims["iat"] == 7 * 24 * 3600
    verify_with(issued.token, REFRESH_SECRET)
    with pytest.raises(jwt.InvalidSignatureError):
        verify_with(issued.token, JWT_SECRET)


def test_every_token_has_its_own_jti(codec: TokenCodec) -> None:
    user_id, session_id = uuid4(), uuid4()
    jtis = {
        codec.issue(TokenType.ACCESS, user_id=user_id, session_id=session_id, now=NOW).claims.jti
        for _ in range(20)
    }
    assert len(jtis) == 20


def test_a_token_never_outlives_the_given_end(codec: TokenCodec) -> None:
    end = NOW + timedelta(minutes=5)
    issued = codec.issue(
        TokenType.ACCESS, user_id=uuid4(), session_id=uuid4(), now=NOW, expires_at=end
    )
    assert issued.claims.expires_at == end


def test_round_trip(codec: TokenCodec) -> None:
    user_id, session_id = uuid4(), uuid4()
    issued = codec.issue(TokenType.ACCESS, user_id=user_id, session_id=session_id, now=NOW)
    assert codec.decode(issued.token, TokenType.ACCESS, now=NOW) == issued.claims


# --- refusals -------------------------------------------------------------------------


def test_alg_none_is_refused(codec: TokenCodec) -> None:
    token = jwt.encode(valid_payload(), "", algorithm="none")
    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS, now=NOW)


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_another_algorithm_with_the_right_key_is_refused(algorithm: str) -> None:
    secret = "k" * 64  # long enough for every HMAC algorithm
    codec = TokenCodec(attrs.evolve(TEST_AUTH_CONFIG, jwt_secret=SecretStr(secret)))
    assert codec.decode(jwt.encode(valid_payload(), secret, "HS256"), TokenType.ACCESS, now=NOW)
    token = jwt.encode(valid_payload(), secret, algorithm=algorithm)
    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS, now=NOW)


def test_a_wrong_key_is_refused(codec: TokenCodec) -> None:
    token = jwt.encode(valid_payload(), "another-secret-that-is-32-characters-long", "HS256")
    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS, now=NOW)


def test_the_right_token_signed_correctly_is_accepted(codec: TokenCodec) -> None:
    """The control for the refusals above: only the tampered part makes them fail."""
    token = jwt.encode(valid_payload(), JWT_SECRET, algorithm="HS256")
    assert codec.decode(token, TokenType.ACCESS, now=NOW).type is TokenType.ACCESS


@pytest.mark.parametrize(("claim", "value"), [("aud", "someone-else"), ("iss", "evil")])
def test_a_wrong_audience_or_issuer_is_refused(codec: TokenCodec, claim: str, value: str) -> None:
    token = jwt.encode({**valid_payload(), claim: value}, JWT_SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS, now=NOW)


@pytest.mark.parametrize("claim", ["sub", "sid", "jti", "iat", "exp", "iss", "aud", "type"])
def test_every_claim_is_required(codec: TokenCodec, claim: str) -> None:
    payload = valid_payload()
    del payload[claim]
    token = jwt.encode(payload, JWT_SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS, now=NOW)


@pytest.mark.parametrize(
    ("claim", "value"),
    [("sub", "not-a-uuid"), ("sid", 12), ("jti", ""), ("exp", "tomorrow"), ("type", "admin")],
)
def test_well_signed_odd_claims_are_refused(codec: TokenCodec, claim: str, value: Any) -> None:
    token = jwt.encode({**valid_payload(), claim: value}, JWT_SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS, now=NOW)


def test_a_token_expires_by_the_injected_clock(codec: TokenCodec) -> None:
    issued = codec.issue(TokenType.ACCESS, user_id=uuid4(), session_id=uuid4(), now=NOW)
    codec.decode(issued.token, TokenType.ACCESS, now=NOW + timedelta(minutes=14, seconds=59))
    with pytest.raises(TokenExpired):
        codec.decode(issued.token, TokenType.ACCESS, now=NOW + timedelta(minutes=15))


def test_the_wall_clock_does_not_decide(codec: TokenCodec) -> None:
    # Issued and checked in 2100: pyjwt's own checks would call it "not yet valid".
    later = datetime(2100, 1, 1, tzinfo=UTC)
    issued = codec.issue(TokenType.ACCESS, user_id=uuid4(), session_id=uuid4(), now=later)
    assert codec.decode(issued.token, TokenType.ACCESS, now=later) == issued.claims


def test_the_type_claim_is_checked_even_under_one_key() -> None:
    # With both secrets equal (never allowed by Settings) only `type` tells them apart.
    same = attrs.evolve(TEST_AUTH_CONFIG, refresh_secret=TEST_AUTH_CONFIG.jwt_secret)
    codec = TokenCodec(same)
    refresh = codec.issue(TokenType.REFRESH, user_id=uuid4(), session_id=uuid4(), now=NOW)
    access = codec.issue(TokenType.ACCESS, user_id=uuid4(), session_id=uuid4(), now=NOW)
    with pytest.raises(InvalidToken):
        codec.decode(refresh.token, TokenType.ACCESS, now=NOW)
    with pytest.raises(InvalidToken):
        codec.decode(access.token, TokenType.REFRESH, now=NOW)


def test_a_tampered_payload_is_refused(codec: TokenCodec) -> None:
    issued = codec.issue(TokenType.ACCESS, user_id=uuid4(), session_id=uuid4(), now=NOW)
    header, _, signature = issued.token.split(".")
    forged_payload = jwt.encode(valid_payload(), "x" * 32, algorithm="HS256").split(".")[1]
    with pytest.raises(InvalidToken):
        codec.decode(f"{header}.{forged_payload}.{signature}", TokenType.ACCESS, now=NOW)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 5000, None, 42, b"bytes"])
def test_garbage_is_invalid_token(codec: TokenCodec, token: Any) -> None:
    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS, now=NOW)


# --- configuration ----------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["none", "RS256", "ES256", "hs256"])
def test_unsupported_algorithms_are_a_configuration_error(algorithm: str) -> None:
    with pytest.raises(ConfigurationError):
        TokenCodec(attrs.evolve(TEST_AUTH_CONFIG, jwt_algorithm=algorithm))


def test_a_secret_too_short_for_the_algorithm_is_a_configuration_error() -> None:
    short = attrs.evolve(TEST_AUTH_CONFIG, jwt_secret=SecretStr("s" * 31))
    with pytest.raises(ConfigurationError) as caught:
        TokenCodec(short)
    assert "s" * 31 not in str(caught.value)
    # 46 bytes is enough for HS256 but not for HS512 (64).
    with pytest.raises(ConfigurationError):
        TokenCodec(attrs.evolve(TEST_AUTH_CONFIG, jwt_algorithm="HS512"))


def test_hs512_with_long_secrets_works() -> None:
    config = attrs.evolve(
        TEST_AUTH_CONFIG,
        jwt_algorithm="HS512",
        jwt_secret=SecretStr("j" * 64),
        refresh_secret=SecretStr("r" * 64),
    )
    codec = TokenCodec(config)
    issued = codec.issue(TokenType.ACCESS, user_id=uuid4(), session_id=uuid4(), now=NOW)
    assert jwt.get_unverified_header(issued.token)["alg"] == "HS512"
    assert codec.decode(issued.token, TokenType.ACCESS, now=NOW) == issued.claims


# --- tf.auth.validate_token -------------------------------------------------------------


@pytest.fixture
def login(tf: TaskFlow) -> AuthResult:
    tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")
    return tf.auth.login(email="sara@example.com", password=PASSWORD)


def test_validate_token_answers_the_principal(tf: TaskFlow, login: AuthResult) -> None:
    principal = tf.auth.validate_token(login.token)
    assert principal.user_id == login.user.id
    assert principal.session_id == login.session_id
    assert principal.jti == claims_of(login.token)["jti"]
    assert principal.expires_at == login.expires_at


def test_access_token_lives_15_minutes(tf: TaskFlow, login: AuthResult, clock: FakeClock) -> None:
    clock.advance(minutes=14, seconds=59)
    tf.auth.validate_token(login.token)
    clock.advance(seconds=1)
    with pytest.raises(TokenExpired) as caught:
        tf.auth.validate_token(login.token)
    assert caught.value.status == 401


def test_a_refresh_token_is_not_an_access_token(tf: TaskFlow, login: AuthResult) -> None:
    with pytest.raises(InvalidToken):
        tf.auth.validate_token(login.refresh_token)


def test_an_access_token_is_not_a_refresh_token(tf: TaskFlow, login: AuthResult) -> None:
    with pytest.raises(InvalidToken):
        tf.auth.refresh(login.token)


def test_a_token_of_another_deployment_is_refused(
    tf: TaskFlow, login: AuthResult, clock: FakeClock, events: RecordingEventPublisher
) -> None:
    config = attrs.evolve(
        TEST_AUTH_CONFIG,
        jwt_secret=SecretStr("another-deployment-jwt-secret-of-40-chars"),
        refresh_secret=SecretStr("another-deployment-refresh-secret-40-chars"),
    )
    other = make_test_taskflow(clock=clock, publisher=events, auth_config=config)
    foreign = other.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")
    with pytest.raises(InvalidToken):
        tf.auth.validate_token(foreign.token)
    with pytest.raises(InvalidToken):
        tf.auth.refresh(foreign.refresh_token)


def test_a_logged_out_token_is_revoked(tf: TaskFlow, login: AuthResult) -> None:
    tf.auth.logout(login.token)
    with pytest.raises(TokenRevoked):
        tf.auth.validate_token(login.token)


def test_a_token_of_an_ended_session_is_revoked_at_once(tf: TaskFlow, login: AuthResult) -> None:
    tf.auth.end_session(login.user.id, login.session_id)
    with pytest.raises(TokenRevoked):
        tf.auth.validate_token(login.token)


def test_a_token_whose_session_is_unknown_is_invalid(tf: TaskFlow, login: AuthResult) -> None:
    codec = TokenCodec(tf.auth_config)
    stray = codec.issue(
        TokenType.ACCESS, user_id=login.user.id, session_id=uuid4(), now=tf.clock.now()
    )
    with pytest.raises(InvalidToken):
        tf.auth.validate_token(stray.token)


def test_a_token_naming_another_user_than_its_session_is_invalid(
    tf: TaskFlow, login: AuthResult
) -> None:
    codec = TokenCodec(tf.auth_config)
    forged = codec.issue(
        TokenType.ACCESS, user_id=uuid4(), session_id=login.session_id, now=tf.clock.now()
    )
    with pytest.raises(InvalidToken):
        tf.auth.validate_token(forged.token)


def test_error_messages_never_repeat_the_token(
    tf: TaskFlow, login: AuthResult, clock: FakeClock
) -> None:
    failures = []
    for bad in (login.refresh_token, login.token + "x", login.token[:-3]):
        with pytest.raises(InvalidToken) as caught:
            tf.auth.validate_token(bad)
        failures.append(caught.value)
    clock.advance(hours=1)
    with pytest.raises(TokenExpired) as expired:
        tf.auth.validate_token(login.token)
    failures.append(expired.value)
    for error in failures:
        text = f"{error} {error!r} {error.to_dict()}"
        for secret in (login.token, login.refresh_token, JWT_SECRET, REFRESH_SECRET):
            assert secret not in text
        # not even a recognisable piece of a token
        assert login.token.split(".")[1][:20] not in text


def test_principal_ids_are_uuids(tf: TaskFlow, login: AuthResult) -> None:
    principal = tf.auth.validate_token(login.token)
    assert isinstance(principal.user_id, UUID)
    assert isinstance(principal.session_id, UUID)


def test_a_denied_jti_is_refused_even_while_its_session_lives(
    tf: TaskFlow, login: AuthResult
) -> None:
    principal = tf.auth.validate_token(login.token)
    tf.token_store.deny(principal.jti, principal.expires_at)
    with pytest.raises(TokenRevoked):
        tf.auth.validate_token(login.token)
    # the session itself is untouched: a refreshed access token works
    assert tf.auth.validate_token(tf.auth.refresh(login.refresh_token).token)


def test_logout_puts_the_jti_on_the_denylist_until_the_token_expires(
    tf: TaskFlow, login: AuthResult, clock: FakeClock
) -> None:
    principal = tf.auth.validate_token(login.token)
    tf.auth.logout(login.token)
    assert tf.token_store.is_denied(principal.jti, clock.now())
    assert not tf.token_store.is_denied(principal.jti, principal.expires_at)


def test_check_access_answers_denied_jti_and_session_state_in_one_call(
    tf: TaskFlow, login: AuthResult, clock: FakeClock
) -> None:
    """The store's one-step check (every request's): it must refuse exactly what the
    separate denylist and session look-ups refuse, with no caching in between."""
    principal = tf.auth.validate_token(login.token)
    store, now = tf.token_store, clock.now()

    def check(jti: str = principal.jti, session_id: UUID = principal.session_id) -> bool:
        return store.check_access(jti, session_id, principal.user_id, clock.now())

    assert check() is True
    assert store.check_access(principal.jti, principal.session_id, uuid4(), now) is False
    assert check(session_id=uuid4()) is False  # no such session
    years_later = now + timedelta(days=3650)
    assert not store.check_access(
        principal.jti, principal.session_id, principal.user_id, years_later
    )
    store.deny("another-jti", principal.expires_at)
    assert check() is True  # someone else's denial
    store.deny(principal.jti, now + timedelta(seconds=30))
    assert check() is False  # denied: refused at once, though its session lives
    assert check(jti="a-fresh-jti") is True
    clock.advance(seconds=30)
    assert check() is True  # the denial ran out
    store.revoke_session(principal.session_id, clock.now())
    assert check(jti="a-fresh-jti") is False  # session ended: refused at once


def test_validate_token_refuses_what_the_store_refuses_even_unexplained(
    tf: TaskFlow, login: AuthResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the one-step check says no but the look-ups find nothing wrong, the token is
    still refused (fail closed)."""
    monkeypatch.setattr(tf.token_store, "check_access", lambda *_args: False)
    with pytest.raises(TokenRevoked):
        tf.auth.validate_token(login.token)


# --- tf.auth.me_for_token (GET /auth/me: the check and the profile in one step) ---------


def test_me_for_token_answers_what_validate_token_and_me_answer(
    tf: TaskFlow, login: AuthResult
) -> None:
    for name in ("Zeta", "alpha", "Beta"):
        tf.teams.create(login.user.id, name=name)
    principal, profile = tf.auth.me_for_token(login.token)
    assert principal == tf.auth.validate_token(login.token)
    assert profile == tf.auth.me(principal.user_id)
    assert [team.name for team in profile.teams] == ["Beta", "Zeta", "alpha"]


def _ended_session(tf: TaskFlow, login: AuthResult) -> None:
    tf.auth.end_session(login.user.id, login.session_id)


def _logged_out(tf: TaskFlow, login: AuthResult) -> None:
    tf.auth.logout(login.token)


def _denied_jti(tf: TaskFlow, login: AuthResult) -> None:
    principal = tf.auth.validate_token(login.token)
    tf.token_store.deny(principal.jti, principal.expires_at)


@pytest.mark.parametrize("refuse", [_logged_out, _ended_session, _denied_jti])
def test_me_for_token_refuses_at_once_what_validate_token_refuses(
    tf: TaskFlow, login: AuthResult, refuse: Any
) -> None:
    tf.auth.me_for_token(login.token)  # accepted first (a cache would keep accepting)
    refuse(tf, login)
    with pytest.raises(TokenRevoked):
        tf.auth.me_for_token(login.token)


def test_me_for_token_refuses_forged_expired_and_refresh_tokens(
    tf: TaskFlow, login: AuthResult, clock: FakeClock
) -> None:
    codec = TokenCodec(tf.auth_config)
    other_user = codec.issue(
        TokenType.ACCESS, user_id=uuid4(), session_id=login.session_id, now=clock.now()
    )
    unknown_session = codec.issue(
        TokenType.ACCESS, user_id=login.user.id, session_id=uuid4(), now=clock.now()
    )
    for bad in (other_user.token, unknown_session.token, login.refresh_token, login.token + "x"):
        with pytest.raises(InvalidToken):
            tf.auth.me_for_token(bad)
    clock.advance(minutes=15)
    with pytest.raises(TokenExpired):
        tf.auth.me_for_token(login.token)
