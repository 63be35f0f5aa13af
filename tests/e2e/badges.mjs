// Two clerks share one storage desk's PC and its serial scanner in the
// middle of a morning, in Debian's headless Chromium. The PC is signed in
// once; each clerk takes the desk with their staff badge (read by the
// scanner through `kentai simulate`) and their PIN typed on the station
// page, stores their tubes, and the next clerk's badge takes over. A
// wrong PIN is refused and asks for the badge again; the second clerk's
// own badge signs her out. The station page, the feed and each tube's
// history name the right person; every page is checked with axe-core and
// photographed.
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
  await desk.locator("#pin-error").waitFor({ state: "visible" });
  const error = await desk.locator("#pin-error").textContent();
  check(error.includes("PIN が違います"), `a wrong PIN is refused in Japanese: ${error}`);
  await visit(desk, "badges-wrong-pin");
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
