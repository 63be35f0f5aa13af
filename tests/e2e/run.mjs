// End-to-end test of kentai's web pages in Debian's headless Chromium
// (never a downloaded browser), as a reception clerk uses them: sign in
// with the form, scan a kit's GS1 DataMatrix into the station page's
// keyboard-wedge field character by character, see it accepted and in the
// draft, register a specimen with the form the scans fill (a day-10
// saliva refused beside the button, with the focus and the fields to
// correct marked, then corrected and registered; the desk then resets
// itself), start over with the やり直し button, see a patient's code
// refused where the tube is expected, store the tube at the fridge, see
// an unknown code refused at a storage station, find no lab or admin
// links, move with the keyboard alone, switch language, sign out. Then a
// lab user at the same desk registers a day-10 saliva with an override
// reason, a field the clerk never sees. Every page visited is checked
// with axe-core (no serious or critical violation) and photographed into
// $KENTAI_SCREENSHOTS.
//
//   KENTAI_BASE_URL=http://127.0.0.1:PORT KENTAI_TOKEN=kt_… KENTAI_LAB_TOKEN=kt_… node tests/e2e/run.mjs
//
// tests/suite/browser.rs starts a server and runs this. Exit 0: every check
// passed; exit 1: a check failed (said on stderr); exit 2: bad usage.

import { check, deskPage, pageData, pathOf, run, shoot, signIn, visit } from "./lib.mjs";

const base = process.env.KENTAI_BASE_URL;
const token = process.env.KENTAI_TOKEN;
const labToken = process.env.KENTAI_LAB_TOKEN;
if (!base || !token || !labToken) {
  console.error("run.mjs: set KENTAI_BASE_URL, KENTAI_TOKEN and KENTAI_LAB_TOKEN");
  process.exit(2);
}

// The kit of the app's catalogue (GTIN 04912345000019, "VTM kit"), expiry
// 2030-12-31, lot LOT42, serial S1, as a scanner sends its DataMatrix: the
// AIM identifier ]d2, and GS after the variable-length lot. A person or a
// keyboard-mode scanner without GS types it as <GS>.
const KIT_SCAN = "]d2010491234500001917301231" + "10LOT42<GS>21S1";

// Types a scan into the wedge field as a keyboard-mode scanner does and
// waits for it in the feed.
async function scanInto(page, text) {
  const before = await page.evaluate(
    () => document.querySelector("#feed li[data-scan-id]")?.dataset.scanId || "",
  );
  await page.locator("#scan-input").focus();
  await page.keyboard.type(text, { delay: 8 });
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    (id) => (document.querySelector("#feed li[data-scan-id]")?.dataset.scanId || "") !== id,
    before,
  );
}

// The wall-clock date `n` days before the YYYY-MM-DD at the start of `day`.
function daysBefore(day, n) {
  const [y, m, d] = day.slice(0, 10).split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d - n)).toISOString().slice(0, 10);
}

// Fills the patient and specimen fields of the registration form.
async function fillForm(page, name, kana, onset) {
  await page.locator("#reg-name").fill(name);
  await page.locator("#reg-kana").fill(kana);
  await page.selectOption("#reg-sex", "male");
  await page.locator("#reg-birth").fill("1980-04-01");
  await page.locator("#reg-phone").fill("03-1234-5678");
  await page.selectOption("#reg-type", "saliva");
  await page.locator("#reg-onset").fill(onset);
  await page.selectOption("#reg-method", "pcr");
  await page.locator("#reg-ppe-surgical_mask").check();
  await page.locator("#reg-ppe-gloves").check();
}

await run("run.mjs", async (browser) => {
  const page = await deskPage(browser);

  // A station page without a session leads to the sign-in form.
  await page.goto(`${base}/stations/reception-1`);
  check(pathOf(page) === "/signin", `redirected to sign in, at ${page.url()}`);
  check(
    (await page.getAttribute("html", "lang")) === "ja",
    "pages are Japanese by default",
  );
  await visit(page, "01-signin");

  // People sign in with a name and a password; the name field has focus.
  check(
    await page.evaluate(() => document.activeElement.id === "name"),
    "the login name field has focus",
  );

  // A wrong token: the form again, with the reason, and no session.
  await page.locator("details.token-sign-in summary").click();
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

  // Reception's navigation: the stations and the specimens, nothing of
  // the lab's, the health centre's or the admin's.
  const links = await page.$$eval("a[href]", (as) =>
    as.map((a) => new URL(a.href).pathname),
  );
  for (const other of ["/packing", "/alerts", "/reports", "/admin"]) {
    check(!links.includes(other), `no link to ${other} for reception`);
  }
  check(
    (await page.$$eval("nav a", (as) => as.map((a) => new URL(a.href).pathname))).join() ===
      "/stations,/specimens",
    "reception's menu holds the stations and the specimens alone",
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

  // Registration: cancel the kit's draft, scan a patient and a new tube;
  // the form follows the scans. A saliva specimen at day 10 is refused
  // with the reason in Japanese and nothing registered; corrected to day
  // 3 it is registered.
  const wedgeScan = (text) => scanInto(page, text);
  const TUBE = "T-E2E-0001";
  await wedgeScan("KTCMD:cancel");
  check((await page.inputValue("#reg-kit")) === "", "cancel clears the form's kit");
  await wedgeScan("P-1001");
  await wedgeScan(TUBE);
  await page.waitForSelector("#outcome.ok");
  check((await page.inputValue("#reg-patient-id")) === "P-1001", "the scanned patient fills the form");
  check((await page.inputValue("#reg-specimen-id")) === TUBE, "the scanned tube fills the form");
  check(
    await page.evaluate(() => document.activeElement.id === "scan-input"),
    "the scan field keeps focus after scans (the form does not take Enter)",
  );
  // Keyboard order: the wedge field, its button, the draft's やり直し,
  // then the form.
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  check(
    await page.evaluate(() => document.activeElement.id === "start-over"),
    "Tab reaches the start-over button after the wedge field",
  );
  await page.keyboard.press("Tab");
  check(
    await page.evaluate(() => document.activeElement.id === "reg-specimen-id"),
    "Tab goes on to the registration form",
  );
  // The collection time is the tube's scan time, said beside the field.
  const collected = await page.inputValue("#reg-collected");
  check(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(collected), `collected at is a time: ${collected}`);
  const form = data.form.t;
  const collectedHint = await page.textContent("#reg-collected-hint");
  check(
    collectedHint === form.collected_from_tube.replace("{time}", collected.slice(11, 16)),
    `collected at is the tube's scan time: ${collectedHint}`,
  );
  check(
    (await page.textContent("#draft-expires")).length > 0,
    "the draft says when it is dropped if left alone",
  );
  await fillForm(page, "検体 太郎", "ケンタイ タロウ", daysBefore(collected, 10));
  check(
    (await page.textContent("#reg-days")) === form.days_value.replace("{n}", "10"),
    `days since onset shown live: ${await page.textContent("#reg-days")}`,
  );
  check(
    (await page.textContent("#reg-timing-now")) === form.saliva_refused,
    "the saliva window is explained before submitting",
  );
  await page.locator("#reg-submit").focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector("#outcome.ng");
  const refusal = await page.textContent("#outcome-reason");
  check(
    refusal.includes(data.reasons.saliva_window_exceeded),
    `the refusal names the saliva window in Japanese: ${refusal}`,
  );
  // Beside the button, with the focus, and the fields to correct marked.
  await page.waitForSelector("#reg-error:not([hidden])");
  check(
    await page.evaluate(() => document.activeElement.id === "reg-error"),
    "the refusal beside the button takes the focus",
  );
  const beside = await page.textContent("#reg-error");
  check(
    beside.includes(form.refused_title) &&
      beside.includes(data.reasons.saliva_window_exceeded) &&
      beside.includes("saliva_window_exceeded"),
    `the refusal beside the button says why, with its code: ${beside}`,
  );
  check(/[ぁ-んァ-ン一-龥]/.test(beside) && !/saliva collected|day \d+ after/i.test(beside), `the refusal is in Japanese: ${beside}`);
  const errorBox = await page.locator("#reg-error").boundingBox();
  const buttonBox = await page.locator("#reg-submit").boundingBox();
  check(
    errorBox && buttonBox && buttonBox.y - (errorBox.y + errorBox.height) >= 0 &&
      buttonBox.y - (errorBox.y + errorBox.height) < 60,
    `the refusal sits right above the button: ${JSON.stringify({ errorBox, buttonBox })}`,
  );
  for (const id of ["reg-type", "reg-onset"]) {
    check((await page.getAttribute(`#${id}`, "aria-invalid")) === "true", `#${id} is marked invalid`);
    check(
      (await page.getAttribute(`#${id}`, "aria-describedby")).split(" ").includes("reg-error"),
      `#${id} is described by the refusal`,
    );
  }
  check((await page.getAttribute("#reg-name", "aria-invalid")) === null, "a field not at fault is not marked");
  check((await page.locator("#reg-override-field").count()) === 0, "reception has no override field");
  check(
    (await page.getAttribute("body", "data-last-cue")) === "refused",
    "the refused sound was played",
  );
  check(
    (await page.inputValue("#reg-name")) === "検体 太郎" &&
      (await page.inputValue("#reg-specimen-id")) === TUBE &&
      (await page.inputValue("#reg-type")) === "saliva",
    "the form keeps what was typed after a refusal",
  );
  const lookup = await page.evaluate(
    (id) => fetch(`/api/v1/specimens/${encodeURIComponent(id)}`, { credentials: "same-origin" }).then((r) => r.status),
    TUBE,
  );
  check(lookup === 404, `nothing registered after the refusal (GET said ${lookup})`);
  await visit(page, "09-registration-refused");

  await page.locator("#reg-onset").fill(daysBefore(collected, 3));
  check(
    (await page.textContent("#reg-days")) === form.days_value.replace("{n}", "3"),
    "days since onset follows the onset date",
  );
  check(
    (await page.textContent("#reg-timing-now")) === form.saliva_ok,
    "day 3 saliva is explained as within its window",
  );
  await page.locator("#reg-submit").focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector("#outcome.ok");
  check(
    (await page.textContent("#outcome-verdict")).includes(form.registered),
    "the outcome says registered",
  );
  check((await page.textContent("#outcome-reason")) === TUBE, "the outcome names the tube");
  check(
    (await page.getAttribute("body", "data-last-cue")) === "accepted",
    "the accepted sound was played",
  );
  // The desk resets itself: the registration ends the draft (the station's
  // reset event says so in the feed), the form is empty, the scan field
  // has the focus for the next patient.
  await page.waitForFunction(
    (t) => document.getElementById("draft-patient").textContent === t &&
      document.getElementById("draft-tube").textContent === t,
    data.t.not_yet,
  );
  await page.waitForSelector("#feed li.reset");
  const resetLine = await page.textContent("#feed li.reset .what");
  check(
    resetLine.includes(TUBE) && resetLine.includes("次の患者"),
    `the feed says the desk is ready for the next patient: ${resetLine}`,
  );
  check(
    (await page.inputValue("#reg-specimen-id")) === "" &&
      (await page.inputValue("#reg-name")) === "" &&
      (await page.inputValue("#reg-patient-id")) === "",
    "the form is empty after the registration",
  );
  check((await page.locator("#reg-error").isHidden()), "the refusal is gone");
  check(
    (await page.textContent("#reg-collected-hint")) === form.collected_now,
    "with no tube scanned the collection time is the time of registering",
  );
  check(
    await page.evaluate(() => document.activeElement.id === "scan-input"),
    "the scan field has the focus again",
  );
  await visit(page, "10-registration-accepted");

  // The next patient scans straight in; やり直し (keyboard) drops it.
  await wedgeScan("P-1002");
  await page.waitForSelector("#outcome.ok");
  check((await page.textContent("#draft-patient")) === "P-1002", "the next patient is taken");
  await page.locator("#reg-name").fill("取消 花子");
  await page.locator("#start-over").focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    (t) => document.getElementById("draft-patient").textContent === t,
    data.t.not_yet,
  );
  const cancelled = await page.textContent("#feed li .what");
  check(
    cancelled.includes("P-1002") && cancelled.includes("取り消しました"),
    `the feed confirms the start-over: ${cancelled}`,
  );
  check((await page.inputValue("#reg-name")) === "", "start over empties the form");
  check(
    await page.evaluate(() => document.activeElement.id === "scan-input"),
    "after start over the scan field has the focus",
  );
  await visit(page, "12-start-over");

  // A patient's code where the tube is expected is refused, never the tube.
  await wedgeScan("P-1003");
  await wedgeScan("P-1004");
  await page.waitForSelector("#outcome.ng");
  check(
    (await page.textContent("#outcome-reason")) === data.reasons.patient_not_tube,
    `the patient code is refused as a patient code: ${await page.textContent("#outcome-reason")}`,
  );
  check(
    (await page.textContent("#draft-tube")) === data.t.not_yet &&
      (await page.textContent("#draft-patient")) === "P-1003",
    "the draft keeps its patient and has no tube",
  );
  await visit(page, "13-patient-not-tube");
  await page.locator("#start-over").click();
  await page.waitForFunction(
    (t) => document.getElementById("draft-patient").textContent === t,
    data.t.not_yet,
  );

  // The registered tube goes into the fridge: tube, then location.
  await page.goto(`${base}/stations/fridge-1`);
  data = await pageData(page);
  await page.waitForFunction(
    (text) => document.getElementById("live-status").textContent === text,
    data.t.live_connected,
  );
  check(
    (await page.locator("#reg-form").count()) === 0,
    "a storage desk has no registration form",
  );
  await wedgeScan(TUBE);
  await wedgeScan("FRIDGE-A");
  await page.waitForSelector("#outcome.ok");
  const stored = await page.textContent("#outcome-reason");
  check(
    stored === `採取管 ${TUBE} を FRIDGE-A に保管しました`,
    `the headline says where the tube is stored: ${stored}`,
  );
  await visit(page, "11-stored");

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

  // A lab user at the same reception desk may override: after an
  // overridable refusal the form asks for a reason, and with it the
  // specimen registers.
  const lab = await deskPage(browser);
  await signIn(lab, base, labToken, /\/(stations|packing|specimens)/);
  await lab.goto(`${base}/stations/reception-1`);
  data = await pageData(lab);
  await lab.waitForFunction(
    (text) => document.getElementById("live-status").textContent === text,
    data.t.live_connected,
  );
  const LAB_TUBE = "T-E2E-0002";
  await scanInto(lab, "P-2001");
  await scanInto(lab, LAB_TUBE);
  const labCollected = await lab.inputValue("#reg-collected");
  await fillForm(lab, "上書 次郎", "ウワガキ ジロウ", daysBefore(labCollected, 10));
  check(await lab.locator("#reg-override-field").isHidden(), "no override field before a refusal");
  await lab.locator("#reg-submit").click();
  await lab.waitForSelector("#reg-error:not([hidden])");
  await lab.waitForSelector("#reg-override-field:not([hidden])");
  check(
    await lab.evaluate(() => document.activeElement.id === "reg-error"),
    "the refusal takes the focus for the lab user too",
  );
  await lab.keyboard.press("Tab");
  check(
    await lab.evaluate(() => document.activeElement.id === "reg-override"),
    "the override reason is the next field after the refusal",
  );
  await lab.keyboard.type("医師の指示により唾液で検査する（鼻咽頭ぬぐい液の採取が困難）");
  await visit(lab, "14-override-reason");
  await lab.keyboard.press("Tab");
  check(
    await lab.evaluate(() => document.activeElement.id === "reg-submit"),
    "then the button",
  );
  await lab.keyboard.press("Enter");
  await lab.waitForSelector("#outcome.ok");
  check((await lab.textContent("#outcome-reason")) === LAB_TUBE, "the override registers the tube");
  const overridden = await lab.evaluate(
    (id) => fetch(`/api/v1/specimens/${encodeURIComponent(id)}`, { credentials: "same-origin" }).then((r) => r.json()),
    LAB_TUBE,
  );
  check(
    String(overridden.override_reason || "").startsWith("医師の指示"),
    `the specimen keeps the override reason: ${JSON.stringify(overridden.override_reason)}`,
  );
  check(await lab.locator("#reg-override-field").isHidden(), "the override field goes with the form");
  await visit(lab, "15-override-registered");
  await lab.locator("form[action='/signout'] button").click();
  await lab.waitForURL(/\/signin$/);
});
