// Teams: the list (and a new one), and a team's page: its tasks with filters, sort and
// cursor paging, a new task, its members and invites.
import { useState } from "preact/hooks";
import { api, call } from "../api";
import type { Member, Priority, Task, TaskStatus, Team } from "../api";
import { formatDate, strings } from "../i18n";
import { go, href } from "../router";
import { me, refreshMe } from "../session";
import { useSignal } from "../signal";
import { ErrorBox, Field, Loading, Notice, Select, useAction, useLoad } from "../ui";
import { Members, PendingInvites } from "./team-admin";

export function HomePage() {
  const t = strings();
  const user = useSignal(me);
  const [name, setName] = useState("");
  const { error, busy, run } = useAction();
  const teams = user?.teams ?? [];
  return (
    <main>
      <h1>{t.teams}</h1>
      {teams.length ? (
        <ul class="list" aria-label={t.teams}>
          {teams.map((team) => (
            <li key={team.id}>
              <a href={href(`/teams/${team.id}`)}>{team.name}</a> <span class="badge">{t.roles[team.role]}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <form
        class="card"
        aria-label={t.newTeam}
        onSubmit={async (event) => {
          event.preventDefault();
          const team = await run(() => call(() => api.POST("/teams", { body: { name } })));
          if (team) {
            setName("");
            await refreshMe();
            go(`/teams/${team.id}`);
          }
        }}
      >
        <h2>{t.newTeam}</h2>
        <Field label={t.teamName} name="team_name" value={name} onInput={setName} required />
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>{t.create}</button>
      </form>
    </main>
  );
}

type StatusFilter = TaskStatus | "";
type PriorityFilter = Priority | "";
type Sort = "created_at" | "updated_at" | "due_date" | "priority";

interface Filters {
  status: StatusFilter;
  priority: PriorityFilter;
  q: string;
  sort: Sort;
}

export function TaskList({ teamId, members, version }: { teamId: string | null; members?: Member[]; version: number }) {
  const t = strings();
  const user = useSignal(me);
  const [filters, setFilters] = useState<Filters>({ status: "", priority: "", q: "", sort: "created_at" });
  const [more, setMore] = useState<{ items: Task[]; cursor: string | null }>({ items: [], cursor: null });
  const { error: moreError, run } = useAction();
  const query = (cursor?: string | null) => ({
    ...(filters.status ? { status: [filters.status] } : {}),
    ...(filters.priority ? { priority: [filters.priority] } : {}),
    ...(filters.q ? { q: filters.q } : {}),
    ...(teamId ? {} : { assignee_id: user?.id }),
    sort: filters.sort,
    order: (filters.sort === "due_date" ? "asc" : "desc") as "asc" | "desc",
    limit: 20,
    ...(cursor ? { cursor } : {}),
  });
  const fetchPage = (cursor?: string | null) =>
    teamId
      ? call(() => api.GET("/teams/{team_id}/tasks", { params: { path: { team_id: teamId }, query: query(cursor) } }))
      : call(() => api.GET("/me/tasks", { params: { query: query(cursor) } }));
  const { data, error } = useLoad(async () => {
    const page = await fetchPage();
    setMore({ items: page.items, cursor: page.next_cursor ?? null });
    return page;
  }, [teamId, filters.status, filters.priority, filters.q, filters.sort, version]);
  const set = <K extends keyof Filters>(key: K) => (value: Filters[K]) => setFilters({ ...filters, [key]: value });
  const names = new Map((members ?? []).map((m) => [m.user_id, m.name]));
  return (
    <section aria-label={t.tasks}>
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <Select<StatusFilter> label={t.status} name="filter_status" value={filters.status} onChange={set("status")}
          options={[["", t.all], ["todo", t.statuses.todo], ["in_progress", t.statuses.in_progress], ["done", t.statuses.done]]} />
        <Select<PriorityFilter> label={t.priority} name="filter_priority" value={filters.priority} onChange={set("priority")}
          options={[["", t.all], ["high", t.priorities.high], ["medium", t.priorities.medium], ["low", t.priorities.low]]} />
        <Select<Sort> label={t.sort} name="sort" value={filters.sort} onChange={set("sort")}
          options={(["created_at", "updated_at", "due_date", "priority"] as Sort[]).map((s) => [s, t.sorts[s]])} />
        <Field label={t.search} name="q" type="search" value={filters.q} onInput={set("q")} />
      </form>
      <ErrorBox error={error} />
      {data === undefined && !error ? <Loading /> : null}
      {data && !more.items.length ? <p>{t.noTasks}</p> : null}
      <ul class="tasks">
        {more.items.map((task) => (
          <li key={task.id} class={`task status-${task.status}`}>
            <a href={href(`/tasks/${task.id}`)}>{task.title}</a>
            <span class="badge">{t.statuses[task.status]}</span>
            <span class={`badge priority-${task.priority}`}>{t.priorities[task.priority]}</span>
            {task.assignee ? <span class="muted">{task.assignee.name ?? names.get(task.assignee.id)}</span> : null}
            {task.due_date ? <span class="muted">{formatDate(task.due_date)}</span> : null}
          </li>
        ))}
      </ul>
      <ErrorBox error={moreError} />
      {more.cursor ? (
        <button
          type="button"
          onClick={() =>
            run(async () => {
              const page = await fetchPage(more.cursor);
              setMore({ items: [...more.items, ...page.items], cursor: page.next_cursor ?? null });
            })
          }
        >
          {t.loadMore}
        </button>
      ) : null}
    </section>
  );
}

function NewTask({ team, members, onCreated }: { team: string; members: Member[]; onCreated: () => void }) {
  const t = strings();
  const [title, setTitle] = useState("");
  const [priority, setPriority] = useState<Priority>("medium");
  const [assignee, setAssignee] = useState("");
  const [due, setDue] = useState("");
  const { error, busy, run } = useAction();
  return (
    <form
      class="card"
      aria-label={t.newTask}
      onSubmit={async (event) => {
        event.preventDefault();
        const body = { title, priority, assignee_id: assignee || null, due_date: due || null };
        const task = await run(() =>
          call(() => api.POST("/teams/{team_id}/tasks", { params: { path: { team_id: team } }, body })),
        );
        if (task) {
          setTitle("");
          onCreated();
        }
      }}
    >
      <h2>{t.newTask}</h2>
      <Field label={t.title} name="title" value={title} onInput={setTitle} required />
      <Select<Priority> label={t.priority} name="priority" value={priority} onChange={setPriority}
        options={[["low", t.priorities.low], ["medium", t.priorities.medium], ["high", t.priorities.high]]} />
      <Select<string> label={t.assignee} name="assignee" value={assignee} onChange={setAssignee}
        options={[["", t.unassigned], ...members.map((m): [string, string] => [m.user_id, m.name])]} />
      <Field label={t.dueDate} name="due_date" type="date" value={due} onInput={setDue} />
      <ErrorBox error={error} />
      <button type="submit" disabled={busy}>{t.create}</button>
    </form>
  );
}

function InviteForm({ team, onSent }: { team: Team; onSent: () => void }) {
  const t = strings();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"member" | "admin">("member");
  const [sent, setSent] = useState(false);
  const { error, busy, run } = useAction();
  return (
    <form
      class="card"
      aria-label={t.inviteMember}
      onSubmit={async (event) => {
        event.preventDefault();
        setSent(false);
        const invite = await run(() => call(() => api.POST("/auth/invite", { body: { team_id: team.id, email, role } })));
        if (invite) {
          setEmail("");
          setSent(true);
          onSent();
        }
      }}
    >
      <h2>{t.inviteMember}</h2>
      <Field label={t.email} name="invite_email" type="email" value={email} onInput={setEmail} required />
      <Select<"member" | "admin"> label={t.role} name="invite_role" value={role} onChange={setRole}
        options={[["member", t.roles.member], ["admin", t.roles.admin]]} />
      <ErrorBox error={error} />
      {sent ? <Notice>{t.inviteSent}</Notice> : null}
      <button type="submit" disabled={busy}>{t.sendInvite}</button>
    </form>
  );
}

export function TeamPage({ id }: { id: string }) {
  const t = strings();
  const [version, setVersion] = useState(0);
  const [invites, setInvites] = useState(0);
  const team = useLoad(() => call(() => api.GET("/teams/{team_id}", { params: { path: { team_id: id } } })), [id]);
  const members = useLoad(
    () => call(() => api.GET("/teams/{team_id}/members", { params: { path: { team_id: id } } })),
    [id],
  );
  if (team.error) return <main><ErrorBox error={team.error} /></main>;
  if (!team.data) return <main><Loading /></main>;
  const canInvite = team.data.role !== "member";
  const people = members.data?.items ?? [];
  return (
    <main>
      <h1>{team.data.name}</h1>
      <div class="columns">
        <div>
          <h2>{t.tasks}</h2>
          <TaskList teamId={id} members={people} version={version} />
        </div>
        <aside>
          <NewTask team={id} members={people} onCreated={() => setVersion((n) => n + 1)} />
          <ErrorBox error={members.error} />
          <Members team={team.data} members={people} onChange={() => { members.reload(); team.reload(); }} />
          {canInvite ? <InviteForm team={team.data} onSent={() => setInvites((n) => n + 1)} /> : null}
          {canInvite ? <PendingInvites team={team.data} version={invites} /> : null}
        </aside>
      </div>
    </main>
  );
}

export function MyTasksPage() {
  const t = strings();
  return (
    <main>
      <h1>{t.myTasks}</h1>
      <TaskList teamId={null} version={0} />
    </main>
  );
}
