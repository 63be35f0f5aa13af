// kentai station page: the live outcome of each scan at this station.
//
// Follows GET /api/v1/stations/{station}/events (the session cookie
// authenticates it) and posts typed scans to POST /api/v1/scans with the
// session's CSRF token. Every word comes from the page's JSON
// (#kentai-data), so this file holds no language. Text is always set with
// textContent, never parsed as HTML: scan data comes from anyone's barcode.
'use strict';

(function () {
  const data = JSON.parse(document.getElementById('kentai-data').textContent);
  const t = data.t;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : '';
  const $ = (id) => document.getElementById(id);
  const GS = '\u001d';
  const FEED_MAX = 50;

  const panel = $('outcome');
  const input = $('scan-input');
  const seen = new Set();
  let lastId = data.last_scan_id || 0;

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // Scan data with its GS separators visible.
  function dataNode(text) {
    const code = el('code', 'data');
    String(text).split(GS).forEach((part, i) => {
      if (i > 0) code.appendChild(el('span', 'gs', 'GS'));
      code.appendChild(document.createTextNode(part));
    });
    return code;
  }

  // What a person reads for an outcome: the reason in plain words (the
  // Japanese name of the rule where there is one), then the message.
  function describe(o) {
    const kind = data.kinds[o.kind] || o.kind;
    if (!o.accepted) {
      const reason = (o.code && data.reasons[o.code]) || o.message;
      return { reason: reason, detail: reason === o.message ? '' : o.message, kind: kind };
    }
    const draft = o.draft || {};
    let what = o.specimen_id || o.location || o.package_id || '';
    if (o.kind === 'kit' && draft.kit) {
      what = (draft.kit.description || draft.kit.gtin) + (draft.kit.lot ? ' / ' + t.kit_lot + ' ' + draft.kit.lot : '');
    } else if (o.kind === 'patient' && draft.patient) {
      what = draft.patient;
    }
    return { reason: what ? kind + ': ' + what : kind, detail: o.message, kind: kind };
  }

  function warningText(w) {
    return (data.reasons[w.code] ? data.reasons[w.code] + ' — ' : '') + w.message;
  }

  function showOutcome(o) {
    const d = describe(o);
    panel.className = 'outcome ' + (o.accepted ? 'ok' : 'ng');
    $('outcome-verdict').textContent = o.accepted ? '\u2713 ' + t.accepted : '\u2715 ' + t.refused;
    $('outcome-reason').textContent = d.reason;
    const detail = $('outcome-detail');
    detail.textContent = d.detail;
    // The workflows' messages are English; say so to a screen reader.
    if (data.lang !== 'en') detail.setAttribute('lang', 'en');
    const warnings = $('outcome-warnings');
    warnings.replaceChildren();
    (o.warnings || []).forEach((w) => warnings.appendChild(el('li', null, t.warnings + ': ' + warningText(w))));
    $('outcome-next').textContent = o.next ? t.next + ': ' + (data.next_steps[o.next] || o.next) : '';
  }

  function showProblem(reason, detail) {
    panel.className = 'outcome ng';
    $('outcome-verdict').textContent = '\u2715 ' + t.refused;
    $('outcome-reason').textContent = reason;
    $('outcome-detail').textContent = detail || '';
    $('outcome-warnings').replaceChildren();
    $('outcome-next').textContent = '';
  }

  function addToFeed(view) {
    const o = view.outcome;
    const li = el('li', o ? (o.accepted ? 'ok' : 'ng') : 'pending');
    li.dataset.scanId = view.scan_id;
    const at = String(view.scanned_at || '');
    const time = el('time', null, at.substring(11, 19));
    time.setAttribute('datetime', at);
    li.appendChild(time);
    li.appendChild(el('span', 'mark', o ? (o.accepted ? '\u2713 ' + t.accepted : '\u2715 ' + t.refused) : '…'));
    li.appendChild(dataNode(view.data));
    if (o) {
      const d = describe(o);
      li.appendChild(el('span', 'what', d.reason));
    }
    const feed = $('feed');
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > FEED_MAX) feed.removeChild(feed.lastChild);
    $('feed-empty').hidden = true;
  }

  function setDd(id, text) {
    const dd = $(id);
    dd.textContent = text || t.not_yet;
    dd.classList.toggle('empty', !text);
  }

  function showDraft(draft) {
    if (!$('draft')) return;
    draft = draft || {};
    setDd('draft-patient', draft.patient);
    setDd('draft-tube', draft.specimen_id);
    const kit = draft.kit;
    if (!kit) {
      setDd('draft-kit', null);
      return;
    }
    const parts = [kit.description || t.kit_not_catalogued];
    if (kit.specimen_type) parts.push(t.kit_type + ': ' + (data.types[kit.specimen_type] || kit.specimen_type));
    parts.push(t.kit_gtin + ' ' + kit.gtin);
    if (kit.lot) parts.push(t.kit_lot + ' ' + kit.lot);
    if (kit.expiry) parts.push(t.kit_expiry + ' ' + kit.expiry);
    setDd('draft-kit', parts.join(' / '));
  }

  // The draft follows the station's state: a scan that read nothing keeps
  // it, a cancel clears it.
  function followDraft(o) {
    if (o.draft) showDraft(o.draft);
    else if (o.kind === 'command' && o.accepted) showDraft(null);
  }

  // --- Sound: Web Audio beeps, high for accepted, low twice for refused.
  let audio = null;
  function audioContext() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    if (!audio) audio = new AC();
    return audio;
  }
  function tone(a, freq, start, length) {
    const osc = a.createOscillator();
    const gain = a.createGain();
    osc.type = 'square';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    osc.connect(gain).connect(a.destination);
    osc.start(start);
    osc.stop(start + length + 0.02);
  }
  function cue(accepted) {
    // Recorded for the end-to-end tests, which cannot hear.
    document.body.dataset.lastCue = accepted ? 'accepted' : 'refused';
    const a = audioContext();
    if (!a) return;
    if (a.state !== 'running') {
      soundButton();
      return;
    }
    const now = a.currentTime;
    if (accepted) {
      tone(a, 1760, now, 0.12);
    } else {
      tone(a, 330, now, 0.2);
      tone(a, 330, now + 0.3, 0.2);
    }
  }
  // Browsers start audio only after a person acts on the page: any key or
  // click resumes it, and the button says so until then.
  function resumeAudio() {
    const a = audioContext();
    if (a && a.state !== 'running') a.resume().then(soundButton, soundButton);
  }
  function soundButton() {
    const b = $('sound');
    const on = audio && audio.state === 'running';
    b.hidden = false;
    b.textContent = on ? t.sound_on : t.sound_enable;
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
  }
  document.addEventListener('keydown', resumeAudio, { capture: true });
  document.addEventListener('pointerdown', resumeAudio, { capture: true });
  $('sound').addEventListener('click', () => {
    resumeAudio();
    input.focus();
  });

  // --- Scans: from the event stream and from this page's own field.
  function show(view, live) {
    if (!view || seen.has(view.scan_id)) return;
    seen.add(view.scan_id);
    lastId = Math.max(lastId, view.scan_id);
    addToFeed(view);
    const o = view.outcome;
    if (!o) return;
    followDraft(o);
    if (live) {
      showOutcome(o);
      cue(o.accepted);
    }
  }

  // The page opens with the journal's latest scans; only new ones flash.
  (data.recent || []).forEach((v) => show(v, false));

  // A person may type GS as <GS> or \x1d; a scanner in keyboard mode may
  // send it as Ctrl+].
  function normalise(text) {
    return text.replace(/<GS>|\\x1d|\\u001d/gi, GS);
  }
  function insertAtCaret(text) {
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.value = input.value.slice(0, start) + text + input.value.slice(end);
    input.selectionStart = input.selectionEnd = start + text.length;
  }
  input.addEventListener('keydown', (e) => {
    if (e.ctrlKey && !e.altKey && !e.metaKey && (e.key === ']' || e.code === 'BracketRight')) {
      e.preventDefault();
      insertAtCaret(GS);
    }
  });

  async function send(raw) {
    let res;
    try {
      res = await fetch('/api/v1/scans', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ station: data.station, data: raw }),
      });
    } catch (err) {
      showProblem(t.send_failed, String(err));
      cue(false);
      return;
    }
    const body = await res.json().catch(() => null);
    if (res.status === 201 && body) {
      show(body, true);
    } else if (res.status === 401) {
      sessionEnded();
    } else {
      const e = (body && body.error) || {};
      const reason = (e.code && data.reasons[e.code]) || e.message || t.send_failed;
      showProblem(reason, reason === e.message ? '' : e.message);
      cue(false);
    }
  }

  $('wedge').addEventListener('submit', (e) => {
    e.preventDefault();
    const raw = normalise(input.value).replace(/[\r\n]+$/, '');
    input.value = '';
    input.focus();
    if (raw.trim() === '') return;
    send(raw);
  });

  // --- Scanners of this station.
  function deviceItem(name) {
    const list = $('devices');
    let li = Array.from(list.children).find((x) => x.dataset.device === name);
    if (!li) {
      li = el('li');
      li.dataset.device = name;
      list.appendChild(li);
    }
    $('no-devices').hidden = true;
    return li;
  }
  function showDevice(d) {
    const li = deviceItem(d.device);
    li.replaceChildren(el('strong', null, d.device), document.createTextNode(': ' + (data.device_states[d.state] || d.state)));
    if (d.detail) li.appendChild(el('span', 'detail', ' — ' + d.detail));
  }
  function showDeviceError(d) {
    const reason = data.device_errors[d.code] || d.message;
    const list = $('device-errors');
    const at = String(d.at || '');
    list.insertBefore(el('li', null, d.device + ' ' + at.substring(11, 19) + ' ' + reason), list.firstChild);
    while (list.children.length > 5) list.removeChild(list.lastChild);
    // The scan did not go through: the desk must see it and scan again.
    showProblem(reason, d.message);
    cue(false);
  }
  (data.devices || []).forEach(showDevice);

  // --- The live feed.
  const status = $('live-status');
  function live(ok) {
    status.textContent = ok ? t.live_connected : t.live_lost;
    status.classList.toggle('lost', !ok);
  }
  function sessionEnded() {
    status.replaceChildren(document.createTextNode(t.session_ended + ' '));
    const a = el('a', null, t.sign_in_again);
    a.href = '/signin?next=' + encodeURIComponent(location.pathname);
    status.appendChild(a);
    status.classList.add('lost');
    showProblem(t.session_ended, '');
  }
  function connect() {
    const url = '/api/v1/stations/' + encodeURIComponent(data.station) + '/events?last_event_id=' + lastId;
    const source = new EventSource(url);
    source.addEventListener('open', () => live(true));
    source.addEventListener('scan', (e) => show(JSON.parse(e.data), true));
    source.addEventListener('device', (e) => showDevice(JSON.parse(e.data)));
    source.addEventListener('device_error', (e) => showDeviceError(JSON.parse(e.data)));
    source.addEventListener('error', () => {
      live(false);
      // The browser retries by itself (with Last-Event-ID) unless the
      // server refused the stream: then find out whether the session ended.
      if (source.readyState !== EventSource.CLOSED) return;
      source.close();
      fetch('/api/v1/me', { credentials: 'same-origin' })
        .then((r) => {
          if (r.status === 401) sessionEnded();
          else setTimeout(connect, 3000);
        })
        .catch(() => setTimeout(connect, 3000));
    });
  }
  connect();
  if (audioContext() && audio.state !== 'running') soundButton();
})();
