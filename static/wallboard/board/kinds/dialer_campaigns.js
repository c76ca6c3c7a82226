// Dialer campaigns: a row per campaign with its targets by status (as the feed names the
// statuses), the dials made and when the last one was.
import { h } from '../dom.js';
import { pad } from '../format.js';

const clock = (s) => { if (s == null) return '—'; const d = new Date(s * 1000); return `${pad(d.getHours())}:${pad(d.getMinutes())}`; };

export default {
  build(t, def) {
    const table = h('table', { class: 'queue-table dialer-campaigns' });
    const empty = h('div', { class: 'more-note', text: 'No dialer campaigns', hidden: true });
    t.body.append(table, empty);
    t.paint = (v) => {
      const rows = (v && v.rows) || [];
      const statuses = [...new Set(rows.flatMap((row) => Object.keys(row.targets || {})))];
      const head = h('tr', {}, h('th', { text: 'Campaign' }),
        ...statuses.map((s) => h('th', { text: s })),
        h('th', { text: 'Dials' }), h('th', { text: 'Last dial' }));
      table.replaceChildren(head, ...rows.map((row) => h('tr', { 'data-campaign': row.key },
        h('td', { class: 'q-name', text: row.name }),
        ...statuses.map((s) => h('td', { class: 'num', text: String((row.targets || {})[s] ?? '—') })),
        h('td', { class: 'num', text: row.dials == null ? '—' : String(row.dials) }),
        h('td', { class: 'num', text: clock(row.last_dial) }))));
      empty.hidden = rows.length > 0;
      t.fit();
      return null;
    };
    t.fit = () => {
      const n = Math.max(table.rows.length, 4 * (def.height || 1));
      const font = Math.max(14, Math.min((t.body.clientHeight - 8) / (n * 1.6), t.body.clientWidth / 28));
      t.body.style.fontSize = `${font}px`;
    };
  },
};
