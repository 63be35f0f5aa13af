// Two clerks share one storage desk's PC and its serial scanner in the
// middle of a morning, in Debian's headless Chromium. The PC is signed in
// once; each clerk takes the desk with their staff badge (read by the
// scanner through `kentai simulate`) and their PIN typed on the station
// page, stores their tubes, and the next clerk's badge takes over. A
// wrong PIN is refused and asks for the badge again; the second clerk's
// own badge signs her out. Left idle, the page locks and opens again
// with Tanaka's badge and PIN, keeping what was typed. The station page,
// the feed and each tube's history name the right person; every page is
// checked with axe-core and photographed.
//
//   KENTAI_BASE_URL=… KENTAI_TOKEN=… KENTAI_BIN=… KENTAI_SCANNER_LINK=… \
//   KENTAI_CLERKS='[{"name","badge","pin","tubes":[…]}, …]' node tests/e2e/badges.mjs
//
// tests/suite/browser.rs prepares the clerks, their badges and tubes,
// starts the server and runs this, then checks the database.

import { spawn } from "node:child_process";
import { check, deskPage, run, signIn, visit } from "./lib.mjs";

const env = process.env;
const base = env.KENTAI_BASE_URL;
const token = env.KENTAI_TOKEN;
const bin = env.KENTAI_BIN;
const link = env.KENTAI_SCANNER_LINK;
const clerks = JSON.parse(env.KENTAI_CLERKS || "null");
if (!base || !token || !bin || !link || !clerks) {
  console.error("badges.mjs: set KENTAI_BASE_URL, KENTAI_TOKEN, KENTAI_BIN, KENTAI_SCANNER_LINK and KENTAI_CLERKS");
  process.exit(2);
}

const childEnv = { ...env };
delete childEnv.KENTAI_CONFIG;
delete childEnv.KENTAI_LOG;
const simulator = spawn(
  bin,
  ["simulate", "--wait-ms", "0", "--interval-ms", "0", "--hold-ms", "0", "--link", link],
  { env: childEnv, stdio: ["pipe", "ignore", "pipe"] },
);
let simulatorErr = "";
simulator.stderr.on("data", (d) => (simulatorErr += d));
const problemsLate = [];
simulator.on("error", (e) => problemsLate.push(`kentai simulate: ${e.message}`));
process.on("exit", () => simulator.kill());

let desk;

function lastScanId() {
  return desk.evaluate(() => Number(document.querySelector("#feed li[data-scan-id]")?.dataset.scanId || 0));
}

// One scan through the serial scanner; the feed line it makes.
async function scan(text) {
  const before = await lastScanId();
  simulator.stdin.write(text + "\n");
  const handle = await desk.waitForFunction(
    (before) => {
      const li = document.querySelector("#feed li[data-scan-id]");
      return li && Number(li.dataset.scanId) > before ? li : null;
    },
    before,
    { timeout: 15_000 },
  );
  return handle.evaluate((li) => ({
    accepted: li.classList.contains("ok"),
    who: li.querySelector(".who")?.textContent || "",
    what: li.querySelector(".what")?.textContent || "",
  }));
}

// A tube, then the fridge it goes into: stored by `name`.
async function store(tube, name) {
  const read = await scan(tube);
  check(read.accepted && read.who === name, `${tube} is read for ${name}: ${read.who} ${read.what}`);
  const line = await scan("FRIDGE-A");
  check(
    line.accepted && line.who === name && line.what.includes(tube),
    `${tube} is stored by ${name}: ${line.who} ${line.what}`,
  );
}

async function operatorIs(name) {
  await desk.waitForFunction(
    (name) => document.getElementById("operator-name").textContent === name,
    name,
  );
  check(true, `the station page shows ${name} as its operator`);
}

// A badge, then its PIN typed into the field the badge opened.
async function badgeIn(clerk, pin) {
  const line = await scan(clerk.badge);
  check(line.accepted, `${clerk.name}'s badge is read: ${line.what}`);
  await desk.locator("#pin-form").waitFor({ state: "visible" });
  const label = await desk.locator("#pin-for").textContent();
  check(label.includes(clerk.name), `the PIN field names ${clerk.name}: ${label}`);
  check(
    await desk.evaluate(() => document.activeElement.id === "pin-input"),
    "the PIN field has the focus",
  );
  await desk.keyboard.type(pin);
  await desk.keyboard.press("Enter");
}

run("badges.mjs", async (browser) => {
  desk = await deskPage(browser);
  await signIn(desk, base, token, /\/(stations|specimens)/);
  await desk.goto(`${base}/stations/fridge-1`);
  await operatorIs("担当者なし");
  await visit(desk, "badges-desk-nobody");

  const [tanaka, suzuki] = clerks;
  // Tanaka mistypes her PIN: refused, and the badge must be read again.
  await badgeIn(tanaka, "0410");
  await desk.waitForFunction(() => document.getElementById("outcome-reason").textContent.includes("PIN が違います"));
  await desk.locator("#pin-form").waitFor({ state: "hidden" });
  check(
    await desk.evaluate(() => document.getElementById("outcome").classList.contains("ng")),
    "a wrong PIN is refused in red, in Japanese, and the PIN field closes",
  );
  await visit(desk, "badges-wrong-pin");
  // She reads the refusal before she scans again: the same code read again
  // within [scanning] duplicate_window_ms (1 s) would be the same read.
  await desk.waitForTimeout(1500);
  await badgeIn(tanaka, tanaka.pin);
  await operatorIs(tanaka.name);
  check(
    await desk.evaluate(() => document.activeElement.id === "scan-input"),
    "after the PIN the focus is back in the scan field",
  );
  await visit(desk, "badges-tanaka-working");

  for (const tube of tanaka.tubes) await store(tube, tanaka.name);
  // A tube she scanned but did not put away is not the next person's.
  const left = await scan("T-BADGE-LEFT");
  check(left.accepted && left.who === tanaka.name, `tanaka scans a tube she leaves: ${left.what}`);

  // Suzuki takes over with her badge in the middle of the morning.
  await badgeIn(suzuki, suzuki.pin);
  await operatorIs(suzuki.name);
  for (const tube of suzuki.tubes) await store(tube, suzuki.name);
  await visit(desk, "badges-suzuki-working");

  // Her own badge again: the desk is nobody's.
  const out = await scan(suzuki.badge);
  check(out.what.includes("担当を終えました"), `suzuki's badge signs her out: ${out.what}`);
  await operatorIs("担当者なし");

  // Left idle, the page locks; what was being typed stays underneath,
  // and Tanaka's badge and PIN open it again as her screen.
  await desk.locator("#scan-input").focus();
  await desk.keyboard.type("T-KEEP", { delay: 5 });
  await desk.locator("#lock").waitFor({ state: "visible", timeout: 30_000 });
  check(
    await desk.evaluate(() => document.getElementById("main").inert),
    "the locked page cannot be reached behind the lock",
  );
  await visit(desk, "badges-locked");
  await desk.locator("#lock-badge-input").focus();
  await desk.keyboard.type(tanaka.badge, { delay: 2 });
  await desk.keyboard.press("Enter");
  check(
    await desk.evaluate(() => document.activeElement.id === "lock-pin-input"),
    "Enter after the badge moves on to the PIN",
  );
  await desk.keyboard.type(tanaka.pin);
  await desk.keyboard.press("Enter");
  await desk.locator("#lock").waitFor({ state: "hidden" });
  check(
    (await desk.locator("#scan-input").inputValue()) === "T-KEEP",
    "the page kept what was typed before it locked",
  );
  const who = await desk.locator(".site-header .who").textContent();
  check(who.includes(tanaka.name), `the header names the person who re-entered: ${who}`);
  await desk.locator("#scan-input").fill("");

  // Each tube's history names the person who stored it.
  for (const clerk of clerks) {
    for (const tube of clerk.tubes) {
      await desk.goto(`${base}/specimens/${tube}`);
      const text = await desk.locator("main").textContent();
      check(text.includes(clerk.name), `the history of ${tube} names ${clerk.name}`);
    }
  }
  await visit(desk, "badges-history");
  simulator.stdin.end();
  check(problemsLate.length === 0, `the simulator ran: ${problemsLate.join("; ")} ${simulatorErr}`);
});
