// The board on screen: its tiles laid out, painted, dimmed when stale; the banner.
import { cfg } from './config.js';
import { conn, setConnection } from './connection.js';
import { $, body, h } from './dom.js';
import { fmtTime } from './format.js';
import { setLevel } from './levels.js';
import { S, now } from './state.js';
import { makeTile } from './tile.js';

const grid = $('wb-grid');
const resizer = new ResizeObserver((entries) => {
  for (const e of entries) { const t = S.tiles.get(e.target.parentNode.dataset.tileId); if (t && t.fit) t.fit(); }
});

// Place tiles explicitly (row-major, like CSS auto-placement) so that rows holding only
// a one-row ticker can be a thin strip instead of a full-height row.
export function layout() {
  const cols = Math.max(1, S.board.columns || 3), used = [], strip = [];
  let r = 0, c = 0;
  const free = (r0, c0, w, hgt) => {
    for (let y = r0; y < r0 + hgt; y++) for (let x = c0; x < c0 + w; x++) if (used[y] && used[y][x]) return false;
    return true;
  };
  for (const t of S.tiles.values()) {
    if (t.el.hidden) continue;
    const w = Math.min(cols, Math.max(1, t.def.width || 1)), hgt = Math.max(1, t.def.height || 1);
    for (;;) { if (c + w > cols) { r++; c = 0; } else if (free(r, c, w, hgt)) break; else c++; }
    for (let y = r; y < r + hgt; y++) {
      used[y] = used[y] || [];
      for (let x = c; x < c + w; x++) used[y][x] = true;
      strip[y] = strip[y] !== false && t.strip && hgt === 1;
    }
    t.el.style.gridArea = `${r + 1} / ${c + 1} / span ${hgt} / span ${w}`;
    c += w;
  }
  grid.style.setProperty('--cols', cols);
  grid.style.gridTemplateRows = strip.map((s) => (s ? 'minmax(0, 0.28fr)' : 'minmax(0, 1fr)')).join(' ') || '1fr';
}

export function renderBoard() {
  const b = S.board;
  resizer.disconnect();
  S.tiles = new Map();
  // A rotation keeps one look (config.js: cfg.look) unless it gives each board its own.
  const theme = (cfg.look.theme || b.theme) === 'light' ? 'light' : 'dark';
  const palette = (cfg.look.palette || b.palette) === 'deuteranopia' ? 'deuteranopia' : 'standard';
  body.classList.remove('theme-dark', 'theme-light', 'palette-standard', 'palette-deuteranopia');
  body.classList.add(`theme-${theme}`, `palette-${palette}`);
  body.dataset.theme = theme;
  body.dataset.palette = palette;
  body.dataset.board = b.slug;
  body.dataset.columns = b.columns;
  $('wb-title').textContent = b.title;
  grid.setAttribute('aria-label', b.title);
  for (const def of b.tiles || []) S.tiles.set(String(def.id), makeTile(def));
  grid.replaceChildren(...[...S.tiles.values()].map((t) => t.el));
  for (const t of S.tiles.values()) {
    if (t.refresh) t.refresh(now());
    paintTile(t, S.values[String(t.def.id)]);
    if (t.tick) t.tick(now());
    resizer.observe(t.body);
  }
  layout();
  renderStale(); // after the ticks: a stale tile's times go back to its last data
}

export function paintTile(t, value) {
  t.value = value || null;
  // A queue tile with no title of its own is titled by its queues' names, as the server sends.
  if (t.def.auto_title) autoTitles();
  const level = t.paint(t.value);
  setLevel(t, level);
}

// The titles of queue tiles titled by their queues' names; one title on tiles of different
// feeds gets the feed's name added ("Sales (PBX 1)").
function autoTitles() {
  const tiles = [...S.tiles.values()].filter((t) => t.def.auto_title);
  const feeds = new Map(); // title -> the sources of the tiles showing it
  for (const t of tiles) {
    const v = t.value, title = v && v.title;
    if (title) feeds.set(title, new Set([...(feeds.get(title) || []), ...(v.sources || [])]));
  }
  for (const t of tiles) {
    const v = t.value, title = v && v.title;
    const src = title && feeds.get(title).size > 1 && (v.sources || []).length === 1
      && S.sources[String(v.sources[0])];
    t.title.textContent = src ? `${title} (${src.name})` : title || t.def.title;
  }
}

// Ingest has not been heard for longer than the server said to wait (ingest stopped, the
// channel layer down, a link that passes pings but no board messages): nothing is live.
export function checkSilence() {
  const silent = !!S.board && conn.state === 'live' && Date.now() - S.beatAt > S.silentAfter * 1000;
  if (silent === (S.silentSince !== null)) return;
  S.silentSince = silent ? S.beatAt : null;
  setConnection(conn.state); // the badge: connected, but not live
  renderStale();
}

// Dim tiles fed by a stale, disabled or unheard source (their agent timers stop); the banner
// names each of this board's feeds that is down, and says when ingest went silent.
export function renderStale() {
  for (const t of S.tiles.values()) {
    const ids = (t.value && t.value.sources) || [];
    const stale = ids.map((id) => S.sources[String(id)]).filter((s) => s && (s.stale || s.enabled === false));
    const silent = S.silentSince !== null && ids.length > 0;
    const isStale = silent || stale.length > 0 || !!(t.value && t.value.stale);
    t.el.dataset.stale = String(isStale);
    t.staleNote.hidden = !isStale;
    const since = stale.map((s) => s.last_data_at).filter((x) => x != null);
    if (silent) since.push(S.silentSince + S.offset);
    t.staleNote.textContent = stale.some((s) => s.enabled === false) ? 'feed disabled'
      : since.length ? `no data since ${fmtTime(Math.min(...since))}` : 'no data yet';
    // Times in state as of the last data, not counting on: a stopped feed raises no alarms.
    if (isStale && t.tick && since.length) t.tick(Math.min(...since));
  }
  renderBanner();
}

export function renderBanner() {
  const lines = [];
  if (conn.downSince && conn.state !== 'revoked') lines.push(`Connection to the server lost at ${fmtTime(conn.downSince + S.offset)} — figures below are not live`);
  else if (S.silentSince !== null) lines.push(`No word from the wallboard's ingest since ${fmtTime(S.silentSince + S.offset)} — figures below are not live`);
  for (const s of Object.values(S.sources)) {
    const why = s.problem && s.problem !== 'disabled' ? ` (${s.problem})` : '';
    if (s.enabled === false) lines.push(`${s.name} is disabled — its figures are not live`);
    else if (s.stale) lines.push(s.last_data_at ? `No data from ${s.name} since ${fmtTime(s.last_data_at)}${why}` : `No data from ${s.name} yet${why}`);
    else if (s.problem) lines.push(`Feed problem on ${s.name}: ${s.problem} — those rows keep their last figures`);
  }
  const banner = $('wb-banner');
  const text = lines.join('\n');
  if (banner.dataset.text !== text) {
    banner.dataset.text = text;
    banner.replaceChildren(...lines.map((l) => h('div', { class: 'banner-line' }, h('span', { class: 'banner-icon', 'aria-hidden': 'true', text: '⚠' }), l)));
  }
  banner.hidden = lines.length === 0;
}
