"""The hand-rolled peer of taskflow's task endpoints (bench/http.py; not a test).

What a developer would write in an afternoon with the usual stack: FastAPI, SQLAlchemy 2's
async ORM on asyncpg, PyJWT, pydantic response models, ``Depends`` for the session and
the user. It serves ``GET /teams/{team_id}/tasks`` (a keyset page, newest first) and
``POST /teams/{team_id}/tasks`` (membership check, then the INSERT).

It reads and writes taskflow's own tables (``taskflow_tasks``, ``taskflow_team_members``)
in the same PostgreSQL database, and checks the access tokens taskflow issues (same
secret, issuer and audience): both servers then answer from the very same rows through the
very same indexes, and the benchmark seeds the data once. It does less than taskflow per
request (no session or revocation check, no rate limit, no activity row, no outbox row,
no request id or security headers): that is the point of the comparison.

Run it in the fastapi-users venv (``/tmp/fastapi-users-bench``: FastAPI, SQLAlchemy 2,
asyncpg, uvicorn, PyJWT), one worker::

    PEER_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/taskflow_bench \
    PEER_JWT_SECRET=... uvicorn tasks_app:app --log-level warning --no-access-log
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Annotated, Literal

import jwt
from fastapi import Depends, FastAPI, HTTPException, Query, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, Integer, String, Text, Uuid, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE_URL = os.environ["PEER_DATABASE_URL"]
JWT_SECRET = os.environ["PEER_JWT_SECRET"]
TABLE_PREFIX = os.environ.get("PEER_TABLE_PREFIX", "taskflow_")

# The pool the size of taskflow's default (TASKFLOW_DB_POOL_SIZE 5, SQLAlchemy's overflow).
engine = create_async_engine(DATABASE_URL, pool_size=5, max_overflow=10)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Membership(Base):
    __tablename__ = TABLE_PREFIX + "team_members"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(20))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Task(Base):
    __tablename__ = TABLE_PREFIX + "tasks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="todo")
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    due_date: Mapped[date | None]
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=10_000)
    status: Literal["todo", "in_progress", "done"] = "todo"
    priority: Literal["low", "medium", "high"] = "medium"
    assignee_id: uuid.UUID | None = None
    due_date: date | None = None


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    team_id: uuid.UUID
    title: str
    description: str | None
    status: str
    priority: str
    assignee_id: uuid.UUID | None
    created_by: uuid.UUID
    due_date: date | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class TaskPage(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None


app = FastAPI(title="tasks (hand-rolled peer)")
bearer = HTTPBearer()


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def current_user_id(
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
) -> uuid.UUID:
    try:
        claims = jwt.decode(
            credentials.credentials,
            JWT_SECRET,
            algorithms=["HS256"],
            audience="taskflow",
            issuer="taskflow",
        )
    except jwt.PyJWTError:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid token") from None
    if claims.get("type") != "access":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid token")
    return uuid.UUID(claims["sub"])


UserIdDep = Annotated[uuid.UUID, Depends(current_user_id)]


async def require_member(session: AsyncSession, team_id: uuid.UUID, user_id: uuid.UUID) -> None:
    membership = await session.scalar(
        select(Membership).where(Membership.team_id == team_id, Membership.user_id == user_id)
    )
    if membership is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Not a member of this team")


def encode_cursor(task: Task) -> str:
    return base64.urlsafe_b64encode(f"{task.created_at.isoformat()}|{task.id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created_at, task_id = base64.urlsafe_b64decode(cursor).decode().split("|")
        return datetime.fromisoformat(created_at), uuid.UUID(task_id)
    except ValueError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Bad cursor") from None


@app.get("/teams/{team_id}/tasks", response_model=TaskPage)
async def list_tasks(
    team_id: uuid.UUID,
    session: SessionDep,
    user_id: UserIdDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: str | None = None,
) -> TaskPage:
    await require_member(session, team_id, user_id)
    query = select(Task).where(Task.team_id == team_id, Task.deleted_at.is_(None))
    if cursor is not None:
        created_at, task_id = decode_cursor(cursor)
        query = query.where(tuple_(Task.created_at, Task.id) < tuple_(created_at, task_id))
    query = query.order_by(Task.created_at.desc(), Task.id.desc()).limit(limit + 1)
    tasks = list(await session.scalars(query))
    next_cursor = encode_cursor(tasks[limit - 1]) if len(tasks) > limit else None
    return TaskPage(
        items=[TaskOut.model_validate(task) for task in tasks[:limit]], next_cursor=next_cursor
    )


@app.post("/teams/{team_id}/tasks", response_model=TaskOut, status_code=201)
async def create_task(
    team_id: uuid.UUID, body: TaskIn, session: SessionDep, user_id: UserIdDep
) -> Task:
    await require_member(session, team_id, user_id)
    now = datetime.now(UTC)
    task = Task(
        team_id=team_id,
        created_by=user_id,
        created_at=now,
        updated_at=now,
        completed_at=now if body.status == "done" else None,
        **body.model_dump(),
    )
    session.add(task)
    await session.commit()
    return task
