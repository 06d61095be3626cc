// A team's administration: members (role, removal, ownership), pending invites
// (withdraw, resend), leaving the team. What each button may do is the server's call:
// a refusal shows its error.
import { api, call } from "../api";
import type { Member, Team } from "../api";
import { formatDate, strings } from "../i18n";
import { go } from "../router";
import { me, refreshMe } from "../session";
import { useSignal } from "../signal";
import { ErrorBox, useAction, useLoad } from "../ui";

export function Members({ team, members, onChange }: { team: Team; members: Member[]; onChange: () => void }) {
  const t = strings();
  const user = useSignal(me);
  const { error, busy, run } = useAction();
  const admin = team.role !== "member";
  const path = (userId: string) => ({ params: { path: { team_id: team.id, user_id: userId } } });
  const act = async (action: () => Promise<unknown>) => {
    await run(action);
    onChange();
  };
  return (
    <section class="card" aria-label={t.members}>
      <h2>{t.members}</h2>
      <ErrorBox error={error} />
      <ul class="list">
        {members.map((m) => {
          const editable = admin && m.role !== "owner" && m.user_id !== user?.id;
          return (
            <li key={m.user_id}>
              <bdi>{m.name}</bdi> <span class="muted"><bdi>{m.email}</bdi></span>
              {editable ? (
                <select
                  aria-label={`${t.role}: ${m.name}`}
                  value={m.role}
                  disabled={busy}
                  onChange={(event) => {
                    const role = (event.target as HTMLSelectElement).value as "member" | "admin";
                    act(() => call(() => api.PATCH("/teams/{team_id}/members/{user_id}", { ...path(m.user_id), body: { role } })));
                  }}
                >
                  <option value="member">{t.roles.member}</option>
                  <option value="admin">{t.roles.admin}</option>
                </select>
              ) : (
                <span class="badge">{t.roles[m.role]}</span>
              )}
              {editable ? (
                <button type="button" class="danger" disabled={busy}
                  onClick={() => act(() => call(() => api.DELETE("/teams/{team_id}/members/{user_id}", path(m.user_id))))}>
                  {t.remove}
                </button>
              ) : null}
              {team.role === "owner" && m.user_id !== user?.id ? (
                <button type="button" disabled={busy}
                  onClick={() => act(async () => {
                    await call(() => api.POST("/teams/{team_id}/transfer", { params: { path: { team_id: team.id } }, body: { new_owner_id: m.user_id } }));
                    await refreshMe();
                  })}>
                  {t.makeOwner}
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
      <button type="button" disabled={busy} onClick={async () => {
        const left = await run(async () => {
          await call(() => api.POST("/teams/{team_id}/leave", { params: { path: { team_id: team.id } } }));
          return true;
        });
        if (left) {
          await refreshMe();
          go("/");
        }
      }}>{t.leaveTeam}</button>
    </section>
  );
}

export function PendingInvites({ team, version }: { team: Team; version: number }) {
  const t = strings();
  const invites = useLoad(
    () => call(() => api.GET("/teams/{team_id}/invites", { params: { path: { team_id: team.id } } })),
    [team.id, version],
  );
  const { error, busy, run } = useAction();
  const items = invites.data?.items ?? [];
  if (!items.length && !invites.error) return null;
  return (
    <section class="card" aria-label={t.pendingInvites}>
      <h2>{t.pendingInvites}</h2>
      <ErrorBox error={invites.error ?? error} />
      <ul class="list">
        {items.map((invite) => {
          const path = { params: { path: { invite_id: invite.id } } };
          return (
            <li key={invite.id}>
              <bdi>{invite.email}</bdi> <span class="badge">{t.roles[invite.role]}</span>
              <span class="muted">{t.expires} {formatDate(invite.expires_at)}</span>
              <button type="button" disabled={busy}
                onClick={async () => { await run(() => call(() => api.POST("/invites/{invite_id}/resend", path))); invites.reload(); }}>
                {t.resend}
              </button>
              <button type="button" class="danger" disabled={busy}
                onClick={async () => { await run(() => call(() => api.DELETE("/invites/{invite_id}", path))); invites.reload(); }}>
                {t.revoke}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
