// The API layer: openapi-fetch typed by the types openapi-typescript generates from the
// server's /openapi.json (npm run openapi), so a contract change breaks this build.
//
// Tokens: the access token lives in this module's memory only. The refresh token is an
// httpOnly cookie this script never sees; POST /auth/cookie/refresh exchanges it, with
// the CSRF header copied from the readable taskflow_csrf cookie.
import createClient from "openapi-fetch";
import type { components, paths } from "./api/schema";
import { config } from "./config";

export type Schemas = components["schemas"];
export type Task = Schemas["TaskOut"];
export type Team = Schemas["TeamOut"];
export type Member = Schemas["MemberOut"];
export type Comment = Schemas["CommentOut"];
export type Activity = Schemas["ActivityOut"];
export type Notification = Schemas["NotificationOut"];
export type Preferences = Schemas["PreferencesOut"];
export type Me = Schemas["UserWithTeamsOut"];
export type Invite = Schemas["InviteOut"];
export type TaskStatus = Schemas["TaskStatus"];
export type Priority = Schemas["Priority"];
export type Language = Schemas["Language"];

export interface ApiError {
  status: number;
  code: string;
  message: string;
  fields?: { field: string; message: string }[];
}

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
// Identity mode: the host's session cookie authenticates every call; no token here.
let hostedSession = false;

export const api = createClient<paths>({ baseUrl: config.api || "" });

api.use({
  onRequest({ request }) {
    if (accessToken && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${accessToken}`);
    }
    return request;
  },
});

export function setAccessToken(token: string | null): void {
  accessToken = token;
}

export function isSignedIn(): boolean {
  return accessToken !== null || hostedSession;
}

export function setHostedSession(signedIn: boolean): void {
  hostedSession = signedIn;
}

function csrfCookie(): string | null {
  const match = document.cookie.split("; ").find((part) => part.startsWith("taskflow_csrf="));
  return match ? decodeURIComponent(match.slice("taskflow_csrf=".length)) : null;
}

/** Exchange the refresh cookie for an access token; false when there is no session. */
export function refreshSession(): Promise<boolean> {
  const csrf = csrfCookie();
  if (!csrf) return Promise.resolve(false);
  refreshing ??= api
    .POST("/auth/cookie/refresh", { params: { header: { "X-CSRF-Token": csrf } } })
    .then(({ data }) => {
      setAccessToken(data ? data.token : null);
      return Boolean(data);
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

export function toError(status: number, body: unknown): ApiError {
  const error = (body as { error?: Omit<ApiError, "status"> } | undefined)?.error;
  if (error && typeof error.code === "string") return { status, ...error };
  return { status, code: status === 0 ? "offline" : "unexpected", message: "" };
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Run one API call; on an expired access token, refresh it once and run it again.
 * Resolves to the data or throws an ApiError (never a blank page: the caller shows it). */
export async function call<T>(run: () => Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await run();
    if (result.response.status === 401 && accessToken && (await refreshSession())) {
      result = await run();
    }
  } catch {
    throw toError(0, undefined);
  }
  if (result.response.ok) return result.data as T;
  throw toError(result.response.status, result.error);
}

export async function logIn(email: string, password: string): Promise<Me> {
  const me = await call(() => api.POST("/auth/cookie/login", { body: { email, password } }));
  setAccessToken(me.token);
  return me.user;
}

export async function signUp(
  name: string,
  email: string,
  password: string,
  language: Language,
): Promise<Me> {
  const created = await call(() =>
    api.POST("/auth/signup", { body: { name, email, password, language } }),
  );
  // The session the browser keeps is the cookie one: the sign-up's own session (whose
  // refresh token came in the body) is ended at once, and its tokens dropped.
  await api.POST("/auth/logout", {
    headers: { Authorization: `Bearer ${created.token}` },
  }).catch(() => undefined);
  return logIn(email, password);
}

export async function logOut(): Promise<void> {
  try {
    await call(() => api.POST("/auth/cookie/logout"));
  } finally {
    setAccessToken(null);
  }
}
