// The websocket to the server: connect, heartbeat, reconnect with backoff, the connection
// badge, the overlay of a revoked key or a missing board, a reload after an upgrade.
import { HEARTBEAT, OFFLINE_AFTER_MS, UPGRADE, cfg } from './config.js';
import { $, body } from './dom.js';
import { displayId } from './displays.js';
import { S } from './state.js';

export const conn = { ws: null, attempt: 0, downSince: null, timer: null, state: 'reconnecting', slug: cfg.slug, heardAt: 0, pingedAt: 0 };
const CONN_TEXT = { live: 'live', reconnecting: 'reconnecting…', offline: 'offline', revoked: 'key revoked' };

// What the rest of the display does on a message, when the banner may change, and when the
// display stops for good (main.js sets them).
export const on = { message: () => {}, banner: () => {}, stopped: () => {} };

export function setConnection(state) {
  conn.state = state;
  body.dataset.connection = state;
  const badge = $('wb-conn');
  badge.textContent = conn.attempt === 0 && state === 'reconnecting' && !S.board ? 'connecting…'
    : state === 'live' && S.silentSince !== null ? 'not live' : CONN_TEXT[state];
  badge.dataset.state = state === 'live' && S.silentSince !== null ? 'silent' : state;
  body.classList.toggle('conn-down', state === 'reconnecting' || state === 'offline');
}
export function send(msg) { if (conn.ws && conn.ws.readyState === 1) conn.ws.send(JSON.stringify(msg)); }

export function connect(slug) {
  clearTimeout(conn.timer);
  if (conn.ws) { // an intended close (rotation, retry): detach first so it is not seen as a drop
    const old = conn.ws;
    old.onclose = old.onmessage = old.onerror = null;
    try { old.close(1000); } catch { /* already closed */ }
  }
  conn.slug = slug;
  const q = new URLSearchParams({ key: cfg.key });
  if (cfg.rotation) q.set('rotation', cfg.rotation);
  q.set('display', displayId()); // the display registry (admin: Displays)
  q.set('v', cfg.version);
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${proto}://${location.host}/ws/boards/${encodeURIComponent(slug)}/?${q}`);
  conn.ws = ws;
  conn.heardAt = conn.pingedAt = Date.now();
  ws.onmessage = (e) => {
    conn.heardAt = Date.now();
    let m; try { m = JSON.parse(e.data); } catch { return; }
    on.message(m);
  };
  ws.onclose = (e) => { if (conn.ws === ws) onClose(e.code); };
}

// The server runs another version of this page (an upgrade): load it, a while later so a
// floor of screens does not reload at once, and not again within minutes (a rolling upgrade
// behind a load balancer answers with both versions for a moment).
let upgrading = false;
export function upgraded() {
  if (upgrading) return;
  let last = 0;
  try { last = Number(sessionStorage.getItem('wb-upgraded-at')) || 0; } catch { /* no storage */ }
  if (Date.now() - last < UPGRADE.again) return;
  upgrading = true;
  setTimeout(() => {
    try { sessionStorage.setItem('wb-upgraded-at', String(Date.now())); } catch { /* no storage */ }
    location.reload();
  }, Math.random() * UPGRADE.spread);
}

// The heartbeat: ping now and then; a link silent for too long is dropped and reconnected.
function watchLink() {
  const ws = conn.ws, at = Date.now();
  if (!ws) return;
  if (at - conn.heardAt > HEARTBEAT.silent) {
    ws.onclose = ws.onmessage = ws.onerror = null;
    try { ws.close(4000); } catch { /* already closed */ }
    onClose(1006);
  } else if (ws.readyState === 1 && at - conn.pingedAt >= HEARTBEAT.every) {
    conn.pingedAt = at;
    send({ type: 'ping' });
  }
}
setInterval(watchLink, Math.min(1000, HEARTBEAT.every / 2));

function onClose(code) {
  conn.ws = null;
  // A paired display set to another board by the admin: its page knows the new one (at most
  // once a minute: a key that keeps being refused is revoked, and says so below).
  if (code === 4403 && cfg.display && reloadOnce('wb-refused-at', 60000)) return;
  if (code === 4403) return fatal('revoked', "This display's key was revoked \u2014 ask a supervisor for the new URL", 'This screen has stopped updating. Open the new display URL here.');
  if (code === 4404) {
    if (cfg.rotation) setTimeout(() => location.reload(), 60000); // the playlist may have changed
    return fatal('offline', 'Board not found', `There is no board \u201c${conn.slug}\u201d any more \u2014 ask a supervisor for the new URL.`);
  }
  if (!conn.downSince) conn.downSince = Date.now();
  // Jittered exponential backoff, 1 s .. 30 s, so a room of screens does not reconnect in step.
  const base = Math.min(30000, 1000 * 2 ** conn.attempt++);
  const delay = Math.max(1000, base * (0.5 + Math.random() * 0.5));
  setConnection(Date.now() - conn.downSince > OFFLINE_AFTER_MS || !navigator.onLine ? 'offline' : 'reconnecting');
  on.banner();
  conn.timer = setTimeout(() => connect(conn.slug), delay);
}

function reloadOnce(name, within) {
  let last = 0;
  try { last = Number(sessionStorage.getItem(name)) || 0; } catch { /* no storage */ }
  if (Date.now() - last < within) return false;
  try { sessionStorage.setItem(name, String(Date.now())); } catch { /* no storage */ }
  setTimeout(() => location.reload(), 1000);
  return true;
}

function fatal(state, title, text) {
  clearTimeout(conn.timer);
  on.stopped();
  conn.downSince = null;
  setConnection(state);
  body.classList.remove('conn-down');
  $('wb-overlay-title').textContent = title;
  $('wb-overlay-text').textContent = text;
  $('wb-overlay').hidden = false;
  on.banner();
}

addEventListener('online', () => { if (!conn.ws && conn.state !== 'revoked' && $('wb-overlay').hidden) { conn.attempt = 0; connect(conn.slug); } });
