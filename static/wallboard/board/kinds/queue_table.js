// A queue table: a row per queue, a column per KPI; rows that do not fit become "+N more".
import { kpiIsSl, kpiLabel } from '../catalogue.js';
import { h } from '../dom.js';
import { fmtKpi } from '../format.js';
import { levelMark, levelWord, worst } from '../levels.js';

export default {
  build(t, def) {
    const thead = h('thead', null, h('tr', null, h('th', { class: 'q-name', scope: 'col', text: 'Queue' }),
      ...def.kpis.map((k) => h('th', { scope: 'col', 'data-col': k, text: kpiLabel(k) }))));
    // A service-level column says which one it is (target and formula): below its heading
    // when every row's is the same, else in each cell.
    const slHeads = [...thead.querySelectorAll('th[data-col]')].filter((th) => kpiIsSl(th.dataset.col))
      .map((th) => { const c = h('div', { class: 'kpi-sl' }); th.append(c); return c; });
    const tbody = h('tbody');
    const more = h('div', { class: 'more-note', hidden: true });
    const table = h('table', { class: 'qtable' }, thead, tbody);
    t.body.append(table, more);
    t.paint = (v) => {
      const levels = [];
      const slTexts = [...new Set(((v && v.rows) || []).map((row) => row.sl || ''))];
      slHeads.forEach((c) => { c.textContent = slTexts.length === 1 ? slTexts[0] : ''; });
      tbody.replaceChildren(...((v && v.rows) || []).map((row) => h('tr', { 'data-row-key': row.key },
        h('th', { class: 'q-name', scope: 'row', text: row.name || row.number }),
        ...def.kpis.map((k) => {
          const c = (row.kpis || {})[k] || {};
          levels.push(c.l);
          return h('td', { 'data-level': c.l || 'none', class: c.v === 'overflow' ? 'is-over' : null,
            title: kpiIsSl(k) && row.sl ? row.sl : null },
            c.l ? h('span', { class: 'cell-icon', text: levelMark(c.l), title: levelWord(c.l) }) : null,
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
};
