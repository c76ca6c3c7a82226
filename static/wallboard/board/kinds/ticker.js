// A message ticker: the messages in their time window, scrolling; hidden when there are none.
import { h } from '../dom.js';

export default {
  // A row holding only one-row tickers is a thin strip, not a full-height row (render.js).
  strip: true,
  build(t, def) {
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
};
