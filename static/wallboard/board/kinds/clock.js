// A clock: the server-corrected time and date, ticked each second.
import { h } from '../dom.js';
import { pad } from '../format.js';

export default {
  build(t) {
    const time = h('div', { class: 'clock-time' }), date = h('div', { class: 'clock-date' });
    t.body.append(h('div', { class: 'clock' }, time, date));
    t.paint = () => null;
    t.tick = (ms) => {
      const d = new Date(ms);
      time.textContent = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      date.textContent = d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
    };
  },
};
