// An agent grid's agents as the display holds them, merged from updates.

// An agent grid names an agent by source and agent ID (two feeds' agent IDs may overlap);
// updates' `remove` lists these names.
export const ident = (a) => `${a.src}:${a.id}`;

// An agent grid's update carries only the agents that changed (upsert) or left (remove);
// merged by id, then sorted as the server sorts: by name (or id), then id.
const agentKey = (a) => a.name || a.id;
const isSurrogate = (unit) => unit >= 0xd800 && unit <= 0xdfff;
// Python orders text by code point, JavaScript's < by UTF-16 unit: they differ where a
// character beyond U+FFFF (a surrogate pair: 𠮷 in a Japanese name, an emoji) meets one
// from U+E000 to U+FFFF (halfwidth katakana, fullwidth letters). Ordered as the server does.
function byCodePoint(a, b) {
  if (a === b) return 0;
  for (let i = 0, n = Math.min(a.length, b.length); i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = isSurrogate(x), sy = isSurrogate(y);
    if (sx !== sy) return sx ? 1 : -1; // the surrogate's character is the larger one
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}
function byNameThenId(a, b) {
  return byCodePoint(agentKey(a), agentKey(b)) || byCodePoint(a.id, b.id) || (a.src || 0) - (b.src || 0);
}
export function mergeAgents(base, d) {
  if (!base || !Array.isArray(base.agents)) return null;
  const byId = new Map(base.agents.map((a) => [ident(a), a]));
  for (const id of d.remove || []) byId.delete(id);
  for (const a of d.upsert || []) byId.set(ident(a), a);
  const { delta, upsert, remove, ...rest } = d;
  return { ...rest, agents: [...byId.values()].sort(byNameThenId) };
}
