// End-to-end test of kentai's web pages in Debian's headless Chromium
// (never a downloaded browser), as a reception clerk uses them: sign in
// with the form, scan a kit's GS1 DataMatrix into the station page's
// keyboard-wedge field character by character, see it accepted and in the
// draft, see an unknown code refused at a storage station, find no lab or
// admin links, move with the keyboard alone, switch language, sign out.
// Every page visited is checked with axe-core (no serious or critical
// violation) and photographed into $KENTAI_SCREENSHOTS.
//
//   KENTAI_BASE_URL=http://127.0.0.1:PORT KENTAI_TOKEN=kt_… node tests/e2e/run.mjs
//
// tests/browser.rs starts a server and runs this. Exit 0: every check
// passed; exit 1: a check failed (said on stderr); exit 2: bad usage.

import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const base = process.env.KENTAI_BASE_URL;
const token = process.env.KENTAI_TOKEN;
const shots = process.env.KENTAI_SCREENSHOTS || "target/screenshots";
const executablePath = process.env.KENTAI_CHROMIUM || "/usr/bin/chromium";
if (!base || !token) {
  console.error("run.mjs: set KENTAI_BASE_URL and KENTAI_TOKEN");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

// The kit of the app's catalogue (GTIN 04912345000019, "VTM kit"), expiry
// 2030-12-31, lot LOT42, serial S1, as a scanner sends its DataMatrix: the
// AIM identifier ]d2, and GS after the variable-length lot. A person or a
// keyboard-mode scanner without GS types it as <GS>.
const KIT_SCAN = "]d2010491234500001917301231" + "10LOT42<GS>21S1";

// A watchdog: a hung browser must not hang the test suite.
setTimeout(() => {
  console.error("run.mjs: timed out after 150 s");
  process.exit(1);
}, 150_000).unref();

let checks = 0;
function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  checks += 1;
}

const problems = [];

async function axeCheck(page, name) {
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

async function shoot(page, name) {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`e2e: screenshot ${file}`);
}

// Checks a page (axe) and photographs it.
async function visit(page, name) {
  await axeCheck(page, name);
  await shoot(page, name);
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

async function pageData(page) {
  return page.evaluate(() =>
    JSON.parse(document.getElementById("kentai-data").textContent),
  );
}

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox"],
});
let failed = false;
try {
  const context = await browser.newContext({
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 40[13]/.test(m.text())) {
      problems.push(`console error: ${m.text()}`);
    }
  });

  // A station page without a session leads to the sign-in form.
  await page.goto(`${base}/stations/reception-1`);
  check(pathOf(page) === "/signin", `redirected to sign in, at ${page.url()}`);
  check(
    (await page.getAttribute("html", "lang")) === "ja",
    "pages are Japanese by default",
  );
  await visit(page, "01-signin");

  // A wrong token: the form again, with the reason, and no session.
  await page.locator("#token").fill("kt_" + "0".repeat(64));
  await page.keyboard.press("Enter");
  await page.waitForSelector("#signin-error");
  check(pathOf(page) === "/signin", "a wrong token stays on the sign-in page");
  await visit(page, "02-signin-wrong-token");

  // The keyboard alone: the token field has focus; type, Enter.
  check(
    await page.evaluate(() => document.activeElement.id === "token"),
    "the token field has focus",
  );
  await page.keyboard.type(token);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${base}/stations/reception-1`);
  check(
    !(await page.evaluate(() => document.cookie)).includes("kentai_session"),
    "the session cookie is out of scripts' reach (HttpOnly)",
  );

  // Reception's navigation: stations only.
  const links = await page.$$eval("a[href]", (as) =>
    as.map((a) => new URL(a.href).pathname),
  );
  for (const other of ["/packing", "/alerts", "/reports", "/admin"]) {
    check(!links.includes(other), `no link to ${other} for reception`);
  }
  check(
    (await page.$$eval("nav a", (as) => as.map((a) => new URL(a.href).pathname))).join() ===
      "/stations",
    "reception's menu holds the stations alone",
  );

  let data = await pageData(page);
  await page.waitForFunction(
    (text) => document.getElementById("live-status").textContent === text,
    data.t.live_connected,
  );
  check(
    await page.evaluate(() => document.activeElement.id === "scan-input"),
    "the scan field has focus when the station page opens",
  );
  await visit(page, "03-station-reception-waiting");

  // A keyboard-wedge scanner types fast, one key at a time, then Enter.
  await page.keyboard.type(KIT_SCAN, { delay: 8 });
  await page.keyboard.press("Enter");
  await page.waitForSelector("#outcome.ok");
  const kit = await page.textContent("#draft-kit");
  check(kit.includes("VTM kit"), `the draft names the kit: ${kit}`);
  check(kit.includes("LOT42"), `the draft has the kit's lot: ${kit}`);
  check(
    kit.includes(data.types.nasopharyngeal_swab),
    `the draft has the catalogue's specimen type: ${kit}`,
  );
  check(
    (await page.getAttribute("body", "data-last-cue")) === "accepted",
    "the accepted sound was played",
  );
  check(
    (await page.inputValue("#scan-input")) === "" &&
      (await page.evaluate(() => document.activeElement.id === "scan-input")),
    "the scan field is cleared and keeps focus",
  );
  check(
    (await page.locator("#feed li").first().locator(".gs").count()) === 1,
    "the feed shows the scan with its GS",
  );
  check(
    (await page.getAttribute("#outcome", "aria-live")) === "assertive",
    "the outcome is announced at once",
  );
  await visit(page, "04-station-reception-kit-accepted");

  // The station list: reception's desks, no packing or receiving desk.
  await page.goto(`${base}/stations`);
  const stationLinks = await page.$$eval(".station-list a", (as) =>
    as.map((a) => new URL(a.href).pathname),
  );
  check(
    stationLinks.join() === "/stations/fridge-1,/stations/reception-1",
    `reception's stations: ${stationLinks}`,
  );
  // Keyboard: the first Tab reaches the skip link, which moves to main.
  await page.keyboard.press("Tab");
  check(
    await page.evaluate(() => document.activeElement.classList.contains("skip-link")),
    "the first Tab reaches the skip link",
  );
  const skipBox = await page.locator(".skip-link").boundingBox();
  check(skipBox && skipBox.y >= 0, "the focused skip link is visible");
  await page.keyboard.press("Enter");
  check(
    await page.evaluate(() => document.activeElement.id === "main"),
    "the skip link moves focus to the main content",
  );
  await visit(page, "05-stations");

  // An unknown code at the storage desk: red, with the reason in words.
  await page.goto(`${base}/stations/fridge-1`);
  data = await pageData(page);
  await page.waitForFunction(
    (text) => document.getElementById("live-status").textContent === text,
    data.t.live_connected,
  );
  await page.keyboard.type("NOPE-404", { delay: 8 });
  await page.keyboard.press("Enter");
  await page.waitForSelector("#outcome.ng");
  const reason = await page.textContent("#outcome-reason");
  check(
    reason === data.reasons.unknown_specimen,
    `the refusal reads in Japanese: ${reason}`,
  );
  check(
    (await page.textContent("#outcome-detail")).includes("NOPE-404"),
    "the refusal's detail names the code",
  );
  check(
    (await page.getAttribute("body", "data-last-cue")) === "refused",
    "the refused sound was played",
  );
  await visit(page, "06-station-storage-refused");

  // English on request, remembered for the next page.
  await page.goto(`${base}/stations/fridge-1?lang=en`);
  check((await page.getAttribute("html", "lang")) === "en", "?lang=en is English");
  await page.goto(`${base}/stations`);
  check(
    (await page.getAttribute("html", "lang")) === "en",
    "English is remembered",
  );
  await visit(page, "07-stations-en");
  await page.goto(`${base}/stations?lang=ja`);

  // Sign out with the keyboard: focus the button, Enter.
  await page.locator("form[action='/signout'] button").focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/signin$/);
  await page.goto(`${base}/stations/reception-1`);
  check(
    pathOf(page) === "/signin",
    `after signing out the station page leads to sign in, at ${page.url()}`,
  );
  await shoot(page, "08-signed-out");

  check(problems.length === 0, `no script or CSP errors: ${problems.join("; ")}`);
  console.log(`e2e: ${checks} checks passed`);
} catch (e) {
  failed = true;
  console.error(`run.mjs: ${e.message}`);
  if (problems.length) console.error(`run.mjs: also ${problems.join("; ")}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
