// Sign in, sign up, the password reset request, and the three pages the mails link to.
import { useEffect, useState } from "preact/hooks";
import { api, call } from "../api";
import { strings } from "../i18n";
import { go, href, returnAfterSignIn } from "../router";
import { me, refreshMe, register, signIn } from "../session";
import { useSignal } from "../signal";
import { ErrorBox, Field, Loading, Notice, useAction } from "../ui";

type Heading = "h1" | "h2";

export function SignInForm({ onDone, heading: H = "h1" }: { onDone?: () => void; heading?: Heading }) {
  const t = strings();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { error, busy, run } = useAction();
  return (
    <form
      class="card"
      aria-label={t.signIn}
      onSubmit={async (event) => {
        event.preventDefault();
        await run(() => signIn(email, password));
        if (me.get()) onDone ? onDone() : returnAfterSignIn();
      }}
    >
      <H>{t.signIn}</H>
      <Field label={t.email} name="email" type="email" value={email} onInput={setEmail} required autocomplete="username" />
      <Field label={t.password} name="password" type="password" value={password} onInput={setPassword} required autocomplete="current-password" />
      <ErrorBox error={error} />
      <button type="submit" disabled={busy}>{t.signIn}</button>
    </form>
  );
}

export function SignUpForm({ onDone, heading: H = "h1" }: { onDone?: () => void; heading?: Heading }) {
  const t = strings();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { error, busy, run } = useAction();
  return (
    <form
      class="card"
      aria-label={t.signUp}
      onSubmit={async (event) => {
        event.preventDefault();
        await run(() => register(name, email, password));
        if (me.get()) onDone ? onDone() : returnAfterSignIn();
      }}
    >
      <H>{t.signUp}</H>
      <Field label={t.name} name="name" value={name} onInput={setName} required autocomplete="name" />
      <Field label={t.email} name="email" type="email" value={email} onInput={setEmail} required autocomplete="username" />
      <Field label={t.password} name="password" type="password" value={password} onInput={setPassword} required autocomplete="new-password" minLength={8} />
      <ErrorBox error={error} />
      <button type="submit" disabled={busy}>{t.signUp}</button>
    </form>
  );
}

export function LoginPage() {
  const t = strings();
  return (
    <main>
      <SignInForm />
      <p>
        {t.noAccount} <a href={href("/signup")}>{t.signUp}</a> · <a href={href("/forgot")}>{t.forgotPassword}</a>
      </p>
    </main>
  );
}

export function SignUpPage() {
  const t = strings();
  return (
    <main>
      <SignUpForm />
      <p>
        {t.haveAccount} <a href={href("/login")}>{t.signIn}</a>
      </p>
    </main>
  );
}

export function ForgotPage() {
  const t = strings();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const { error, busy, run } = useAction();
  return (
    <main>
      <form
        class="card"
        aria-label={t.forgotPassword}
        onSubmit={async (event) => {
          event.preventDefault();
          await run(() => call(() => api.POST("/auth/password-reset", { body: { email } })));
          setSent(true);
        }}
      >
        <h1>{t.forgotPassword}</h1>
        <Field label={t.email} name="email" type="email" value={email} onInput={setEmail} required />
        <ErrorBox error={error} />
        {sent && !error ? <Notice>{t.resetSent}</Notice> : null}
        <button type="submit" disabled={busy}>{t.sendResetLink}</button>
      </form>
    </main>
  );
}

export function ResetPasswordPage({ token }: { token: string }) {
  const t = strings();
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const { error, busy, run } = useAction();
  return (
    <main>
      <form
        class="card"
        aria-label={t.resetPassword}
        onSubmit={async (event) => {
          event.preventDefault();
          const body = { token, new_password: password };
          await run(() => call(() => api.POST("/auth/password-reset/confirm", { body })));
          setDone(true);
        }}
      >
        <h1>{t.resetPassword}</h1>
        <Field label={t.newPassword} name="new_password" type="password" value={password} onInput={setPassword} required autocomplete="new-password" minLength={8} />
        <ErrorBox error={error} />
        {done && !error ? (
          <Notice>
            {t.passwordChanged} <a href={href("/login")}>{t.signIn}</a>
          </Notice>
        ) : (
          <button type="submit" disabled={busy}>{t.save}</button>
        )}
      </form>
    </main>
  );
}

export function VerifyEmailPage({ token }: { token: string }) {
  const t = strings();
  const [state, setState] = useState<"working" | "done" | "failed">("working");
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    call(() => api.POST("/auth/verify-email/confirm", { body: { token } })).then(
      () => {
        setState("done");
        refreshMe().catch(() => undefined);
      },
      (failure: unknown) => {
        setError(failure);
        setState("failed");
      },
    );
  }, [token]);
  return (
    <main>
      <section class="card">
        <h1>{t.verifyEmail}</h1>
        {state === "working" ? <Loading /> : null}
        {state === "done" ? <Notice>{t.emailVerified}</Notice> : null}
        <ErrorBox error={error} />
        <a href={href("/")}>{t.teams}</a>
      </section>
    </main>
  );
}

export function InvitePage({ token }: { token: string }) {
  const t = strings();
  const user = useSignal(me);
  const [mode, setMode] = useState<"signin" | "signup">("signup");
  const { error, busy, run } = useAction();
  const accept = async () => {
    const team = await run(() => call(() => api.POST("/auth/invite/accept", { body: { token } })));
    if (team) {
      await refreshMe().catch(() => undefined);
      go(`/teams/${team.id}`);
    }
  };
  return (
    <main>
      <section class="card">
        <h1>{t.invite}</h1>
        {user ? (
          <>
            <ErrorBox error={error} />
            <button type="button" onClick={accept} disabled={busy}>{t.acceptInvite}</button>
          </>
        ) : (
          <>
            <p>{t.inviteSignIn}</p>
            <div class="tabs" role="group">
              <button type="button" aria-pressed={mode === "signup"} onClick={() => setMode("signup")}>{t.signUp}</button>
              <button type="button" aria-pressed={mode === "signin"} onClick={() => setMode("signin")}>{t.signIn}</button>
            </div>
          </>
        )}
      </section>
      {user ? null : mode === "signup" ? <SignUpForm heading="h2" onDone={() => undefined} /> : <SignInForm heading="h2" onDone={() => undefined} />}
    </main>
  );
}
