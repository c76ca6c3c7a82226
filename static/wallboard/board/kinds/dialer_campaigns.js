// Dialer campaigns: a row per campaign with its targets by status (as the feed names the
// statuses), the dials made and when the last one was.
import { h } from '../dom.js';
import { pad } from '../format.js';

const clock = (s) => { if (s == null) return '—'; const d = new Date(s * 1000); return `${pad(d.getHours())}:${pad(d.getMinutes())}`; };

export default {
  build(t, def) {
    const thead = h('thead'), tbody = h('tbody');
    const table = h('table', { class: 'qtable dialer-campaigns' }, thead, tbody);
    const empty = h('div', { class: 'more-note', text: 'No dialer campaigns', hidden: true });
    t.body.append(table, empty);
    let columns = 3;
    t.paint = (v) => {
      const rows = (v && v.rows) || [];
      const statuses = [...new Set(rows.flatMap((row) => Object.keys(row.targets || {})))];
      columns = statuses.length + 3;
      thead.replaceChildren(h('tr', null, h('th', { class: 'q-name', scope: 'col', text: 'Campaign' }),
        ...statuses.map((s) => h('th', { scope: 'col', text: s })),
        h('th', { scope: 'col', text: 'Dials' }), h('th', { scope: 'col', text: 'Last dial' })));
      tbody.replaceChildren(...rows.map((row) => h('tr', { 'data-campaign': row.key },
        h('th', { class: 'q-name', scope: 'row', text: row.name }),
        ...statuses.map((s) => h('td', { text: String((row.targets || {})[s] ?? '—') })),
        h('td', { text: row.dials == null ? '—' : String(row.dials) }),
        h('td', { text: clock(row.last_dial) }))));
      empty.hidden = rows.length > 0;
      t.fit();
      return null;
    };
    t.fit = () => {
      const n = Math.max(table.rows.length, 4 * (def.height || 1));
      const font = Math.max(14, Math.min((t.body.clientHeight - 8) / (n * 1.6), t.body.clientWidth / (6 * columns)));
      t.body.style.fontSize = `${font}px`;
    };
  },
};
