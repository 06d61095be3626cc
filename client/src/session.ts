// Who is signed in, the unread count, and the language that follows the user's own.
import { api, call, isSignedIn, logIn, logOut, refreshSession, signUp } from "./api";
import type { Language, Me } from "./api";
import { language, setLanguage } from "./i18n";
import { signal } from "./signal";

export const me = signal<Me | null>(null);
export const ready = signal(false);
export const unread = signal(0);

export async function start(): Promise<void> {
  try {
    if (await refreshSession()) await loadMe();
  } catch {
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
