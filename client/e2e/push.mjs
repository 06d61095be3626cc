// The client's Web Push subscribe flow in a real browser, against a stubbed PushManager:
// no push service is reachable here (and Chromium's own subscription needs one), so
// PushManager.subscribe answers the subscription the test made (its keys and an endpoint
// at the test's push-service stand-in). The host app of tests/test_client_browser.py
// (identity mode) serves the client at /app/.
//
//   node e2e/push.mjs <base URL of the host> <subscription JSON> <artifacts folder>
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [base, subscriptionJson, artifacts] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const context = await browser.newContext({ locale: "en-US" });
await context.grantPermissions(["notifications"], { origin: base });
await context.addInitScript((json) => {
  const made = JSON.parse(json);
  const subscription = {
    endpoint: made.endpoint,
    expirationTime: null,
    options: {},
    getKey: () => null,
    unsubscribe: async () => true,
    toJSON: () => made,
  };
  PushManager.prototype.subscribe = async function (options) {
    if (!options || !options.userVisibleOnly || !options.applicationServerKey) {
      throw new Error("subscribe() without userVisibleOnly and the server's key");
    }
    window.__applicationServerKey = options.applicationServerKey;
    return subscription;
  };
  PushManager.prototype.getSubscription = async () => null;
}, subscriptionJson);
const page = await context.newPage();
try {
  await page.goto(`${base}/app/#/preferences`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByRole("button", { name: "Log in to Acme" }).click();
  await page.getByRole("heading", { name: "Push notifications" }).waitFor();
  await page.getByRole("button", { name: "Turn on for this device" }).click();
  await page.getByText("Push notifications are on for this device.").waitFor();
  const key = await page.evaluate(() => window.__applicationServerKey);
  console.log(`KEY ${key}`);
  console.log("PUSH OK");
} catch (error) {
  await page.screenshot({ path: join(artifacts, "push.png"), fullPage: true }).catch(() => undefined);
  console.log(`PUSH FAILED at ${page.url()}: ${error}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
