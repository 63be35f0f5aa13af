// What kentai's browser tests share: Debian's Chromium (never a downloaded
// browser), the check counter, axe-core on every page, screenshots, and a
// watch on each page for script errors and Content-Security-Policy
// refusals (both land in `problems`, which a run must end empty).

import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const shots = process.env.KENTAI_SCREENSHOTS || "target/screenshots";
const executablePath = process.env.KENTAI_CHROMIUM || "/usr/bin/chromium";
mkdirSync(shots, { recursive: true });

// A watchdog: a hung browser must not hang the test suite. A longer
// script (a whole morning at a desk) asks for more with
// KENTAI_E2E_TIMEOUT_S; tests/suite/browser.rs waits a little longer still.
const watchdog = Number(process.env.KENTAI_E2E_TIMEOUT_S) || 170;
setTimeout(() => {
  console.error(`e2e: timed out after ${watchdog} s`);
  process.exit(1);
}, watchdog * 1000).unref();

export let checks = 0;
export function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  checks += 1;
}

export const problems = [];

export async function axeCheck(page, name) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }),
  );
  const serious = results.violations.filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
  for (const v of results.violations) {
    console.log(
      `e2e: axe ${name}: ${v.impact} ${v.id} (${v.nodes.length}): ${v.help}`,
    );
  }
  check(
    serious.length === 0,
    `axe on ${name}: ${serious
      .map((v) => `${v.id} ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)
      .join("; ")}`,
  );
}

export async function shoot(page, name) {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`e2e: screenshot ${file}`);
}

// Checks a page (axe) and photographs it.
export async function visit(page, name) {
  await axeCheck(page, name);
  await shoot(page, name);
}

export function pathOf(page) {
  return new URL(page.url()).pathname;
}

export async function pageData(page) {
  return page.evaluate(() =>
    JSON.parse(document.getElementById("kentai-data").textContent),
  );
}

// The browser's own language is Japanese, as at a clinic in Japan: date
// and time fields read 2026/12/07 10:18, not 12/07/2026, 10:18 AM. Chromium
// on Linux takes it from LANGUAGE, with Debian's chromium-l10n installed;
// without it, Chromium has English alone and this changes nothing.
export async function launch() {
  return chromium.launch({
    executablePath,
    args: ["--no-sandbox"],
    env: { ...process.env, LANGUAGE: "ja" },
  });
}

// A page in a fresh context (its own cookies: one person at one desk),
// Japanese and in Tokyo time like the desks, watched for errors.
export async function deskPage(browser, options = {}) {
  const context = await browser.newContext({
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  watch(page);
  return page;
}

// Script errors and console errors are problems, except the 4xx answers
// the steps expect (signed out, forbidden, refused forms, lookups of what
// does not exist), which the browser also logs as errors.
export function watch(page) {
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of (40[134]|409|422)/.test(m.text())) {
      problems.push(`console error: ${m.text()}`);
    }
  });
}

// Signs in through the form with the keyboard and waits for `landing`.
export async function signIn(page, base, token, landing) {
  await page.goto(`${base}/signin`);
  // The token field sits under "sign in with an API token".
  await page.locator("details.token-sign-in summary").click();
  await page.locator("#token").fill(token);
  await page.keyboard.press("Enter");
  await page.waitForURL(landing);
}

// Runs `steps`, reports, closes the browser and exits (0 passed, 1 failed).
export async function run(name, steps) {
  const browser = await launch();
  let failed = false;
  try {
    await steps(browser);
    check(problems.length === 0, `no script or CSP errors: ${problems.join("; ")}`);
    console.log(`e2e: ${checks} checks passed`);
  } catch (e) {
    failed = true;
    console.error(`${name}: ${e.message}`);
    if (problems.length) console.error(`${name}: also ${problems.join("; ")}`);
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
}
