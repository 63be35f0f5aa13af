// End-to-end test of kentai's web pages in Debian's headless Chromium
// (never a downloaded browser), as a reception clerk uses them: sign in
// with the form, scan a kit's GS1 DataMatrix into the station page's
// keyboard-wedge field character by character, see it accepted and in the
// draft, register a specimen with the form the scans fill (a day-10
// saliva refused with its reason, then corrected and registered), store
// the tube at the fridge, see an unknown code refused at a storage station, find no lab or
// admin links, move with the keyboard alone, switch language, sign out.
// Every page visited is checked with axe-core (no serious or critical
// violation) and photographed into $KENTAI_SCREENSHOTS.
//
//   KENTAI_BASE_URL=http://127.0.0.1:PORT KENTAI_TOKEN=kt_… node tests/e2e/run.mjs
//
// tests/browser.rs starts a server and runs this. Exit 0: every check
// passed; exit 1: a check failed (said on stderr); exit 2: bad usage.

import { check, deskPage, pageData, pathOf, run, shoot, visit } from "./lib.mjs";

const base = process.env.KENTAI_BASE_URL;
const token = process.env.KENTAI_TOKEN;
if (!base || !token) {
  console.error("run.mjs: set KENTAI_BASE_URL and KENTAI_TOKEN");
  process.exit(2);
}

// The kit of the app's catalogue (GTIN 04912345000019, "VTM kit"), expiry
// 2030-12-31, lot LOT42, serial S1, as a scanner sends its DataMatrix: the
// AIM identifier ]d2, and GS after the variable-length lot. A person or a
// keyboard-mode scanner without GS types it as <GS>.
const KIT_SCAN = "]d2010491234500001917301231" + "10LOT42<GS>21S1";

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
  async function wedgeScan(text) {
    const before = await page.locator("#feed li").count();
    await page.locator("#scan-input").focus();
    await page.keyboard.type(text, { delay: 8 });
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      (n) => document.querySelectorAll("#feed li").length > n,
      before,
    );
  }
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
  // Keyboard order: the wedge field, its button, then the form.
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  check(
    await page.evaluate(() => document.activeElement.id === "reg-specimen-id"),
    "Tab goes from the wedge field to the registration form",
  );
  const collected = await page.inputValue("#reg-collected");
  check(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(collected), `collected at defaults to now: ${collected}`);
  const daysBefore = (n) => {
    const [y, m, d] = collected.slice(0, 10).split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d - n)).toISOString().slice(0, 10);
  };
  await page.locator("#reg-name").fill("検体 太郎");
  await page.locator("#reg-kana").fill("ケンタイ タロウ");
  await page.selectOption("#reg-sex", "male");
  await page.locator("#reg-birth").fill("1980-04-01");
  await page.locator("#reg-phone").fill("03-1234-5678");
  await page.selectOption("#reg-type", "saliva");
  await page.locator("#reg-onset").fill(daysBefore(10));
  await page.selectOption("#reg-method", "pcr");
  await page.locator("#reg-ppe-surgical_mask").check();
  await page.locator("#reg-ppe-gloves").check();
  const form = data.form.t;
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

  await page.locator("#reg-onset").fill(daysBefore(3));
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
  await visit(page, "10-registration-accepted");

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
  const stored = await page.textContent("#outcome-detail");
  check(
    stored.includes("stored") && stored.includes(TUBE) && stored.includes("FRIDGE-A"),
    `the tube is stored: ${stored}`,
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
});
