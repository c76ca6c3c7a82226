// A rotation: the boards of a playlist in turn, each for its seconds, with a progress bar.
import { cfg } from './config.js';
import { conn, connect } from './connection.js';
import { $, h } from './dom.js';

const rot = { index: 0, timer: null };

export function showRotation() {
  const list = $('wb-rotation');
  list.replaceChildren(...cfg.playlist.map((p, i) => h('li', { class: i === rot.index ? 'current' : null, 'aria-current': i === rot.index ? 'true' : null, text: p.title })));
  list.hidden = false;
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
