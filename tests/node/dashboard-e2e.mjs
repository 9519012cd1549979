// End-to-end check of the phone dashboard in headless Chromium (Debian's /usr/bin/chromium via playwright-core):
// log in with a technician token, record, add a marker, stop, see the new session; saves a screenshot.
// Usage: node tests/node/dashboard-e2e.mjs URL TOKEN [SCREENSHOT]   (default screenshot: artifacts/dashboard.png)
import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const [url, token, screenshot = "artifacts/dashboard.png"] = process.argv.slice(2);
if (!url || !token) {
  console.error("usage: node dashboard-e2e.mjs URL TOKEN [SCREENSHOT]");
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), "edgerig-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  ignoreHTTPSErrors: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const steps = [];
const step = (name) => { steps.push(name); console.log("step: " + name); };
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(20000);
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(e.message));

  step("open");
  await page.goto(url);
  await page.waitForSelector("#login-view:not([hidden])");
  const anonymous = await page.evaluate(async () => (await fetch("/api/status")).status);
  if (anonymous !== 401) throw new Error(`/api/status without a token answered ${anonymous}, expected 401`);

  step("login");
  await page.fill("#token", token);
  await page.click("#login");
  await page.waitForSelector("#app-view:not([hidden])");
  await page.waitForFunction(() => document.querySelectorAll("#streams li").length > 0);
  await page.waitForFunction(() => [...document.querySelectorAll("#cameras img")].some((i) => i.complete && i.naturalWidth > 0));
  await page.waitForFunction(() => document.querySelectorAll("#sessions li").length >= 0);
  const sessionsBefore = await page.$$eval("#sessions li", (l) => l.map((li) => li.dataset.session));

  step("record");
  await page.waitForSelector("#record:not([disabled])");
  await page.click("#record");
  await page.waitForFunction(() => document.getElementById("state").textContent === "RECORDING");
  await page.waitForTimeout(1500);

  step("marker");
  await page.waitForSelector("#marker:not([disabled])");
  await page.click("#marker");
  await page.waitForFunction(() => document.getElementById("last-marker").textContent.startsWith("⚑ marker at"));
  await page.waitForTimeout(1000);

  step("stop");
  await page.waitForSelector("#stop:not([disabled])");
  await page.click("#stop");
  await page.waitForFunction(() => document.getElementById("state").textContent === "IDLE");
  const newSession = await page.waitForFunction((before) => {
    const li = [...document.querySelectorAll("#sessions li")].find((l) => !before.includes(l.dataset.session));
    return li && li.textContent.includes("· 1 marker ·") ? li.dataset.session : null;
  }, sessionsBefore);
  const sessionId = await newSession.jsonValue();
  const actionError = await page.textContent("#action-error");
  if (actionError) throw new Error("the dashboard showed an error: " + actionError);

  step("layout");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`the page is ${overflow} px wider than the 390 px screen`);
  if (consoleErrors.length) throw new Error("page errors: " + consoleErrors.join("; "));
  await page.waitForTimeout(800); // let the previews repaint
  mkdirSync(dirname(resolve(screenshot)), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ ok: true, sessionId, screenshot }));
} catch (e) {
  console.error(`dashboard-e2e failed after steps [${steps.join(", ")}]: ${e.message}`);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
