// The admin stations page: the scanners' state, kept live.
//
// Polls GET /api/v1/devices every 2 s with the session cookie (a read, so
// no CSRF header) and updates each configured scanner's state cell, a
// polite live region: only a change is written, so an unchanged state is
// never read out again. When the session has ended (401) or the role may
// no longer see the scanners (403) it stops quietly, saying so in the
// hint above the table. Words come from the page's JSON (#admin-data);
// text is set with textContent only (an error can carry a device's bytes).
'use strict';

(function () {
  const table = document.getElementById('admin-scanners');
  const island = document.getElementById('admin-data');
  if (!table || !island) return;
  const data = JSON.parse(island.textContent);
  const INTERVAL_MS = 2000;

  const cells = new Map();
  table.querySelectorAll('tr[data-scanner]').forEach((row) => {
    const cell = row.querySelector('td.admin-state');
    if (cell) cells.set(row.dataset.scanner, cell);
  });

  function update(devices) {
    if (!Array.isArray(devices)) return;
    devices.forEach((d) => {
      const cell = d && d.name ? cells.get(d.name) : undefined;
      if (!cell) return;
      const label = data.states[d.state] || d.state;
      // Why it is not connected; a reading scanner's old error is stale.
      const connected = d.state === 'open' || d.state === 'reading';
      const detail = d.detail && !connected ? ' — ' + d.detail : '';
      const labelNode = cell.querySelector('.admin-state-label');
      const detailNode = cell.querySelector('.admin-state-detail');
      if (!labelNode || !detailNode) return;
      if (cell.dataset.state === d.state && labelNode.textContent === label &&
          detailNode.textContent === detail) return;
      cell.dataset.state = d.state;
      labelNode.textContent = label;
      detailNode.textContent = detail;
    });
  }

  function stop() {
    const hint = document.getElementById('scanners-live');
    if (hint) hint.textContent = data.stopped;
  }

  async function poll() {
    // A hidden tab asks nothing; it catches up when it is shown again.
    if (!document.hidden) {
      let res = null;
      try {
        res = await fetch('/api/v1/devices', {
          credentials: 'same-origin',
          cache: 'no-store',
          headers: { Accept: 'application/json' },
        });
      } catch (e) {
        res = null; // the server is restarting or the network blinked: retry
      }
      if (res && (res.status === 401 || res.status === 403)) {
        stop();
        return;
      }
      if (res && res.ok) {
        try {
          update(await res.json());
        } catch (e) {
          // Not JSON after all: keep the last state shown.
        }
      }
    }
    setTimeout(poll, INTERVAL_MS);
  }
  setTimeout(poll, INTERVAL_MS);
})();
