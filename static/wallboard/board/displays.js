// This display in the admin's display registry: the id it is listed by, and the commands a
// supervisor sends it from there (reload, open another board or rotation, identify).
import { cfg } from './config.js';
import { $, body, h } from './dom.js';

// A paired display's id is the server's; any other page makes one and keeps it for its tab
// (sessionStorage outlives a reload, an upgrade and a rotation's board changes, so the
// registry keeps one row per screen, not one per page load).
let ident = '';
export function displayId() {
  if (ident) return ident;
  if (cfg.display) return (ident = cfg.display);
  try { ident = sessionStorage.getItem('wb-display') || ''; } catch { /* no storage */ }
  if (!/^[A-Za-z0-9_-]{8,32}$/.test(ident)) {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    ident = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
    try { sessionStorage.setItem('wb-display', ident); } catch { /* no storage: one per load */ }
  }
  return ident;
}

let identifyTimer = null;
function identify(m) {
  let banner = $('wb-identify');
  if (!banner) {
    banner = h('div', { id: 'wb-identify', class: 'wb-identify', role: 'status' });
    body.append(banner);
  }
  const id = `display ${m.ident || displayId().slice(0, 8)}`, board = `board ${body.dataset.board}`;
  banner.replaceChildren(
    h('div', { class: 'wb-identify-name', text: m.name || id }),
    h('div', { class: 'wb-identify-id', text: m.name ? `${id} · ${board}` : board }),
  );
  banner.hidden = false;
  clearTimeout(identifyTimer);
  identifyTimer = setTimeout(() => { banner.hidden = true; }, Math.max(1, Number(m.seconds) || 10) * 1000);
}

// Only a path on this server: a message can never send the screen elsewhere.
function sameSite(url) {
  try { const u = new URL(url, location.href); return u.origin === location.origin ? u.href : null; } catch { return null; }
}

export function onCommand(m) {
  if (m.command === 'reload') location.reload();
  else if (m.command === 'open') { const url = sameSite(m.url); if (url) location.assign(url); }
  else if (m.command === 'identify') identify(m);
}
