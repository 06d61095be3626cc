// The app shell: the header (navigation, unread count, language, sign out), the page of
// the current route, the offline notice; and the start: session, service worker.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { config, toHostLogin } from "./config";
import { applyDocumentLanguage, formatNumber, language, strings } from "./i18n";
import { ForgotPage, InvitePage, LoginPage, ResetPasswordPage, SignUpPage, VerifyEmailPage } from "./pages/auth";
import { InboxPage } from "./pages/inbox";
import { AccountPage } from "./pages/account";
import { PreferencesPage } from "./pages/preferences";
import { TaskPage } from "./pages/task";
import { HomePage, MyTasksPage, TeamPage } from "./pages/teams";
import { go, href, rememberPage, route } from "./router";
import type { Route } from "./router";
import { chooseLanguage, me, ready, refreshUnread, signOut, start, unread } from "./session";
import { useSignal } from "./signal";
import { ErrorBox, Loading } from "./ui";

const PUBLIC_PAGES = new Set(["login", "signup", "forgot", "invite", "verify-email", "reset-password"]);
// Identity mode: the host owns accounts; these pages of taskflow's are not shown.
const ACCOUNT_PAGES = new Set(["login", "signup", "forgot", "verify-email", "reset-password", "account"]);

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    addEventListener("online", on);
    addEventListener("offline", off);
    return () => {
      removeEventListener("online", on);
      removeEventListener("offline", off);
    };
  }, []);
  return online;
}

function Header() {
  const t = strings();
  const user = useSignal(me);
  const count = useSignal(unread);
  const lang = useSignal(language);
  const [error, setError] = useState<unknown>(null);
  return (
    <header>
      <a class="brand" href={href("/")}>{t.appName}</a>
      {user ? (
        <nav aria-label={t.appName}>
          <a href={href("/")}>{t.teams}</a>
          <a href={href("/my-tasks")}>{t.myTasks}</a>
          <a href={href("/inbox")} data-unread={count}>
            {t.inbox}
            {count ? <span class="count" aria-label={`${formatNumber(count)} ${t.unread}`}>{formatNumber(count)}</span> : null}
          </a>
          <a href={href("/preferences")}>{t.preferences}</a>
          {config.hosted ? null : <a href={href("/account")}>{t.account}</a>}
        </nav>
      ) : null}
      <div class="tools">
        <button
          type="button"
          lang={lang === "fa" ? "en" : "fa"}
          onClick={() => chooseLanguage(lang === "fa" ? "en" : "fa").catch(setError)}
        >
          {t.switchTo}
        </button>
        {user ? (
          <button type="button" onClick={async () => { await signOut(); go("/login"); }}>{t.signOut}</button>
        ) : null}
      </div>
      <ErrorBox error={error} />
    </header>
  );
}

function Page({ current }: { current: Route }) {
  switch (current.page) {
    case "login": return <LoginPage />;
    case "signup": return <SignUpPage />;
    case "forgot": return <ForgotPage />;
    case "invite": return <InvitePage token={current.token} />;
    case "verify-email": return <VerifyEmailPage token={current.token} />;
    case "reset-password": return <ResetPasswordPage token={current.token} />;
    case "home": return <HomePage />;
    case "team": return <TeamPage id={current.id} />;
    case "task": return <TaskPage id={current.id} />;
    case "my-tasks": return <MyTasksPage />;
    case "inbox": return <InboxPage />;
    case "preferences": return <PreferencesPage />;
    case "account": return <AccountPage />;
    default: return <main><p>{strings().notFound}</p></main>;
  }
}

function App() {
  const current = useSignal(route);
  const user = useSignal(me);
  const isReady = useSignal(ready);
  const lang = useSignal(language);
  const online = useOnline();
  useEffect(() => applyDocumentLanguage(lang), [lang]);
  useEffect(() => {
    if (!user) return;
    const timer = setInterval(() => refreshUnread(), 10_000);
    return () => clearInterval(timer);
  }, [user]);
  useEffect(() => {
    if (!isReady) return;
    if (config.hosted) {
      if (!user) toHostLogin();
      else if (ACCOUNT_PAGES.has(current.page)) go("/");
      return;
    }
    if (!user && !PUBLIC_PAGES.has(current.page)) {
      rememberPage();
      go("/login");
    }
  }, [isReady, user, current.page]);
  // Re-rendered on a language change: every string comes from strings().
  return (
    <div class="app" key={lang}>
      <Header />
      {online ? null : <p class="offline" role="status">{strings().offline}</p>}
      {isReady ? <Page current={current} /> : <main><Loading /></main>}
    </div>
  );
}

applyDocumentLanguage(language.get());
render(<App />, document.getElementById("app")!);
start();

if ("serviceWorker" in navigator && (location.protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(location.hostname))) {
  navigator.serviceWorker.register(`${config.root}sw.js`, { scope: config.root }).catch(() => undefined);
}
