"""taskflow in one file: sign up, log in, ask who I am, make a team and a task.

Run it from the repository root:

    python -m venv .venv && .venv/bin/pip install -e '.[all]'
    .venv/bin/python examples/quickstart.py

It runs on the in-memory adapters (``DATABASE_URL=memory://``), so it needs no database
and leaves nothing behind but ``taskflow-data/generated-secrets.json``: with no
``JWT_SECRET``/``REFRESH_SECRET`` set, taskflow generates a pair once and warns that
production must set its own.
"""

from __future__ import annotations

import logging

from taskflow import InvalidCredentials, TaskFlow, TokenRevoked
from taskflow.settings import Settings


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with TaskFlow.from_settings(Settings(database_url="memory://")) as tf:
        signup = tf.auth.signup(
            email="Sara@Example.com", password="correct horse battery", name="سارا رضایی"
        )
        print(f"signed up:  {signup.user.email} ({signup.user.name})")

        try:
            tf.auth.login(email="sara@example.com", password="wrong password")
        except InvalidCredentials as error:
            print(f"wrong password refused: {error.code} ({error.status})")

        login = tf.auth.login(email="sara@example.com", password="correct horse battery")
        print(f"logged in:  session {login.session_id}, token expires at {login.expires_at}")

        principal = tf.auth.validate_token(login.token)
        me = tf.auth.me(principal.user_id)
        print(f"me:         {me.name} <{me.email}>, verified={me.email_verified}")

        team = tf.teams.create(me.id, name="طراحی")
        task = tf.tasks.create(me.id, team.id, title="طراحی صفحه اصلی", priority="high")
        done = tf.tasks.complete(me.id, task.id)
        print(f"team:       {team.name}; task {done.title!r} is {done.status.value}")

        tf.auth.logout(login.token)
        try:
            tf.auth.validate_token(login.token)
        except TokenRevoked as error:
            print(f"logged out: the access token is refused ({error.code})")


if __name__ == "__main__":
    main()
