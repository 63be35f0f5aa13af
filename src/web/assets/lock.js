// kentai page lock: a page left idle for [security] page_idle_minutes
// (no key, click, touch or wheel, and no scan at its station) locks its
// session on the server and covers itself; the person re-enters with
// their password, or anyone with a staff badge and PIN (the screen then
// becomes theirs). Nothing on the page is reloaded: forms keep what was
// typed, and a station's feed keeps following underneath. The words are
// the page's own (the #lock dialog), so this file holds no language.
'use strict';

(function () {
  const meta = document.querySelector('meta[name="kentai-lock-after"]');
  const dialog = document.getElementById('lock');
  if (!meta || !dialog) return;
  const after = Number(meta.content) * 1000;
  if (!(after > 0)) return;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : '';
  const error = document.getElementById('lock-error');
  let timer = null;
  let locked = false;
  let focusBefore = null;

  function arm() {
    if (locked) return;
    clearTimeout(timer);
    timer = setTimeout(lock, after);
  }

  // Everything but the dialog is inert while locked: no focus, no click.
  function cover(on) {
    for (const el of document.body.children) {
      if (el !== dialog && el.tagName !== 'SCRIPT') el.inert = on;
    }
    dialog.hidden = !on;
    document.body.classList.toggle('locked', on);
  }

  async function lock() {
    if (locked) return;
    locked = true;
    focusBefore = document.activeElement;
    cover(true);
    error.hidden = true;
    document.getElementById('lock-password-input').focus();
    try {
      await fetch('/api/v1/session/lock', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': csrf },
      });
    } catch {
      // The cover is up either way; the server locks it at the next request.
    }
  }

  async function unlock(body) {
    let res;
    try {
      res = await fetch('/api/v1/session/unlock?lang=' + document.documentElement.lang, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify(body),
      });
    } catch {
      return;
    }
    const answer = await res.json().catch(() => null);
    if (res.ok && answer) {
      locked = false;
      for (const input of dialog.querySelectorAll('input[type="password"]')) input.value = '';
      cover(false);
      const who = document.querySelector('.site-header .who');
      if (who && who.dataset.name !== answer.name) {
        // Another person took the screen: the header says so.
        who.textContent = who.textContent.replace(who.dataset.name, answer.name);
        who.dataset.name = answer.name;
      }
      document.dispatchEvent(new CustomEvent('kentai:unlocked', { detail: answer }));
      if (focusBefore && document.contains(focusBefore)) focusBefore.focus();
      arm();
      return;
    }
    error.textContent = (answer && answer.error && answer.error.message) || '';
    error.hidden = false;
    for (const input of dialog.querySelectorAll('input[type="password"]')) input.value = '';
  }

  document.getElementById('lock-password').addEventListener('submit', (e) => {
    e.preventDefault();
    unlock({ password: document.getElementById('lock-password-input').value });
  });
  document.getElementById('lock-badge').addEventListener('submit', (e) => {
    e.preventDefault();
    unlock({
      badge: document.getElementById('lock-badge-input').value.trim(),
      pin: document.getElementById('lock-pin-input').value,
    });
  });
  // A keyboard-mode scanner ends the badge with Enter: on to the PIN.
  document.getElementById('lock-badge-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      document.getElementById('lock-pin-input').focus();
    }
  });

  for (const kind of ['keydown', 'pointerdown', 'wheel', 'touchstart']) {
    document.addEventListener(kind, arm, { passive: true, capture: true });
  }
  // A scan at the station this page follows: someone is at the desk.
  document.addEventListener('kentai:activity', arm);
  arm();
})();
