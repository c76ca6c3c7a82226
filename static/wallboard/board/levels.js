// Warning and alarm levels. The server works out every KPI's level (wallboard/engine/maths.py,
// level()); the display works out only agents' time in a state, each second, by the same rule:
// a value is flagged when it is strictly beyond the level ("alarm below 80" flags 79.9, never
// 80; "alarm above 600" flags 601, never 600). tests/test_threshold_levels.py holds the two
// to the same answers.
export const RANK = { alarm: 2, warning: 1 };

// One way of writing a level everywhere on the display (a tile's header, a value's badge, a
// table cell, an agent's time): a mark and a word, the same whatever the direction of the
// threshold, so that colour is never the only sign.
const MARK = { warning: '◆', alarm: '⚠' };
const WORD = { warning: 'WARNING', alarm: 'ALARM' };
export const levelMark = (level) => MARK[level] || '';
export const levelWord = (level) => WORD[level] || '';
export const levelText = (level) => (MARK[level] ? `${MARK[level]} ${WORD[level]}` : '');

export function levelOf(value, th) {
  if (!th || typeof value !== 'number') return null;
  const above = th.direction !== 'below';
  for (const name of ['alarm', 'warning']) {
    const limit = th[name];
    if (limit != null && (above ? value > limit : value < limit)) return name;
  }
  return null;
}

export const worst = (levels) => levels.reduce((w, l) => ((RANK[l] || 0) > (RANK[w] || 0) ? l : w), null);

// What else a tile's level shows: alarms.js sets it (since when, acknowledged). A hook, so
// this module imports nothing and runs outside a page too (tests/test_threshold_levels.py).
export const levelHooks = { decorate: (t) => {} };

// A tile's level: its data-level and its badge (a word, not colour alone).
export function setLevel(t, level) {
  t.el.dataset.level = level || 'none';
  t.badge.textContent = levelText(level);
  levelHooks.decorate(t);
}
