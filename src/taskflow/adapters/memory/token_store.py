"""In-memory token store: sessions and the access-token denylist, behind a lock."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import attrs

from taskflow.domain.models import Session

__all__ = ["InMemoryTokenStore"]


class InMemoryTokenStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[UUID, Session] = {}
        self._denied: dict[str, datetime] = {}

    def add_session(self, session: Session) -> None:
        with self._lock:
            self._sessions[session.id] = session

    def get_session(self, session_id: UUID) -> Session | None:
        with self._lock:
            return self._sessions.get(session_id)

    def rotate_session(
        self, session_id: UUID, expected_jti: str, new_jti: str, now: datetime
    ) -> bool:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or not session.is_active(now):
                return False
            if session.refresh_jti != expected_jti:
                return False
            self._sessions[session_id] = attrs.evolve(
                session, refresh_jti=new_jti, last_used_at=now
            )
            return True

    def revoke_session(self, session_id: UUID, now: datetime) -> bool:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or session.revoked_at is not None:
                return False
            self._sessions[session_id] = attrs.evolve(session, revoked_at=now)
            return True

    def revoke_user_sessions(
        self, user_id: UUID, now: datetime, *, keep: UUID | None = None
    ) -> int:
        with self._lock:
            ended = 0
            for session in list(self._sessions.values()):
                if session.user_id == user_id and session.id != keep and session.is_active(now):
                    self._sessions[session.id] = attrs.evolve(session, revoked_at=now)
                    ended += 1
            return ended

    def list_sessions(self, user_id: UUID, now: datetime) -> Sequence[Session]:
        with self._lock:
            active = [
                s for s in self._sessions.values() if s.user_id == user_id and s.is_active(now)
            ]
        return sorted(active, key=lambda s: (s.created_at, s.id), reverse=True)

    def purge_expired(self, now: datetime) -> int:
        with self._lock:
            sessions = [key for key, s in self._sessions.items() if s.expires_at <= now]
            denied = [jti for jti, until in self._denied.items() if until <= now]
            for key in sessions:
                del self._sessions[key]
            for jti in denied:
                del self._denied[jti]
            return len(sessions) + len(denied)

    def deny(self, jti: str, expires_at: datetime) -> None:
        with self._lock:
            self._denied[jti] = expires_at

    def is_denied(self, jti: str, now: datetime) -> bool:
        with self._lock:
            # Drop entries whose token expired anyway, so the denylist stays small.
            for expired in [j for j, until in self._denied.items() if until <= now]:
                del self._denied[expired]
            return jti in self._denied

    def check_access(self, jti: str, session_id: UUID, user_id: UUID, now: datetime) -> bool:
        with self._lock:
            denied_until = self._denied.get(jti)
            if denied_until is not None and denied_until > now:
                return False
            session = self._sessions.get(session_id)
            return session is not None and session.user_id == user_id and session.is_active(now)
