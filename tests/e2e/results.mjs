// End-to-end test of a lab's result day at a `second_person` site, in
// Debian's headless Chromium, each person in their own browser context:
//
// - the technician scans a negative command and five tubes into the result
//   desk's keyboard-wedge field (a batch of negatives), reads a
//   QuantStudio plate file into the result page (one positive, 93 tubes),
//   commits it, and corrects one of the desk's negatives with a reason;
// - a second technician finds them all in the release queue and releases
//   them;
// - the health centre's day report then has every one of them, the plate's
//   positive with its Ct values and the correction with its reason.
//
//   KENTAI_BASE_URL=… KENTAI_TECH_TOKEN=… KENTAI_CHECKER_TOKEN=… \
//   KENTAI_HEALTH_TOKEN=… KENTAI_PLATE=… KENTAI_DAY=YYYY-MM-DD \
//   node tests/e2e/results.mjs
//
// tests/suite/browser.rs prepares the data, starts the server and runs this.

import { check, deskPage, run, signIn, visit } from "./lib.mjs";

const base = process.env.KENTAI_BASE_URL;
const tech = process.env.KENTAI_TECH_TOKEN;
const checker = process.env.KENTAI_CHECKER_TOKEN;
const health = process.env.KENTAI_HEALTH_TOKEN;
const plate = process.env.KENTAI_PLATE;
const day = process.env.KENTAI_DAY;
if (!base || !tech || !checker || !health || !plate || !day) {
  console.error(
    "results.mjs: set KENTAI_BASE_URL, KENTAI_TECH_TOKEN, KENTAI_CHECKER_TOKEN, KENTAI_HEALTH_TOKEN, KENTAI_PLATE and KENTAI_DAY",
  );
  process.exit(2);
}

const DESK_TUBES = ["D-1", "D-2", "D-3", "D-4", "D-5"];
const CORRECTED = "D-3";
const REASON = "PCR 再検査で陽性（一括入力の取り違え）";

// One part of a long page, photographed on its own to be looked at.
async function shootPart(page, selector, name) {
  const file = `${process.env.KENTAI_SCREENSHOTS || "target/screenshots"}/${name}.png`;
  await page.locator(selector).screenshot({ path: file });
  console.log(`e2e: screenshot ${file}`);
}

// Types as a keyboard-wedge scanner does: fast, key by key, then Enter.
async function scan(page, text) {
  await page.locator("#scan-input").focus();
  await page.keyboard.type(text, { delay: 5 });
  await page.keyboard.press("Enter");
}

async function feedCount(page, n) {
  await page.waitForFunction(
    (n) => document.querySelectorAll("#feed li.ok, #feed li.ng").length >= n,
    n,
  );
}

async function technician(browser) {
  const page = await deskPage(browser);
  await signIn(page, base, tech, `${base}/stations`);

  // The result desk: a negative command, then five tubes.
  await page.goto(`${base}/stations/results-1`);
  await page.waitForSelector("#result-desk");
  await scan(page, "KTCMD:result:negative");
  await feedCount(page, 1);
  const batch = await page.textContent("#result-desk-batch");
  check(batch.includes("陰性"), `the desk shows the batch of negatives: ${batch}`);
  for (const [i, tube] of DESK_TUBES.entries()) {
    await scan(page, tube);
    await feedCount(page, i + 2);
  }
  const refused = await page.locator("#feed li.ng").count();
  check(refused === 0, `every scan at the result desk is accepted (${refused} refused)`);
  const feed = await page.textContent("#feed");
  for (const tube of DESK_TUBES) {
    check(feed.includes(tube), `the feed confirms ${tube}`);
  }
  check(feed.includes("承認待ち"), "the feed says the results wait for release");
  await visit(page, "60-result-desk-batch");

  // The result page: a QuantStudio plate file.
  await page.goto(`${base}/results`);
  check(
    (await page.getAttribute("#release-policy", "data-policy")) === "second_person",
    "the page says results wait for a second person",
  );
  const awaiting = await page.locator("#worklist-body tr.work-row").count();
  check(awaiting === 93, `the worklist holds the plate's 93 tubes (${awaiting})`);
  await visit(page, "61-results-worklist");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${process.env.KENTAI_SCREENSHOTS || "target/screenshots"}/61b-results-top.png` });
  await page.selectOption("#import-format", "quantstudio");
  await page.selectOption("#import-assay", "sars2-n1n2");
  await page.setInputFiles("#import-file", plate);
  await page.click("#import-read");
  await page.waitForSelector("#import-preview[data-import-id]:not([hidden])");
  const rows = await page.locator("#import-rows tr.import-row").count();
  check(rows === 93, `the preview lists 93 samples (${rows})`);
  const positive = await page.textContent("#import-rows tr.import-row[data-sample='R26-0007']");
  check(positive.includes("陽性") && positive.includes("24.1"), `R26-0007 previews positive with its Ct: ${positive}`);
  await visit(page, "62-results-import-preview");
  await shootPart(page, "#import", "62b-results-import-part");
  await page.click("#import-commit");
  await page.waitForSelector("#import-result:not([hidden])");
  const done = await page.textContent("#import-result");
  check(done.includes("93"), `the commit recorded 93 results: ${done}`);
  await visit(page, "63-results-import-committed");

  // A desk negative corrected, with its reason.
  await page.fill("#correct-id", CORRECTED);
  await page.click("#correct-open");
  await page.waitForSelector("#correct-panel:not([hidden])");
  await page.check("#correct-form input[name=correct-result][value=positive]");
  await page.click("#correct-submit");
  await page.waitForSelector("#correct-error:not([hidden])");
  const refusal = await page.textContent("#correct-error");
  check(refusal.includes("理由"), `a correction without a reason is refused: ${refusal}`);
  await page.fill("#correct-reason", REASON);
  await page.click("#correct-submit");
  await page.waitForFunction(
    (id) => document.getElementById("results-live").textContent.includes(id),
    CORRECTED,
  );
  const corrected = await page.textContent("#results-live");
  check(corrected.includes("承認待ち"), `the correction is confirmed, waiting for release: ${corrected}`);
  check(await page.isHidden("#correct-error"), "the refusal is gone once the correction is recorded");
  const history = await page.textContent("#correct-history");
  check(history.includes("次の版に置き換え"), `the desk's version reads as replaced: ${history}`);
  check(history.includes(REASON), `the tube's history shows the reason: ${history}`);
  await visit(page, "64-results-corrected");
  await shootPart(page, "#correct", "64b-results-correct-part");

  // Nobody releases their own entries.
  await page.reload();
  const own = await page.locator("#release-body > tr.release-row[data-own=true]").count();
  check(own === 98, `the technician's own 98 entries are marked as theirs (${own})`);
  check((await page.locator("#release-all").count()) === 0, "no release-all for one's own entries");
  await page.context().close();
}

async function secondPerson(browser) {
  const page = await deskPage(browser);
  await signIn(page, base, checker, `${base}/stations`);
  await page.goto(`${base}/results`);
  const queued = await page.locator("#release-body > tr.release-row").count();
  check(queued === 98, `the release queue holds 98 results (${queued})`);
  const d3 = await page.textContent(`#release-body > tr.release-row[data-specimen='${CORRECTED}']`);
  check(d3.includes(REASON), `the corrected result shows its reason in the queue: ${d3}`);
  await visit(page, "65-results-release-queue");
  await shootPart(page, "#release-queue", "65b-results-release-part");
  await page.click("#release-all");
  await page.waitForFunction(
    () => document.querySelectorAll("#release-body > tr.release-row").length === 0,
    null,
    { timeout: 90_000 },
  );
  check(await page.isVisible("#release-empty"), "the queue says it is empty");
  await visit(page, "66-results-released");
  await page.context().close();
}

async function healthCentre(browser) {
  const page = await deskPage(browser);
  await signIn(page, base, health, `${base}/reports`);
  const answer = await page.request.get(
    `${base}/api/v1/reports/hersys?date=${day}&format=json`,
  );
  check(answer.status() === 200, `the day report answers (${answer.status()})`);
  const report = await answer.json();
  const row = (id) => report.rows.find((r) => r.specimen_id === id);
  const p = row("R26-0007");
  check(p && p.result === "positive", "the plate's positive is in the report");
  check(p.ct && p.ct.N1 === 24.1 && p.ct.RP === 27, `with its Ct values: ${JSON.stringify(p.ct)}`);
  check(p.assay === "sars2-n1n2", "and its assay");
  const c = row(CORRECTED);
  check(c && c.result === "positive" && c.correction_reason === REASON, "the correction with its reason");
  check(c.flags_text.includes(REASON), `and the reason in 注記: ${c.flags_text}`);
  for (const tube of ["D-1", "D-2", "D-4", "D-5"]) {
    const r = row(tube);
    check(r && r.result === "negative" && !r.result_pending, `${tube} is reported negative`);
  }
  const pending = report.rows.filter((r) => r.result_pending).length;
  check(pending === 0, `nothing is left waiting for release (${pending})`);
  await page.goto(`${base}/reports?date=${day}`);
  await visit(page, "67-results-report");
  await page.context().close();
}

run("results.mjs", async (browser) => {
  await technician(browser);
  await secondPerson(browser);
  await healthCentre(browser);
});
