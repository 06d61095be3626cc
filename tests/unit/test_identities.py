"""Identity mode in the core: host user ids (int, str, UUID) linked to taskflow users on
first sight, described by the host's directory; the whole story works for them; they
have no taskflow password; races link once. On every backend."""

from __future__ import annotations

import threading
from uuid import UUID

import pytest

from taskflow import (
    AuthenticationFailed,
    ConfigurationError,
    EmailAlreadyExists,
    HostUserAlreadyLinked,
    InvalidCredentials,
    InvalidInput,
    TaskFlow,
)
from taskflow.domain.models import User
from taskflow.testing import (
    FAST_PASSWORD_HASHING,
    TEST_AUTH_CONFIG,
    InMemoryUserDirectory,
    drain,
    one_time_token,
)

HOST_UUID = UUID("0b4f2a8e-5c1d-4e57-9a3f-2f0a1c9b7d11")


@pytest.fixture
def directory() -> InMemoryUserDirectory:
    users = InMemoryUserDirectory()
    users.add(7, email="Bob@Example.com", name="Bob", language="en")
    users.add("alice", email="alice@example.com", name="Alice", language="fa")
    users.add(HOST_UUID, email="carol@example.com", name="  ", language="de")
    return users


@pytest.fixture
def hosted(tf: TaskFlow, directory: InMemoryUserDirectory) -> TaskFlow:
    """taskflow on the backend under test, in identity mode."""
    return TaskFlow.from_adapters(
        uow_factory=tf.uow_factory,
        token_store=tf.token_store,
        clock=tf.clock,
        publisher=tf.publisher,
        auth_config=TEST_AUTH_CONFIG,
        password_hashing=FAST_PASSWORD_HASHING,
        mailer=tf.mailer,
        directory=directory,
    )


def _stored(tf: TaskFlow, user_id: UUID) -> User:
    with tf.uow_factory(read_only=True) as uow:
        user = uow.users.get(user_id)
    assert user is not None
    return user


def test_a_host_user_is_linked_once_with_the_directory_s_data(hosted: TaskFlow) -> None:
    bob = hosted.identities.user_id_for(7)
    assert hosted.identities.user_id_for(7) == bob
    assert hosted.identities.user_id_for("7") == bob  # stored as text: the same user
    user = _stored(hosted, bob)
    assert (user.email, user.name, user.external_id) == ("bob@example.com", "Bob", "7")
    assert user.email_verified
    assert user.is_hosted
    assert hosted.identities.host_user_id_of(bob) == "7"
    assert hosted.notifications.get_preferences(bob).language == "en"


def test_string_and_uuid_ids_and_a_missing_name(hosted: TaskFlow) -> None:
    alice = hosted.identities.user_id_for("alice")
    carol = hosted.identities.user_id_for(HOST_UUID)
    assert len({alice, carol}) == 2
    assert _stored(hosted, carol).external_id == str(HOST_UUID)
    assert _stored(hosted, carol).name == "carol"  # blank name: the email's local part
    # A language taskflow does not speak: the configured default.
    assert hosted.notifications.get_preferences(carol).language == "fa"
    principal = hosted.identities.principal_for(HOST_UUID)
    assert principal.user_id == carol
    assert principal.host_user_id == str(HOST_UUID)
    assert principal.session_id is None
    assert principal.jti is None


@pytest.mark.parametrize("bad", [True, 1.5, "", "x" * 256, None, b"7"])
def test_a_bad_host_id_is_invalid_input(hosted: TaskFlow, bad: object) -> None:
    with pytest.raises(InvalidInput):
        hosted.identities.user_id_for(bad)  # type: ignore[arg-type]


def test_an_unknown_host_user_is_not_authenticated(hosted: TaskFlow) -> None:
    with pytest.raises(AuthenticationFailed):
        hosted.identities.user_id_for(404)


def test_without_a_directory_identity_mode_is_a_configuration_error(tf: TaskFlow) -> None:
    assert not tf.identities.enabled
    with pytest.raises(ConfigurationError):
        tf.identities.user_id_for(7)


def test_a_linked_user_has_no_taskflow_password(hosted: TaskFlow) -> None:
    bob = hosted.identities.user_id_for(7)
    with pytest.raises(InvalidCredentials):
        hosted.auth.login(email="bob@example.com", password="!host")
    hosted.auth.request_password_reset(email="bob@example.com")
    assert not [e for e in hosted.publisher.events if e.name == "user.password_reset"]
    assert _stored(hosted, bob).password_hash == "!host"


def test_an_email_of_a_taskflow_account_is_refused(hosted: TaskFlow, directory) -> None:
    hosted.auth.signup(email="dave@example.com", password="correct horse battery", name="D")
    directory.add(8, email="dave@example.com", name="Dave")
    with pytest.raises(EmailAlreadyExists):
        hosted.identities.user_id_for(8)


def test_refresh_follows_the_directory(hosted: TaskFlow, directory) -> None:
    bob = hosted.identities.user_id_for(7)
    directory.add(7, email="robert@example.com", name="Robert", language="fa")
    assert hosted.identities.refresh(7) == bob
    user = _stored(hosted, bob)
    assert (user.email, user.name) == ("robert@example.com", "Robert")
    assert hosted.notifications.get_preferences(bob).language == "fa"
    directory.add(9, email="new@example.com", name="New")
    assert hosted.identities.refresh(9) == hosted.identities.user_id_for(9)  # links it
    directory.remove(9)
    with pytest.raises(AuthenticationFailed):
        hosted.identities.refresh(9)


def test_a_second_link_of_a_host_id_is_refused_by_the_storage(hosted: TaskFlow) -> None:
    bob = _stored(hosted, hosted.identities.user_id_for(7))
    clone = User(
        id=UUID(int=bob.id.int ^ 1),
        email="other@example.com",
        password_hash="!host",
        name="Other",
        email_verified=True,
        created_at=bob.created_at,
        updated_at=bob.updated_at,
        external_id="7",
    )
    with pytest.raises(HostUserAlreadyLinked), hosted.uow_factory() as uow:
        uow.users.add(clone)


def test_concurrent_first_requests_link_one_user(hosted: TaskFlow, directory) -> None:
    directory.add(42, email="zed@example.com", name="Zed")
    results: list[UUID] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def first_request() -> None:
        barrier.wait()
        try:
            results.append(hosted.identities.user_id_for(42))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=first_request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1


def test_the_whole_story_for_host_users(hosted: TaskFlow) -> None:
    alice = hosted.identities.user_id_for("alice")
    team = hosted.teams.create(alice, name="Ops")
    invite = hosted.invites.create(alice, team.id, email="bob@example.com")
    event = next(e for e in hosted.publisher.events if e.name == "invite.created")
    bob = hosted.identities.user_id_for(7)
    hosted.invites.accept(bob, token=one_time_token(hosted, event))
    assert {m.user_id for m in hosted.teams.list_members(alice, team.id)} == {alice, bob}
    assert invite.email == "bob@example.com"
    task = hosted.tasks.create(alice, team.id, title="Deploy", assignee_id=bob)
    hosted.comments.add(bob, task.id, content="On it")
    drained = drain(hosted)
    assert [n.type for n in drained.notifications_for(bob)] == ["task.assigned"]
    [mail] = drained.mails_to("bob@example.com", type="task.assigned")
    assert "Deploy" in mail.text  # in Bob's language, from the directory
    assert mail.language == "en"
