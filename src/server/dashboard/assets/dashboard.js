(() => {
  'use strict';

  // jarvis-sync dashboard. Reads GET /api/dashboard (bearer token from localStorage when the server
  // has SYNC_API_TOKEN) and GET /health (no token). Every value from the server reaches the page
  // through textContent or an SVG attribute, never as HTML.

  const TOKEN_KEY = 'jarvis-sync:api-token';
  const REFRESH_MS = 15000;
  const ACTIVE_REFRESH_MS = 3000;
  const POLL_MS = 1000;
  const ACTIVE_STATES = ['queued', 'pending', 'starting', 'started', 'running', 'in_progress'];

  const state = {
    token: readToken(),
    data: null,
    health: null,
    healthError: null,
    needsToken: false,
    loadError: null,
    loading: false,
    lastLoaded: 0,
    /** Runs started from this page, by target (a dataset or `all`): { id, status, note, error, active }. */
    runs: new Map(),
    timer: 0,
  };

  // ---------- small helpers ----------

  const $ = (id) => document.getElementById(id);
  const SVG_NS = 'http://www.w3.org/2000/svg';

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    applyProps(el, props);
    append(el, children);
    return el;
  }
  function s(tag, props, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    applyProps(el, props);
    append(el, children);
    return el;
  }
  function applyProps(el, props) {
    if (!props) return;
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') el.textContent = String(v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  function append(el, children) {
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }

  function readToken() {
    try {
      return localStorage.getItem(TOKEN_KEY) || '';
    } catch {
      return '';
    }
  }
  function saveToken(token) {
    state.token = token;
    try {
      if (token) localStorage.setItem(TOKEN_KEY, token);
      else localStorage.removeItem(TOKEN_KEY);
    } catch {
      /* storage disabled: keep it for this page only */
    }
  }

  const nf = new Intl.NumberFormat();
  const fmtNumber = (n) => (n === null || n === undefined ? '—' : nf.format(Math.round(n)));

  function fmtDuration(ms) {
    if (ms === null || ms === undefined) return '—';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
    const m = Math.floor(ms / 60000);
    const sec = Math.round((ms % 60000) / 1000);
    if (m < 60) return sec ? `${m} min ${sec} s` : `${m} min`;
    return `${Math.floor(m / 60)} h ${m % 60} min`;
  }

  function fmtAgo(iso) {
    if (!iso) return '—';
    const t = new Date(iso).getTime();
    const d = Math.round((Date.now() - t) / 1000);
    if (d < -60) return new Date(iso).toLocaleString();
    if (d < 10) return 'just now';
    if (d < 60) return `${d} s ago`;
    if (d < 3600) return `${Math.floor(d / 60)} min ago`;
    if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
    if (d < 7 * 86400) return `${Math.floor(d / 86400)} d ago`;
    return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  }
  const fmtAbsolute = (iso) => (iso ? new Date(iso).toLocaleString() : '');
  const fmtHour = (iso) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const fmtPercent = (r) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(r === 1 || r === 0 ? 0 : 1)}%`);

  const isActive = (status) => ACTIVE_STATES.includes(String(status || '').toLowerCase());
  const shortId = (id) => (id && id.length > 12 ? id.slice(0, 8) : id || '');

  class HttpError extends Error {
    constructor(status, body) {
      const msg = body && typeof body === 'object' && (body.message || body.error) ? body.message || body.error : `HTTP ${status}`;
      super(String(msg));
      this.status = status;
      this.body = body;
    }
  }

  async function request(path, init) {
    const headers = { Accept: 'application/json' };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    const res = await fetch(path, { cache: 'no-store', ...init, headers });
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    if (!res.ok) throw new HttpError(res.status, body);
    return { status: res.status, body };
  }

  function describeError(e) {
    if (e instanceof HttpError) return e.message === `HTTP ${e.status}` ? `the server answered ${e.status}` : `${e.message} (${e.status})`;
    return e && e.message ? `the server could not be reached (${e.message})` : 'the server could not be reached';
  }

  // ---------- loading ----------

  async function loadHealth() {
    // /health answers 503 with the same document when the service is unhealthy.
    const res = await fetch('/health', { cache: 'no-store', headers: { Accept: 'application/json' } });
    const body = await res.json().catch(() => null);
    if (!body || typeof body !== 'object') throw new Error(`HTTP ${res.status}`);
    return body;
  }

  async function refresh() {
    if (state.loading) return;
    state.loading = true;
    $('refresh').classList.add('is-busy');
    try {
      const [health, dash] = await Promise.allSettled([loadHealth(), request('/api/dashboard')]);
      if (health.status === 'fulfilled') {
        state.health = health.value;
        state.healthError = null;
      } else {
        state.healthError = health.reason;
      }
      if (dash.status === 'fulfilled') {
        state.data = dash.value.body;
        state.needsToken = false;
        state.loadError = null;
        state.lastLoaded = Date.now();
      } else if (dash.reason instanceof HttpError && dash.reason.status === 401) {
        state.needsToken = true;
        state.data = null;
      } else {
        state.loadError = describeError(dash.reason);
      }
    } finally {
      state.loading = false;
      $('refresh').classList.remove('is-busy');
    }
    render();
    schedule();
  }

  function anythingRunning() {
    if ([...state.runs.values()].some((r) => r.active)) return true;
    if (state.data && state.data.running && state.data.running.length) return true;
    return Boolean(state.health && state.health.sync_status && state.health.sync_status.sync_in_progress);
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      if (document.hidden) schedule();
      else refresh();
    }, anythingRunning() ? ACTIVE_REFRESH_MS : REFRESH_MS);
  }

  // ---------- token dialog ----------

  let tokenResolve = null;

  function askToken(reason) {
    const dialog = $('token-dialog');
    $('token-reason').textContent = reason;
    $('token-input').value = state.token;
    $('token-forget').hidden = !state.token;
    if (!dialog.open) dialog.showModal();
    $('token-input').focus();
    return new Promise((resolve) => {
      if (tokenResolve) tokenResolve(false);
      tokenResolve = resolve;
    });
  }
  function closeToken(saved) {
    const dialog = $('token-dialog');
    if (dialog.open) dialog.close();
    const resolve = tokenResolve;
    tokenResolve = null;
    if (resolve) resolve(saved);
  }

  // ---------- running syncs ----------

  // Runs as the server reports them: POST /sync/<target>?wait=false → 202 { run_id, status };
  // 409 { error, run_id } (the run already going); GET /runs/<id> → { run_id, target, status,
  // error?, progress?, summary: { datasets: [...] } }. Other spellings (id, { run: … }) are accepted.
  function runIdOf(b) {
    if (!b || typeof b !== 'object') return null;
    const inner = b.run && typeof b.run === 'object' ? b.run : b.running && typeof b.running === 'object' ? b.running : null;
    return b.id || b.run_id || b.runId || b.running_run_id || (inner && inner.id) || null;
  }
  const runStatusOf = (b) => (b && typeof b === 'object' ? b.status || (b.run && b.run.status) || null : null);
  function runMessageOf(b) {
    if (!b || typeof b !== 'object') return null;
    const run = b.run && typeof b.run === 'object' ? b.run : b;
    if (run.error) return typeof run.error === 'string' ? run.error : run.error.message || null;
    const steps = (run.summary && Array.isArray(run.summary.datasets) && run.summary.datasets) || (Array.isArray(run.results) && run.results) || [];
    const failed = steps.find((r) => r && r.status !== 'success' && r.status !== 'skipped');
    return failed ? `${failed.dataset}: ${failed.message || failed.status}` : null;
  }
  /** "read 120/400" from a run's progress report, or null. */
  function progressOf(p) {
    if (!p || typeof p !== 'object' || typeof p.done !== 'number') return null;
    return `${p.phase ? `${p.phase} ` : ''}${fmtNumber(p.done)}${typeof p.total === 'number' ? `/${fmtNumber(p.total)}` : ''}`;
  }

  async function runSync(target) {
    const current = state.runs.get(target);
    if (current && current.active) return;
    state.runs.set(target, { id: null, status: 'starting', active: true, note: null, error: null });
    render();
    try {
      const res = await request(`/sync/${encodeURIComponent(target)}?wait=false`, { method: 'POST' });
      const id = runIdOf(res.body);
      const status = runStatusOf(res.body) || 'running';
      state.runs.set(target, { id, status, active: Boolean(id) && isActive(status), note: null, error: null });
      announce(`Sync of ${target} started${id ? `: run ${id}` : ''}.`);
      render();
      if (id) await poll(target, id);
    } catch (e) {
      if (e instanceof HttpError && e.status === 401) {
        state.runs.delete(target);
        render();
        const reason = state.token
          ? 'The server did not accept the stored token. Enter the current SYNC_API_TOKEN to run the sync.'
          : 'Starting a sync needs the server’s API token (SYNC_API_TOKEN).';
        if (await askToken(reason)) return runSync(target);
        return;
      }
      if (e instanceof HttpError && e.status === 409 && runIdOf(e.body)) {
        const id = runIdOf(e.body);
        state.runs.set(target, { id, status: 'running', active: true, note: 'already running', error: null });
        render();
        await poll(target, id);
        return;
      }
      state.runs.set(target, { id: null, status: 'failed', active: false, note: null, error: describeError(e) });
      announce(`Sync of ${target} could not start: ${describeError(e)}.`);
      render();
    }
  }

  async function poll(target, id) {
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      let body;
      try {
        body = (await request(`/runs/${encodeURIComponent(id)}`)).body;
      } catch (e) {
        if (e instanceof HttpError && e.status === 401) {
          if (!(await askToken('Following the run needs the API token.'))) {
            state.runs.set(target, { ...state.runs.get(target), active: false, note: 'not followed (no token)' });
            render();
            return;
          }
          continue;
        }
        if (e instanceof HttpError && e.status === 404) {
          state.runs.set(target, { id, status: 'unknown', active: false, note: 'run no longer known to the server', error: null });
          render();
          refresh();
          return;
        }
        continue; // a dropped request: try again
      }
      const status = runStatusOf(body) || 'unknown';
      const prev = state.runs.get(target) || {};
      if (isActive(status)) {
        const progress = progressOf(body.progress);
        state.runs.set(target, { ...prev, id, status: progress ? `${status} · ${progress}` : status, active: true });
        render();
        continue;
      }
      state.runs.set(target, { id, status, active: false, note: null, error: status === 'success' ? null : runMessageOf(body) });
      announce(`Sync of ${target} finished: ${status}.`);
      await refresh();
      return;
    }
  }

  /** Run progress for screen readers; the visible per-row status says the same. */
  function announce(text) {
    $('announcer').textContent = text;
  }

  // ---------- rendering ----------

  function render() {
    renderHealth();
    renderBanner();
    renderStats();
    renderDatasets();
    renderChart();
    renderEvents();
    renderToolbar();
  }

  function renderToolbar() {
    $('token-label').textContent = state.token ? 'Token set' : 'API token';
    $('token-button').setAttribute('aria-label', state.token ? 'API token (set) — change or forget it' : 'Enter the API token');
    const all = state.runs.get('all');
    const serverAll = state.data && state.data.running ? state.data.running.find((r) => r.target === 'all') : null;
    const busy = Boolean((all && all.active) || serverAll);
    const btn = $('run-all');
    btn.disabled = busy;
    btn.classList.toggle('is-busy', busy);
    btn.lastElementChild.textContent = busy ? 'Running all…' : 'Run all';
    btn.title = serverAll ? `sync all is running (run ${serverAll.id})` : 'POST /sync/all';
    $('updated').textContent = state.lastLoaded ? `Updated ${new Date(state.lastLoaded).toLocaleTimeString()}` : '';
    const line = $('run-all-status');
    line.textContent = '';
    line.className = 'run-all-status';
    if (all) {
      line.classList.add('banner', all.error ? 'err' : all.active ? 'info' : all.status === 'success' ? 'ok' : 'warn');
      line.append(h('strong', { text: 'Sync all' }), runStatusLine('all'));
    } else if (serverAll) {
      line.classList.add('banner', 'info');
      line.append(h('strong', { text: 'Sync all' }), h('span', { class: 'run-status', text: `run ${shortId(serverAll.id)} · running` }));
    }
  }

  function renderHealth() {
    const el = $('health');
    el.textContent = '';
    const hl = state.health;
    $('demo-badge').hidden = !(hl && hl.mode === 'demo');
    if (!hl) {
      el.append(h('span', { class: 'dot err' }), h('span', { text: state.healthError ? 'Service unreachable' : 'Checking…' }));
      return;
    }
    const status = String(hl.status || 'unknown');
    const cls = status === 'healthy' ? 'ok' : status === 'degraded' ? 'warn' : 'err';
    const ss = hl.sync_status || {};
    el.append(h('span', { class: `dot ${cls}` }), h('strong', { text: status.charAt(0).toUpperCase() + status.slice(1) }));
    if (ss.sync_in_progress) el.append(h('span', { class: 'pill pill-running', text: 'sync in progress' }));
    else if (ss.last_sync_end) el.append(h('span', { text: `· last sync ${fmtAgo(ss.last_sync_end)}`, title: fmtAbsolute(ss.last_sync_end) }));
  }

  function renderBanner() {
    const el = $('banner');
    el.textContent = '';
    el.className = 'banner';
    el.hidden = true;
    el.removeAttribute('role');
    if (state.needsToken) {
      el.hidden = false;
      el.classList.add('warn');
      el.setAttribute('role', 'alert');
      el.append(
        h('span', { text: state.token ? 'The stored API token was not accepted. Enter the current SYNC_API_TOKEN to see sync data.' : 'This server requires its API token (SYNC_API_TOKEN) to show sync data.' }),
        h('button', { type: 'button', class: 'btn btn-primary', id: 'banner-token', onclick: () => askToken('Enter the API token to load the dashboard.').then((ok) => ok && refresh()), text: 'Enter token' }),
      );
    } else if (state.loadError) {
      el.hidden = false;
      el.classList.add('err');
      el.setAttribute('role', 'alert');
      el.append(h('span', { text: `Could not load the dashboard: ${state.loadError}. Retrying every ${REFRESH_MS / 1000} s.` }));
    } else if (state.data && state.data.empty) {
      el.hidden = false;
      el.classList.add('info');
      el.append(
        h('span', {}, h('strong', { text: 'No runs yet. ' }), 'Nothing has been synced to this database. Press ', h('strong', { text: 'Run all' }), ' to start the first sync, or wait for the scheduler.'),
      );
    }
  }

  function setStat(id, value, cls) {
    const el = $(id);
    el.textContent = value;
    el.className = `stat-value${cls ? ` ${cls}` : ''}`;
  }

  function renderStats() {
    const d = state.data;
    if (!d) {
      for (const id of ['stat-runs', 'stat-rate', 'stat-records', 'stat-errors', 'stat-conflicts', 'stat-last']) setStat(id, '—');
      return;
    }
    const t = d.totals24h;
    setStat('stat-runs', fmtNumber(t.runs));
    $('stat-runs-sub').textContent = t.failedRuns ? `${fmtNumber(t.failedRuns)} failed` : t.runs ? 'none failed' : 'no runs in 24 h';
    setStat('stat-rate', fmtPercent(t.successRate), t.successRate === null ? '' : t.successRate >= 0.99 ? 'ok' : t.successRate >= 0.9 ? 'warn' : 'err');
    $('stat-rate-sub').textContent = t.runs ? `of ${fmtNumber(t.runs)} dataset runs` : 'no runs in 24 h';
    setStat('stat-records', fmtNumber(t.records));
    setStat('stat-errors', fmtNumber(t.errors), t.errors ? 'err' : '');
    setStat('stat-conflicts', fmtNumber(t.conflicts), t.conflicts ? 'warn' : '');
    const latest = d.datasets.map((x) => x.lastRun).filter(Boolean).sort((a, b) => (a.at < b.at ? 1 : -1))[0];
    const el = $('stat-last');
    setStat('stat-last', latest ? fmtAgo(latest.at) : 'never');
    el.title = latest ? fmtAbsolute(latest.at) : '';
    $('stat-last-sub').textContent = latest ? `${latest.status}${latest.durationMs !== null ? ` · ${fmtDuration(latest.durationMs)}` : ''}` : 'no run recorded';
  }

  function countCell(n, kind) {
    const cls = n === null || n === undefined ? 'num zero' : n === 0 ? 'num zero' : kind === 'err' ? 'num count-err' : kind === 'warn' ? 'num count-warn' : 'num';
    return h('td', { class: cls, text: fmtNumber(n) });
  }

  function statusPill(status, label) {
    const key = ['success', 'error', 'aborted', 'locked'].includes(status) ? status : isActive(status) ? 'running' : 'idle';
    return h('span', { class: `pill pill-${key}`, text: label || status });
  }

  function runButton(target, label, disabled, title) {
    const run = state.runs.get(target);
    const busy = Boolean(run && run.active);
    return h(
      'button',
      {
        type: 'button',
        class: `btn btn-small${busy ? ' is-busy' : ''}`,
        'data-run': target,
        'aria-label': `Run sync of ${target}`,
        title: title || `POST /sync/${target}`,
        disabled: disabled || busy,
        onclick: () => runSync(target),
      },
      s('svg', { viewBox: '0 0 16 16', 'aria-hidden': 'true' }, s('path', { d: 'M4 2.5v11l9-5.5z' })),
      busy ? 'Running' : 'Run',
    );
  }

  function runStatusLine(target) {
    const run = state.runs.get(target);
    if (!run) return null;
    const parts = [];
    if (run.id) parts.push(shortId(run.id));
    parts.push(run.note ? `${run.status} (${run.note})` : run.status);
    if (run.error) parts.push(run.error);
    const text = parts.join(' · ');
    const cls = run.error || run.status === 'failed' || run.status === 'error' ? ' err' : run.status === 'success' ? ' ok' : '';
    return h('span', { class: `run-status${cls}`, 'data-run-status': target, 'data-run-id': run.id || '', title: run.id ? `run ${run.id}: ${text}` : text, text });
  }

  const SOURCE_NAMES = { notion: 'Notion', google: 'Google', postgres: 'Postgres' };

  /** "Notion: polling 30 s · lag 12 s", one line per side: how a dataset's changes arrive and the last lag measured. */
  function arrivalLines(ds) {
    return (ds.arrivals || []).map((a) => {
      const source = SOURCE_NAMES[a.source] || a.source;
      const every = a.pollIntervalSeconds ? fmtDuration(a.pollIntervalSeconds * 1000) : null;
      const how = a.arrival === 'polling' ? `polling${every ? ` ${every}` : ''}` : a.arrival === 'listen' ? 'LISTEN' : a.arrival === 'webhook' ? 'webhook' : 'schedule';
      const measured = a.lastLagMs !== null && a.lastLagMs !== undefined;
      const title = [
        `${source} → ${a.source === 'postgres' ? 'Notion' : 'Postgres'}: changes arrive by ${a.arrival === 'polling' && every ? `polling every ${every}` : how}`,
        a.arrival !== 'polling' && every ? `backed up by a read every ${every}` : null,
        measured ? `last lag ${fmtDuration(a.lastLagMs)} (edit → written), ${fmtAgo(a.lastLagAt)}` : 'no lag measured yet',
        a.lastPollAt ? `last looked ${fmtAbsolute(a.lastPollAt)}` : null,
        a.lagCount ? `${fmtNumber(a.lagCount)} change${a.lagCount === 1 ? '' : 's'} measured since the service started` : null,
      ]
        .filter(Boolean)
        .join('; ');
      return h(
        'span',
        { class: 'ds-arrival', 'data-source': a.source, 'data-arrival': a.arrival, title },
        `${source}: ${how}`,
        measured ? h('span', { class: 'lag', text: ` · lag ${fmtDuration(a.lastLagMs)}` }) : '',
      );
    });
  }

  function renderDatasets() {
    const body = $('datasets-body');
    body.textContent = '';
    const d = state.data;
    if (!d) {
      const text = state.needsToken ? 'Enter the API token to see the datasets.' : state.loadError ? 'Could not load.' : 'Loading…';
      body.append(h('tr', {}, h('td', { colspan: 12, class: 'placeholder', text })));
      return;
    }
    for (const ds of d.datasets) {
      const r = ds.lastRun;
      const mine = state.runs.get(ds.name);
      const nameCell = h('td', { class: 'col-name' }, h('span', { class: 'ds-name', text: ds.label }), h('span', { class: 'ds-dir', text: ds.table ? `${ds.direction} · ${ds.table}` : ds.direction, title: ds.table ? `Postgres table ${ds.table}` : null }), ...arrivalLines(ds));
      const action = h('td', { class: 'action-cell' });
      if (ds.runnable) action.append(runButton(ds.name, ds.label, false));
      else if (ds.pattern === 'google-leg' && ds.configured) action.append(h('span', { class: 'muted small', text: ds.hint }));
      const line = runStatusLine(ds.name);
      if (line) action.append(line);

      const tr = h('tr', { 'data-dataset': ds.name, class: ds.configured || r ? null : 'ds-off' }, nameCell);
      if (!r) {
        const running = ds.running || (mine && mine.active ? mine : null);
        if (!ds.configured) {
          tr.append(h('td', { colspan: 10, class: 'ds-hint' }, statusPill('idle', 'not configured'), ' ', h('span', { text: ds.hint || '' })));
        } else {
          tr.append(
            h('td', { class: 'muted', text: 'never' }),
            h('td', {}, running ? statusPill('running', 'running') : statusPill('idle', 'no runs yet')),
            h('td', { colspan: 8, class: 'muted small', text: 'Waiting for its first run' }),
          );
        }
        tr.append(action);
        body.append(tr);
        continue;
      }
      const running = ds.running || (mine && mine.active ? { status: mine.status } : null);
      const statusCell = h('td', {}, running ? statusPill('running', 'running') : statusPill(r.status));
      if (ds.running && progressOf(ds.running.progress)) statusCell.append(h('span', { class: 'ds-message', text: progressOf(ds.running.progress) }));
      if (!running && r.status !== 'success') {
        // Record errors are listed under Recent errors with their messages; a run-level failure
        // (a tripped valve, revoked access) has only the run's message.
        const note = r.errors ? `${fmtNumber(r.errors)} record error${r.errors === 1 ? '' : 's'} · retried next run` : r.message;
        if (note) statusCell.append(h('span', { class: 'ds-message', title: r.message || note, text: note }));
      }
      const stats = ds.last24h;
      tr.append(
        h(
          'td',
          { title: fmtAbsolute(r.at) },
          h('span', { text: fmtAgo(r.at) }),
          h('span', { class: `mode${r.mode === 'full' ? ' mode-full' : ''}`, text: r.mode || '' }),
          h('button', { type: 'button', class: 'link-btn', 'data-changes': r.logId, 'aria-label': `Records changed by the last run of ${ds.label}`, text: 'changes', onclick: () => showChanges(ds.label, r) }),
        ),
        statusCell,
        h('td', { class: 'num', title: r.startedAt ? `started ${fmtAbsolute(r.startedAt)}` : null, text: fmtDuration(r.durationMs) }),
        countCell(r.counts.created),
        countCell(r.counts.updated),
        countCell(r.counts.deleted),
        countCell(r.counts.unchanged),
        countCell(r.errors, 'err'),
        countCell(r.conflicts, 'warn'),
        h(
          'td',
          {
            class: 'num ds-24h',
            title: `${stats.runs} runs (${stats.failedRuns} failed), ${stats.records} records synced, ${stats.errors} record errors, ${stats.conflicts} conflicts in the last 24 hours`,
          },
          h('span', { text: `${fmtNumber(stats.runs)} run${stats.runs === 1 ? '' : 's'}` }),
          h('span', { class: 'sub', text: `${fmtNumber(stats.records)} records` }),
        ),
        action,
      );
      if (r.writes) {
        const w = r.writes;
        const side = (x) => `+${x.created || 0} ~${x.updated || 0} −${x.deleted || 0}`;
        tr.cells[4].title = `written to Notion ${side(w.notion)}, to Postgres ${side(w.postgres)}`;
      }
      body.append(tr);
    }
  }

  /** The top of an axis with 4 whole-number steps: 4, 8, 20, 40, 100, 200… */
  function axisTop(v) {
    const raw = Math.max(1, v / 4);
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw && Number.isInteger(m * p)) return 4 * m * p;
    return 40 * p;
  }

  function renderChart() {
    const host = $('chart');
    host.textContent = '';
    const tbody = $('chart-table-body');
    tbody.textContent = '';
    const d = state.data;
    const W = 760;
    const H = 270;
    const m = { top: 14, right: 40, bottom: 26, left: 46 };
    const iw = W - m.left - m.right;
    const ih = H - m.top - m.bottom;
    const hours = d ? d.hours : [];
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-svg-title chart-svg-desc' });
    const totalRuns = hours.reduce((a, b) => a + b.runs, 0);
    const totalRecords = hours.reduce((a, b) => a + b.records, 0);
    svg.append(
      s('title', { id: 'chart-svg-title', text: 'Runs and records synced per hour, last 24 hours' }),
      s('desc', { id: 'chart-svg-desc', text: d ? `${totalRuns} runs and ${totalRecords} records synced in the last 24 hours.` : 'No data loaded.' }),
    );
    const maxRecords = axisTop(Math.max(0, ...hours.map((x) => x.records)));
    const maxRuns = axisTop(Math.max(0, ...hours.map((x) => x.runs)));
    const n = hours.length || 24;
    const slot = iw / n;
    const y = (v, max) => m.top + ih - (v / max) * ih;

    // Grid and axes: records on the left, runs on the right.
    for (let i = 0; i <= 4; i++) {
      const gy = m.top + (ih * i) / 4;
      svg.append(s('line', { class: 'grid-line', x1: m.left, x2: m.left + iw, y1: gy, y2: gy }));
      const rec = maxRecords * (1 - i / 4);
      const runs = maxRuns * (1 - i / 4);
      if (totalRuns === 0) continue; // no scale to speak of
      svg.append(s('text', { class: 'axis-label records', x: m.left - 8, y: gy + 4, 'text-anchor': 'end', text: fmtNumber(rec) }));
      svg.append(s('text', { class: 'axis-label runs', x: m.left + iw + 8, y: gy + 4, 'text-anchor': 'start', text: fmtNumber(runs) }));
    }

    if (!d || totalRuns === 0) {
      svg.append(s('text', { class: 'chart-empty', x: m.left + iw / 2, y: m.top + (ih * 3) / 8 + 4, 'text-anchor': 'middle', text: d ? 'No runs in the last 24 hours' : state.needsToken ? 'Enter the API token to see activity' : 'Loading…' }));
    }

    const points = [];
    hours.forEach((b, i) => {
      const x = m.left + i * slot;
      const g = s('g', { class: 'hour', 'data-hour': b.start });
      const end = new Date(new Date(b.start).getTime() + 3600000).toISOString();
      g.append(s('title', { text: `${fmtHour(b.start)}–${fmtHour(end)}: ${b.runs} run${b.runs === 1 ? '' : 's'}${b.failedRuns ? ` (${b.failedRuns} failed)` : ''}, ${fmtNumber(b.records)} records synced` }));
      g.append(s('rect', { class: 'hour-hit', x: x + 1, y: m.top, width: slot - 2, height: ih, rx: 3 }));
      if (b.records > 0) {
        const bh = Math.max(2, (b.records / maxRecords) * ih);
        const bw = Math.max(4, slot * 0.56);
        g.append(s('rect', { class: 'bar', x: x + (slot - bw) / 2, y: m.top + ih - bh, width: bw, height: bh, rx: 2 }));
      }
      svg.append(g);
      points.push({ x: x + slot / 2, y: y(b.runs, maxRuns), b });
      if (i % 3 === 0 || i === n - 1) {
        svg.append(s('text', { class: 'axis-label', x: x + slot / 2, y: H - 8, 'text-anchor': 'middle', text: i === n - 1 ? 'now' : fmtHour(b.start) }));
      }
    });

    if (totalRuns > 0) {
      const path = points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
      const base = m.top + ih;
      svg.append(s('path', { class: 'runs-area', d: `${path} L${points[points.length - 1].x.toFixed(1)},${base} L${points[0].x.toFixed(1)},${base} Z` }));
      svg.append(s('path', { class: 'runs-line', d: path }));
      for (const p of points) {
        if (p.b.runs === 0) continue;
        svg.append(s('circle', { class: `point${p.b.failedRuns ? ' failed' : ''}`, cx: p.x, cy: p.y, r: 3.5 }, s('title', { text: `${p.b.runs} runs${p.b.failedRuns ? `, ${p.b.failedRuns} failed` : ''}` })));
      }
    }
    host.append(svg);

    for (const b of hours) {
      tbody.append(h('tr', {}, h('td', { text: fmtHour(b.start) }), h('td', { class: 'num', text: b.runs }), h('td', { class: 'num', text: b.failedRuns }), h('td', { class: 'num', text: fmtNumber(b.records) })));
    }
  }

  function renderEvents() {
    const errors = $('errors');
    const conflicts = $('conflicts');
    errors.textContent = '';
    conflicts.textContent = '';
    const d = state.data;
    if (!d) {
      errors.append(h('li', { class: 'none', text: '—' }));
      conflicts.append(h('li', { class: 'none', text: '—' }));
      $('errors-count').textContent = '';
      return;
    }
    $('errors-count').textContent = d.recentErrors.length ? `newest ${d.recentErrors.length}` : '';
    if (!d.recentErrors.length) errors.append(h('li', { class: 'none none-ok', text: 'No errors recorded.' }));
    for (const e of d.recentErrors) {
      errors.append(
        h(
          'li',
          { class: 'event-error' },
          h('div', { class: 'event-head' }, h('span', { class: 'event-type', text: e.eventType }), h('time', { class: 'event-time', datetime: e.at, title: fmtAbsolute(e.at), text: fmtAgo(e.at) })),
          h('div', { class: 'event-message', text: e.message || '(no message)' }),
          e.record ? h('div', { class: 'event-record', text: e.record }) : null,
        ),
      );
    }
    if (!d.recentConflicts.length) conflicts.append(h('li', { class: 'none', text: 'No conflicts recorded.' }));
    for (const c of d.recentConflicts) {
      const what = c.field ? [h('span', { text: `${c.field}: ` }), h('span', { class: 'winner', text: `${c.winner || '?'} won` }), h('span', { text: c.reason ? ` (${c.reason})` : '' })] : [c.message || ''];
      conflicts.append(
        h(
          'li',
          {},
          h('div', { class: 'event-head' }, h('span', { class: 'event-type', text: c.dataset || c.eventType }), h('time', { class: 'event-time', datetime: c.at, title: fmtAbsolute(c.at), text: fmtAgo(c.at) })),
          h('div', { class: 'event-message' }, what),
          c.record ? h('div', { class: 'event-record', text: c.record }) : null,
        ),
      );
    }
  }

  // ---------- a run's changes ----------

  /** Lists the records a run changed: one sync_logs row per record, linked to the run by its id. */
  async function showChanges(label, run) {
    const section = $('run-changes');
    const list = $('run-changes-list');
    section.hidden = false;
    section.dataset.runId = run.logId;
    $('run-changes-title').textContent = `Changes of ${label} · ${fmtAbsolute(run.at)}`;
    $('run-changes-count').textContent = '';
    list.textContent = '';
    list.append(h('li', { class: 'none', text: 'Loading…' }));
    $('run-changes-title').focus();
    let body;
    try {
      body = (await request(`/api/dashboard/runs/${encodeURIComponent(run.logId)}/changes`)).body;
    } catch (e) {
      list.textContent = '';
      list.append(h('li', { class: 'none', text: e instanceof HttpError && e.status === 404 ? 'This run is no longer in sync_logs.' : `Could not load: ${describeError(e)}` }));
      return;
    }
    if (section.dataset.runId !== run.logId) return; // another run was opened meanwhile
    list.textContent = '';
    $('run-changes-count').textContent = body.total > body.changes.length ? `first ${fmtNumber(body.changes.length)} of ${fmtNumber(body.total)}` : `${fmtNumber(body.total)} record${body.total === 1 ? '' : 's'}`;
    if (!body.changes.length) list.append(h('li', { class: 'none', text: 'This run changed no record.' }));
    for (const c of body.changes) {
      const ids = [c.recordId && `row ${c.recordId}`, c.notionPageId && `page ${c.notionPageId}`, c.googleId && `Google ${c.googleId}`].filter(Boolean).join(' · ');
      list.append(
        h(
          'li',
          { 'data-change': c.eventType },
          h('div', { class: 'event-head' }, h('span', { class: 'event-type', text: c.eventType }), h('time', { class: 'event-time', datetime: c.at, title: fmtAbsolute(c.at), text: fmtAgo(c.at) })),
          c.changedFields.length ? h('div', { class: 'event-fields', text: c.changedFields.join(', ') }) : null,
          ids ? h('div', { class: 'event-record', text: ids }) : null,
        ),
      );
    }
  }

  // ---------- wiring ----------

  $('run-changes-close').addEventListener('click', () => {
    $('run-changes').hidden = true;
    delete $('run-changes').dataset.runId;
  });

  $('refresh').addEventListener('click', () => refresh());
  $('run-all').addEventListener('click', () => runSync('all'));
  $('token-button').addEventListener('click', async () => {
    if (await askToken('The bearer token this server was started with (SYNC_API_TOKEN).')) refresh();
  });
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = $('token-input').value.trim();
    if (!value) {
      $('token-input').focus();
      return;
    }
    saveToken(value);
    closeToken(true);
    renderToolbar();
  });
  $('token-cancel').addEventListener('click', () => closeToken(false));
  $('token-forget').addEventListener('click', () => {
    saveToken('');
    closeToken(false);
    refresh();
  });
  $('token-dialog').addEventListener('cancel', (ev) => {
    ev.preventDefault();
    closeToken(false);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && Date.now() - state.lastLoaded > REFRESH_MS) refresh();
  });

  render();
  refresh();
})();
