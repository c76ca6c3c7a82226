// A kind this display does not know (a server newer than its page, until it reloads).
import { h } from '../dom.js';

export default {
  build(t, def) {
    t.body.append(h('p', { class: 'tile-unknown', text: `Unsupported tile kind: ${def.kind}` }));
    t.paint = () => null;
  },
};
