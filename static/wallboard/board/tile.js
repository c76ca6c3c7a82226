// A tile's frame (title, extra, badge, stale note), filled by its kind's module.
import { h } from './dom.js';
import { kindOf } from './kinds/index.js';

// A tile object: {def, el, body, paint(value)->worst level, tick?(nowMs), fit?()}.
export function makeTile(def) {
  const t = { def, value: null };
  t.extra = h('div', { class: 'tile-extra' });
  t.badge = h('span', { class: 'tile-badge' });
  t.staleNote = h('span', { class: 'tile-stale', hidden: true });
  t.body = h('div', { class: 'tile-body' });
  t.title = h('h2', { class: 'tile-title', text: def.title });
  const head = h('header', { class: 'tile-head' }, t.title, t.extra, t.badge);
  t.el = h('section', {
    class: `tile tile-${def.kind}`, 'data-tile-id': String(def.id), 'data-kind': def.kind,
    'data-level': 'none', 'data-stale': 'false', 'aria-label': def.title,
  }, head, t.body, t.staleNote);
  const kind = kindOf(def.kind);
  kind.build(t, def);
  t.strip = !!kind.strip;
  return t;
}
