// A leaderboard: the tile's agents ranked by one figure of their day (top N, or bottom N for
// leaderboard_low): rank, name, value, level mark. The server ranks; this draws.
import { kpiLabel } from '../catalogue.js';
import { h } from '../dom.js';
import { fmtKpi } from '../format.js';
import { levelMark, levelWord, worst } from '../levels.js';

export default {
  build(t, def) {
    const kpi = (def.kpis && def.kpis[0]) || 'agent_answered_today';
    const heading = h('div', { class: 'lb-head', text: kpiLabel(kpi) });
    const list = h('ol', { class: 'leaderboard' });
    const empty = h('div', { class: 'more-note', text: 'No figures yet today', hidden: true });
    t.body.append(heading, list, empty);
    t.paint = (v) => {
      const rows = (v && v.rows) || [];
      list.replaceChildren(...rows.map((row, i) => h('li', { 'data-agent': row.agent, 'data-level': row.l || 'none' },
        h('span', { class: 'lb-rank', text: String(i + 1) }),
        h('span', { class: 'lb-name', text: row.name || row.agent }),
        row.l ? h('span', { class: 'cell-icon', text: levelMark(row.l), title: levelWord(row.l) }) : null,
        h('span', { class: 'lb-value', 'data-kpi': kpi, text: fmtKpi(kpi, row.v) }))));
      empty.hidden = rows.length > 0;
      t.fit();
      return worst(rows.map((r) => r.l));
    };
    t.fit = () => {
      // Sized for the N rows the tile can hold (five a unit of height), not the rows so far.
      const n = Math.max(list.children.length, 5 * (def.height || 1));
      const font = Math.max(14, Math.min((t.body.clientHeight - 8) / ((n + 1) * 1.5), t.body.clientWidth / 18));
      t.body.style.fontSize = `${font}px`;
    };
  },
};
