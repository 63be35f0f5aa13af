// kentai result desk (/results): keyboard entry row by row, the batch,
// corrections, the release queue and the instrument import, all through
// the result API with the session cookie and its CSRF token.
//
// Every word comes from the page's JSON (#results-data), so this file
// holds no language; API messages come back in the page's language
// (?lang=). Text is always set with textContent, never parsed as HTML:
// sample names and reasons come from files and people.
'use strict';

(function () {
  const data = JSON.parse(document.getElementById('results-data').textContent);
  const t = data.t;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : '';
  const $ = (id) => document.getElementById(id);
  const resultNames = {};
  const keyToResult = {};
  data.results.forEach((r) => {
    resultNames[r.code] = r.name;
    keyToResult[r.key.toLowerCase()] = r.code;
  });

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fill(pattern, values) {
    return Object.keys(values).reduce(
      (s, k) => s.split('{' + k + '}').join(String(values[k])),
      pattern,
    );
  }

  // ---- Talking to the API -------------------------------------------

  function apiUrl(path, params) {
    const q = new URLSearchParams(params || {});
    q.set('lang', data.lang);
    return path + '?' + q.toString();
  }

  // { status, body } or { status: 0 } when nothing came back.
  async function call(method, path, body, params, raw) {
    const headers = { 'X-CSRF-Token': csrf };
    let payload;
    if (raw !== undefined) {
      headers['Content-Type'] = 'text/plain';
      payload = raw;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(apiUrl(path, params), {
        method: method,
        credentials: 'same-origin',
        headers: method === 'GET' ? {} : headers,
        body: payload,
      });
    } catch {
      return { status: 0, body: null };
    }
    const json = await res.json().catch(() => null);
    if (res.status === 401) sessionEnded();
    return { status: res.status, body: json };
  }

  function specimenPath(id) {
    return '/api/v1/specimens/' + encodeURIComponent(id);
  }

  // ---- Saying what happened ------------------------------------------

  const live = $('results-live');
  const alertBox = $('results-alert');

  // A success (or, with `pending`, a step under way) in the polite region.
  function say(text, pending) {
    alertBox.textContent = '';
    // A new node each time, so the same sentence twice is read twice.
    live.textContent = '';
    live.appendChild(el('span', pending ? 'pending' : 'ok', text));
  }

  function warn(title, detail, code) {
    live.textContent = '';
    alertBox.textContent = '';
    const box = el('div', 'error');
    box.appendChild(el('p', 'title', title));
    if (detail) box.appendChild(el('p', 'detail', detail));
    if (code) box.appendChild(codeLine(code));
    alertBox.appendChild(box);
  }

  function codeLine(code) {
    const p = el('p', 'detail code-line', t.error_code + ': ');
    p.appendChild(el('code', null, code));
    return p;
  }

  function sessionEnded() {
    alertBox.textContent = '';
    const box = el('div', 'error');
    box.appendChild(el('p', 'title', t.session_ended));
    const a = el('a', null, t.sign_in_again);
    a.href = '/signin?next=' + encodeURIComponent(location.pathname + location.search);
    box.appendChild(a);
    alertBox.appendChild(box);
  }

  // The error of an API answer: its code, its sentence and every refusal.
  function errorOf(answer) {
    const e = (answer.body && answer.body.error) || {};
    const refusals = Array.isArray(e.refusals) ? e.refusals : [];
    const sentences = refusals.length
      ? refusals.map((r) => r.message).filter(Boolean)
      : [e.message || t.send_failed];
    return { code: e.code || '', message: sentences.join(' '), refusals: refusals, raw: e };
  }

  // An error drawn beside the control that met it.
  function showRowError(box, answer) {
    box.textContent = '';
    if (!answer) {
      box.hidden = true;
      return;
    }
    const err = answer.status === 0 ? { code: '', message: t.send_failed } : errorOf(answer);
    box.appendChild(el('p', null, err.message));
    if (err.code) box.appendChild(codeLine(err.code));
    box.hidden = false;
  }

  // ---- Result versions -----------------------------------------------

  function timeNode(iso) {
    const node = el('time', null, iso ? minute(iso) : '');
    if (iso) node.dateTime = iso;
    return node;
  }

  // "2026-11-21T09:30:00+09:00" as the pages write it: "2026-11-21 09:30".
  function minute(iso) {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
    return m ? m[1] + ' ' + m[2] : iso;
  }

  function ctText(ct) {
    if (!ct) return '';
    return Object.keys(ct)
      .map((k) => k + ' ' + (ct[k] === null ? t.undetermined : Number(ct[k]).toFixed(1)))
      .join(' / ');
  }

  function versionName(n) {
    return fill(t.version_value, { n: n });
  }

  // The same table the server draws (web::results::history).
  function historyNode(versions) {
    if (!versions || versions.length === 0) return el('span', 'none', t.history_empty);
    const details = el('details', 'result-history');
    details.appendChild(el('summary', null, fill(t.history_summary, { n: versions.length })));
    const table = el('table', 'data history-table');
    const head = el('tr');
    [t.h_version, t.h_result, t.h_status, t.h_ct, t.h_resulted_at, t.h_by, t.h_decided_by, t.h_reason]
      .forEach((h) => {
        const th = el('th', null, h);
        th.scope = 'col';
        head.appendChild(th);
      });
    const thead = el('thead');
    thead.appendChild(head);
    table.appendChild(thead);
    const body = el('tbody');
    // An entered version a later one replaced waits for nothing.
    const standing = Math.max(0, ...versions.filter((v) => v.status !== 'returned').map((v) => v.version));
    versions.slice().sort((a, b) => b.version - a.version).forEach((v) => {
      const tr = el('tr');
      tr.dataset.version = v.version;
      tr.dataset.status = v.status;
      const version = el('td', null, versionName(v.version));
      if (v.correction) {
        version.appendChild(el('br'));
        version.appendChild(el('span', 'mark correction', t.correction_mark));
      }
      tr.appendChild(version);
      const result = el('td', 'result', resultNames[v.result] || v.result);
      result.appendChild(el('br'));
      result.appendChild(el('span', 'hint', data.methods[v.method] || v.method));
      tr.appendChild(result);
      const replaced = v.status === 'entered' && v.version !== standing;
      tr.appendChild(el('td', null, replaced ? t.status_replaced : data.statuses[v.status] || v.status));
      tr.appendChild(el('td', null, ctText(v.ct)));
      const resulted = el('td');
      resulted.appendChild(timeNode(v.resulted_at));
      tr.appendChild(resulted);
      const by = el('td', null, v.recorded_by);
      by.appendChild(el('br'));
      by.appendChild(timeNode(v.recorded_at));
      tr.appendChild(by);
      const decided = el('td', null, v.released_by || '');
      if (v.released_at) {
        decided.appendChild(el('br'));
        decided.appendChild(timeNode(v.released_at));
      }
      tr.appendChild(decided);
      const reason = el('td');
      if (v.correction_reason) {
        reason.appendChild(el('span', 'mark correction', t.correction_mark));
        reason.appendChild(document.createTextNode(': ' + v.correction_reason));
      }
      if (v.return_reason) {
        if (v.correction_reason) reason.appendChild(el('br'));
        reason.appendChild(el('span', 'mark returned', t.returned_mark));
        reason.appendChild(document.createTextNode(': ' + v.return_reason));
      }
      if (v.well) {
        reason.appendChild(el('br'));
        reason.appendChild(el('span', 'hint', t.h_import + ': ' + v.well));
      }
      tr.appendChild(reason);
      body.appendChild(tr);
    });
    table.appendChild(body);
    details.appendChild(table);
    return details;
  }

  // The version a new entry is compared with: the latest not returned.
  function standing(versions) {
    return (versions || [])
      .filter((v) => v.status !== 'returned')
      .sort((a, b) => b.version - a.version)[0];
  }

  // ---- When a result was known ---------------------------------------

  function pad(n) {
    return String(n).padStart(2, '0');
  }

  // A local moment as RFC 3339 with the browser's offset, to the second.
  function rfc3339(d) {
    const off = -d.getTimezoneOffset();
    const sign = off >= 0 ? '+' : '-';
    const a = Math.abs(off);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) +
      'T' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) +
      sign + pad(Math.floor(a / 60)) + ':' + pad(a % 60);
  }

  // The plate's reading time when the technician gave one, else now.
  function resultedAt() {
    const typed = $('resulted-at').value;
    if (typed) {
      const d = new Date(typed);
      if (!isNaN(d.getTime())) return rfc3339(d);
    }
    return rfc3339(new Date());
  }

  // ---- The worklist --------------------------------------------------

  const worklistBody = $('worklist-body');

  function rows() {
    return worklistBody ? Array.from(worklistBody.querySelectorAll('tr.work-row')) : [];
  }

  function chosen(tr) {
    const radio = tr.querySelector('input[type=radio]:checked');
    return radio ? radio.value : null;
  }

  function focusRow(tr, stay) {
    if (!tr) return;
    const target = tr.querySelector('input[type=radio]:checked:not(:disabled)') ||
      tr.querySelector('input[type=radio]:not(:disabled)') ||
      tr.querySelector('a');
    if (target) target.focus({ preventScroll: true });
    if (!stay) tr.scrollIntoView({ block: 'nearest' });
  }

  function neighbour(tr, step) {
    const list = rows();
    const i = list.indexOf(tr);
    return list[i + step] || null;
  }

  function updateCounts() {
    const n = rows().length;
    $('worklist-count').textContent = fill(t.worklist_count, { n: n });
    $('worklist-empty').hidden = n !== 0;
    const batch = $('batch');
    if (batch) batch.hidden = n === 0;
    const selected = rows().filter((r) => r.querySelector('.row-select:checked')).length;
    const count = $('batch-count');
    if (count) count.textContent = fill(t.batch_selected, { n: selected });
  }

  // The tube's line in "recorded on this page", newest first.
  function addDone(specimen, patientCell, view, versions) {
    const section = $('done');
    section.hidden = false;
    const body = $('done-body');
    const old = body.querySelector('tr[data-specimen="' + CSS.escape(specimen) + '"]');
    if (old) old.remove();
    const tr = el('tr', 'done-row');
    tr.dataset.specimen = specimen;
    tr.dataset.version = view.version;
    const th = el('th');
    th.scope = 'row';
    const a = el('a');
    a.href = '/specimens/' + encodeURIComponent(specimen);
    a.appendChild(el('code', null, specimen));
    th.appendChild(a);
    tr.appendChild(th);
    const patient = el('td');
    if (patientCell) Array.from(patientCell.childNodes).forEach((n) => patient.appendChild(n.cloneNode(true)));
    tr.appendChild(patient);
    const result = el('td', 'result');
    result.appendChild(el('strong', null, resultNames[view.result] || view.result));
    result.appendChild(document.createTextNode(' (' + versionName(view.version) + ')'));
    tr.appendChild(result);
    tr.appendChild(el('td', 'state', data.statuses[view.status] || view.status));
    const history = el('td', 'history');
    history.appendChild(historyNode(versions));
    tr.appendChild(history);
    const act = el('td');
    const b = el('button', null, t.correct_open);
    b.type = 'button';
    b.dataset.action = 'correct';
    act.appendChild(b);
    tr.appendChild(act);
    body.insertBefore(tr, body.firstChild);
  }

  // The versions a row was drawn with (its data-versions), with the new
  // one in, for the history the recorded list shows.
  function versionsWith(tr, view) {
    let list = [];
    try {
      list = JSON.parse(tr.dataset.versions || '[]');
    } catch {
      list = [];
    }
    list = list.filter((v) => v.version !== view.version);
    list.push(view);
    return list;
  }

  // Records the row's result. Resolves to true when it was recorded.
  async function save(tr, result, quiet) {
    const id = tr.dataset.specimen;
    const box = tr.querySelector('.row-error');
    if (tr.dataset.received === 'false') {
      warn(fill(t.refused, { id: id }), t.not_received_hint);
      return false;
    }
    if (!result) {
      warn(fill(t.choose_first, { id: id }));
      return false;
    }
    // A retry of a send that got no answer repeats the same moment, so
    // the server recognises it instead of calling it a correction.
    let at = tr.dataset.sentAt;
    if (!at || tr.dataset.sentResult !== result) at = resultedAt();
    tr.dataset.sentAt = at;
    tr.dataset.sentResult = result;
    tr.setAttribute('aria-busy', 'true');
    const answer = await call('POST', specimenPath(id) + '/results', {
      result: result,
      resulted_at: at,
    });
    tr.removeAttribute('aria-busy');
    if (answer.status === 200 || answer.status === 201) {
      delete tr.dataset.sentAt;
      delete tr.dataset.sentResult;
      showRowError(box, null);
      const view = answer.body.result;
      const words = {
        id: id,
        result: resultNames[view.result] || view.result,
        version: view.version,
      };
      const sentence = answer.status === 200
        ? fill(t.saved_same, words)
        : fill(view.status === 'entered' ? t.saved_entered : t.saved, words);
      addDone(id, tr.children[2], view, versionsWith(tr, view));
      leave(tr, quiet);
      if (!quiet) say(sentence);
      return true;
    }
    if (answer.status === 401) return false;
    if (answer.status !== 0) {
      delete tr.dataset.sentAt;
      delete tr.dataset.sentResult;
    }
    showRowError(box, answer);
    tr.classList.add('refused');
    if (!quiet) {
      const err = answer.status === 0 ? { message: t.send_failed, code: '' } : errorOf(answer);
      warn(fill(t.refused, { id: id }), err.message, err.code);
    }
    return false;
  }

  // The row leaves the list; the next one takes the focus where it stood.
  function leave(tr, quiet) {
    const next = neighbour(tr, 1) || neighbour(tr, -1);
    const top = tr.getBoundingClientRect().top;
    const hadFocus = tr.contains(document.activeElement);
    tr.remove();
    updateCounts();
    if (quiet) return;
    if (next) {
      if (hadFocus || document.activeElement === document.body) focusRow(next);
      window.scrollBy(0, next.getBoundingClientRect().top - top);
    } else {
      $('worklist-title').setAttribute('tabindex', '-1');
      $('worklist-title').focus();
    }
  }

  if (worklistBody) {
    worklistBody.addEventListener('keydown', (e) => {
      const tr = e.target.closest('tr.work-row');
      if (!tr || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.target.matches('input[type=text], textarea, select')) return;
      if (e.isComposing) return;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      if (keyToResult[key]) {
        const radio = tr.querySelector('input[type=radio][value="' + keyToResult[key] + '"]');
        if (!radio || radio.disabled) return;
        e.preventDefault();
        radio.checked = true;
        radio.focus();
        say(fill(t.chosen, { id: tr.dataset.specimen, result: resultNames[radio.value] }), true);
      } else if (key === 'Enter') {
        if (e.target.matches('a, summary, button')) return;
        e.preventDefault();
        save(tr, chosen(tr), false);
      } else if (key === 'ArrowDown' || key === 'ArrowUp') {
        const other = neighbour(tr, key === 'ArrowDown' ? 1 : -1);
        e.preventDefault();
        if (other) focusRow(other);
      } else if (key === 'x') {
        const box = tr.querySelector('.row-select');
        if (!box || box.disabled) return;
        e.preventDefault();
        box.checked = !box.checked;
        updateCounts();
        say($('batch-count').textContent, true);
      }
    });

    worklistBody.addEventListener('click', (e) => {
      const button = e.target.closest('button[data-action=save]');
      if (!button) return;
      const tr = button.closest('tr.work-row');
      save(tr, chosen(tr), false);
    });

    worklistBody.addEventListener('change', (e) => {
      if (e.target.matches('.row-select')) updateCounts();
    });

    worklistBody.addEventListener('focusin', (e) => {
      const tr = e.target.closest('tr.work-row');
      rows().forEach((r) => r.classList.toggle('current', r === tr));
    });

    const all = $('select-all');
    if (all) {
      all.addEventListener('change', () => {
        rows().forEach((r) => {
          const box = r.querySelector('.row-select');
          if (box && !box.disabled) box.checked = all.checked;
        });
        updateCounts();
      });
    }

    const batchResult = $('batch-result');
    const batchButton = $('batch-record');
    const batchLabel = () => {
      batchButton.textContent = fill(t.batch_button, { result: resultNames[batchResult.value] });
    };
    batchResult.addEventListener('change', batchLabel);
    batchLabel();

    batchButton.addEventListener('click', async () => {
      const picked = rows().filter((r) => r.querySelector('.row-select:checked'));
      if (picked.length === 0) {
        warn(t.batch_none);
        return;
      }
      const result = batchResult.value;
      batchButton.disabled = true;
      say(t.sending, true);
      let done = 0;
      let failed = 0;
      // One at a time: each is its own version, and a refusal stays on
      // its row without stopping the rest.
      for (const tr of picked) {
        if (await save(tr, result, true)) done += 1;
        else failed += 1;
      }
      batchButton.disabled = false;
      if (all) all.checked = false;
      updateCounts();
      const sentence = fill(t.batch_done, { n: done, result: resultNames[result] });
      if (failed) {
        warn(sentence, fill(t.batch_failed, { n: failed }));
        const first = rows().find((r) => r.classList.contains('refused'));
        if (first) focusRow(first);
      } else {
        say(sentence);
        focusRow(rows()[0]);
      }
    });
  }

  // ---- Release queue (second person) ---------------------------------

  const releaseBody = $('release-body');

  function releaseCount() {
    const n = releaseBody ? releaseBody.querySelectorAll('tr.release-row').length : 0;
    const c = $('release-count');
    if (c) c.textContent = fill(t.worklist_count, { n: n });
    const empty = $('release-empty');
    if (empty) empty.hidden = n !== 0;
  }

  async function decide(tr, action) {
    const id = tr.dataset.specimen;
    const version = tr.dataset.version;
    const box = tr.querySelector('.row-error');
    const reasonField = tr.querySelector('.return-reason');
    let body;
    if (action === 'return') {
      const reason = reasonField.value.trim();
      if (!reason) {
        reasonField.setAttribute('aria-invalid', 'true');
        reasonField.focus();
        warn(t.return_reason_label);
        return;
      }
      body = { reason: reason };
    }
    const answer = await call(
      'POST',
      specimenPath(id) + '/results/' + encodeURIComponent(version) + '/' + action,
      body,
    );
    if (answer.status === 200) {
      showRowError(box, null);
      const next = tr.nextElementSibling || tr.previousElementSibling;
      tr.remove();
      releaseCount();
      say(fill(action === 'release' ? t.released : t.returned, { id: id, version: version }));
      if (next) {
        const b = next.querySelector('button[data-action=release]');
        if (b) b.focus();
      } else {
        $('release-title').setAttribute('tabindex', '-1');
        $('release-title').focus();
      }
      return;
    }
    if (answer.status === 401) return;
    showRowError(box, answer);
    const err = answer.status === 0 ? { message: t.send_failed, code: '' } : errorOf(answer);
    warn(fill(t.decision_refused, { id: id }), err.message, err.code);
  }

  const releaseAll = $('release-all');
  if (releaseAll && releaseBody) {
    // One at a time, in the order shown: each answer is announced, and a
    // refusal stays on its row while the rest go on.
    releaseAll.addEventListener('click', async () => {
      const rows = Array.from(releaseBody.querySelectorAll('tr.release-row')).filter(
        (tr) => tr.dataset.own !== 'true',
      );
      releaseAll.disabled = true;
      for (const tr of rows) {
        await decide(tr, 'release');
      }
      releaseAll.hidden = !releaseBody.querySelector('tr.release-row:not([data-own=true])');
      releaseAll.disabled = false;
    });
  }

  if (releaseBody) {
    releaseBody.addEventListener('click', (e) => {
      const button = e.target.closest('button[data-action=release], button[data-action=return]');
      if (!button) return;
      decide(button.closest('tr.release-row'), button.dataset.action);
    });
    releaseBody.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && e.target.matches('.return-reason')) {
        e.preventDefault();
        decide(e.target.closest('tr.release-row'), 'return');
      }
    });
    releaseBody.addEventListener('input', (e) => {
      if (e.target.matches('.return-reason')) e.target.removeAttribute('aria-invalid');
    });
  }

  // ---- Corrections ---------------------------------------------------

  const panel = $('correct-panel');
  const correctError = $('correct-error');
  const correctReason = $('correct-reason');
  let correcting = null;

  function showCorrectError(answer) {
    showRowError(correctError, answer);
    correctReason.setAttribute(
      'aria-invalid',
      answer && errorOf(answer).code === 'correction_reason_required' ? 'true' : 'false',
    );
  }

  async function openCorrection(id) {
    const message = $('correct-message');
    message.hidden = true;
    panel.hidden = true;
    showCorrectError(null);
    const answer = await call('GET', specimenPath(id));
    if (answer.status === 404) {
      message.textContent = fill(t.lookup_not_found, { id: id });
      message.className = 'error';
      message.hidden = false;
      warn(message.textContent);
      return;
    }
    if (answer.status !== 200 || !answer.body) {
      if (answer.status !== 401) {
        const err = answer.status === 0 ? { message: t.send_failed, code: '' } : errorOf(answer);
        warn(err.message, '', err.code);
      }
      return;
    }
    correcting = answer.body;
    drawCorrection();
    const radio = panel.querySelector('input[type=radio]:checked') ||
      panel.querySelector('input[type=radio]');
    if (radio) radio.focus();
    panel.scrollIntoView({ block: 'nearest' });
  }

  function drawCorrection() {
    const v = correcting;
    const current = standing(v.results);
    const line = $('correct-current');
    panel.hidden = false;
    panel.dataset.specimen = v.specimen_id;
    if (current) {
      line.textContent = fill(t.current_result, {
        id: v.specimen_id,
        version: current.version,
        result: resultNames[current.result] || current.result,
        status: data.statuses[current.status] || current.status,
      });
    } else {
      line.textContent = v.specimen_id + ': ' + t.no_result_yet;
    }
    const history = $('correct-history');
    history.textContent = '';
    const node = historyNode(v.results);
    if (node.tagName === 'DETAILS') node.open = true;
    history.appendChild(node);
    panel.querySelectorAll('input[name=correct-result]').forEach((r) => {
      r.checked = false;
    });
    correctReason.value = '';
    correctReason.removeAttribute('aria-invalid');
    $('correct-form').hidden = !current;
  }

  $('correct-lookup').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = $('correct-id').value.trim();
    if (id) openCorrection(id);
  });

  $('correct-close').addEventListener('click', () => {
    panel.hidden = true;
    correcting = null;
    $('correct-id').focus();
  });

  $('correct-form').addEventListener('keydown', (e) => {
    if (e.target.matches('textarea') || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const code = keyToResult[key];
    if (!code) return;
    const radio = panel.querySelector('input[name=correct-result][value="' + code + '"]');
    e.preventDefault();
    radio.checked = true;
    radio.focus();
  });

  $('correct-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!correcting) return;
    const id = correcting.specimen_id;
    const radio = panel.querySelector('input[name=correct-result]:checked');
    if (!radio) {
      warn(fill(t.choose_first, { id: id }));
      panel.querySelector('input[name=correct-result]').focus();
      return;
    }
    const request = { result: radio.value, resulted_at: resultedAt() };
    const reason = correctReason.value.trim();
    if (reason) request.reason = reason;
    const button = $('correct-submit');
    button.disabled = true;
    const answer = await call('POST', specimenPath(id) + '/results', request);
    button.disabled = false;
    if (answer.status === 200 || answer.status === 201) {
      showCorrectError(null);
      const view = answer.body.result;
      const words = { id: id, result: resultNames[view.result] || view.result, version: view.version };
      const sentence = answer.status === 200
        ? fill(t.saved_same, words)
        : fill(view.status === 'entered' ? t.saved_entered : t.saved, words);
      const versions = (correcting.results || []).concat(answer.status === 201 ? [view] : []);
      correcting.results = versions;
      drawCorrection();
      const doneRow = document.querySelector('#done-body tr[data-specimen="' + CSS.escape(id) + '"]');
      addDone(id, doneRow ? doneRow.children[1] : null, view, versions);
      say(sentence);
      $('correct-current').setAttribute('tabindex', '-1');
      $('correct-current').focus();
      return;
    }
    if (answer.status === 401) return;
    showCorrectError(answer);
    const err = answer.status === 0 ? { message: t.send_failed, code: '' } : errorOf(answer);
    warn(fill(t.refused, { id: id }), err.message, err.code);
    if (err.code === 'correction_reason_required') correctReason.focus();
  });

  correctReason.addEventListener('input', () => correctReason.removeAttribute('aria-invalid'));

  // A 訂正 button on any row opens the correction for its tube.
  document.addEventListener('click', (e) => {
    const button = e.target.closest('button[data-action=correct]');
    if (!button) return;
    const tr = button.closest('tr[data-specimen]');
    if (!tr) return;
    $('correct-id').value = tr.dataset.specimen;
    openCorrection(tr.dataset.specimen);
  });

  // ---- Instrument import ---------------------------------------------

  const importForm = $('import-form');
  const importError = $('import-error');
  const preview = $('import-preview');
  const importResult = $('import-result');
  let currentImport = null;

  function importRefusal(answer) {
    importError.textContent = '';
    importError.className = 'error';
    const err = answer.status === 0 ? { code: '', message: t.send_failed, refusals: [] } : errorOf(answer);
    if (err.code === 'run_controls_failed') {
      // The first refusal sums the run up; each one after it is a
      // control that failed, every one of them listed.
      const [summary, ...controls] = err.refusals.length > 1 ? err.refusals : [null, ...err.refusals];
      importError.appendChild(el('p', 'title', t.controls_failed_title));
      if (summary) importError.appendChild(el('p', 'detail', summary.message));
      importError.appendChild(el('p', 'detail', t.controls_failed_body));
      const list = el('ul', 'refusals');
      list.id = 'import-refusals';
      controls.forEach((r) => {
        const li = el('li', null, r.message);
        li.dataset.code = r.code;
        list.appendChild(li);
      });
      importError.appendChild(list);
    } else {
      importError.appendChild(el('p', 'title', t.import_refused));
      importError.appendChild(el('p', 'detail', err.message));
    }
    if (err.code) importError.appendChild(codeLine(err.code));
    importError.hidden = false;
    importError.setAttribute('tabindex', '-1');
    importError.focus();
    warn(importError.querySelector('.title').textContent, err.message, err.code);
  }

  function actionLabel(action) {
    return { record: t.action_record, same: t.action_same, decide: t.action_decide }[action] || action;
  }

  function decisionControl(row, i) {
    const wrap = el('div', 'decision');
    const id = 'import-decision-' + i;
    const label = el('label', null, t.decision_label);
    label.htmlFor = id;
    const select = el('select', 'import-decision');
    select.id = id;
    select.dataset.sample = row.sample;
    [['', t.decision_choose], ['skip', t.decision_skip], ['record', t.decision_record], ['correct', t.decision_correct]]
      .forEach(([value, text]) => {
        // A sample kentai has no tube for can only be skipped; a tube
        // without a result has nothing to correct.
        if (value === 'record' && !row.specimen_id) return;
        if (value === 'correct' && !row.current) return;
        const o = el('option', null, text);
        o.value = value;
        select.appendChild(o);
      });
    wrap.appendChild(label);
    wrap.appendChild(select);
    const reasonId = 'import-reason-' + i;
    const reasonLabel = el('label', null, t.decision_reason);
    reasonLabel.htmlFor = reasonId;
    const reason = el('input', 'import-reason');
    reason.type = 'text';
    reason.id = reasonId;
    reason.maxLength = 500;
    reason.dataset.sample = row.sample;
    const reasonWrap = el('div', 'decision-reason');
    reasonWrap.hidden = true;
    reasonWrap.appendChild(reasonLabel);
    reasonWrap.appendChild(reason);
    wrap.appendChild(reasonWrap);
    select.addEventListener('change', () => {
      select.removeAttribute('aria-invalid');
      reasonWrap.hidden = select.value !== 'correct';
      if (!reasonWrap.hidden) reason.focus();
    });
    return wrap;
  }

  function drawPreview(p) {
    currentImport = p;
    preview.textContent = '';
    importResult.hidden = true;
    const h = el('h3', null, t.preview_title);
    h.id = 'import-preview-title';
    h.tabIndex = -1;
    preview.appendChild(h);
    preview.dataset.importId = p.import_id;
    preview.dataset.status = p.status;
    preview.appendChild(el('p', 'summary', fill(t.preview_summary, {
      file: p.file_name || '—',
      instrument: p.instrument || '—',
      run: p.run_name || '—',
      assay: p.assay || '—',
    })));
    if (p.counts) preview.appendChild(el('p', 'counts', fill(t.preview_counts, p.counts)));
    if (Array.isArray(p.problems) && p.problems.length) {
      const box = el('div', 'run-problems');
      box.appendChild(el('p', 'title', t.run_problems));
      const ul = el('ul');
      p.problems.forEach((pr) => {
        const li = el('li', null, (pr.sample ? pr.sample + ': ' : '') + pr.message);
        li.dataset.code = pr.code;
        ul.appendChild(li);
      });
      box.appendChild(ul);
      preview.appendChild(box);
    }
    const scroll = el('div', 'table-scroll');
    const table = el('table', 'data import-table');
    table.id = 'import-rows';
    const head = el('tr');
    [t.p_sample, t.p_specimen, t.p_wells, t.p_result, t.p_ct, t.p_current, t.p_action, t.p_problems]
      .forEach((x) => {
        const th = el('th', null, x);
        th.scope = 'col';
        head.appendChild(th);
      });
    const thead = el('thead');
    thead.appendChild(head);
    table.appendChild(thead);
    const body = el('tbody');
    // The samples a person must decide on come first, the rest in plate
    // order.
    const ordered = (p.rows || []).map((row, i) => [row, i])
      .sort((a, b) => (a[0].action === 'decide' ? 0 : 1) - (b[0].action === 'decide' ? 0 : 1) || a[1] - b[1]);
    ordered.forEach(([row, i]) => {
      const tr = el('tr', 'import-row ' + row.action);
      tr.dataset.sample = row.sample;
      tr.dataset.action = row.action;
      if (row.specimen_id) tr.dataset.specimen = row.specimen_id;
      const th = el('th', null, row.sample);
      th.scope = 'row';
      tr.appendChild(th);
      const spec = el('td');
      if (row.specimen_id) {
        const a = el('a');
        a.href = '/specimens/' + encodeURIComponent(row.specimen_id);
        a.appendChild(el('code', null, row.specimen_id));
        spec.appendChild(a);
      } else {
        spec.appendChild(el('span', 'none', t.unknown_tube));
      }
      tr.appendChild(spec);
      tr.appendChild(el('td', null, (row.wells || []).join(', ')));
      const result = el('td', 'result');
      result.appendChild(el('strong', null, resultNames[row.result] || row.result || ''));
      if (row.rule) {
        result.appendChild(el('br'));
        result.appendChild(el('span', 'hint', t.p_rule + ': ' + row.rule));
      }
      tr.appendChild(result);
      const ct = el('td', 'ct');
      Object.keys(row.ct || {}).forEach((k) => {
        const v = row.ct[k];
        ct.appendChild(el('span', null, k + ' ' + (v === null ? t.undetermined : Number(v).toFixed(1))));
      });
      tr.appendChild(ct);
      const current = el('td');
      if (row.current) {
        current.textContent = (resultNames[row.current.result] || row.current.result) +
          ' (' + versionName(row.current.version) + ')';
      } else {
        current.textContent = '—';
      }
      tr.appendChild(current);
      const action = el('td', 'action');
      action.appendChild(el('span', 'badge ' + row.action, actionLabel(row.action)));
      if (row.action === 'decide' && p.status !== 'committed') action.appendChild(decisionControl(row, i));
      tr.appendChild(action);
      const problems = el('td');
      if (Array.isArray(row.problems) && row.problems.length) {
        const ul = el('ul', 'plain');
        row.problems.forEach((pr) => {
          const li = el('li', null, pr.message);
          li.dataset.code = pr.code;
          ul.appendChild(li);
        });
        problems.appendChild(ul);
      }
      tr.appendChild(problems);
      body.appendChild(tr);
    });
    table.appendChild(body);
    scroll.appendChild(table);
    preview.appendChild(scroll);
    if (p.status === 'committed') {
      preview.appendChild(el('p', 'done-note', t.preview_committed));
    } else {
      const commit = el('button', 'primary', t.commit_button);
      commit.type = 'button';
      commit.id = 'import-commit';
      commit.addEventListener('click', commitImport);
      preview.appendChild(commit);
    }
    preview.hidden = false;
    h.focus();
  }

  async function commitImport() {
    if (!currentImport) return;
    const decisions = [];
    preview.querySelectorAll('select.import-decision').forEach((s) => {
      if (!s.value) return;
      const d = { sample: s.dataset.sample, decision: s.value };
      if (s.value === 'correct') {
        const reason = preview.querySelector('.import-reason[data-sample="' + CSS.escape(s.dataset.sample) + '"]');
        if (reason && reason.value.trim()) d.reason = reason.value.trim();
      }
      decisions.push(d);
    });
    const button = $('import-commit');
    button.disabled = true;
    const answer = await call(
      'POST',
      '/api/v1/results/imports/' + encodeURIComponent(currentImport.import_id) + '/commit',
      { decisions: decisions },
    );
    button.disabled = false;
    if (answer.status === 200 || answer.status === 201) {
      const c = answer.body || {};
      const count = (x) => (Array.isArray(x) ? x.length : (x || 0));
      const sentence = fill(t.committed, {
        recorded: count(c.recorded),
        skipped: count(c.skipped),
        unchanged: count(c.unchanged),
      });
      importResult.textContent = sentence;
      importResult.className = 'done-note';
      importResult.hidden = false;
      button.remove();
      preview.querySelectorAll('select.import-decision, input.import-reason').forEach((x) => {
        x.disabled = true;
      });
      // The tubes it recorded leave the worklist. Each answer holds the
      // new version's number, result and status.
      (c.results || []).forEach((view) => {
        const id = view.specimen_id;
        if (!id) return;
        const tr = worklistBody &&
          worklistBody.querySelector('tr.work-row[data-specimen="' + CSS.escape(id) + '"]');
        if (tr) {
          addDone(id, tr.children[2], view, versionsWith(tr, view));
          tr.remove();
        } else {
          // A correction of a tube that had left the list.
          addDone(id, null, view, [view]);
        }
      });
      if (worklistBody) updateCounts();
      say(sentence);
      return;
    }
    if (answer.status === 401) return;
    const err = answer.status === 0 ? { code: '', message: t.send_failed } : errorOf(answer);
    if (err.code === 'import_decisions_needed') {
      const undecided = Array.from(preview.querySelectorAll('select.import-decision'))
        .filter((s) => !s.value);
      undecided.forEach((s) => s.setAttribute('aria-invalid', 'true'));
      if (undecided[0]) undecided[0].focus();
    }
    importResult.textContent = err.message;
    importResult.className = 'error';
    importResult.hidden = false;
    warn(t.commit_refused, err.message, err.code);
  }

  if (importForm) {
    importForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      importError.hidden = true;
      const input = $('import-file');
      const file = input.files && input.files[0];
      if (!file) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        warn(t.import_choose_file);
        return;
      }
      input.removeAttribute('aria-invalid');
      const button = $('import-read');
      button.disabled = true;
      say(t.import_reading, true);
      const bytes = await file.arrayBuffer();
      const answer = await call('POST', '/api/v1/results/imports', undefined, {
        format: $('import-format').value,
        assay: $('import-assay').value,
        file_name: file.name,
      }, bytes);
      button.disabled = false;
      if (answer.status === 200 || answer.status === 201) {
        say(t.preview_title, true);
        drawPreview(answer.body);
        return;
      }
      if (answer.status === 401) return;
      preview.hidden = true;
      currentImport = null;
      importRefusal(answer);
    });
  }

  // ---- Start ---------------------------------------------------------

  // The desk starts at the first tube, ready for its key.
  if (worklistBody && !location.hash) {
    const first = rows().find((r) => r.dataset.received === 'true');
    // The page opens at its top, the first tube ready for its key.
    if (first) focusRow(first, true);
  }
  if (worklistBody) updateCounts();
})();
