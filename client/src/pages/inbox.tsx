// The notifications inbox: unread first in the count, read, read all, archive.
import { api, call } from "../api";
import type { Notification } from "../api";
import { formatDate, strings } from "../i18n";
import { href } from "../router";
import { refreshUnread } from "../session";
import { ErrorBox, Loading, useAction, useLoad } from "../ui";

export function InboxPage() {
  const t = strings();
  const inbox = useLoad(() => call(() => api.GET("/notifications", { params: { query: { limit: 50 } } })), []);
  const { error, busy, run } = useAction();
  const after = async (action: () => Promise<unknown>) => {
    await run(action);
    inbox.reload();
    await refreshUnread();
  };
  const link = (n: Notification) => {
    const task = n.data["task_id"];
    const team = n.data["team_id"];
    if (typeof task === "string") return href(`/tasks/${task}`);
    if (typeof team === "string") return href(`/teams/${team}`);
    return null;
  };
  return (
    <main>
      <h1>{t.notifications}</h1>
      <button type="button" disabled={busy} onClick={() => after(() => call(() => api.POST("/notifications/read-all")))}>
        {t.markAllRead}
      </button>
      <ErrorBox error={inbox.error ?? error} />
      {inbox.data === undefined && !inbox.error ? <Loading /> : null}
      {inbox.data && !inbox.data.items.length ? <p>{t.noNotifications}</p> : null}
      <ul class="inbox">
        {(inbox.data?.items ?? []).map((n) => {
          const path = { params: { path: { notification_id: n.id } } };
          const target = link(n);
          return (
            <li key={n.id} class={n.read_at ? "read" : "unread"} data-type={n.type}>
              <p>{n.text}</p>
              <span class="muted">{formatDate(n.created_at)}</span>
              {target ? <a href={target}>{t.open}</a> : null}
              {n.read_at ? null : (
                <button type="button" disabled={busy}
                  onClick={() => after(() => call(() => api.POST("/notifications/{notification_id}/read", path)))}>
                  {t.markRead}
                </button>
              )}
              <button type="button" disabled={busy}
                onClick={() => after(() => call(() => api.POST("/notifications/{notification_id}/archive", path)))}>
                {t.archive}
              </button>
            </li>
          );
        })}
      </ul>
    </main>
  );
}
