// What the page says about this display (board.html's body), and the timings tests may shorten.
import { $, body } from './dom.js';

export const cfg = {
  slug: body.dataset.board,
  key: body.dataset.key || '',
  rotation: body.dataset.rotation || '',
  playlist: (() => { try { return JSON.parse($('wb-playlist').textContent) || []; } catch { return []; } })(),
  version: body.dataset.version || '',
  display: body.dataset.display || '', // a paired display's id (others make their own: displays.js)
  // A rotation's one look (theme, palette) for all its boards; blank: each board's own.
  look: { theme: body.dataset.lookTheme || '', palette: body.dataset.lookPalette || '' },
};

export const OFFLINE_AFTER_MS = 30000; // "reconnecting" turns to "offline" after this long down
// A display pings every `every` ms; a link on which nothing at all is heard for `silent` ms
// (not even the pong) is dead though no close came: a half-open TCP connection after a
// network drop shows the last figures for ever otherwise. Tests shorten both through
// window.WALLBOARD_HEARTBEAT.
// The server says how often (DISPLAY_PING_SECONDS, which its display registry counts on).
const PING_MS = (Number(body.dataset.ping) || 20) * 1000;
export const HEARTBEAT = { every: PING_MS, silent: Math.max(45000, PING_MS * 2.25), ...(window.WALLBOARD_HEARTBEAT || {}) };
// After an upgrade: reload within `spread` ms, at most once per `again` ms (see upgraded()).
export const UPGRADE = { spread: 30000, again: 300000, ...(window.WALLBOARD_UPGRADE || {}) };
