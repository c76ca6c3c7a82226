// An agent grid: a cell per agent (name, state, time in state), alarmed agents first; the
// cells as big as the tile allows, "+N more" below a readable size.
import { isState, stateLabels, states } from '../catalogue.js';
import { ident } from '../agents.js';
import { h } from '../dom.js';
import { fmtDuration } from '../format.js';
import { RANK, levelMark, levelOf, setLevel, worst } from '../levels.js';
import { S, now } from '../state.js';

// Columns giving n cells of bw x bh em the biggest font (px) in a W x H box.
function layoutFor(n, W, H, bw, bh) {
  let f = 0, cols = 1;
  for (let c = 1; c <= Math.max(1, n); c++) {
    const s = Math.min(W / (c * bw), H / (Math.ceil(n / c) * bh));
    if (s > f) { f = s; cols = c; }
  }
  return { f, cols };
}

export default {
  build(t, def) {
    const alarms = def.agent_alarms || {};
    const cells = new Map(); // agent id -> {el, a, level, parts}
    const grid = h('div', { class: 'agents' });
    const more = h('div', { class: 'agent agent-more' });
    t.body.append(grid);
    let agents = [], total = 0, compact = false, visible = Infinity;
    let twice = new Set(); // names shown for agents of more than one source: told apart
    let again = new Set(); // names two agents of one source share: their agent IDs added

    function cell(a) {
      const name = h('span', { class: 'a-name' }), state = h('span', { class: 'a-state' });
      const time = h('span', { class: 'a-time' });
      // The call it is on (queue, talk time, held), from the call ledger.
      const call = h('span', { class: 'a-call', hidden: true });
      const el = h('div', { class: 'agent' }, name, state, call, time);
      return { el, name, state, call, time, a: a, level: null };
    }
    function fill(c) {
      const a = c.a, label = stateLabels(a.state);
      c.el.dataset.agentId = a.id;
      c.el.dataset.src = a.src; // its source (board/control.js: a supervisor's menu)
      c.el.dataset.state = isState(a.state) ? a.state : 'unknown';
      const reason = a.why ? `${a.why} (${a.reason})` : a.reason && `reason ${a.reason}`;
      c.el.title = [a.name, a.id, a.ext && `ext ${a.ext}`, a.vs, reason].filter(Boolean).join(' · ');
      const from = twice.has(a.name) && S.sources[String(a.src)];
      c.name.textContent = from ? `${a.name} (${from.name})`
        : again.has(a.name) ? `${a.name} · ${a.id}` : a.name || a.id;
      // "Not ready · Lunch": the reason's name in the names directory, else its code.
      const why = a.why || a.reason;
      c.state.textContent = (compact ? label[1] : label[0]) + (why ? ` · ${why}` : '')
        + (compact && a.call && a.call.q ? ` · ${a.call.q}` : '');
      c.el.dataset.call = a.call ? (a.call.held ? 'held' : 'talking') : 'none';
    }
    function callText(call, ms) {
      if (!call) return '';
      const talk = call.since == null ? '' : fmtDuration((ms - call.since) / 1000);
      return [call.q, call.held ? 'held' : 'talk', talk].filter(Boolean).join(' · ');
    }
    // Time in state and its alarm level, each second.
    t.tick = (ms) => {
      const levels = [];
      for (const c of cells.values()) {
        const secs = c.a.since == null ? null : (ms - c.a.since) / 1000;
        c.level = levelOf(secs, alarms[c.a.state]);
        const mark = levelMark(c.level);
        c.time.textContent = secs == null ? '–' : (mark ? `${mark} ` : '') + fmtDuration(secs);
        c.call.hidden = !c.a.call || compact;
        if (c.a.call) c.call.textContent = callText(c.a.call, ms);
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
      const srcs = new Map(), uses = new Map();
      for (const a of agents) {
        if (!a.name) continue;
        srcs.set(a.name, (srcs.get(a.name) || new Set()).add(a.src));
        uses.set(a.name, (uses.get(a.name) || 0) + 1);
      }
      twice = new Set([...srcs].filter(([, s]) => s.size > 1).map(([n]) => n));
      again = new Set([...uses].filter(([n, k]) => k > 1 && !twice.has(n)).map(([n]) => n));
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
      t.extra.replaceChildren(...states().filter((s) => s !== 'logged_out' && counts[s])
        .map((s) => h('span', { class: 'count', 'data-count-state': s },
          h('i', { class: 'swatch', 'aria-hidden': 'true' }), `${counts[s]} ${stateLabels(s)[0]}`)));
      t.tick(now());
      t.fit();
      return t.el.dataset.level === 'none' ? null : t.el.dataset.level;
    };
    // Biggest cell font at which all agents fit; below a readable minimum show fewer + "+N more".
    t.fit = () => {
      const W = t.body.clientWidth, H = t.body.clientHeight;
      const n = total > agents.length ? agents.length + 1 : agents.length;
      // Compact when asked, for big teams, or when full-size cells would be too small to read.
      // Readable minimums relative to the screen from 1080 lines up (a 4K wall reads as a
      // 1080p one, from as far away), never below a legibility floor in pixels.
      const scale = Math.max(1, innerHeight / 1080);
      const want = !!def.compact || total > 60 || layoutFor(n, W, H, 10, 5).f < 14 * scale;
      if (want !== compact) {
        compact = want;
        t.el.classList.toggle('compact', compact);
        cells.forEach(fill);
      }
      const [bw, bh] = compact ? [9.2, 2.85] : [10, 5]; // cell size in em, 0.25em gap included
      const minF = (compact ? 11 : 14) * scale, maxF = innerHeight * 0.03;
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
};
