// Warning and alarm levels: worked out by the server for KPIs, here for agents' time in state.
export const RANK = { alarm: 2, warning: 1 };

// Same rule as level() on the server (wallboard/engine/maths.py), for agents' time in state.
export function levelOf(value, th) {
  if (!th || typeof value !== 'number') return null;
  const above = th.direction !== 'below';
  for (const name of ['alarm', 'warning']) {
    const limit = th[name];
    if (limit != null && (above ? value >= limit : value <= limit)) return name;
  }
  return null;
}

export const worst = (levels) => levels.reduce((w, l) => ((RANK[l] || 0) > (RANK[w] || 0) ? l : w), null);

export const badgeText = (level, th) =>
  level === 'alarm' ? '⚠ ALARM' : level === 'warning' ? `${th && th.direction === 'below' ? '▼' : '▲'} WARNING` : '';

// A tile's level: its data-level and its badge (a word, not colour alone).
export function setLevel(t, level) {
  t.el.dataset.level = level || 'none';
  t.badge.textContent = level === 'alarm' ? '⚠ ALARM' : level === 'warning' ? '▲ WARNING' : '';
}
