// A task: its fields, edit (with the version check), assign, complete, reopen, delete and
// restore; its comments and its activity.
import { useState } from "preact/hooks";
import { api, call } from "../api";
import type { ApiError, Priority, Task } from "../api";
import { formatDate, strings } from "../i18n";
import { href } from "../router";
import { ErrorBox, Field, Loading, Select, useAction, useLoad } from "../ui";

function EditTask({ task, onSaved, onConflict }: { task: Task; onSaved: (task: Task) => void; onConflict: () => void }) {
  const t = strings();
  const [title, setTitle] = useState(task.title);
  const [description, setDescription] = useState(task.description ?? "");
  const [priority, setPriority] = useState<Priority>(task.priority);
  const { error, busy, run } = useAction();
  return (
    <form
      class="card"
      aria-label={t.edit}
      onSubmit={async (event) => {
        event.preventDefault();
        const saved = await run(async () => {
          try {
            return await call(() =>
              api.PATCH("/tasks/{task_id}", {
                params: { path: { task_id: task.id }, header: { "If-Match": `"${task.version}"` } },
                body: { title, description: description || null, priority },
              }),
            );
          } catch (failure) {
            // Changed meanwhile: show the current version (the message says so).
            if ((failure as ApiError).code === "version_conflict") onConflict();
            throw failure;
          }
        });
        if (saved) onSaved(saved);
      }}
    >
      <h2>{t.edit}</h2>
      <Field label={t.title} name="edit_title" value={title} onInput={setTitle} required />
      <Field label={t.description} name="edit_description" value={description} onInput={setDescription} />
      <Select<Priority> label={t.priority} name="edit_priority" value={priority} onChange={setPriority}
        options={[["low", t.priorities.low], ["medium", t.priorities.medium], ["high", t.priorities.high]]} />
      <ErrorBox error={error} />
      <button type="submit" disabled={busy}>{t.save}</button>
    </form>
  );
}

function Comments({ taskId }: { taskId: string }) {
  const t = strings();
  const [content, setContent] = useState("");
  const comments = useLoad(
    () => call(() => api.GET("/tasks/{task_id}/comments", { params: { path: { task_id: taskId }, query: { limit: 100 } } })),
    [taskId],
  );
  const { error, busy, run } = useAction();
  return (
    <section class="card" aria-label={t.comments}>
      <h2>{t.comments}</h2>
      <ErrorBox error={comments.error} />
      {comments.data && !comments.data.items.length ? <p>{t.noComments}</p> : null}
      <ul class="comments">
        {(comments.data?.items ?? []).map((comment) => (
          <li key={comment.id}>
            <strong>{comment.author.name}</strong> <span class="muted">{formatDate(comment.created_at)}</span>
            <p>{comment.content}</p>
          </li>
        ))}
      </ul>
      <form
        aria-label={t.addComment}
        onSubmit={async (event) => {
          event.preventDefault();
          const added = await run(() =>
            call(() => api.POST("/tasks/{task_id}/comments", { params: { path: { task_id: taskId } }, body: { content } })),
          );
          if (added) {
            setContent("");
            comments.reload();
          }
        }}
      >
        <div class="field">
          <label for="comment">{t.addComment}</label>
          <textarea id="comment" name="comment" required value={content}
            onInput={(event) => setContent((event.target as HTMLTextAreaElement).value)} />
        </div>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>{t.addComment}</button>
      </form>
    </section>
  );
}

function ActivityList({ taskId, version, names }: { taskId: string; version: number; names: Map<string, string> }) {
  const t = strings();
  // Values as people read them: a member's name for an id, a status or priority's label.
  const describe = (field: string, value: string | null) => {
    if (value === null) return "—";
    if (field === "assignee_id") return names.get(value) ?? value;
    if (field === "status") return t.statuses[value as keyof typeof t.statuses] ?? value;
    if (field === "priority") return t.priorities[value as keyof typeof t.priorities] ?? value;
    return value;
  };
  const activity = useLoad(
    () => call(() => api.GET("/tasks/{task_id}/activity", { params: { path: { task_id: taskId }, query: { limit: 100 } } })),
    [taskId, version],
  );
  return (
    <section class="card" aria-label={t.activity}>
      <h2>{t.activity}</h2>
      <ErrorBox error={activity.error} />
      <ol class="activity">
        {(activity.data?.items ?? []).map((entry) => (
          <li key={entry.id}>
            <span class="muted">{formatDate(entry.created_at)}</span>{" "}
            <bdi>{names.get(entry.actor_id) ?? ""}</bdi> {t.kinds[entry.kind] ?? entry.kind}
            {entry.field ? <> · <bdi>{describe(entry.field, entry.old_value)}</bdi> → <bdi>{describe(entry.field, entry.new_value)}</bdi></> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function TaskPage({ id }: { id: string }) {
  const t = strings();
  const task = useLoad(() => call(() => api.GET("/tasks/{task_id}", { params: { path: { task_id: id } } })), [id]);
  const [deleted, setDeleted] = useState(false);
  const [editing, setEditing] = useState(false);
  const { error, busy, run } = useAction();
  const members = useLoad(
    async () =>
      task.data
        ? (await call(() => api.GET("/teams/{team_id}/members", { params: { path: { team_id: task.data!.team_id } } }))).items
        : [],
    [task.data?.team_id],
  );
  if (task.error) return <main><ErrorBox error={task.error} /></main>;
  if (!task.data) return <main><Loading /></main>;
  const current = task.data;
  const path = { params: { path: { task_id: current.id } } };
  const act = async (action: () => Promise<Task>) => {
    const changed = await run(action);
    if (changed) task.setData(changed);
  };
  return (
    <main>
      <p><a href={href(`/teams/${current.team_id}`)}>{t.back}</a></p>
      <h1>{current.title}</h1>
      {deleted ? <p class="notice" role="status">{t.deleted}</p> : null}
      <dl class="facts">
        <dt>{t.status}</dt><dd data-field="status">{t.statuses[current.status]}</dd>
        <dt>{t.priority}</dt><dd>{t.priorities[current.priority]}</dd>
        <dt>{t.assignee}</dt><dd>{current.assignee?.name ?? t.unassigned}</dd>
        {current.due_date ? (<><dt>{t.dueDate}</dt><dd>{formatDate(current.due_date)}</dd></>) : null}
      </dl>
      {current.description ? <p class="description">{current.description}</p> : null}
      <div class="actions">
        {deleted ? (
          <button type="button" disabled={busy} onClick={async () => {
            await act(() => call(() => api.POST("/tasks/{task_id}/restore", path)));
            setDeleted(false);
          }}>{t.restore}</button>
        ) : (
          <>
            {current.status === "done" ? (
              <button type="button" disabled={busy} onClick={() => act(() => call(() => api.POST("/tasks/{task_id}/reopen", path)))}>{t.reopen}</button>
            ) : (
              <button type="button" disabled={busy} onClick={() => act(() => call(() => api.POST("/tasks/{task_id}/complete", path)))}>{t.complete}</button>
            )}
            <button type="button" onClick={() => setEditing(!editing)}>{t.edit}</button>
            <button type="button" class="danger" disabled={busy} onClick={async () => {
              await run(() => call(() => api.DELETE("/tasks/{task_id}", path)));
              setDeleted(true);
            }}>{t.delete}</button>
          </>
        )}
      </div>
      <ErrorBox error={error} />
      {!deleted ? (
        <Select<string> label={t.assign} name="assign" value={current.assignee?.id ?? ""}
          onChange={(value) => act(() => call(() => api.POST("/tasks/{task_id}/assign", { ...path, body: { assignee_id: value || null } })))}
          options={[["", t.unassigned], ...(members.data ?? []).map((m): [string, string] => [m.user_id, m.name])]} />
      ) : null}
      {editing ? (
        <EditTask task={current} onConflict={task.reload} onSaved={(saved) => { task.setData(saved); setEditing(false); }} />
      ) : null}
      <div class="columns">
        <Comments taskId={current.id} />
        <ActivityList taskId={current.id} version={current.version}
          names={new Map((members.data ?? []).map((m) => [m.user_id, m.name]))} />
      </div>
    </main>
  );
}
