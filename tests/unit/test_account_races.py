"""Issue 18's races, for real: threads behind a barrier, several rounds, every backend.

- Two accounts confirm a move to the same address at the same moment: exactly one gets
  it, the other 409 ``email_taken`` (the unique constraint is the last word), and the
  loser's account keeps its address.
- A login at the end of the grace period races the erasure: either the login wins (the
  deletion is cancelled and the account stays whole) or the erasure does (the login is
  refused), never both: no session for an erased account, no personal data written back.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from toolbox import race

from taskflow import EmailAlreadyExists, InvalidCredentials, TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import USER_EMAIL_CHANGE_REQUESTED
from taskflow.services.read_models import AuthResult
from taskflow.testing import FakeClock, one_time_token

PASSWORD = "correct horse battery staple"
ROUNDS = 6


@pytest.mark.slow
def test_two_confirmations_of_one_address_one_wins(
    tf: TaskFlow, events: RecordingEventPublisher
) -> None:
    for round_ in range(ROUNDS):
        target = f"wanted-{round_}@example.com"
        tokens, users = [], []
        for who in ("a", "b"):
            user = tf.auth.signup(email=f"{who}-{round_}@example.com", password=PASSWORD, name=who)
            tf.auth.request_email_change(user.user.id, password=PASSWORD, new_email=target)
            tokens.append(one_time_token(tf, events.named(USER_EMAIL_CHANGE_REQUESTED)[-1]))
            users.append(user)
        outcomes = race(*(lambda t=t: tf.auth.confirm_email_change(t) for t in tokens))
        winners = [i for i, outcome in enumerate(outcomes) if outcome is None]
        losers = [o for o in outcomes if isinstance(o, EmailAlreadyExists)]
        assert (len(winners), len(losers)) == (1, 1), outcomes
        emails = [tf.auth.me(user.user.id).email for user in users]
        assert emails.count(target) == 1
        loser = 1 - winners[0]
        assert emails[loser] == users[loser].user.email


@pytest.mark.slow
def test_a_login_racing_the_erasure_never_gets_both(tf: TaskFlow, clock: FakeClock) -> None:
    for round_ in range(ROUNDS):
        email = f"leaving-{round_}@example.com"
        user = tf.auth.signup(email=email, password=PASSWORD, name="Leaving").user
        tf.auth.request_deletion(user.id, password=PASSWORD)
        clock.advance(timedelta(days=7))
        login, erased = race(
            lambda email=email: tf.auth.login(email=email, password=PASSWORD),
            tf.auth.erase_due,
        )
        if isinstance(login, AuthResult):
            assert erased == 0
            assert tf.auth.me(user.id).email == email
            assert tf.auth.profile(user.id).deletion_due_at is None
            tf.auth.validate_token(login.token)
        else:
            assert isinstance(login, InvalidCredentials), login
            assert erased == 1
            with tf.uow_factory(read_only=True) as uow:
                stored = uow.users.get(user.id)
            assert stored is not None
            assert stored.is_erased
            assert stored.email != email
            assert tf.auth.list_sessions(user.id) == []
