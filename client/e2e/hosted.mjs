// Identity mode in a real browser: a host app with its own login serves the client at
// /app/ (mount_client(..., login_url=...)). Nobody logged in -> the host's login page;
// after it, the client shows the user's teams with none of taskflow's account pages, a
// team can be made, and signing out goes through the host's logout.
//
//   node e2e/hosted.mjs <base URL of the host> <artifacts folder>
//
// Run by tests/test_client_browser.py. On failure it saves a screenshot.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [base, artifacts] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const context = await browser.newContext({ locale: "en-US" });
const page = await context.newPage();
try {
  await page.goto(`${base}/app/`);
  await page.waitForURL(/\/login\?next=/);  // the host's login, not taskflow's
  await page.getByRole("button", { name: "Log in to Acme" }).click();
  await page.waitForURL(/\/app\//);
  await page.getByRole("heading", { name: "Teams" }).waitFor();
  if (await page.getByRole("link", { name: "Account" }).count()) {
    throw new Error("the client shows its own account page in identity mode");
  }
  await page.getByLabel("Team name").fill("Ops");
  await page.getByRole("button", { name: "Create" }).click();
  await page.waitForURL(/#\/teams\//);
  await page.goto(`${base}/app/#/login`);  // taskflow's sign-in: not in identity mode
  await page.getByRole("heading", { name: "Teams" }).waitFor();
  await page.getByText("Ops").first().waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/logged-out$/);
  console.log("HOSTED OK");
} catch (error) {
  await page.screenshot({ path: join(artifacts, "hosted.png"), fullPage: true }).catch(() => undefined);
  console.log(`HOSTED FAILED at ${page.url()}: ${error}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
