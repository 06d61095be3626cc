// What the server wrote into the page (<meta name="taskflow-config">): where the client
// and the API live, and the paths the mails link to (TASKFLOW_*_LINK_PATH).
export interface ClientConfig {
  root: string;
  api: string;
  pages: { invite: string; verify_email: string; reset_password: string; task: string };
  // Identity mode: the host app's own login (and logout) page; no taskflow account pages.
  hosted?: { login: string; logout: string | null } | null;
}

const defaults: ClientConfig = {
  root: "/",
  api: "",
  hosted: null,
  pages: {
    invite: "/invites/accept",
    verify_email: "/verify-email",
    reset_password: "/reset-password",
    task: "/tasks/{id}",
  },
};

export function readConfig(): ClientConfig {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="taskflow-config"]');
  if (!meta) return defaults;
  try {
    return { ...defaults, ...(JSON.parse(meta.content) as Partial<ClientConfig>) };
  } catch {
    return defaults;
  }
}

export const config = readConfig();

/** Identity mode: send the browser to the host's login page, back here afterwards. */
export function toHostLogin(): void {
  const hosted = config.hosted;
  if (!hosted) return;
  const next = encodeURIComponent(location.pathname + location.search + location.hash);
  location.assign(`${hosted.login}${hosted.login.includes("?") ? "&" : "?"}next=${next}`);
}
