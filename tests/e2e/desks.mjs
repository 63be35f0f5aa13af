// End-to-end test of the lab's, the health centre's and the admin's pages
// in Debian's headless Chromium, each person in their own browser context:
//
// - the lab: the storage alerts counting down; the specimens in care (the
//   40-hour tube among them), a tube scanned into the lookup field, its
//   whole history and its label; a package made, tubes scanned in, a
//   dispatch refused while the checklist is open, every item ticked with
//   the keyboard — each tick coming back to its item with the focus on
//   its button — the package dispatched, its slip and labels and the
//   command sheet ready to print;
// - the health centre: the day's rows, the character Shift_JIS cannot hold
//   named before the download and in the text file beside it, the CSV
//   downloaded in UTF-8 and in Shift_JIS under names that say so and read
//   back, the summary page, and the packing page refused;
// - the admin: every admin page, the location labels sheet, and a user
//   created through the form.
//
// Every page is checked with axe-core (no serious or critical violation)
// and photographed into $KENTAI_SCREENSHOTS.
//
//   KENTAI_BASE_URL=… KENTAI_LAB_TOKEN=… KENTAI_HEALTH_TOKEN=… \
//   KENTAI_ADMIN_TOKEN=… node tests/e2e/desks.mjs
//
// tests/suite/browser.rs prepares the data, starts the server and runs this.

import { readFileSync } from "node:fs";
import path from "node:path";
import { axeCheck, check, deskPage, pathOf, run, signIn, visit } from "./lib.mjs";

const base = process.env.KENTAI_BASE_URL;
const lab = process.env.KENTAI_LAB_TOKEN;
const health = process.env.KENTAI_HEALTH_TOKEN;
const admin = process.env.KENTAI_ADMIN_TOKEN;
if (!base || !lab || !health || !admin) {
  console.error(
    "desks.mjs: set KENTAI_BASE_URL, KENTAI_LAB_TOKEN, KENTAI_HEALTH_TOKEN and KENTAI_ADMIN_TOKEN",
  );
  process.exit(2);
}

// Types as a keyboard-wedge scanner does: fast, key by key, then Enter.
async function scanInto(page, selector, text) {
  await page.locator(selector).focus();
  await page.keyboard.type(text, { delay: 8 });
  await page.keyboard.press("Enter");
}

async function labDesk(browser) {
  const page = await deskPage(browser);
  await signIn(page, base, lab, `${base}/stations`);

  // The alerts: the tube kept in the fridge for 40 hours, counting down.
  await page.goto(`${base}/alerts`);
  const row = page.locator("#alert-list tr", { hasText: "AL-1" });
  check((await row.count()) === 1, "the 40-hour tube is on the alerts page");
  const left = await row.locator("td.time-left").textContent();
  check(/時間\d\d分/.test(left), `its time left reads in hours and minutes: ${left}`);
  await visit(page, "20-alerts");

  // The specimens in care, the lab's default: today's tubes and the one
  // collected 40 hours ago; then a tube scanned into the lookup.
  await page.goto(`${base}/specimens`);
  for (const tube of ["PK-1", "AL-1"]) {
    check(
      (await page.locator("table a", { hasText: tube }).count()) === 1,
      `the list in care holds ${tube}`,
    );
  }
  check(
    (await page.getAttribute(".view-switch a[href='/specimens?view=in_care']", "aria-current")) ===
      "page",
    "the list in care is the lab's default",
  );
  await visit(page, "21-specimens");
  await scanInto(page, "#q", "PK-1");
  await page.waitForURL(`${base}/specimens/PK-1`);
  const history = await page.textContent("main");
  check(history.includes("FRIDGE-A"), "the history shows the fridge it went into");
  check(history.includes("陽性"), "the history shows the result");
  await visit(page, "22-specimen-history");
  await page.goto(`${base}/specimens/PK-1/label`);
  check(
    await page.evaluate(() => {
      const img = document.querySelector("main img");
      return img !== null && img.complete && img.naturalWidth > 0;
    }),
    "the label image is drawn",
  );
  await visit(page, "23-specimen-label");

  await packAndDispatch(page);
}

async function packAndDispatch(page) {
  await page.goto(`${base}/packing`);
  await visit(page, "24-packing");
  // A package to the testing lab by the official vehicle.
  await page.selectOption("#carrier", "official_vehicle");
  await page.fill("#consignee_name", "国立感染症研究所");
  await page.fill("#consignee_address", "東京都新宿区戸山1-23-1");
  await page.fill("#consignee_phone", "03-5285-1111");
  await page.locator("form.packing-form button[type=submit]").click();
  await page.waitForURL(/\/packing\/[^/]+\?done=created$/);
  const packagePath = pathOf(page);

  // Both tubes scanned into the add-tube field.
  for (const tube of ["PK-1", "PK-2"]) {
    await page.goto(`${base}${packagePath}`);
    await scanInto(page, "#specimen_id", tube);
    await page.waitForURL(/done=added/);
    check(
      (await page.locator("#layer-primary", { hasText: tube }).count()) === 1,
      `${tube} is in the primary layer`,
    );
  }

  // Dispatch while the checklist is open: refused, with what is missing.
  await page.locator("form[action$='/dispatch'] button").click();
  await page.waitForSelector("#form-error");
  check(
    (await page.getAttribute("#form-error", "data-code")) === "package_incomplete",
    "an early dispatch is refused as incomplete",
  );
  const missingAtFirst = await page.locator("#missing li").count();
  check(missingAtFirst > 5, `the missing list names what dispatch waits for (${missingAtFirst})`);
  await visit(page, "25-dispatch-refused");

  // Tick what is missing, one item at a time, with the keyboard: follow
  // the first missing entry to its item, focus its button, Enter.
  let previous = "";
  for (let round = 0; round < 80; round += 1) {
    await page.goto(`${base}${packagePath}`);
    const first = page.locator("#missing li a").first();
    if ((await first.count()) === 0) break;
    const target = await first.getAttribute("href");
    const said = await first.textContent();
    check(target + said !== previous, `ticking ${target} (${said}) took it off the missing list`);
    previous = target + said;
    check(target.startsWith("#item-"), `a missing entry points at its item: ${target}`);
    const item = page.locator(target);
    const kg = item.locator("input[name=dry_ice_kg]");
    if ((await kg.count()) > 0) await kg.fill("2.5");
    await item.locator("button[type=submit]").focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/done=ticked/);
    await page.waitForLoadState("load");
    const refusal = page.locator("#form-error");
    check(
      (await refusal.count()) === 0,
      `ticking ${target} went through: ${(await refusal.count()) ? await refusal.textContent() : ""}`,
    );
    // Back at the item just ticked, not at the top: the focus is on its
    // button, and it says it was ticked.
    const place = await page.waitForFunction(() => {
      const here = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      const focused = document.activeElement;
      return here && focused && focused.tagName === "BUTTON" && here.contains(focused)
        ? { scrollY: window.scrollY, ticked: here.querySelector(".just-done") !== null }
        : null;
    });
    const where = await place.jsonValue();
    check(where.ticked, `${target}: the item confirms the tick beside its button`);
    if (round === 8) {
      check(where.scrollY > 0, `${target}: the page did not go back to the top`);
      await axeCheck(page, "26a-package-after-tick");
      await page.screenshot({
        path: path.join(process.env.KENTAI_SCREENSHOTS || "target/screenshots", "26a-package-after-tick.png"),
      });
    }
  }
  await page.goto(`${base}${packagePath}`);
  check((await page.locator("#missing li").count()) === 0, "nothing is missing any more");
  await visit(page, "26-package-ready");

  await page.locator("form[action$='/dispatch'] button").click();
  await page.waitForURL(/done=dispatched/);
  check(
    (await page.locator(".dispatch .status-dispatched").count()) === 1,
    "the package is dispatched",
  );
  await visit(page, "27-package-dispatched");

  await page.goto(`${base}${packagePath}/print`);
  check(
    (await page.textContent("#consignee")).includes("国立感染症研究所"),
    "the slip names the consignee",
  );
  check(
    await page.evaluate(() =>
      [...document.querySelectorAll("main img")].every((i) => i.complete && i.naturalWidth > 0),
    ),
    "the package labels are drawn",
  );
  await visit(page, "28-print-slip-and-labels");
  await page.goto(`${base}/packing/commands`);
  await visit(page, "29-command-sheet");
}

async function healthCentre(browser) {
  const page = await deskPage(browser, { acceptDownloads: true });
  await signIn(page, base, health, `${base}/reports`);
  const rows = await page.textContent("table.report-rows");
  check(rows.includes("PK-1") && rows.includes("PK-2"), "the day's rows are listed");
  check(rows.includes("陽性"), "with the result in words");
  check(rows.includes("結果待ち"), "and a result not known yet in words");
  // The character Shift_JIS cannot hold, named before anyone downloads.
  const replaced = await page.textContent(".sjis table");
  check(
    replaced.includes("SJ-WEB") && replaced.includes("𠮷 (U+20BB7)") && replaced.includes("〓"),
    `the page names the replaced character: ${replaced}`,
  );
  await visit(page, "30-reports");

  // The CSV in UTF-8 (with its BOM) and in Shift_JIS, read back, each
  // under a name that says its encoding; the list of replaced characters
  // beside them.
  const download = async (name, expected) => {
    const [file] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name, exact: true }).click(),
    ]);
    check(expected.test(file.suggestedFilename()), file.suggestedFilename());
    return readFileSync(await file.path());
  };
  const utf8 = await download("CSV（UTF-8）", /^hersys-\d{4}-\d\d-\d\d-utf8\.csv$/);
  check(utf8[0] === 0xef && utf8[1] === 0xbb && utf8[2] === 0xbf, "the UTF-8 CSV has a BOM");
  const utf8Text = utf8.toString("utf8");
  check(utf8Text.includes("検体番号") && utf8Text.includes("PK-1"), "the UTF-8 CSV holds the rows");
  check(utf8Text.includes(",結果待ち,"), "a pending result reads 結果待ち in the CSV too");
  const sjis = await download("CSV（Shift_JIS）", /^hersys-\d{4}-\d\d-\d\d-sjis\.csv$/);
  const sjisText = new TextDecoder("shift_jis").decode(sjis);
  check(sjisText.includes("検体番号") && sjisText.includes("PK-2"), "the Shift_JIS CSV decodes");
  check(
    sjisText.replace(/\r\n/g, "\n") === utf8Text.slice(1).replace(/\r\n/g, "\n").replaceAll("𠮷", "〓"),
    "both encodings hold the same text but for the character listed",
  );
  const list = (
    await download("置き換える文字の一覧（テキストファイル）", /^hersys-\d{4}-\d\d-\d\d-sjis-replacements\.txt$/)
  ).toString("utf8");
  check(list.includes("SJ-WEB\t氏名\t𠮷\tU+20BB7\t〓"), `the text file lists it: ${list}`);

  // The summary, a page of the site with the way back.
  await page.getByRole("link", { name: "この日の集計表を開く（印刷できます）" }).click();
  await page.waitForURL(/\/reports\/summary\?date=/);
  check((await page.locator("nav a[aria-current=page]").first().getAttribute("href")) === "/reports",
    "the summary sits in the reports section");
  check((await page.textContent("table.kentai-day-summary")).includes("結果待ち"), "the summary says 結果待ち");
  await visit(page, "32-report-summary");
  await page.getByRole("link", { name: "保健所への日報へ戻る" }).click();
  await page.waitForURL(/\/reports\?date=/);

  // The packing desk is not the health centre's: refused, with no data.
  const res = await page.goto(`${base}/packing`);
  check(res.status() === 403, `the packing page is refused: ${res.status()}`);
  check((await page.locator("table").count()) === 0, "the refusal shows no table");
  await visit(page, "31-forbidden");
}

async function adminDesk(browser) {
  const page = await deskPage(browser);
  await signIn(page, base, admin, `${base}/stations`);
  for (const [path, shot] of [
    ["/admin", "40-admin"],
    ["/admin/users", "41-admin-users"],
    ["/admin/stations", "42-admin-stations"],
    ["/admin/locations", "43-admin-locations"],
    ["/admin/kits", "44-admin-kits"],
    ["/admin/policy", "45-admin-policy"],
    ["/admin/locations/labels", "47-admin-location-labels"],
  ]) {
    const res = await page.goto(`${base}${path}`);
    check(res.status() === 200, `${path} answers ${res.status()}`);
    check(pathOf(page) === path, `${path} stays at ${page.url()}`);
    await visit(page, shot);
  }
  check(
    await page.evaluate(() => {
      const images = [...document.querySelectorAll(".location-labels img")];
      return images.length === 2 && images.every((i) => i.complete && i.naturalWidth > 0);
    }),
    "every location's label is drawn on the sheet",
  );
  // A new reception clerk through the form: the token is shown once, and
  // it signs in at another desk.
  await page.goto(`${base}/admin/users`);
  await page.fill("#user-name", "受付 新人");
  await page.selectOption("#user-role", "reception");
  await page.locator("#user-name").press("Enter");
  await page.waitForSelector("#new-token");
  const newToken = (await page.textContent("#new-token")).trim();
  check(/^kt_[0-9a-f]{64}$/.test(newToken), `a new token is shown: ${newToken.slice(0, 6)}…`);
  await visit(page, "46-admin-new-token");
  const desk = await deskPage(browser);
  await signIn(desk, base, newToken, `${base}/stations`);
  check(
    (await desk.textContent(".account .who")).includes("受付 新人"),
    "the new clerk is signed in",
  );
  await desk.context().close();
}

await run("desks.mjs", async (browser) => {
  await labDesk(browser);
  await healthCentre(browser);
  await adminDesk(browser);
});
