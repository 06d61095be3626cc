// The account: email verification, password change, and the signed-in devices (sessions).
import { useState } from "preact/hooks";
import { api, call } from "../api";
import { formatDate, strings } from "../i18n";
import { me } from "../session";
import { useSignal } from "../signal";
import { ErrorBox, Field, Loading, Notice, useAction, useLoad } from "../ui";

export function AccountPage() {
  const t = strings();
  const user = useSignal(me);
  const sessions = useLoad(() => call(() => api.GET("/auth/sessions")), []);
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [changed, setChanged] = useState(false);
  const [sent, setSent] = useState(false);
  const password = useAction();
  const devices = useAction();
  const verify = useAction();
  return (
    <main>
      <h1>{t.account}</h1>
      {user ? (
        <section class="card" aria-label={t.email}>
          <h2>{t.email}</h2>
          <p><bdi>{user.email}</bdi></p>
          {user.email_verified ? null : (
            <>
              <p>{t.emailNotVerified}</p>
              <ErrorBox error={verify.error} />
              {sent ? <Notice>{t.verificationSent}</Notice> : null}
              <button type="button" disabled={verify.busy} onClick={async () => {
                await verify.run(() => call(() => api.POST("/auth/verify-email")));
                setSent(true);
              }}>{t.sendVerification}</button>
            </>
          )}
        </section>
      ) : null}
      <form
        class="card"
        aria-label={t.changePassword}
        onSubmit={async (event) => {
          event.preventDefault();
          setChanged(false);
          const body = { current_password: current, new_password: next };
          const done = await password.run(async () => {
            await call(() => api.POST("/auth/password", { body }));
            return true;
          });
          if (done) {
            setCurrent("");
            setNext("");
            setChanged(true);
            sessions.reload();
          }
        }}
      >
        <h2>{t.changePassword}</h2>
        <Field label={t.currentPassword} name="current_password" type="password" value={current} onInput={setCurrent} required autocomplete="current-password" />
        <Field label={t.newPassword} name="new_password" type="password" value={next} onInput={setNext} required autocomplete="new-password" minLength={8} />
        <ErrorBox error={password.error} />
        {changed ? <Notice>{t.saved}</Notice> : null}
        <button type="submit" disabled={password.busy}>{t.changePassword}</button>
      </form>
      <section class="card" aria-label={t.sessions}>
        <h2>{t.sessions}</h2>
        <ErrorBox error={sessions.error ?? devices.error} />
        {sessions.data === undefined && !sessions.error ? <Loading /> : null}
        <ul class="list">
          {(sessions.data?.items ?? []).map((session) => (
            <li key={session.id}>
              <span>{formatDate(session.created_at)}</span>
              <span class="muted">{formatDate(session.last_used_at)}</span>
              {session.current ? (
                <span class="badge">{t.thisDevice}</span>
              ) : (
                <button type="button" disabled={devices.busy} onClick={async () => {
                  await devices.run(() => call(() => api.DELETE("/auth/sessions/{session_id}", { params: { path: { session_id: session.id } } })));
                  sessions.reload();
                }}>{t.endSession}</button>
              )}
            </li>
          ))}
        </ul>
        <button type="button" disabled={devices.busy} onClick={async () => {
          await devices.run(() => call(() => api.DELETE("/auth/sessions")));
          sessions.reload();
        }}>{t.endOthers}</button>
      </section>
    </main>
  );
}
