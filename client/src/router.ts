// Hash routes for the app's own pages (#/teams/…): the API owns those paths on the
// server. The pages the mails link to are real paths (config.pages), answered with the
// same index.html by the server.
import { config } from "./config";
import { signal } from "./signal";

export type Route =
  | { page: "home" }
  | { page: "login" }
  | { page: "signup" }
  | { page: "forgot" }
  | { page: "team"; id: string }
  | { page: "task"; id: string }
  | { page: "my-tasks" }
  | { page: "inbox" }
  | { page: "preferences" }
  | { page: "account" }
  | { page: "invite"; token: string }
  | { page: "verify-email"; token: string }
  | { page: "reset-password"; token: string }
  | { page: "not-found" };

function mailPage(): Route | null {
  const here = location.pathname.replace(/\/+$/, "");
  const token = new URLSearchParams(location.search).get("token") ?? "";
  const prefix = config.root.replace(/\/+$/, "");
  const pages = config.pages;
  if (here === prefix + pages.invite) return { page: "invite", token };
  if (here === prefix + pages.verify_email) return { page: "verify-email", token };
  if (here === prefix + pages.reset_password) return { page: "reset-password", token };
  // The task mails' link (/tasks/{id}): the server answers it with this page for a
  // browser's navigation.
  const [before, after] = (prefix + pages.task).split("{id}");
  if (here.startsWith(before) && here.endsWith(after ?? "")) {
    const id = here.slice(before.length, here.length - (after ?? "").length);
    if (id && !id.includes("/")) return { page: "task", id };
  }
  return null;
}

export function parse(): Route {
  const mail = mailPage();
  if (mail) return mail;
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const [first, second] = parts;
  if (!first) return { page: "home" };
  if (first === "teams" && second) return { page: "team", id: second };
  if (first === "tasks" && second) return { page: "task", id: second };
  if (["login", "signup", "forgot", "my-tasks", "inbox", "preferences", "account"].includes(first)) {
    return { page: first } as Route;
  }
  return { page: "not-found" };
}

export const route = signal<Route>(parse());

addEventListener("hashchange", () => route.set(parse()));
addEventListener("popstate", () => route.set(parse()));

/** Go to an app page (``#/teams/…``), leaving a mail page's path for the client's root. */
export function go(hash: string): void {
  if (location.pathname !== config.root || location.search) {
    history.pushState(null, "", `${config.root}#${hash}`);
  } else {
    location.hash = hash;
  }
  route.set(parse());
}

export function href(hash: string): string {
  return `${config.root}#${hash}`;
}

const RETURN_KEY = "taskflow.returnTo";

/** Remember the page a signed-out reader opened (a mail's task link), for after sign-in. */
export function rememberPage(): void {
  sessionStorage.setItem(RETURN_KEY, location.pathname + location.search + location.hash);
}

/** After signing in: back to the remembered page, else the teams. */
export function returnAfterSignIn(): void {
  const back = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  if (back && back.startsWith(config.root) && !back.includes("#/login") && !back.includes("#/signup")) {
    history.pushState(null, "", back);
    route.set(parse());
  } else {
    go("/");
  }
}
