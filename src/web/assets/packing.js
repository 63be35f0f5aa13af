// The package page keeps the person's place. Every form works without
// this script: a checklist tick answers with a redirect to the item's
// anchor, so the browser comes back to the item rather than the top of a
// long page. The script adds what a reload cannot: the focus goes to the
// button of the item just ticked (a screen reader reads the item, its new
// state and the confirmation), the item stands where it stood on the
// screen before the tick, and a refused form's reason, drawn beside that
// form, takes the focus and comes into view.
"use strict";
(() => {
  const KEY = "kentai-packing-place";
  const PLACE = "li.item[id], div.tick-all-item[id]";

  // Where the item of a checklist form stands on the screen as it leaves.
  document.addEventListener("submit", (e) => {
    const form = e.target.closest("form.tick");
    const place = form && form.closest(PLACE);
    if (!place) return;
    try {
      sessionStorage.setItem(
        KEY,
        JSON.stringify({ id: place.id, top: place.getBoundingClientRect().top }),
      );
    } catch (_) {
      // Storage turned off: the anchor alone brings the item back.
    }
  });

  function saved() {
    try {
      const value = JSON.parse(sessionStorage.getItem(KEY) || "null");
      sessionStorage.removeItem(KEY);
      return value;
    } catch (_) {
      return null;
    }
  }

  function settle() {
    const before = saved();
    // A field the page focused itself (the reason a refusal asks for)
    // keeps the focus.
    const untouched = !document.activeElement || document.activeElement === document.body;
    const error = document.getElementById("form-error");
    if (error) {
      if (untouched) error.focus({ preventScroll: true });
      error.scrollIntoView({ block: "center" });
      return;
    }
    const id = decodeURIComponent(location.hash.slice(1));
    const place = id && document.getElementById(id);
    if (!place || !place.matches(PLACE)) return;
    const button = place.querySelector("form.tick button[type=submit]");
    if (button && untouched) button.focus({ preventScroll: true });
    if (before && before.id === id) {
      window.scrollBy(0, place.getBoundingClientRect().top - before.top);
    } else {
      place.scrollIntoView({ block: "center" });
    }
  }

  // After the browser's own scroll to the anchor, which happens at load.
  if (document.readyState === "complete") {
    requestAnimationFrame(settle);
  } else {
    window.addEventListener("load", () => requestAnimationFrame(settle));
  }
})();
