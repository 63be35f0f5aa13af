// A whole morning at one reception desk in Debian's headless Chromium:
// thirty patients in a row at reception-1, each scan arriving either
// through a serial scanner (`kentai simulate`, fed one stdin line at a
// time while the page is open, typing each scan byte by byte into a
// pseudo-terminal the server reads) or through the page's keyboard-wedge
// field (typed key by key, GS as <GS>). The clerk registers new patients
// (typing their identity) and returning ones (the form fills itself from
// the record). The desk refuses a day-10 saliva, an acute serum on day 9,
// a convalescent serum on day 10, an expired kit, a patient's card where
// the tube belongs and the previous patient's tube scanned again; each of
// those patients is then registered once corrected, except the
// convalescent serum, sent home and started over with the やり直し button.
// A lab user at the same station, in a second browser context, overrides
// a day-10 saliva with a written reason, and one draft is left to expire.
// Nothing else ever resets the desk: after each registration it is ready
// for the next patient by itself. At the end the lab corrects a patient's
// birth date on the patient page, which keeps the old version.
//
// Every page visited is checked with axe-core (no serious or critical
// violation) and photographed into $KENTAI_SCREENSHOTS. What the morning
// should have left in the database (the registrations, the tubes that must
// be absent, every scan in the order it was made, the correction) is
// written as JSON to $KENTAI_MORNING_OUT for tests/suite/browser.rs to check
// against the store.
//
//   KENTAI_BASE_URL=http://127.0.0.1:PORT KENTAI_TOKEN=kt_… KENTAI_LAB_TOKEN=kt_… \
//   KENTAI_BIN=target/debug/kentai KENTAI_SCANNER_LINK=/tmp/…/desk \
//   KENTAI_SCANNER_NAME=reception-1-serial KENTAI_RETURNING='[…]' \
//   KENTAI_MORNING_OUT=/tmp/…/morning.json node tests/e2e/morning.mjs
//
// tests/suite/browser.rs starts a server (with that scanner, the kit catalogue,
// the returning patients and a short idle time) and runs this. Exit 0:
// every check passed; exit 1: a check failed (said on stderr); exit 2: bad
// usage.

import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { check, deskPage, pageData, problems, run, signIn, visit } from "./lib.mjs";

const env = process.env;
const base = env.KENTAI_BASE_URL;
const clerkToken = env.KENTAI_TOKEN;
const labToken = env.KENTAI_LAB_TOKEN;
const bin = env.KENTAI_BIN;
const link = env.KENTAI_SCANNER_LINK;
const scannerName = env.KENTAI_SCANNER_NAME;
const out = env.KENTAI_MORNING_OUT;
if (!base || !clerkToken || !labToken || !bin || !link || !scannerName || !out || !env.KENTAI_RETURNING) {
  console.error(
    "morning.mjs: set KENTAI_BASE_URL, KENTAI_TOKEN, KENTAI_LAB_TOKEN, KENTAI_BIN, " +
      "KENTAI_SCANNER_LINK, KENTAI_SCANNER_NAME, KENTAI_RETURNING and KENTAI_MORNING_OUT",
  );
  process.exit(2);
}
// The patients the records already know: their number and identity.
const returning = new Map(JSON.parse(env.KENTAI_RETURNING).map((p) => [p.patient_id, p]));

const STATION = "reception-1";
const GS = "\u001d";

// The kits of the app's catalogue, as their GS1 DataMatrix reads: AIM
// identifier ]d2, (01) GTIN, (17) expiry, (10) lot, GS after the lot,
// (21) serial.
const VTM = { gtin: "04912345000019", type: "nasopharyngeal_swab" };
const SALIVA_KIT = { gtin: "04912345000026", type: "saliva" };
function kitScan(kit, serial, expiry = "301231") {
  return `]d201${kit.gtin}17${expiry}10LOT-AM${GS}21${serial}`;
}

// --- The morning, patient by patient. `via` says how the patient's card,
// the tube and the kit are scanned (S: the serial scanner, W: the wedge
// field); `event` what happens beyond a plain registration.
const S = "serial";
const W = "wedge";
const plan = [
  { via: [S, S, W], kit: VTM, days: 2 },
  { via: [W, W, S], kit: SALIVA_KIT, days: 3 },
  { via: [S, S, S], kit: VTM, days: 1, returning: "P-900001" },
  { via: [S, S], type: "saliva", days: 10, event: "saliva_day10_then_swab" },
  { via: [W, W], type: "nasopharyngeal_swab", days: 4 },
  { via: [S, W, W], kit: SALIVA_KIT, days: 5 },
  { via: [W, W], type: "serum_acute", days: 9, event: "acute_day9_onset_corrected" },
  { via: [S, S], type: "saliva", days: 6 },
  { via: [S, S], type: "saliva", days: 10, event: "lab_override" },
  { via: [W, W, W], kit: SALIVA_KIT, days: 2 },
  { via: [S, S], type: "serum_convalescent", days: 10, event: "start_over" },
  { via: [S, S, S], kit: VTM, days: 3 },
  { via: [W, W], type: "saliva", days: 4, returning: "P-900002" },
  { via: [S, S, W], kit: VTM, days: 2, event: "expired_kit" },
  { via: [S, W], type: "serum_convalescent", days: 21 },
  { via: [S, S], type: "nasopharyngeal_swab", days: 3, event: "patient_not_tube" },
  { via: [W, S], type: "serum_acute", days: 2 },
  { via: [W, W], type: "nasopharyngeal_swab", days: 1, event: "registered_tube_again" },
  { via: [S, S, W], kit: VTM, days: 7 },
  { via: [S, S], type: "nasopharyngeal_swab", days: 0 },
  { via: [S, S], type: "saliva", days: 2, event: "idle_expiry" },
  { via: [W, W, S], kit: SALIVA_KIT, days: 9 },
  { via: [S, S], type: "nasopharyngeal_swab", days: 5 },
  { via: [W, W], type: "saliva", days: 1 },
  { via: [S, S, W], kit: VTM, days: 2 },
  { via: [W, S], type: "nasopharyngeal_swab", days: 3 },
  { via: [S, S, S], kit: SALIVA_KIT, days: 4 },
  { via: [W, W], type: "serum_acute", days: 5 },
  { via: [S, S], type: "nasopharyngeal_swab", days: 1 },
  { via: [S, W, W], kit: VTM, days: 6 },
];

// New patients' identities: common family and given names, with kana.
const FAMILY = [
  ["佐藤", "サトウ"], ["鈴木", "スズキ"], ["高橋", "タカハシ"], ["田中", "タナカ"],
  ["伊藤", "イトウ"], ["渡辺", "ワタナベ"], ["山本", "ヤマモト"], ["中村", "ナカムラ"],
  ["小林", "コバヤシ"], ["加藤", "カトウ"], ["吉田", "ヨシダ"], ["山口", "ヤマグチ"],
  ["松本", "マツモト"], ["井上", "イノウエ"], ["木村", "キムラ"],
];
const GIVEN = [
  ["太郎", "タロウ", "male"], ["花子", "ハナコ", "female"], ["健一", "ケンイチ", "male"],
  ["美咲", "ミサキ", "female"], ["翔太", "ショウタ", "male"], ["陽菜", "ヒナ", "female"],
  ["大輔", "ダイスケ", "male"], ["結衣", "ユイ", "female"],
];
function identity(n) {
  const [family, familyKana] = FAMILY[n % FAMILY.length];
  const [given, givenKana, sex] = GIVEN[n % GIVEN.length];
  const pad = String(n).padStart(2, "0");
  return {
    name: `${family} ${given}`,
    name_kana: `${familyKana} ${givenKana}`,
    sex,
    birth_date: `${1950 + n}-0${1 + (n % 9)}-1${n % 10}`,
    phone: `03-5550-01${pad}`,
    address: `東京都新宿区西新宿${n}-${n % 7 + 1}-1`,
  };
}

// --- What the morning should leave behind, for tests/suite/browser.rs.
const expected = {
  visits: 0,
  registrations: [],
  not_registered: [],
  returning: [],
  scans: [],
  override: null,
  correction: null,
};

// --- The serial scanner: `kentai simulate` with its link where the
// server's [[scanner]] entry points, typing each stdin line the moment it
// arrives (no start delay, no pacing between scans: the script waits for
// each scan on the page before the next). Closing stdin unplugs it; if this
// script dies, its stdin closes with it.
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
// A simulator that cannot start or dies early is named in the failure
// (the scans it should have typed never reach the page).
simulator.on("error", (e) => problems.push(`kentai simulate: ${e.message}`));
simulator.stdin.on("error", (e) => problems.push(`kentai simulate's stdin: ${e.message} ${simulatorErr}`));
const simulatorDone = new Promise((resolve) => simulator.on("exit", (code) => resolve(code)));
process.on("exit", () => simulator.kill());

// --- The pages.
let clerk;
let lab;
let data;
let form;

function lastScanId(page) {
  return page.evaluate(() => Number(document.querySelector("#feed li[data-scan-id]")?.dataset.scanId || 0));
}

// One scan at the desk, through the serial scanner or the wedge field; it
// waits until the clerk's page shows it in the feed and returns its line:
// accepted (green) or refused (red), with the reason a person reads.
async function scan(via, text) {
  const before = await lastScanId(clerk);
  if (via === S) {
    simulator.stdin.write(text.replaceAll(GS, "\\x1d") + "\n");
  } else {
    if (!(await clerk.evaluate(() => document.activeElement.id === "scan-input"))) {
      await clerk.locator("#scan-input").focus();
    }
    await clerk.keyboard.type(text.replaceAll(GS, "<GS>"), { delay: 5 });
    await clerk.keyboard.press("Enter");
  }
  const handle = await clerk.waitForFunction(
    (before) => {
      const li = document.querySelector("#feed li[data-scan-id]");
      return li && Number(li.dataset.scanId) > before ? li : null;
    },
    before,
    { timeout: 15_000 },
  );
  const line = await handle.evaluate((li) => ({
    id: Number(li.dataset.scanId),
    accepted: li.classList.contains("ok"),
    data: li.querySelector("code.data").textContent,
    what: li.querySelector(".what")?.textContent || "",
  }));
  check(
    line.data === text.replaceAll(GS, "GS"),
    `the feed shows the scan as sent (${via}): ${JSON.stringify(line.data)} for ${JSON.stringify(text)}`,
  );
  return line;
}

async function accepted(via, text) {
  const line = await scan(via, text);
  check(line.accepted, `${text} is accepted (${via}): ${line.what}`);
  expected.scans.push({ data: text, via, accepted: true, code: null });
  return line;
}

async function refused(via, text, code) {
  const line = await scan(via, text);
  check(!line.accepted, `${text} is refused (${via})`);
  check(line.what === data.reasons[code], `${text} is refused as ${code}: ${line.what}`);
  check(
    (await clerk.getAttribute("body", "data-last-cue")) === "refused",
    `the refused sound was played for ${text}`,
  );
  expected.scans.push({ data: text, via, accepted: false, code });
  return line;
}

async function draftShows(page, id, text) {
  await page.waitForFunction(
    ([id, text]) => document.getElementById(id).textContent === text,
    [id, text],
  );
}

// The patient's card: the draft takes the number, and the form looks the
// patient up: a returning one is filled from the record, a new one says so.
async function scanPatient(via, patientId) {
  if (via === W) {
    check(
      await clerk.evaluate(() => document.activeElement.id === "scan-input"),
      `the scan field has the focus when patient ${patientId} arrives`,
    );
  }
  await accepted(via, patientId);
  await draftShows(clerk, "draft-patient", patientId);
  check((await clerk.inputValue("#reg-patient-id")) === patientId, `the form has patient ${patientId}`);
  const known = returning.get(patientId);
  const note = known ? form.patient_known.replace("{v}", "1") : form.patient_new;
  await clerk.waitForFunction(
    (note) => {
      const p = document.getElementById("reg-patient-note");
      return !p.hidden && p.textContent.startsWith(note);
    },
    note,
  );
}

async function scanTube(via, tube) {
  await accepted(via, tube);
  await draftShows(clerk, "draft-tube", tube);
  check((await clerk.inputValue("#reg-specimen-id")) === tube, `the form has tube ${tube}`);
}

async function scanKit(via, kit, serial) {
  await accepted(via, kitScan(kit, serial));
  await clerk.waitForFunction((serial) => document.getElementById("reg-kit").value.endsWith(serial), serial);
  check(
    (await clerk.inputValue("#reg-type")) === kit.type,
    `the kit's catalogued type fills the form: ${await clerk.inputValue("#reg-type")}`,
  );
}

// The wall-clock date `n` days before the YYYY-MM-DD at the start of `day`.
function daysBefore(day, n) {
  const [y, m, d] = day.slice(0, 10).split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d - n)).toISOString().slice(0, 10);
}

async function fillIdentity(page, who) {
  await page.locator("#reg-name").fill(who.name);
  await page.locator("#reg-kana").fill(who.name_kana);
  await page.selectOption("#reg-sex", who.sex);
  await page.locator("#reg-birth").fill(who.birth_date);
  await page.locator("#reg-phone").fill(who.phone);
  await page.locator("#reg-address").fill(who.address);
}

// The specimen's part of the form: type (unless a kit set it), onset as
// `days` before the tube's scan day, method, protective equipment.
async function fillSpecimen(page, type, days) {
  if (type) await page.selectOption("#reg-type", type);
  const collected = await page.inputValue("#reg-collected");
  await page.locator("#reg-onset").fill(daysBefore(collected, days));
  await page.selectOption("#reg-method", "pcr");
  for (const item of ["n95", "eye_protection", "gown", "gloves"]) {
    await page.locator(`#reg-ppe-${item}`).check();
  }
  check(
    (await page.textContent("#reg-days")) === form.days_value.replace("{n}", String(days)),
    `days since onset shown live: ${await page.textContent("#reg-days")}`,
  );
}

// 登録する, refused: the reason beside the button, with its code, and the
// refusal panel in red.
async function submitRefused(page, code) {
  await page.locator("#reg-submit").click();
  await page.waitForFunction(
    (code) => {
      const box = document.getElementById("reg-error");
      return !box.hidden && box.textContent.includes(code);
    },
    code,
  );
  check(await page.evaluate(() => document.activeElement.id === "reg-error"), "the refusal takes the focus");
  check(
    (await page.textContent("#outcome-reason")).includes(data.reasons[code]),
    `the refusal panel names ${code}: ${await page.textContent("#outcome-reason")}`,
  );
}

// 登録する, registered: the outcome names the tube, the station's reset
// says the desk is ready, and the form and draft are empty again with the
// scan field focused, without anyone pressing anything.
async function submitRegistered(page, tube) {
  await page.locator("#reg-submit").click();
  await page.waitForFunction(
    ([tube, registered]) =>
      document.getElementById("outcome-reason").textContent === tube &&
      document.getElementById("outcome-verdict").textContent.includes(registered),
    [tube, form.registered],
  );
  await deskReady(tube);
}

// The desk after a registration of `tube` by any page at the station.
async function deskReady(tube) {
  await clerk.waitForFunction(
    (tube) => document.querySelector("#feed li.reset .what")?.textContent.includes(tube),
    tube,
  );
  await draftShows(clerk, "draft-patient", data.t.not_yet);
  await draftShows(clerk, "draft-tube", data.t.not_yet);
  await draftShows(clerk, "draft-kit", data.t.not_yet);
  const fields = await clerk.evaluate(() =>
    ["reg-specimen-id", "reg-patient-id", "reg-name", "reg-onset", "reg-kit"].map((id) => document.getElementById(id).value),
  );
  check(fields.every((v) => v === ""), `the form is empty for the next patient: ${fields}`);
  check(await clerk.locator("#reg-error").isHidden(), "no refusal left beside the button");
  await clerk.waitForFunction(() => document.activeElement.id === "scan-input");
}

// A visit: one patient from the card to the end of their registration.
async function visitOf(n, p) {
  const started = Date.now();
  const patientId = p.returning || `P-1000${String(n).padStart(2, "0")}`;
  const tube = `T-0930-${String(n).padStart(3, "0")}`;
  const who = p.returning ? returning.get(patientId) : identity(n);
  const [patientVia, tubeVia, kitVia] = p.via;
  let type = p.kit ? p.kit.type : p.type;
  let overrideReason = null;
  let by = "clerk";
  expected.visits += 1;

  await scanPatient(patientVia, patientId);
  if (p.event === "patient_not_tube") {
    // The next patient in line hands over their card too early: it is
    // never taken as this patient's tube.
    const next = `P-1000${String(n + 1).padStart(2, "0")}`;
    await refused(patientVia, next, "patient_not_tube");
    check(
      (await clerk.textContent("#draft-tube")) === data.t.not_yet &&
        (await clerk.textContent("#draft-patient")) === patientId,
      "the draft keeps its patient and still waits for the tube",
    );
  }
  if (p.event === "registered_tube_again") {
    // The previous patient's tube, still on the desk, is scanned by
    // mistake: it is registered already, and stays out of this draft.
    const previous = `T-0930-${String(n - 1).padStart(3, "0")}`;
    await refused(tubeVia, previous, "duplicate_specimen");
    check((await clerk.textContent("#draft-tube")) === data.t.not_yet, "the draft still waits for its tube");
  }
  await scanTube(tubeVia, tube);
  if (p.event === "expired_kit") {
    // A kit from an old box: refused before the swab is used; the next
    // one from a new box goes in.
    await refused(kitVia, kitScan(p.kit, `OLD-${n}`, "240331"), "kit_expired");
    check((await clerk.inputValue("#reg-kit")) === "", "the expired kit stays out of the form");
  }
  if (p.kit) await scanKit(kitVia, p.kit, `K${String(n).padStart(4, "0")}`);

  if (p.returning) {
    // Nothing typed: the record's identity is in the form.
    const shown = {
      name: await clerk.inputValue("#reg-name"),
      name_kana: await clerk.inputValue("#reg-kana"),
      sex: await clerk.inputValue("#reg-sex"),
      birth_date: await clerk.inputValue("#reg-birth"),
      phone: await clerk.inputValue("#reg-phone"),
      address: await clerk.inputValue("#reg-address"),
    };
    for (const [k, v] of Object.entries(shown)) {
      check(v === who[k], `returning patient ${patientId}: ${k} is the record's (${v} vs ${who[k]})`);
    }
    expected.returning.push(patientId);
  } else {
    await fillIdentity(clerk, who);
  }
  await fillSpecimen(clerk, p.kit ? null : type, p.days);

  switch (p.event) {
    case "saliva_day10_then_swab":
      // Past the saliva window: refused; the doctor takes a swab instead.
      check((await clerk.textContent("#reg-timing-now")) === form.saliva_refused, "the saliva window is explained before submitting");
      await submitRefused(clerk, "saliva_window_exceeded");
      check((await clerk.locator("#reg-override-field").count()) === 0, "reception has no override field");
      type = "nasopharyngeal_swab";
      await clerk.selectOption("#reg-type", type);
      break;
    case "acute_day9_onset_corrected":
      // An acute serum on day 9 is refused; asked again, the patient
      // remembers the fever started four days ago.
      check((await clerk.textContent("#reg-timing-now")) === form.acute_late, "the acute serum's limit is explained");
      await submitRefused(clerk, "serum_timing");
      await fillSpecimen(clerk, null, 4);
      break;
    case "start_over":
      // A convalescent serum on day 10 is too early; the patient is sent
      // home until day 14, and the clerk starts over.
      check((await clerk.textContent("#reg-timing-now")) === form.convalescent_early, "the convalescent serum's limit is explained");
      await submitRefused(clerk, "serum_timing");
      await clerk.locator("#start-over").click();
      await draftShows(clerk, "draft-patient", data.t.not_yet);
      await draftShows(clerk, "draft-tube", data.t.not_yet);
      await clerk.waitForFunction(
        (patientId) => {
          const li = document.querySelector("#feed li[data-scan-id]");
          return li && li.querySelector("code.data").textContent === "KTCMD:cancel" &&
            li.querySelector(".what").textContent.includes(patientId);
        },
        patientId,
      );
      expected.scans.push({ data: "KTCMD:cancel", via: W, accepted: true, code: null });
      check((await clerk.inputValue("#reg-name")) === "", "start over empties the form");
      check(await clerk.locator("#reg-error").isHidden(), "start over takes the refusal away");
      await clerk.waitForFunction(() => document.activeElement.id === "scan-input");
      expected.not_registered.push(tube);
      return Date.now() - started;
    case "idle_expiry": {
      // The patient is called back in by the doctor and nobody touches
      // the desk: the draft expires by itself and the page says so.
      const expires = await clerk.textContent("#draft-expires");
      check(expires.length > 0, "the draft says when it is dropped");
      await clerk.waitForSelector("#outcome.reset", { timeout: 45_000 });
      check(
        (await clerk.textContent("#outcome-verdict")).includes(data.t.reset_expired),
        `the panel says the draft was dropped: ${await clerk.textContent("#outcome-verdict")}`,
      );
      const said = await clerk.textContent("#outcome-reason");
      check(said.includes(patientId) && said.includes(tube), `the panel names the dropped patient and tube: ${said}`);
      await draftShows(clerk, "draft-patient", data.t.not_yet);
      check((await clerk.inputValue("#reg-name")) === "", "the expired draft's form is empty");
      check((await clerk.inputValue("#reg-specimen-id")) === "", "the expired draft's tube is gone from the form");
      check(
        await clerk.evaluate(() => document.activeElement.id === "scan-input"),
        "the form emptied under the clerk's hands: the scan field has the focus",
      );
      await visit(clerk, "53-morning-idle-expired");
      expected.not_registered.push(tube);
      return Date.now() - started;
    }
    case "lab_override": {
      // The clerk may not register a day-10 saliva; the lab user at the
      // desk's second screen overrides it with the doctor's reason.
      await submitRefused(clerk, "saliva_window_exceeded");
      check((await clerk.locator("#reg-override-field").count()) === 0, "reception has no override field");
      await draftShows(lab, "draft-tube", tube);
      check((await lab.inputValue("#reg-specimen-id")) === tube, "the lab's form follows the desk's tube");
      check((await lab.inputValue("#reg-patient-id")) === patientId, "the lab's form follows the desk's patient");
      await lab.waitForFunction(() => !document.getElementById("reg-patient-note").hidden);
      await fillIdentity(lab, who);
      await fillSpecimen(lab, type, p.days);
      check(await lab.locator("#reg-override-field").isHidden(), "no override field before the lab's refusal");
      await submitRefused(lab, "saliva_window_exceeded");
      await lab.waitForSelector("#reg-override-field:not([hidden])");
      overrideReason = "医師の指示により唾液で検査する（鼻咽頭ぬぐい液の採取が困難なため）";
      await lab.locator("#reg-override").fill(overrideReason);
      await visit(lab, "51-morning-override");
      by = "lab";
      await submitRegistered(lab, tube);
      // The clerk's page saw the lab's registration end the draft.
      check(
        (await clerk.textContent("#outcome-verdict")).includes(data.t.reset_registered),
        `the clerk's panel says the desk is done: ${await clerk.textContent("#outcome-verdict")}`,
      );
      expected.override = { specimen_id: tube, reason: overrideReason };
      break;
    }
    default:
      break;
  }
  if (by === "clerk") await submitRegistered(clerk, tube);
  expected.registrations.push({
    specimen_id: tube,
    patient_id: patientId,
    type,
    by,
    override_reason: overrideReason,
  });
  return Date.now() - started;
}

await run("morning.mjs", async (browser) => {
  const startedAt = Date.now();
  clerk = await deskPage(browser);
  await signIn(clerk, base, clerkToken, /\/stations/);
  await clerk.goto(`${base}/stations/${STATION}`);
  data = await pageData(clerk);
  form = data.form.t;
  await clerk.waitForFunction(
    (text) => document.getElementById("live-status").textContent === text,
    data.t.live_connected,
  );
  // The serial scanner is plugged in and the station shows it open.
  await clerk.waitForFunction(
    ([name, states]) => {
      const li = document.querySelector(`#devices li[data-device="${name}"]`);
      return li && states.some((s) => li.textContent.includes(s));
    },
    [scannerName, [data.device_states.open, data.device_states.reading]],
    { timeout: 20_000 },
  );
  await visit(clerk, "50-morning-desk-open");

  // The lab user signs in at the desk's second screen and follows the
  // same station all morning.
  lab = await deskPage(browser);
  await signIn(lab, base, labToken, /\/(stations|packing|specimens)/);
  await lab.goto(`${base}/stations/${STATION}`);
  await lab.waitForFunction(
    (text) => document.getElementById("live-status").textContent === text,
    data.t.live_connected,
  );

  const times = [];
  for (const [i, p] of plan.entries()) {
    const n = i + 1;
    try {
      times.push({ n, ms: await visitOf(n, p), idle: p.event === "idle_expiry" });
    } catch (e) {
      e.message = `patient ${n} (${p.event || "registration"}): ${e.message}`;
      throw e;
    }
    if (n === 20) {
      // Mid-morning: the feed full of green and red lines.
      const feed = await clerk.evaluate(() => ({
        ok: document.querySelectorAll("#feed li.ok").length,
        ng: document.querySelectorAll("#feed li.ng").length,
        reset: document.querySelectorAll("#feed li.reset").length,
      }));
      check(feed.ok >= 20 && feed.ng >= 3 && feed.reset >= 8, `the feed holds green and red lines: ${JSON.stringify(feed)}`);
      await visit(clerk, "52-morning-reception");
    }
  }
  check(expected.visits === 30, `thirty patients: ${expected.visits}`);

  // The serial scanner is unplugged at the end of the morning.
  simulator.stdin.end();
  const code = await Promise.race([
    simulatorDone,
    new Promise((resolve) => setTimeout(() => resolve("still running"), 10_000)),
  ]);
  check(code === 0, `kentai simulate ended cleanly: ${code} ${simulatorErr}`);

  // The lab corrects a patient's birth date: a new version, the old one
  // kept beside it.
  const corrected = expected.registrations.find((r) => r.by === "clerk" && !returning.has(r.patient_id));
  const before = identity(Number(corrected.patient_id.slice(-2))).birth_date;
  const after = `${Number(before.slice(0, 4)) + 1}${before.slice(4)}`;
  const reason = "保険証で生年を確認し、受付時の入力誤りを訂正";
  await lab.goto(`${base}/patients/${corrected.patient_id}`);
  check((await lab.inputValue("#p-birth")) === before, `the correction form starts from the record: ${before}`);
  await visit(lab, "54-morning-patient");
  await lab.locator("#p-birth").fill(after);
  await lab.locator("#p-reason").fill(reason);
  await lab.locator("form[action^='/patients/'] button[type=submit]").click();
  await lab.waitForURL(/done=corrected/);
  const versions = await lab.$$eval("table.versions tbody tr", (rows) =>
    rows.map((r) => Array.from(r.cells).map((c) => c.textContent)),
  );
  check(versions.length === 2, `two versions: ${JSON.stringify(versions)}`);
  check(versions[0][0] === "2" && versions[0][1].length > 0 && versions[0][2].includes(after) && versions[0][4] === reason,
    `version 2 holds the new birth date and the reason: ${JSON.stringify(versions[0])}`);
  check(versions[1][0] === "1" && versions[1][2].includes(before), `version 1 keeps the old birth date: ${JSON.stringify(versions[1])}`);
  check((await lab.textContent("#current-title")).includes("2"), `the page shows version 2: ${await lab.textContent("#current-title")}`);
  check((await lab.inputValue("#p-birth")) === after, "the form shows the corrected birth date");
  await visit(lab, "55-morning-patient-corrected");
  expected.correction = { patient_id: corrected.patient_id, before, after, reason };

  writeFileSync(out, JSON.stringify(expected, null, 2));
  const total = Date.now() - startedAt;
  // The slowest patient besides the one left to expire: how much of the
  // draft's idle time a busy machine leaves unused.
  const busy = times.filter((x) => !x.idle).sort((a, b) => a.ms - b.ms);
  const slowest = busy[busy.length - 1];
  console.log(
    `e2e: the morning took ${(total / 1000).toFixed(1)} s; median patient ${busy[busy.length >> 1].ms} ms, ` +
      `slowest patient ${slowest.n} ${slowest.ms} ms`,
  );
});
