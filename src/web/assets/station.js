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

  // What a person reads for an outcome. The server renders every message
  // in this page's language: an accepted scan says what it did; a refusal
  // is headed by its rule's title, with the sentence below.
  function describe(o) {
    const kind = data.kinds[o.kind] || o.kind;
    if (!o.accepted) {
      const reason = (o.code && data.reasons[o.code]) || o.message;
      return { reason: reason, detail: reason === o.message ? '' : o.message, kind: kind };
    }
    return { reason: o.message, detail: '', kind: kind };
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
    const warnings = $('outcome-warnings');
    warnings.replaceChildren();
    (o.warnings || []).forEach((w) => warnings.appendChild(el('li', null, t.warnings + ': ' + warningText(w))));
    $('outcome-next').textContent = o.next ? t.next + ': ' + o.next : '';
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
    if (view.operator) li.appendChild(el('span', 'who', view.operator));
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

  // A site time ("2026-11-21T09:12:33+09:00") as its wall clock, HH:MM.
  function clock(at) {
    return String(at || '').substring(11, 16);
  }

  function kitText(kit) {
    if (!kit) return '';
    const parts = [kit.description || t.kit_not_catalogued];
    if (kit.specimen_type) parts.push(t.kit_type + ': ' + (data.types[kit.specimen_type] || kit.specimen_type));
    parts.push(t.kit_gtin + ' ' + kit.gtin);
    if (kit.lot) parts.push(t.kit_lot + ' ' + kit.lot);
    if (kit.expiry) parts.push(t.kit_expiry + ' ' + kit.expiry);
    return parts.join(' / ');
  }

  function showDraft(draft) {
    if (!$('draft')) return;
    draft = draft || {};
    setDd('draft-patient', draft.patient);
    setDd('draft-tube', draft.specimen_id);
    setDd('draft-kit', kitText(draft.kit));
    $('draft-expires').textContent = draft.expires_at ? t.draft_expires.replace('{time}', clock(draft.expires_at)) : '';
    prefill(draft);
  }

  // The result desk's held tube and batch, as each scan leaves them.
  function showResultDesk(desk) {
    if (!$('result-desk') || !desk) return;
    const none = data.t.result_desk_none;
    const tube = $('result-desk-tube');
    tube.textContent = desk.specimen_id || none;
    tube.classList.toggle('empty', !desk.specimen_id);
    const batch = $('result-desk-batch');
    batch.textContent = desk.batch ? (data.results[desk.batch] || desk.batch) : none;
    batch.classList.toggle('empty', !desk.batch);
  }

  // --- The registration form (reception only): the scans fill it, the
  // clerk completes it, POST /api/v1/specimens checks every rule.
  const form = $('reg-form');
  const f = data.form || { t: {} };

  // The draft is the station's state: the form follows what a scan
  // changed in it, and keeps what the clerk typed where the draft did not
  // change (a tube number typed by hand survives the kit's scan).
  let shown = {};
  function prefill(draft) {
    if (!form) return;
    const kit = draft.kit || null;
    const kitScan = kit ? kit.scan : '';
    if ((draft.specimen_id || '') !== (shown.specimen_id || '')) $('reg-specimen-id').value = draft.specimen_id || '';
    if ((draft.patient || '') !== (shown.patient || '')) {
      $('reg-patient-id').value = draft.patient || '';
      lookupPatient(draft.patient || '');
    }
    if (kitScan !== (shown.kit ? shown.kit.scan : '')) {
      $('reg-kit').value = kitScan;
      $('reg-kit-view').value = kitText(kit);
      if (kit && kit.specimen_type) {
        const type = $('reg-type');
        if (Array.from(type.options).some((o) => o.value === kit.specimen_type)) {
          type.value = kit.specimen_type;
        }
      }
    }
    shown = draft;
    collectedFromDraft(draft);
    explain();
  }

  // A scanned patient the records know fills the identity fields from the
  // record, so a returning patient is not typed again (and a typo cannot
  // become a mismatch); a new one leaves them for the clerk.
  const identity = { name: 'reg-name', name_kana: 'reg-kana', birth_date: 'reg-birth', sex: 'reg-sex', address: 'reg-address', phone: 'reg-phone' };
  let lookedUp = '';
  // Whether the identity fields hold a record's details (a new patient's
  // lookup then empties them) rather than what the clerk typed.
  let fromRecord = false;
  function patientNote(text, link) {
    const note = $('reg-patient-note');
    if (!note) return;
    note.replaceChildren();
    note.hidden = !text;
    if (!text) return;
    note.appendChild(document.createTextNode(text + ' '));
    if (link) {
      const a = el('a', null, f.t.patient_known_link);
      a.href = link;
      a.target = '_blank';
      note.appendChild(a);
    }
  }
  async function lookupPatient(id) {
    lookedUp = id;
    if (!id) {
      patientNote('');
      return;
    }
    let res;
    try {
      res = await fetch('/api/v1/patients/' + encodeURIComponent(id) + '?lang=' + data.lang, { credentials: 'same-origin' });
    } catch (err) {
      return;
    }
    // A later scan may have moved on to another patient meanwhile.
    if (lookedUp !== id) return;
    if (res.status === 404) {
      if (fromRecord) {
        Object.values(identity).forEach((fid) => { $(fid).value = fid === 'reg-sex' ? 'unknown' : ''; });
        fromRecord = false;
      }
      patientNote(f.t.patient_new);
      return;
    }
    if (!res.ok) return;
    const p = await res.json().catch(() => null);
    if (!p || lookedUp !== id) return;
    Object.entries(identity).forEach(([key, fid]) => {
      $(fid).value = p[key] === null || p[key] === undefined ? (fid === 'reg-sex' ? 'unknown' : '') : p[key];
    });
    fromRecord = true;
    patientNote(f.t.patient_known.replace('{v}', p.version), '/patients/' + encodeURIComponent(id));
  }

  // The site's wall clock, as "YYYY-MM-DDTHH:MM" for datetime-local: the
  // clerk enters the site's time whatever the browser's zone is.
  function siteParts(date) {
    const parts = {};
    new Intl.DateTimeFormat('en-CA', {
      timeZone: f.tz, hourCycle: 'h23',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(date).forEach((p) => { parts[p.type] = p.value; });
    return parts;
  }
  function siteNow() {
    const p = siteParts(new Date());
    return p.year + '-' + p.month + '-' + p.day + 'T' + p.hour + ':' + p.minute;
  }
  // A site wall-clock time as an instant: the zone's offset at that moment,
  // found by comparing the wall clock it shows with UTC.
  function siteInstant(local) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
    if (!m) return null;
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    const offsetAt = (ms) => {
      const p = siteParts(new Date(ms));
      return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - ms;
    };
    let utc = wall - offsetAt(wall);
    utc = wall - offsetAt(utc);
    return new Date(utc);
  }
  // The collection time: the tube's scan time when the draft has one, else
  // the clock (kept current, and taken at the moment the form is sent),
  // until the clerk types one. A page left open all morning never sends
  // the time it was opened.
  let collectedMode = 'now';
  let tubeAt = null;
  function collectedHint() {
    const hint = $('reg-collected-hint');
    if (collectedMode === 'tube') hint.textContent = f.t.collected_from_tube.replace('{time}', clock(tubeAt));
    else if (collectedMode === 'typed') hint.textContent = f.t.collected_typed;
    else hint.textContent = f.t.collected_now;
  }
  function collectedAuto() {
    if (collectedMode === 'typed') return;
    if (tubeAt) {
      collectedMode = 'tube';
      $('reg-collected').value = String(tubeAt).substring(0, 16);
    } else {
      collectedMode = 'now';
      $('reg-collected').value = siteNow();
    }
    collectedHint();
  }
  function collectedFromDraft(draft) {
    const at = draft.tube_scanned_at || null;
    if (at === tubeAt) return;
    tubeAt = at;
    collectedAuto();
  }
  function collectedForRequest() {
    if (collectedMode === 'tube' && tubeAt) return tubeAt;
    if (collectedMode === 'now') return new Date().toISOString();
    const typed = siteInstant($('reg-collected').value);
    // An unreadable time goes as typed, for the API to refuse in words.
    return typed && !isNaN(typed) ? typed.toISOString() : $('reg-collected').value;
  }

  function dayNumber(ymd) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd || '');
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86400000 : null;
  }
  // Days since onset as timing.rs counts them: calendar days in the site's
  // zone, the onset day being day 0.
  function daysSinceOnset() {
    if ($('reg-asymptomatic').checked) return null;
    const onset = dayNumber($('reg-onset').value);
    const collected = dayNumber($('reg-collected').value);
    if (onset === null || collected === null) return null;
    return collected - onset;
  }

  function explain() {
    if (!form) return;
    const asym = $('reg-asymptomatic').checked;
    $('reg-onset').disabled = asym;
    const days = daysSinceOnset();
    const out = $('reg-days');
    if (asym) out.textContent = f.t.days_asymptomatic;
    else if (days === null) out.textContent = f.t.days_unknown;
    else if (days < 0) out.textContent = f.t.days_before_onset;
    else out.textContent = f.t.days_value.replace('{n}', days);
    const type = $('reg-type').value;
    let now = f.t.no_timing_rule;
    let bad = false;
    const known = days !== null && days >= 0;
    if (type === 'saliva') {
      if (!known) now = f.t.saliva_no_onset;
      else if (days <= f.saliva_max) now = f.t.saliva_ok;
      else { now = f.t.saliva_refused; bad = true; }
    } else if (type === 'serum_acute') {
      if (!known) now = f.t.serum_no_onset;
      else if (days <= 7) now = f.t.acute_ok;
      else { now = f.t.acute_late; bad = true; }
    } else if (type === 'serum_convalescent') {
      if (!known) now = f.t.serum_no_onset;
      else if (days >= 14) now = f.t.convalescent_ok;
      else { now = f.t.convalescent_early; bad = true; }
    }
    const line = $('reg-timing-now');
    line.textContent = now;
    line.classList.toggle('bad', bad);
    $('reg-rule-saliva').classList.toggle('current', type === 'saliva');
    $('reg-rule-serum').classList.toggle('current', type === 'serum_acute' || type === 'serum_convalescent');
  }

  function optional(id) {
    const v = $(id).value.trim();
    return v === '' ? null : v;
  }

  function registration() {
    const ppe = Array.from(form.querySelectorAll('input[name="ppe"]:checked')).map((c) => c.value);
    const body = {
      specimen_id: $('reg-specimen-id').value.trim(),
      patient: {
        name: $('reg-name').value.trim(),
        name_kana: optional('reg-kana'),
        birth_date: optional('reg-birth'),
        sex: $('reg-sex').value,
        address: optional('reg-address'),
        phone: optional('reg-phone'),
        patient_id: optional('reg-patient-id'),
      },
      type: $('reg-type').value,
      collected_at: collectedForRequest(),
      asymptomatic: $('reg-asymptomatic').checked,
      test_method: $('reg-method').value,
      ppe: ppe,
    };
    const onset = optional('reg-onset');
    if (onset && !body.asymptomatic) body.onset_date = onset;
    const kit = $('reg-kit').value;
    if (kit) body.kit = kit;
    const reason = $('reg-override');
    if (reason && !$('reg-override-field').hidden && reason.value.trim() !== '') {
      body.override_reason = reason.value.trim();
    }
    return body;
  }

  // --- A refusal beside the button: it takes the focus, names every
  // reason, and marks the fields to correct (aria-invalid, described by
  // the refusal).
  const formError = $('reg-error');
  function fieldElements(field) {
    const id = f.field_ids && f.field_ids[field];
    const node = id ? $(id) : null;
    if (!node) return [];
    return node.tagName === 'FIELDSET' ? Array.from(node.querySelectorAll('input')) : [node];
  }
  function clearMarks() {
    form.querySelectorAll('[aria-invalid]').forEach((node) => {
      node.removeAttribute('aria-invalid');
      const ids = (node.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== 'reg-error');
      if (ids.length) node.setAttribute('aria-describedby', ids.join(' '));
      else node.removeAttribute('aria-describedby');
    });
  }
  function mark(fields) {
    fields.forEach((field) => fieldElements(field).forEach((node) => {
      node.setAttribute('aria-invalid', 'true');
      const ids = (node.getAttribute('aria-describedby') || '').split(' ').filter((x) => x);
      if (!ids.includes('reg-error')) ids.push('reg-error');
      node.setAttribute('aria-describedby', ids.join(' '));
    }));
  }
  // The fields an error body points at: `field` (400), `fields` (409
  // patient_mismatch: identity fields of the patient) and the rules of
  // `refusals` (422).
  function faultyFields(e, list) {
    const out = [];
    if (e.field) out.push(e.field);
    (e.fields || []).forEach((x) => out.push('patient.' + x));
    list.forEach((n) => ((f.rule_fields || {})[n.code] || []).forEach((x) => out.push(x)));
    return out.filter((x, i) => out.indexOf(x) === i);
  }
  function hideFormError() {
    clearMarks();
    formError.hidden = true;
    formError.replaceChildren();
  }
  function showFormError(e, list) {
    clearMarks();
    formError.replaceChildren(el('p', 'title', f.t.refused_title));
    const ul = el('ul');
    list.forEach((n) => {
      const li = el('li');
      const title = n.code && data.reasons[n.code];
      if (title && title !== n.message) li.appendChild(el('strong', null, title + ': '));
      li.appendChild(document.createTextNode(n.message || ''));
      if (n.code) {
        li.appendChild(document.createTextNode(' '));
        li.appendChild(el('code', null, n.code));
      }
      ul.appendChild(li);
    });
    formError.appendChild(ul);
    formError.hidden = false;
    mark(faultyFields(e, list));
    const overrideField = $('reg-override-field');
    if (overrideField && e.overridable === true && f.may_override) {
      overrideField.hidden = false;
    }
    formError.focus();
  }
  function hideOverride() {
    const overrideField = $('reg-override-field');
    if (!overrideField) return;
    overrideField.hidden = true;
    $('reg-override').value = '';
  }

  // Back to an empty form for the next patient.
  function clearForm() {
    if (!form) return;
    form.reset();
    shown = {};
    tubeAt = null;
    collectedMode = 'now';
    $('reg-kit').value = '';
    $('reg-kit-view').value = '';
    lookedUp = '';
    fromRecord = false;
    patientNote('');
    collectedAuto();
    hideFormError();
    hideOverride();
    explain();
  }

  function showRegistered(body) {
    const s = body.specimen || {};
    panel.className = 'outcome ok';
    $('outcome-verdict').textContent = '\u2713 ' + f.t.registered;
    $('outcome-reason').textContent = s.specimen_id || '';
    $('outcome-detail').textContent = '';
    const warnings = $('outcome-warnings');
    warnings.replaceChildren();
    (body.warnings || []).forEach((w) => warnings.appendChild(el('li', null, t.warnings + ': ' + warningText(w))));
    $('outcome-next').textContent = '';
    cue(true);
  }

  function showRefusal(e) {
    const list = e.refusals && e.refusals.length ? e.refusals : [{ code: e.code, message: e.message }];
    showFormError(e, list);
    const reasons = list.map((n) => (n.code && data.reasons[n.code]) || n.message);
    panel.className = 'outcome ng';
    $('outcome-verdict').textContent = '\u2715 ' + t.refused;
    $('outcome-reason').textContent = reasons.join(' / ');
    const detail = $('outcome-detail');
    detail.textContent = list.map((n) => n.message).join(data.lang === 'en' ? '; ' : '。');
    $('outcome-warnings').replaceChildren();
    $('outcome-next').textContent = '';
    cue(false);
  }

  // The tube this page is registering or registered last: its own `reset`
  // event does not replace the outcome (and warnings) the registration
  // showed. The event may come before the answer, so it is set before the
  // request; a refusal clears it, so that when another page at the desk
  // (a lab user overriding) registers that tube, this form empties too.
  let ownRegistration = null;
  if (form) {
    collectedAuto();
    // Keep an untouched clock current while the page stays open.
    setInterval(() => {
      if (collectedMode === 'now') {
        $('reg-collected').value = siteNow();
        explain();
      }
    }, 20000);
    $('reg-collected').addEventListener('input', () => {
      collectedMode = 'typed';
      collectedHint();
    });
    ['reg-onset', 'reg-collected', 'reg-type', 'reg-asymptomatic'].forEach((id) => {
      $(id).addEventListener('input', explain);
      $(id).addEventListener('change', explain);
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if ($('reg-type').value === '') {
        showFormError({ field: 'type' }, [{ code: null, message: f.t.type_required }]);
        cue(false);
        return;
      }
      const button = $('reg-submit');
      button.disabled = true;
      const request = registration();
      ownRegistration = request.specimen_id;
      let res;
      try {
        res = await fetch('/api/v1/specimens?lang=' + data.lang, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
          body: JSON.stringify(request),
        });
      } catch {
        ownRegistration = null;
        button.disabled = false;
        showProblem(t.send_failed, '');
        cue(false);
        return;
      }
      button.disabled = false;
      const body = await res.json().catch(() => null);
      if ((res.status === 201 || res.status === 200) && body) {
        showRegistered(body);
        // The next patient starts from a clean form and the scan field.
        clearForm();
        input.focus();
      } else if (res.status === 401) {
        ownRegistration = null;
        sessionEnded();
      } else {
        // Refused: the form keeps what was typed, for the clerk to correct.
        ownRegistration = null;
        showRefusal((body && body.error) || { message: t.send_failed });
      }
    });
    explain();
  }

  // The draft follows the station's state: a scan that read nothing keeps
  // it, a cancel clears it.
  function followDraft(o) {
    // At reception the one command is the start-over: the form goes too.
    if (o.kind === 'command' && o.accepted && form) clearForm();
    if (o.draft) showDraft(o.draft);
    else if (o.kind === 'command' && o.accepted) showDraft(null);
  }

  // A reception draft ended without a scan (registered elsewhere, or idle
  // too long): the desk is ready for the next patient.
  function onReset(ev) {
    if (form && !(ev.reason === 'registered' && ev.specimen_id === ownRegistration)) {
      // The form emptied under the clerk's hands: the next patient starts
      // at the scan field.
      const inForm = form.contains(document.activeElement);
      clearForm();
      if (inForm) input.focus();
    }
    showDraft(ev.draft);
    const li = el('li', 'reset');
    const at = String(ev.at || '');
    const time = el('time', null, at.substring(11, 19));
    time.setAttribute('datetime', at);
    li.appendChild(time);
    li.appendChild(el('span', 'mark', ev.reason === 'registered' ? '\u2713 ' + t.reset_registered : '\u21ba ' + t.reset_expired));
    li.appendChild(el('span', 'what', ev.message));
    const feed = $('feed');
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > FEED_MAX) feed.removeChild(feed.lastChild);
    $('feed-empty').hidden = true;
    if (ev.reason === 'registered' && ev.specimen_id === ownRegistration) return;
    panel.className = 'outcome ' + (ev.reason === 'registered' ? 'ok' : 'reset');
    $('outcome-verdict').textContent = ev.reason === 'registered' ? '\u2713 ' + t.reset_registered : '\u21ba ' + t.reset_expired;
    $('outcome-reason').textContent = ev.message;
    $('outcome-detail').textContent = '';
    $('outcome-warnings').replaceChildren();
    $('outcome-next').textContent = '';
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
    if (live) document.dispatchEvent(new Event('kentai:activity'));
    seen.add(view.scan_id);
    lastId = Math.max(lastId, view.scan_id);
    addToFeed(view);
    const o = view.outcome;
    if (!o || !live) return;
    showResultDesk(o.result_desk);
    followDraft(o);
    showOutcome(o);
    cue(o.accepted);
  }

  // The page opens with the journal's latest scans (only new ones flash)
  // and the desk's draft as it is now: a registration or an expiry since
  // the last scan has already emptied it.
  (data.recent || []).forEach((v) => show(v, false));
  if (data.draft) showDraft(data.draft);

  // The start-over button sends KTCMD:cancel through the scan path, so it
  // is journalled and every page of this station follows.
  const startOver = $('start-over');
  if (startOver) {
    startOver.addEventListener('click', () => {
      send('KTCMD:cancel');
      input.focus();
    });
  }

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
      res = await fetch('/api/v1/scans?lang=' + data.lang, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ station: data.station, data: raw }),
      });
    } catch {
      showProblem(t.send_failed, '');
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
    // An open scanner's detail names the device (a path, USB ids); other
    // states' details are the driver's own words, which the state's label
    // already says in the page's language.
    if (d.detail && d.state === 'open') li.appendChild(el('code', 'detail', d.detail));
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

  // --- The person working this station: a badge read asks for its PIN
  // here; the name stays large so the desk sees whose scans these are.
  const op = data.op;
  const pinForm = $('pin-form');
  const pinInput = $('pin-input');
  function showOperator(staffing) {
    const current = staffing.operator;
    const panel = $('operator');
    panel.className = 'operator ' + (current ? 'on' : 'off');
    $('operator-name').textContent = current ? current.name : op.none;
    const detail = [];
    if (current && current.badge) detail.push(op.badge + ' ' + current.badge);
    if (current && current.idle_until) detail.push(op.idle_until.replace('{time}', clock(current.idle_until)));
    $('operator-detail').textContent = detail.join(' / ');
    $('leave-station').hidden = !current;
    const waiting = staffing.waiting_for_pin;
    const wasHidden = pinForm.hidden;
    pinForm.hidden = !waiting;
    if (waiting) {
      $('pin-for').textContent = op.pin_for.replace('{name}', waiting);
      if (wasHidden) {
        pinInput.value = '';
        pinInput.focus();
      }
    } else if (!wasHidden) {
      pinInput.value = '';
      input.focus();
    }
  }
  async function operatorCall(method, body) {
    let res;
    try {
      res = await fetch('/api/v1/stations/' + encodeURIComponent(data.station) + '/operator?lang=' + data.lang, {
        method: method,
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      showProblem(t.send_failed, '');
      cue(false);
      return null;
    }
    const answer = await res.json().catch(() => null);
    if (res.ok && answer) {
      showOperator(answer);
      return answer;
    }
    if (res.status === 401) {
      // A wrong PIN is 401 too: only a failed /me means the session ended.
      const me = await fetch('/api/v1/me', { credentials: 'same-origin' }).catch(() => null);
      if (me && me.status === 401) {
        sessionEnded();
        return null;
      }
    }
    const e = (answer && answer.error) || {};
    const reason = e.message || t.send_failed;
    if (body && body.pin !== undefined) {
      // The badge read is spent: the next try starts with the badge.
      pinForm.hidden = true;
      pinInput.value = '';
      input.focus();
    }
    showProblem(reason, '');
    cue(false);
    return null;
  }
  pinForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const pin = pinInput.value.trim();
    if (pin === '') return;
    operatorCall('POST', { pin: pin });
  });
  $('pin-cancel').addEventListener('click', () => {
    pinForm.hidden = true;
    pinInput.value = '';
    input.focus();
  });
  $('take-station').addEventListener('click', () => operatorCall('POST', {}));
  $('leave-station').addEventListener('click', () => operatorCall('DELETE'));
  function onOperator(ev) {
    showOperator({ operator: ev.operator, waiting_for_pin: ev.waiting_for_pin });
    // A badge's own scan says what it did; the other changes come from no
    // scan, so the outcome panel says them.
    if (ev.change === 'signed_in' || ev.change === 'signed_out') {
      panel.className = 'outcome ok';
      $('outcome-verdict').textContent = '\u2713 ' + t.accepted;
      $('outcome-reason').textContent = ev.message;
      $('outcome-detail').textContent = '';
      $('outcome-warnings').replaceChildren();
      $('outcome-next').textContent = '';
    } else if (ev.change === 'idle' || ev.change === 'disabled') {
      showProblem(ev.message, '');
    }
  }
  if (data.operator) showOperator(data.operator);

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
    const url = '/api/v1/stations/' + encodeURIComponent(data.station) + '/events?lang=' + data.lang + '&last_event_id=' + lastId;
    const source = new EventSource(url);
    source.addEventListener('open', () => live(true));
    source.addEventListener('scan', (e) => show(JSON.parse(e.data), true));
    source.addEventListener('device', (e) => showDevice(JSON.parse(e.data)));
    source.addEventListener('device_error', (e) => showDeviceError(JSON.parse(e.data)));
    source.addEventListener('reset', (e) => onReset(JSON.parse(e.data)));
    source.addEventListener('operator', (e) => onOperator(JSON.parse(e.data)));
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
