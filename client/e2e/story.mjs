// The two-user story in a real browser (Debian's Chromium driven by playwright-core):
// sign up, team, invite mail -> accept page, task assigned -> inbox, comment, complete,
// preferences; then the installability checks (manifest, service worker, offline).
//
//   node e2e/story.mjs <base URL> <fa|en> <artifacts folder>
//
// Run by tests/test_client_browser.py, which started `taskflow serve`. Mail is read by
// the test: this script prints `MAIL <recipient> <words>` and reads the link on stdin.
// On failure it saves a screenshot of each page into the artifacts folder.
import { createInterface } from "node:readline";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [base, lang, artifacts] = process.argv.slice(2);
const screenshots = process.env.TASKFLOW_TEST_SCREENSHOTS; // docs/images, when asked
mkdirSync(artifacts, { recursive: true });
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const T = {
  en: {
    signUp: "Create account", signIn: "Sign in", name: "Name", email: "Email", password: "Password",
    create: "Create", teamName: "Team name", sendInvite: "Send invite", inviteSent: "Invite sent.",
    join: "Join the team", title: "Title", assignee: "Assignee", inbox: "Inbox", open: "Open",
    addComment: "Add comment", complete: "Complete", done: "Done", preferences: "Preferences",
    from: "From", to: "To", save: "Save", saved: "Saved.", offline: "You are offline",
    switchTo: "English", teams: "Teams",
  },
  fa: {
    signUp: "ساخت حساب", signIn: "ورود", name: "نام", email: "ایمیل", password: "گذرواژه",
    create: "ساختن", teamName: "نام تیم", sendInvite: "فرستادن دعوت", inviteSent: "دعوت فرستاده شد.",
    join: "پیوستن به تیم", title: "عنوان", assignee: "مسئول", inbox: "صندوق اعلان‌ها", open: "باز کردن",
    addComment: "افزودن دیدگاه", complete: "انجام شد", done: "انجام‌شده", preferences: "تنظیمات",
    from: "از", to: "تا", save: "ذخیره", saved: "ذخیره شد.", offline: "شما آفلاین هستید",
    switchTo: "فارسی", teams: "تیم‌ها",
  },
}[lang];
const PASSWORD = "correct horse battery staple";
const stamp = Date.now();
const owner = { name: lang === "fa" ? "سارا" : "Sara", email: `sara-${lang}-${stamp}@example.com` };
const member = { name: lang === "fa" ? "امید" : "Omid", email: `omid-${lang}-${stamp}@example.com` };

async function mailLink(recipient, words) {
  console.log(`MAIL ${recipient} ${words}`);
  const { value } = await lines.next();
  if (!value || !value.startsWith("http")) throw new Error(`no mail link: ${value}`);
  return value.trim();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const locale = lang === "fa" ? "fa-IR" : "en-US";
const pages = [];
async function newPage() {
  const context = await browser.newContext({ locale, viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  pages.push(page);
  return page;
}
async function shot(page, name) {
  if (screenshots) await page.screenshot({ path: join(screenshots, `${name}-${lang}.png`), fullPage: true });
}

async function signUp(page, who) {
  await page.getByLabel(T.name, { exact: true }).fill(who.name);
  await page.getByLabel(T.email, { exact: true }).fill(who.email);
  await page.getByLabel(T.password, { exact: true }).fill(PASSWORD);
  await page.locator("form", { has: page.getByRole("heading", { name: T.signUp }) })
    .getByRole("button", { name: T.signUp }).click();
}

let failed = false;
try {
  // --- the owner: sign up in the browser's language, a team, an invite -------------------
  const a = await newPage();
  await a.goto(base + "/");
  await a.waitForURL(/#\/login$/);
  await shot(a, "login");
  const direction = await a.evaluate(() => document.documentElement.dir);
  if (direction !== (lang === "fa" ? "rtl" : "ltr")) throw new Error(`dir is ${direction}`);
  await a.getByRole("link", { name: T.signUp }).click();
  await signUp(a, owner);
  await a.getByRole("heading", { name: T.teams }).waitFor();
  await a.getByLabel(T.teamName).fill(lang === "fa" ? "تیم طراحی" : "Design team");
  await a.getByRole("button", { name: T.create }).click();
  await a.waitForURL(/#\/teams\//);
  const teamUrl = a.url();
  await a.getByLabel(T.email, { exact: true }).fill(member.email);
  await a.getByRole("button", { name: T.sendInvite }).click();
  await a.getByText(T.inviteSent).waitFor();

  // --- the member: the invite mail's link, sign up there, join --------------------------
  const link = await mailLink(member.email, "/invites/accept");
  const b = await newPage();
  await b.goto(link);
  await shot(b, "invite");
  await signUp(b, member);
  await b.getByRole("button", { name: T.join }).click();
  await b.waitForURL(/#\/teams\//);

  // --- the owner assigns a task to the member -------------------------------------------
  await a.reload();
  await a.getByRole("option", { name: member.name }).waitFor({ state: "attached" });
  const taskTitle = lang === "fa" ? "طرح صفحهٔ نخست" : "Draft the home page";
  await a.getByLabel(T.title, { exact: true }).fill(taskTitle);
  await a.getByLabel(T.assignee).selectOption({ label: member.name });
  await a.getByRole("button", { name: T.create }).click();
  await a.getByRole("link", { name: taskTitle }).waitFor();
  await shot(a, "team");

  // --- the member's inbox shows it; comment, complete ------------------------------------
  await b.getByRole("link", { name: T.inbox }).click();
  const item = b.locator('li[data-type="task.assigned"]');
  for (let attempt = 0; attempt < 40 && !(await item.count()); attempt++) {
    await b.waitForTimeout(500); // the worker writes the notification after the commit
    await b.reload();
  }
  await item.first().waitFor();
  await b.locator("header a[data-unread]").filter({ hasText: /[1-9۱-۹]/ }).waitFor();
  await shot(b, "inbox");
  await item.first().getByRole("link", { name: T.open }).click();
  await b.getByRole("heading", { name: taskTitle }).waitFor();
  const comment = lang === "fa" ? "پیش‌نویس آماده است." : "The draft is ready.";
  await b.getByRole("textbox", { name: T.addComment }).fill(comment);
  await b.getByRole("button", { name: T.addComment }).click();
  await b.getByText(comment).waitFor();
  await b.getByRole("button", { name: T.complete }).click();
  await b.locator('dd[data-field="status"]', { hasText: T.done }).waitFor();
  await shot(b, "task");

  // --- the owner sees the comment and the completion -------------------------------------
  await a.getByRole("link", { name: taskTitle }).click();
  await a.getByText(comment).waitFor();
  const taskUrl = a.url();
  await a.locator('dd[data-field="status"]', { hasText: T.done }).waitFor();

  // --- the task mail's link (before quiet hours), opened signed out: sign in, then the task itself ---------
  const taskLink = await mailLink(member.email, "/tasks/");
  const d = await newPage();
  await d.goto(taskLink);
  await d.waitForURL(/#\/login$/);
  await d.getByLabel(T.email, { exact: true }).fill(member.email);
  await d.getByLabel(T.password, { exact: true }).fill(PASSWORD);
  await d.locator("form").getByRole("button", { name: T.signIn }).click();
  await d.getByRole("heading", { name: taskTitle }).waitFor();

  // --- the member's preferences: quiet hours -------------------------------------------
  await b.getByRole("link", { name: T.preferences }).click();
  await b.getByLabel(T.from, { exact: true }).fill("22:00");
  await b.getByLabel(T.to, { exact: true }).fill("07:00");
  await b.getByRole("button", { name: T.save }).click();
  await b.getByText(T.saved).waitFor();
  await b.reload();
  // Kept by the server: the page, reloaded, shows them once its data has come.
  await b.waitForFunction(() => document.querySelector("#field-quiet_start")?.value === "22:00");
  await shot(b, "preferences");

  // --- a reload keeps the session (the refresh cookie), the access token is nowhere -----
  const stored = await b.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie);
  if (/eyJ/.test(stored)) throw new Error("a token is readable by the page's script");
  const cookies = await b.context().cookies();
  const refresh = cookies.find((c) => c.name === "taskflow_refresh");
  if (!refresh || !refresh.httpOnly || refresh.sameSite !== "Strict") throw new Error("no httpOnly refresh cookie");

  // --- installable: the manifest, an active service worker; offline, the shell opens -----
  const manifest = await b.evaluate(async () => {
    const link = document.querySelector('link[rel="manifest"]');
    const response = await fetch(link.href);
    return response.ok ? response.json() : null;
  });
  if (!manifest || !manifest.icons?.some((icon) => icon.sizes === "512x512")) throw new Error("bad manifest");
  const worker = await b.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.active?.state ?? null;
  });
  if (worker !== "activated") throw new Error(`service worker: ${worker}`);
  await b.goto(base + "/");
  await b.waitForTimeout(500);
  await b.context().setOffline(true);
  await b.reload();
  await b.getByText(T.offline).waitFor();
  await shot(b, "offline");
  await b.context().setOffline(false);
  // --- accessibility: axe-core on every page, no serious or critical violation ----------
  // (axe is injected as a script: this context alone bypasses the page's CSP for it.)
  const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  const context = await browser.newContext({ locale, bypassCSP: true });
  const c = await context.newPage();
  c.setDefaultTimeout(15_000);
  pages.push(c);
  const problems = [];
  async function audit(name) {
    await c.waitForLoadState("networkidle");
    await c.addScriptTag({ content: axeSource });
    const found = await c.evaluate(async () => {
      const result = await window.axe.run(document, { resultTypes: ["violations"] });
      return {
        rules: result.passes === undefined ? -1 : result.violations.length,
        serious: result.violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
        minor: result.violations.filter((v) => v.impact !== "serious" && v.impact !== "critical").map((v) => v.id),
      };
    });
    console.log(`AXE ${name}: ${found.serious.length} serious or critical; minor: ${found.minor.join(", ") || "none"}`);
    for (const violation of found.serious) problems.push(`${name}: ${violation}`);
  }
  await c.goto(base + "/#/login");
  await c.getByRole("heading", { name: T.signIn }).waitFor();
  await audit("login");
  await c.goto(base + "/#/signup");
  await audit("signup");
  await c.goto(base + "/#/forgot");
  await audit("forgot");
  await c.goto(base + "/verify-email?token=nope");
  await c.locator(".error").waitFor();
  await audit("verify-email");
  await c.goto(base + "/reset-password?token=nope");
  await audit("reset-password");
  await c.goto(base + "/invites/accept?token=nope");
  await audit("invite");
  await c.goto(base + "/#/login");
  await c.getByLabel(T.email, { exact: true }).fill(owner.email);
  await c.getByLabel(T.password, { exact: true }).fill(PASSWORD);
  await c.locator("form").getByRole("button", { name: T.signIn }).click();
  await c.getByRole("heading", { name: T.teams }).waitFor();
  await audit("teams");
  for (const [name, url] of [["team", teamUrl], ["task", taskUrl], ["inbox", `${base}/#/inbox`], ["my-tasks", `${base}/#/my-tasks`], ["preferences", `${base}/#/preferences`], ["account", `${base}/#/account`]]) {
    await c.goto(url);
    await c.locator("main h1").waitFor();
    await audit(name);
  }
  await context.close();
  pages.pop();
  if (problems.length) throw new Error(`accessibility:\n${problems.join("\n")}`);
  console.log("STORY OK");
} catch (error) {
  failed = true;
  console.error(error.stack ?? String(error));
  for (const [index, page] of pages.entries()) {
    await page.screenshot({ path: join(artifacts, `failure-${lang}-${index}.png`), fullPage: true }).catch(() => undefined);
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
