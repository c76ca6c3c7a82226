// Waiting callers: each call waiting, longest first (the server orders and limits them):
// queue, the caller's number as the server masked it, and the wait ticking on.
import { h } from '../dom.js';
import { now } from '../state.js';
import { fmtDuration } from '../format.js';

export default {
  build(t, def) {
    const list = h('ol', { class: 'calls waiting-callers' });
    const empty = h('div', { class: 'more-note', text: 'No callers waiting', hidden: true });
    const more = h('div', { class: 'more-note', hidden: true });
    t.body.append(list, empty, more);
    let rows = [];
    t.tick = (ms) => {
      for (const li of list.children) {
        li.querySelector('.c-time').textContent = fmtDuration((ms - Number(li.dataset.since)) / 1000);
      }
    };
    t.paint = (v) => {
      rows = (v && v.rows) || [];
      list.replaceChildren(...rows.map((row) => h('li', { 'data-call': row.id, 'data-state': row.state, 'data-since': String(row.since) },
        h('span', { class: 'c-queue', text: row.queue || '–' }),
        h('span', { class: 'c-number', text: row.calling || '' }),
        h('span', { class: 'c-time' }))));
      const total = (v && v.total) || 0;
      t.extra.replaceChildren(h('span', { class: 'calls-total', 'data-waiting': String(total), text: `${total} waiting` }));
      empty.hidden = rows.length > 0;
      more.hidden = total <= rows.length;
      more.textContent = `+${total - rows.length} more`;
      t.tick(now());
      t.fit();
      return null;
    };
    t.fit = () => {
      const n = Math.max(list.children.length, 6 * (def.height || 1));
      const font = Math.max(14, Math.min((t.body.clientHeight - 8) / ((n + 1) * 1.5), t.body.clientWidth / 22));
      t.body.style.fontSize = `${font}px`;
    };
  },
};
