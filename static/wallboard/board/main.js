// Wallboard display: renders a board from the websocket's `snapshot`, applies `update`s and
// `status` messages, ticks clocks and agent timers, rotates boards in a playlist.
// Plain ES2020, no build step. Hooks for browser tests (keep stable):
//   body[data-connection] live|reconnecting|offline|revoked
//   [data-tile-id][data-kind][data-level=none|warning|alarm][data-stale=true|false]
//   [data-kpi=<kpi>] (textContent = formatted value), [data-agent-id][data-state][data-level]
'use strict';
(() => {
  // Label and unit of each KPI: mirrors KPIS in wallboard/models/boards.py.
  const KPIS = {
    calls_waiting: ['Calls waiting', 'count'], oldest_wait_seconds: ['Longest wait', 'seconds'],
    service_level_pct: ['Service level', 'pct'], asa_seconds: ['ASA', 'seconds'],
    abandoned: ['Abandoned', 'count'], abandon_pct: ['Abandon %', 'pct'],
    offered: ['Offered', 'count'], answered: ['Answered', 'count'],
    offered_today: ['Offered today', 'count'], answered_today: ['Answered today', 'count'],
    abandoned_today: ['Abandoned today', 'count'], agents_staffed: ['Agents staffed', 'count'],
    agents_available: ['Available', 'count'], agents_ringing: ['Ringing', 'count'],
    agents_on_call: ['On call', 'count'], agents_wrap_up: ['Wrap-up', 'count'],
    agents_not_ready: ['Not ready', 'count'], agents_other: ['Other', 'count'],
  };
  const STATES = {
    available: ['Available', 'Avail'], ringing: ['Ringing', 'Ring'], on_call: ['On call', 'Call'],
    wrap_up: ['Wrap-up', 'Wrap'], not_ready: ['Not ready', 'NR'], other: ['Other', 'Other'],
    unknown: ['Unknown', 'Unk'], logged_out: ['Logged out', 'Out'],
  };
  const RANK = { alarm: 2, warning: 1 };
  // An agent grid names an agent by source and agent ID (two feeds' agent IDs may overlap);
  // updates' `remove` lists these names.
  const ident = (a) => `${a.src}:${a.id}`;
  const OFFLINE_AFTER_MS = 30000; // "reconnecting" turns to "offline" after this long down
  // A display pings every `every` ms; a link on which nothing at all is heard for `silent` ms
  // (not even the pong) is dead though no close came: a half-open TCP connection after a
  // network drop shows the last figures for ever otherwise. Tests shorten both through
  // window.WALLBOARD_HEARTBEAT.
  const HEARTBEAT = { every: 20000, silent: 45000, ...(window.WALLBOARD_HEARTBEAT || {}) };
  // After an upgrade: reload within `spread` ms, at most once per `again` ms (see upgraded()).
  const UPGRADE = { spread: 30000, again: 300000, ...(window.WALLBOARD_UPGRADE || {}) };

  const body = document.body;
  const $ = (id) => document.getElementById(id);
  const cfg = {
    slug: body.dataset.board,
    key: body.dataset.key || '',
    rotation: body.dataset.rotation || '',
    playlist: (() => { try { return JSON.parse($('wb-playlist').textContent) || []; } catch { return []; } })(),
    version: body.dataset.version || '',
  };

  // State of the board on screen.
  const S = { board: null, values: {}, sources: {}, lastSeq: null, awaiting: false, offset: 0, tiles: new Map() };
  const now = () => Date.now() + S.offset; // server-corrected time (agent timers, clock, ticker)

  // ---- helpers ---------------------------------------------------------------------------
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('data-')) el.dataset[k.slice(5).replace(/-(\w)/g, (_, c) => c.toUpperCase())] = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    el.append(...kids.filter((k) => k != null));
    return el;
  }
  const pad = (n) => String(n).padStart(2, '0');
  function fmtDuration(sec) {
    const s = Math.max(0, Math.round(sec));
    const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
    return hh ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
  }
  function fmtKpi(kpi, v) {
    if (v === null || v === undefined) return '–';
    if (v === 'overflow') return 'OVER'; // the feed's ***** : beyond what it can show
    if (typeof v !== 'number') return String(v);
    const unit = (KPIS[kpi] || [])[1];
    if (unit === 'seconds') return fmtDuration(v);
    if (unit === 'pct') return `${Math.round(v)}%`;
    return String(Math.round(v));
  }
  function fmtTime(ms) {
    if (ms == null) return '—';
    const d = new Date(ms);
    const t = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    if (d.toDateString() === new Date(now()).toDateString()) return t;
    return `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${t}`;
  }
  // Same rule as tiles.level() on the server (used for agents' time in state).
  function levelOf(value, th) {
    if (!th || typeof value !== 'number') return null;
    const above = th.direction !== 'below';
    for (const name of ['alarm', 'warning']) {
      const limit = th[name];
      if (limit != null && (above ? value >= limit : value <= limit)) return name;
    }
    return null;
  }
  // Columns giving n cells of bw x bh em the biggest font (px) in a W x H box.
  function layoutFor(n, W, H, bw, bh) {
    let f = 0, cols = 1;
    for (let c = 1; c <= Math.max(1, n); c++) {
      const s = Math.min(W / (c * bw), H / (Math.ceil(n / c) * bh));
      if (s > f) { f = s; cols = c; }
    }
    return { f, cols };
  }
  const worst = (levels) => levels.reduce((w, l) => ((RANK[l] || 0) > (RANK[w] || 0) ? l : w), null);
  const badgeText = (level, th) =>
    level === 'alarm' ? '⚠ ALARM' : level === 'warning' ? `${th && th.direction === 'below' ? '▼' : '▲'} WARNING` : '';

  // ---- tiles -----------------------------------------------------------------------------
  // A tile object: {def, el, body, paint(value)->worst level, tick?(nowMs), fit?()}.
  function makeTile(def) {
    const t = { def, value: null };
    t.extra = h('div', { class: 'tile-extra' });
    t.badge = h('span', { class: 'tile-badge' });
    t.staleNote = h('span', { class: 'tile-stale', hidden: true });
    t.body = h('div', { class: 'tile-body' });
    const head = h('header', { class: 'tile-head' },
      h('h2', { class: 'tile-title', text: def.title }), t.extra, t.badge);
    t.el = h('section', {
      class: `tile tile-${def.kind}`, 'data-tile-id': String(def.id), 'data-kind': def.kind,
      'data-level': 'none', 'data-stale': 'false', 'aria-label': def.title,
    }, head, t.body, t.staleNote);
    (KINDS[def.kind] || KINDS.unknown)(t, def);
    return t;
  }

  function setLevel(t, level) {
    t.el.dataset.level = level || 'none';
    t.badge.textContent = level === 'alarm' ? '⚠ ALARM' : level === 'warning' ? '▲ WARNING' : '';
  }

  function kpiCell(kpi, th) {
    const [label] = KPIS[kpi] || [kpi];
    const derived = h('span', { class: 'kpi-derived', title: 'Derived here from several queues or agents, not the feed\u2019s own figure', hidden: true, text: '≈' });
    const value = h('span', { class: 'kpi-num', 'data-kpi': kpi, text: '–' });
    const badge = h('span', { class: 'kpi-badge' });
    const el = h('div', { class: 'kpi', 'data-kpi-cell': kpi, 'data-level': 'none' },
      h('div', { class: 'kpi-label' }, h('span', { text: label }), derived),
      h('div', { class: 'kpi-value' }, value),
      badge);
    return {
      el,
      set(cell) {
        const c = cell || { v: null, d: false, l: null };
        value.textContent = fmtKpi(kpi, c.v);
        el.classList.toggle('is-over', c.v === 'overflow');
        el.classList.toggle('is-blank', c.v == null);
        derived.hidden = !c.d;
        el.dataset.level = c.l || 'none';
        badge.textContent = badgeText(c.l, th);
        return c.l;
      },
    };
  }

  const KINDS = {
    queue_kpi(t, def) {
      const kpis = def.kind === 'big_number' ? def.kpis.slice(0, 1) : def.kpis;
      const cells = kpis.map((k) => kpiCell(k, (def.thresholds || {})[k]));
      const grid = h('div', { class: 'kpis' }, ...cells.map((c) => c.el));
      t.body.append(grid);
      t.paint = (v) => worst(kpis.map((k, i) => cells[i].set(v && v.kpis && v.kpis[k])));
      // Pick the column count that gives the KPI cells the biggest readable value size.
      t.fit = () => {
        const W = t.body.clientWidth, H = t.body.clientHeight, n = cells.length || 1;
        let best = 1, score = 0;
        for (let c = 1; c <= n; c++) {
          const s = Math.min(W / c, (H / Math.ceil(n / c)) * 1.7);
          if (s > score) { score = s; best = c; }
        }
        grid.style.setProperty('--kc', best);
        // The last KPI takes up the rest of its row rather than leaving a hole.
        cells.forEach((c, i) => { c.el.style.gridColumn = i === n - 1 && n % best ? `span ${best - (n % best) + 1}` : ''; });
      };
    },
    big_number(t, def) { KINDS.queue_kpi(t, def); },

    queue_table(t, def) {
      const th = def.thresholds || {};
      const thead = h('thead', null, h('tr', null, h('th', { class: 'q-name', scope: 'col', text: 'Queue' }),
        ...def.kpis.map((k) => h('th', { scope: 'col', text: (KPIS[k] || [k])[0] }))));
      const tbody = h('tbody');
      const more = h('div', { class: 'more-note', hidden: true });
      const table = h('table', { class: 'qtable' }, thead, tbody);
      t.body.append(table, more);
      t.paint = (v) => {
        const levels = [];
        tbody.replaceChildren(...((v && v.rows) || []).map((row) => h('tr', { 'data-row-key': row.key },
          h('th', { class: 'q-name', scope: 'row', text: row.name || row.number }),
          ...def.kpis.map((k) => {
            const c = (row.kpis || {})[k] || {};
            levels.push(c.l);
            return h('td', { 'data-level': c.l || 'none', class: c.v === 'overflow' ? 'is-over' : null },
              c.l ? h('span', { class: 'cell-icon', text: c.l === 'alarm' ? '⚠' : '▲', title: c.l }) : null,
              c.d ? h('span', { class: 'kpi-derived', text: '≈', title: 'derived' }) : null,
              h('span', { 'data-kpi': k, text: fmtKpi(k, c.v) }));
          }))));
        t.fit();
        return worst(levels);
      };
      // Font from the tile's size and row count; rows that still do not fit become "+N more".
      t.fit = () => {
        const W = t.body.clientWidth, H = t.body.clientHeight, rows = tbody.rows.length;
        const font = Math.max(14, Math.min(H / ((rows + 1) * 1.6), W / (def.kpis.length * 5 + 9), innerHeight * 0.045));
        t.body.style.fontSize = `${font}px`;
        const all = [...tbody.rows];
        all.forEach((r) => { r.hidden = false; });
        more.hidden = true;
        if (table.offsetHeight <= H) return;
        const limit = H - font; // leave a line for the "+N more" note
        const cut = all.findIndex((r) => r.offsetTop + r.offsetHeight > limit);
        if (cut < 0) return;
        all.forEach((r, i) => { r.hidden = i >= cut; });
        more.hidden = false;
        more.textContent = `+${rows - cut} more queue${rows - cut === 1 ? '' : 's'}`;
      };
    },

    agent_grid(t, def) {
      const alarms = def.agent_alarms || {};
      const cells = new Map(); // agent id -> {el, a, level, parts}
      const grid = h('div', { class: 'agents' });
      const more = h('div', { class: 'agent agent-more' });
      t.body.append(grid);
      let agents = [], total = 0, compact = false, visible = Infinity;

      function cell(a) {
        const name = h('span', { class: 'a-name' }), state = h('span', { class: 'a-state' });
        const time = h('span', { class: 'a-time' });
        const el = h('div', { class: 'agent' }, name, state, time);
        return { el, name, state, time, a: a, level: null };
      }
      function fill(c) {
        const a = c.a, label = STATES[a.state] || STATES.unknown;
        c.el.dataset.agentId = a.id;
        c.el.dataset.state = STATES[a.state] ? a.state : 'unknown';
        c.el.title = [a.name, a.id, a.ext && `ext ${a.ext}`, a.vs].filter(Boolean).join(' · ');
        c.name.textContent = a.name || a.id;
        c.state.textContent = (compact ? label[1] : label[0]) + (a.reason ? ` ${a.reason}` : '');
      }
      // Time in state and its alarm level, each second.
      t.tick = (ms) => {
        const levels = [];
        for (const c of cells.values()) {
          const secs = c.a.since == null ? null : (ms - c.a.since) / 1000;
          c.level = levelOf(secs, alarms[c.a.state]);
          const mark = c.level === 'alarm' ? '⚠ ' : c.level === 'warning' ? '▲ ' : '';
          c.time.textContent = secs == null ? '–' : mark + fmtDuration(secs);
          c.el.dataset.level = c.level || 'none';
          levels.push(c.level);
        }
        setLevel(t, worst(levels));
      };
      // Alarmed agents first (alarm, then warning), then the server's order (by name).
      t.sort = () => {
        const order = agents.map((a, i) => ({ c: cells.get(ident(a)), i }))
          .sort((x, y) => (RANK[y.c.level] || 0) - (RANK[x.c.level] || 0) || x.i - y.i);
        const shown = order.slice(0, visible).map((o) => o.c.el);
        const extra = total - Math.min(visible, agents.length);
        more.textContent = `+${extra} more`;
        grid.replaceChildren(...shown, ...(extra > 0 ? [more] : []));
      };
      t.paint = (v) => {
        agents = (v && v.agents) || [];
        total = Math.max((v && v.total) || 0, agents.length);
        const seen = new Set();
        for (const a of agents) {
          const key = ident(a);
          seen.add(key);
          const c = cells.get(key) || cell(a);
          c.a = a;
          cells.set(key, c);
          fill(c);
        }
        for (const id of [...cells.keys()]) if (!seen.has(id)) cells.delete(id);
        const counts = (v && v.counts) || {};
        t.extra.replaceChildren(...Object.keys(STATES).filter((s) => s !== 'logged_out' && counts[s])
          .map((s) => h('span', { class: 'count', 'data-count-state': s },
            h('i', { class: 'swatch', 'aria-hidden': 'true' }), `${counts[s]} ${STATES[s][0]}`)));
        t.tick(now());
        t.fit();
        return t.el.dataset.level === 'none' ? null : t.el.dataset.level;
      };
      // Biggest cell font at which all agents fit; below a readable minimum show fewer + "+N more".
      t.fit = () => {
        const W = t.body.clientWidth, H = t.body.clientHeight;
        const n = total > agents.length ? agents.length + 1 : agents.length;
        // Compact when asked, for big teams, or when full-size cells would be too small to read.
        const want = !!def.compact || total > 60 || layoutFor(n, W, H, 10, 5).f < 14;
        if (want !== compact) {
          compact = want;
          t.el.classList.toggle('compact', compact);
          cells.forEach(fill);
        }
        const [bw, bh] = compact ? [9.2, 2.85] : [10, 5]; // cell size in em, 0.25em gap included
        const minF = compact ? 11 : 14, maxF = innerHeight * 0.03;
        let fit = layoutFor(n, W, H, bw, bh), cellCount = n;
        visible = agents.length;
        if (fit.f < minF) { // binary search the number of cells that fit at the minimum size
          let lo = 1, hi = n;
          while (lo < hi) { const mid = Math.ceil((lo + hi) / 2); if (layoutFor(mid, W, H, bw, bh).f >= minF) lo = mid; else hi = mid - 1; }
          visible = Math.max(0, lo - 1);
          fit = layoutFor(lo, W, H, bw, bh);
          cellCount = lo;
        }
        const f = Math.max(8, Math.min(fit.f, maxF)), rows = Math.max(1, Math.ceil(cellCount / fit.cols));
        // Rows share any height left over, up to a third taller than the cell's natural size.
        const rowH = Math.min(H / rows - 0.25 * f, (bh - 0.25) * f * 1.35);
        grid.style.fontSize = `${f}px`;
        grid.style.gridTemplateColumns = `repeat(${fit.cols}, minmax(0, 1fr))`;
        grid.style.gridAutoRows = `${Math.floor(rowH)}px`;
        t.sort();
      };
    },

    clock(t) {
      const time = h('div', { class: 'clock-time' }), date = h('div', { class: 'clock-date' });
      t.body.append(h('div', { class: 'clock' }, time, date));
      t.paint = () => null;
      t.tick = (ms) => {
        const d = new Date(ms);
        time.textContent = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
        date.textContent = d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
      };
    },

    ticker(t, def) {
      const track = h('div', { class: 'ticker-track' });
      t.body.append(h('div', { class: 'ticker' }, track));
      t.el.classList.add('no-head');
      let shown = null;
      t.paint = () => null;
      // Only messages in their time window; re-render only on change so the scroll runs on.
      t.refresh = (ms) => {
        const active = (def.messages || []).filter((m) => (m.start == null || m.start <= ms) && (m.end == null || ms <= m.end)).map((m) => m.text);
        const key = active.join('\u0000');
        if (key === shown) return false;
        shown = key;
        track.replaceChildren(...active.map((text) => h('span', { class: 'ticker-msg', text })));
        const wasHidden = t.el.hidden;
        t.el.hidden = active.length === 0;
        // A steady reading speed (px/s) whatever the length of the messages.
        track.style.setProperty('--dur', `${Math.max(10, track.scrollWidth / Math.max(80, innerWidth / 14))}s`);
        return wasHidden !== t.el.hidden;
      };
    },

    unknown(t, def) {
      t.body.append(h('p', { class: 'tile-unknown', text: `Unsupported tile kind: ${def.kind}` }));
      t.paint = () => null;
    },
  };

  // ---- board -----------------------------------------------------------------------------
  const grid = $('wb-grid');
  const resizer = new ResizeObserver((entries) => {
    for (const e of entries) { const t = S.tiles.get(e.target.parentNode.dataset.tileId); if (t && t.fit) t.fit(); }
  });

  // Place tiles explicitly (row-major, like CSS auto-placement) so that rows holding only
  // a one-row ticker can be a thin strip instead of a full-height row.
  function layout() {
    const cols = Math.max(1, S.board.columns || 3), used = [], strip = [];
    let r = 0, c = 0;
    const free = (r0, c0, w, hgt) => {
      for (let y = r0; y < r0 + hgt; y++) for (let x = c0; x < c0 + w; x++) if (used[y] && used[y][x]) return false;
      return true;
    };
    for (const t of S.tiles.values()) {
      if (t.el.hidden) continue;
      const w = Math.min(cols, Math.max(1, t.def.width || 1)), hgt = Math.max(1, t.def.height || 1);
      for (;;) { if (c + w > cols) { r++; c = 0; } else if (free(r, c, w, hgt)) break; else c++; }
      for (let y = r; y < r + hgt; y++) {
        used[y] = used[y] || [];
        for (let x = c; x < c + w; x++) used[y][x] = true;
        strip[y] = strip[y] !== false && t.def.kind === 'ticker' && hgt === 1;
      }
      t.el.style.gridArea = `${r + 1} / ${c + 1} / span ${hgt} / span ${w}`;
      c += w;
    }
    grid.style.setProperty('--cols', cols);
    grid.style.gridTemplateRows = strip.map((s) => (s ? 'minmax(0, 0.28fr)' : 'minmax(0, 1fr)')).join(' ') || '1fr';
  }

  function renderBoard() {
    const b = S.board;
    resizer.disconnect();
    S.tiles = new Map();
    body.classList.remove('theme-dark', 'theme-light');
    body.classList.add(`theme-${b.theme === 'light' ? 'light' : 'dark'}`);
    body.dataset.theme = b.theme;
    body.dataset.board = b.slug;
    body.dataset.columns = b.columns;
    $('wb-title').textContent = b.title;
    grid.setAttribute('aria-label', b.title);
    for (const def of b.tiles || []) S.tiles.set(String(def.id), makeTile(def));
    grid.replaceChildren(...[...S.tiles.values()].map((t) => t.el));
    for (const t of S.tiles.values()) {
      if (t.refresh) t.refresh(now());
      paintTile(t, S.values[String(t.def.id)]);
      if (t.tick) t.tick(now());
      resizer.observe(t.body);
    }
    layout();
    renderStale();
  }

  function paintTile(t, value) {
    t.value = value || null;
    const level = t.paint(t.value);
    setLevel(t, level);
  }

  // Dim tiles fed by a stale source; the banner names every feed that is down.
  function renderStale() {
    for (const t of S.tiles.values()) {
      const ids = (t.value && t.value.sources) || [];
      const stale = ids.map((id) => S.sources[String(id)]).filter((s) => s && s.stale);
      const isStale = stale.length > 0 || !!(t.value && t.value.stale);
      t.el.dataset.stale = String(isStale);
      t.staleNote.hidden = !isStale;
      const since = stale.map((s) => s.last_data_at).filter((x) => x != null);
      t.staleNote.textContent = since.length ? `no data since ${fmtTime(Math.min(...since))}` : 'no data yet';
    }
    renderBanner();
  }

  function renderBanner() {
    const lines = [];
    if (conn.downSince && conn.state !== 'revoked') lines.push(`Connection to the server lost at ${fmtTime(conn.downSince + S.offset)} — figures below are not live`);
    for (const s of Object.values(S.sources)) {
      if (s.stale && s.enabled !== false) lines.push(s.last_data_at ? `No data from ${s.name} since ${fmtTime(s.last_data_at)}` : `No data from ${s.name} yet`);
    }
    const banner = $('wb-banner');
    const text = lines.join('\n');
    if (banner.dataset.text !== text) {
      banner.dataset.text = text;
      banner.replaceChildren(...lines.map((l) => h('div', { class: 'banner-line' }, h('span', { class: 'banner-icon', 'aria-hidden': 'true', text: '⚠' }), l)));
    }
    banner.hidden = lines.length === 0;
  }

  // ---- messages --------------------------------------------------------------------------
  function onMessage(m) {
    if (m.type === 'snapshot') {
      S.offset = (m.server_time || Date.now()) - Date.now();
      S.board = m.board; S.values = m.values || {}; S.sources = m.sources || {};
      S.lastSeq = m.seq; S.awaiting = false;
      conn.attempt = 0; conn.downSince = null;
      setConnection('live');
      renderBoard();
      if (m.version && cfg.version && m.version !== cfg.version) upgraded();
    } else if (m.type === 'update') {
      if (!S.board || S.awaiting) return;
      if (m.seq <= S.lastSeq) return; // an old or repeated update
      if (m.seq !== S.lastSeq + 1) { // a gap: updates were lost, ask for the whole board again
        S.awaiting = true;
        send({ type: 'resync' });
        return;
      }
      S.lastSeq = m.seq;
      for (const [id, incoming] of Object.entries(m.tiles || {})) {
        const value = incoming && incoming.delta ? mergeAgents(S.values[id], incoming) : incoming;
        if (value === null) { // a delta with nothing to apply it to: start again
          S.awaiting = true;
          send({ type: 'resync' });
          return;
        }
        S.values[id] = value;
        const t = S.tiles.get(id);
        if (t) paintTile(t, value);
      }
      renderStale();
    } else if (m.type === 'status') {
      const id = String(m.source), s = S.sources[id] || { enabled: true };
      S.sources[id] = { ...s, name: m.name || s.name || `source ${id}`, stale: !!m.stale, last_data_at: m.last_data_at };
      renderStale();
    }
  }

  // An agent grid's update carries only the agents that changed (upsert) or left (remove);
  // merged by id, then sorted as the server sorts: by name (or id), then id.
  const agentKey = (a) => a.name || a.id;
  const isSurrogate = (unit) => unit >= 0xd800 && unit <= 0xdfff;
  // Python orders text by code point, JavaScript's < by UTF-16 unit: they differ where a
  // character beyond U+FFFF (a surrogate pair: 𠮷 in a Japanese name, an emoji) meets one
  // from U+E000 to U+FFFF (halfwidth katakana, fullwidth letters). Ordered as the server does.
  function byCodePoint(a, b) {
    if (a === b) return 0;
    for (let i = 0, n = Math.min(a.length, b.length); i < n; i++) {
      const x = a.charCodeAt(i), y = b.charCodeAt(i);
      if (x === y) continue;
      const sx = isSurrogate(x), sy = isSurrogate(y);
      if (sx !== sy) return sx ? 1 : -1; // the surrogate's character is the larger one
      return x < y ? -1 : 1;
    }
    return a.length < b.length ? -1 : 1;
  }
  function byNameThenId(a, b) {
    return byCodePoint(agentKey(a), agentKey(b)) || byCodePoint(a.id, b.id) || (a.src || 0) - (b.src || 0);
  }
  function mergeAgents(base, d) {
    if (!base || !Array.isArray(base.agents)) return null;
    const byId = new Map(base.agents.map((a) => [ident(a), a]));
    for (const id of d.remove || []) byId.delete(id);
    for (const a of d.upsert || []) byId.set(ident(a), a);
    const { delta, upsert, remove, ...rest } = d;
    return { ...rest, agents: [...byId.values()].sort(byNameThenId) };
  }

  // ---- connection ------------------------------------------------------------------------
  const conn = { ws: null, attempt: 0, downSince: null, timer: null, state: 'reconnecting', slug: cfg.slug, heardAt: 0, pingedAt: 0 };
  const CONN_TEXT = { live: 'live', reconnecting: 'reconnecting…', offline: 'offline', revoked: 'key revoked' };

  function setConnection(state) {
    conn.state = state;
    body.dataset.connection = state;
    const badge = $('wb-conn');
    badge.textContent = conn.attempt === 0 && state === 'reconnecting' && !S.board ? 'connecting…' : CONN_TEXT[state];
    badge.dataset.state = state;
    body.classList.toggle('conn-down', state === 'reconnecting' || state === 'offline');
  }
  function send(msg) { if (conn.ws && conn.ws.readyState === 1) conn.ws.send(JSON.stringify(msg)); }

  function connect(slug) {
    clearTimeout(conn.timer);
    if (conn.ws) { // an intended close (rotation, retry): detach first so it is not seen as a drop
      const old = conn.ws;
      old.onclose = old.onmessage = old.onerror = null;
      try { old.close(1000); } catch { /* already closed */ }
    }
    conn.slug = slug;
    const q = new URLSearchParams({ key: cfg.key });
    if (cfg.rotation) q.set('rotation', cfg.rotation);
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/ws/boards/${encodeURIComponent(slug)}/?${q}`);
    conn.ws = ws;
    conn.heardAt = conn.pingedAt = Date.now();
    ws.onmessage = (e) => {
      conn.heardAt = Date.now();
      let m; try { m = JSON.parse(e.data); } catch { return; }
      onMessage(m);
    };
    ws.onclose = (e) => { if (conn.ws === ws) onClose(e.code); };
  }

  // The server runs another version of this page (an upgrade): load it, a while later so a
  // floor of screens does not reload at once, and not again within minutes (a rolling upgrade
  // behind a load balancer answers with both versions for a moment).
  let upgrading = false;
  function upgraded() {
    if (upgrading) return;
    let last = 0;
    try { last = Number(sessionStorage.getItem('wb-upgraded-at')) || 0; } catch { /* no storage */ }
    if (Date.now() - last < UPGRADE.again) return;
    upgrading = true;
    setTimeout(() => {
      try { sessionStorage.setItem('wb-upgraded-at', String(Date.now())); } catch { /* no storage */ }
      location.reload();
    }, Math.random() * UPGRADE.spread);
  }

  // The heartbeat: ping now and then; a link silent for too long is dropped and reconnected.
  function watchLink() {
    const ws = conn.ws, at = Date.now();
    if (!ws) return;
    if (at - conn.heardAt > HEARTBEAT.silent) {
      ws.onclose = ws.onmessage = ws.onerror = null;
      try { ws.close(4000); } catch { /* already closed */ }
      onClose(1006);
    } else if (ws.readyState === 1 && at - conn.pingedAt >= HEARTBEAT.every) {
      conn.pingedAt = at;
      send({ type: 'ping' });
    }
  }
  setInterval(watchLink, Math.min(1000, HEARTBEAT.every / 2));

  function onClose(code) {
    conn.ws = null;
    if (code === 4403) return fatal('revoked', "This display's key was revoked \u2014 ask a supervisor for the new URL", 'This screen has stopped updating. Open the new display URL here.');
    if (code === 4404) {
      if (cfg.rotation) setTimeout(() => location.reload(), 60000); // the playlist may have changed
      return fatal('offline', 'Board not found', `There is no board \u201c${conn.slug}\u201d any more \u2014 ask a supervisor for the new URL.`);
    }
    if (!conn.downSince) conn.downSince = Date.now();
    // Jittered exponential backoff, 1 s .. 30 s, so a room of screens does not reconnect in step.
    const base = Math.min(30000, 1000 * 2 ** conn.attempt++);
    const delay = Math.max(1000, base * (0.5 + Math.random() * 0.5));
    setConnection(Date.now() - conn.downSince > OFFLINE_AFTER_MS || !navigator.onLine ? 'offline' : 'reconnecting');
    renderBanner();
    conn.timer = setTimeout(() => connect(conn.slug), delay);
  }

  function fatal(state, title, text) {
    clearTimeout(conn.timer);
    clearTimeout(rot.timer);
    conn.downSince = null;
    setConnection(state);
    body.classList.remove('conn-down');
    $('wb-overlay-title').textContent = title;
    $('wb-overlay-text').textContent = text;
    $('wb-overlay').hidden = false;
    renderBanner();
  }

  addEventListener('online', () => { if (!conn.ws && conn.state !== 'revoked' && $('wb-overlay').hidden) { conn.attempt = 0; connect(conn.slug); } });

  // ---- rotation --------------------------------------------------------------------------
  const rot = { index: 0, timer: null };
  function showRotation() {
    const list = $('wb-rotation');
    list.replaceChildren(...cfg.playlist.map((p, i) => h('li', { class: i === rot.index ? 'current' : null, 'aria-current': i === rot.index ? 'true' : null, text: p.title })));
    list.hidden = false;
    const bar = $('wb-progress'), secs = Math.max(1, cfg.playlist[rot.index].seconds || 30);
    bar.hidden = false;
    bar.style.transition = 'none';
    bar.style.transform = 'scaleX(0)';
    void bar.offsetWidth; // restart the transition from empty
    bar.style.transition = `transform ${secs}s linear`;
    bar.style.transform = 'scaleX(1)';
    rot.timer = setTimeout(nextBoard, secs * 1000);
  }
  function nextBoard() {
    rot.index = (rot.index + 1) % cfg.playlist.length;
    conn.attempt = 0;
    connect(cfg.playlist[rot.index].slug);
    showRotation();
  }

  // ---- the clock: one tick a second, aligned to the second -------------------------------
  let ticks = 0;
  function tick() {
    const ms = now();
    let relayout = false;
    for (const t of S.tiles.values()) {
      if (t.tick) t.tick(ms);
      if (t.sort && ticks % 5 === 0) t.sort(); // re-sort alarmed agents first every 5 s, not every second
      if (t.refresh && ticks % 10 === 0 && t.refresh(ms)) relayout = true;
    }
    if (relayout) layout();
    if (conn.downSince && conn.state === 'reconnecting' && Date.now() - conn.downSince > OFFLINE_AFTER_MS) setConnection('offline');
    ticks++;
    setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
  }

  setConnection('reconnecting');
  if (cfg.rotation && cfg.playlist.length) {
    if (cfg.playlist.length > 1) showRotation();
    connect(cfg.playlist[0].slug);
  } else {
    connect(cfg.slug);
  }
  tick();
})();
