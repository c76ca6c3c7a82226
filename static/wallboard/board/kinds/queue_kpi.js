// Queue KPIs: a cell per KPI (label, value, derived mark, level badge), laid out to be read
// from afar.
import { kpiIsSl, kpiLabel } from '../catalogue.js';
import { h } from '../dom.js';
import { fmtKpi } from '../format.js';
import { levelText, worst } from '../levels.js';

function kpiCell(kpi) {
  const label = kpiLabel(kpi);
  const derived = h('span', { class: 'kpi-derived', title: 'Derived here from several queues or agents, not the feed\u2019s own figure', hidden: true, text: '≈' });
  const value = h('span', { class: 'kpi-num', 'data-kpi': kpi, text: '–' });
  const badge = h('span', { class: 'kpi-badge' });
  // A service level says which one it is: target and formula.
  const sl = kpiIsSl(kpi) ? h('div', { class: 'kpi-sl', 'data-sl': kpi }) : null;
  const el = h('div', { class: 'kpi', 'data-kpi-cell': kpi, 'data-level': 'none' },
    h('div', { class: 'kpi-label' }, h('span', { text: label }), derived),
    sl,
    h('div', { class: 'kpi-value' }, value),
    badge);
  return {
    el,
    set(cell, caption) {
      const c = cell || { v: null, d: false, l: null };
      if (sl) sl.textContent = caption || '';
      value.textContent = fmtKpi(kpi, c.v);
      el.classList.toggle('is-over', c.v === 'overflow');
      el.classList.toggle('is-blank', c.v == null);
      derived.hidden = !c.d;
      el.dataset.level = c.l || 'none';
      badge.textContent = levelText(c.l);
      return c.l;
    },
  };
}

// The cells of `kpis` in a tile (a big number shows its first only).
export function kpiCells(t, def, kpis) {
  const cells = kpis.map((k) => kpiCell(k));
  const grid = h('div', { class: 'kpis' }, ...cells.map((c) => c.el));
  t.body.append(grid);
  t.paint = (v) => worst(kpis.map((k, i) => cells[i].set(v && v.kpis && v.kpis[k], v && v.sl)));
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
}

export default {
  build(t, def) { kpiCells(t, def, def.kpis); },
};
