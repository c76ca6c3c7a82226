// A rotation: the boards of a playlist in turn, each for its seconds, with a progress bar.
// A rotation that jumps to alarms (its setting, body[data-jump]) goes to a board of its
// playlist in alarm as soon as a heartbeat names it, and stays while the alarm lasts
// (body[data-rotation-held]); then it goes on turning from there.
import { cfg } from './config.js';
import { conn, connect } from './connection.js';
import { $, body, h } from './dom.js';

const rot = { index: 0, timer: null, held: false };
const jumps = body.dataset.jump === 'true';

function renderList() {
  const list = $('wb-rotation');
  list.replaceChildren(...cfg.playlist.map((p, i) => h('li', { class: i === rot.index ? 'current' : null, 'aria-current': i === rot.index ? 'true' : null, text: p.title })));
  list.hidden = false;
}

export function showRotation() {
  renderList();
  const bar = $('wb-progress'), secs = Math.max(1, cfg.playlist[rot.index].seconds || 30);
  bar.hidden = false;
  bar.style.transition = 'none';
  bar.style.transform = 'scaleX(0)';
  void bar.offsetWidth; // restart the transition from empty
  bar.style.transition = `transform ${secs}s linear`;
  bar.style.transform = 'scaleX(1)';
  rot.timer = setTimeout(nextBoard, secs * 1000);
}

function nextBoard() {
  rot.index = (rot.index + 1) % cfg.playlist.length;
  conn.attempt = 0;
  connect(cfg.playlist[rot.index].slug);
  showRotation();
}

export function stopRotation() { clearTimeout(rot.timer); }

// The boards in alarm now (every heartbeat names them).
export function jumpToAlarm(alarmed) {
  if (!jumps || !cfg.rotation || cfg.playlist.length < 2) return;
  const inAlarm = new Set(alarmed);
  if (inAlarm.has(cfg.playlist[rot.index].slug)) {
    if (!rot.held) hold();
    return;
  }
  const i = cfg.playlist.findIndex((p) => inAlarm.has(p.slug));
  if (i >= 0) {
    rot.index = i;
    conn.attempt = 0;
    connect(cfg.playlist[i].slug);
    hold();
  } else if (rot.held) { // the alarm is over: turn again, the next board after its time
    rot.held = false;
    body.dataset.rotationHeld = 'false';
    showRotation();
  }
}

function hold() {
  clearTimeout(rot.timer);
  rot.held = true;
  body.dataset.rotationHeld = 'true';
  renderList();
  const bar = $('wb-progress');
  bar.style.transition = 'none';
  bar.style.transform = 'scaleX(1)';
}
