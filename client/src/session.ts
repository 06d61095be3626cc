// Who is signed in, the unread count, and the language that follows the user's own.
import { api, call, isSignedIn, logIn, logOut, refreshSession, setHostedSession, signUp } from "./api";
import { config } from "./config";
import type { Language, Me } from "./api";
import { language, setLanguage } from "./i18n";
import { signal } from "./signal";

export const me = signal<Me | null>(null);
export const ready = signal(false);
export const unread = signal(0);

export async function start(): Promise<void> {
  try {
    if (config.hosted) {
      // Identity mode: the host's login is the session; /auth/me answers 401 without it.
      setHostedSession(true);
      await loadMe();
    } else if (await refreshSession()) {
      await loadMe();
    }
  } catch {
    setHostedSession(false);
    me.set(null);
  } finally {
    ready.set(true);
  }
}

async function loadMe(): Promise<void> {
  me.set(await call(() => api.GET("/auth/me")));
  const preferences = await call(() => api.GET("/notifications/preferences"));
  if (preferences.language === "fa" || preferences.language === "en") {
    setLanguage(preferences.language);
  }
  await refreshUnread();
}

export async function signIn(email: string, password: string): Promise<void> {
  await logIn(email, password);
  await loadMe();
}

export async function register(name: string, email: string, password: string): Promise<void> {
  await signUp(name, email, password, language.get());
  await loadMe();
}

export async function signOut(): Promise<void> {
  if (config.hosted) {
    // The host's session: its own logout ends it.
    location.assign(config.hosted.logout ?? config.hosted.login);
    return;
  }
  await logOut().catch(() => undefined);
  me.set(null);
  unread.set(0);
}

export async function refreshMe(): Promise<void> {
  if (isSignedIn()) me.set(await call(() => api.GET("/auth/me")));
}

export async function refreshUnread(): Promise<void> {
  if (!isSignedIn()) return;
  try {
    unread.set((await call(() => api.GET("/notifications/unread-count"))).unread);
  } catch {
    // Offline or signed out: the count stays as it was.
  }
}

export async function chooseLanguage(next: Language): Promise<void> {
  setLanguage(next);
  if (isSignedIn()) {
    await call(() => api.PUT("/notifications/preferences", { body: { language: next } }));
  }
}
