// The storage alerts page, kept live: each "time left" counts down from
// its deadline every few seconds, and the list itself is fetched again
// every minute (the server's own rendering of /alerts), so a tube that
// reaches its alert window appears without anyone reloading the page.
"use strict";
(() => {
  const words = JSON.parse(document.getElementById("alerts-words").textContent);
  const live = document.getElementById("alerts-live");

  const timeLeft = (ms) => {
    const minutes = Math.floor(ms / 60000);
    if (minutes <= 0) return words.overdue;
    const h = Math.floor(minutes / 60);
    const m = String(minutes % 60).padStart(2, "0");
    return words.time_left.replace("{h}", String(h)).replace("{m}", m);
  };

  const tick = () => {
    const now = Date.now();
    for (const cell of document.querySelectorAll("td.time-left[data-due]")) {
      const left = Date.parse(cell.dataset.due) - now;
      const text = timeLeft(left);
      if (cell.textContent !== text) cell.textContent = text;
      cell.closest("tr").classList.toggle("overdue", left <= 0);
    }
  };

  const refresh = async () => {
    try {
      const res = await fetch(window.location.pathname, { credentials: "same-origin" });
      // A redirect to the sign-in page: the session ended; stop quietly.
      if (!res.ok || res.redirected) {
        live.classList.add("lost");
        return false;
      }
      const page = new DOMParser().parseFromString(await res.text(), "text/html");
      const fresh = page.getElementById("alert-list");
      const list = document.getElementById("alert-list");
      if (fresh && list) list.replaceWith(fresh);
      live.classList.remove("lost");
      tick();
    } catch {
      live.classList.add("lost");
    }
    return true;
  };

  tick();
  setInterval(tick, 5000);
  const timer = setInterval(async () => {
    if (!(await refresh())) clearInterval(timer);
  }, 60000);
})();
