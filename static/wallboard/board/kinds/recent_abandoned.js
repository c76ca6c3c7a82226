// Recently abandoned calls, newest first: when the caller gave up, the queue, how long they
// had waited and the number as the server masked it; calls older than the server's window
// drop off as time goes on.
import { h } from '../dom.js';
import { now } from '../state.js';
import { fmtDuration, pad } from '../format.js';

const clock = (ms) => { const d = new Date(ms); return `${pad(d.getHours())}:${pad(d.getMinutes())}`; };

export default {
  build(t, def) {
    const list = h('ol', { class: 'calls recent-abandoned' });
    const empty = h('div', { class: 'more-note', text: 'No abandoned calls lately', hidden: true });
    t.body.append(list, empty);
    let rows = [], windowMs = 3600 * 1000, shown = -1;
    function draw(ms) {
      const recent = rows.filter((row) => ms - row.at <= windowMs);
      if (recent.length === shown) return;
      shown = recent.length;
      list.replaceChildren(...recent.map((row) => h('li', { 'data-call': row.id },
        h('span', { class: 'c-queue', text: `${clock(row.at)} ${row.queue || ''}` }),
        h('span', { class: 'c-number', text: row.calling || '' }),
        h('span', { class: 'c-time', title: 'waited', text: fmtDuration(row.waited) }))));
      empty.hidden = recent.length > 0;
    }
    t.tick = (ms) => draw(ms);
    t.paint = (v) => {
      rows = (v && v.rows) || [];
      windowMs = ((v && v.window) || 3600) * 1000;
      shown = -1;
      draw(now());
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
