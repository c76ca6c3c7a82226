// Wallboard display: renders a board from the websocket's `snapshot`, applies `update`s and
// `status` messages, ticks clocks and agent timers, rotates boards in a playlist.
// Native ES modules, no build step (board.html's import map versions each one). Hooks for
// browser tests (keep stable):
//   body[data-connection] live|reconnecting|offline|revoked
//   [data-tile-id][data-kind][data-level=none|warning|alarm][data-stale=true|false]
//   [data-kpi=<kpi>] (textContent = formatted value), [data-agent-id][data-state][data-level]
//
// The modules: config (the page's settings), connection (websocket, heartbeat, reconnect,
// upgrade reload), messages (snapshot/update/status), render (layout, painting, staleness,
// banner), alarms (since, acknowledgement, sound, mute, priority messages), tile + kinds/
// (a module per tile kind, kinds/index.js maps them), catalogue (the
// server's KPI labels and units), format, levels, agents (a grid's merge), rotation, state, dom,
// displays (this display in the admin's registry: its id, the admin's commands).
// Hooks: #wb-identify (the identify banner), body[data-palette], body[data-theme].
import { onAlarmMessage, priorityTick, soundTick } from './alarms.js';
import { OFFLINE_AFTER_MS, cfg } from './config.js';
import { conn, connect, on, setConnection } from './connection.js';
import { onCommand } from './displays.js';
import { onMessage } from './messages.js';
import { checkSilence, layout, renderBanner } from './render.js';
import { jumpToAlarm, showRotation, stopRotation } from './rotation.js';
import { S, now } from './state.js';

on.message = (m) => {
  if (m.type === 'command') {
    onCommand(m);
    return;
  }
  onMessage(m);
  onAlarmMessage(m);
  if (m.type === 'heartbeat') jumpToAlarm(m.alarms || []);
};
on.banner = renderBanner;
on.stopped = stopRotation;

// ---- the clock: one tick a second, aligned to the second -------------------------------
let ticks = 0;
function tick() {
  const ms = now();
  let relayout = false;
  checkSilence();
  soundTick();
  priorityTick();
  for (const t of S.tiles.values()) {
    if (t.tick && t.el.dataset.stale !== 'true') t.tick(ms); // figures not live: timers stop
    if (t.sort && ticks % 5 === 0) t.sort(); // re-sort alarmed agents first every 5 s, not every second
    if (t.refresh && ticks % 10 === 0 && t.refresh(ms)) relayout = true;
  }
  if (relayout) layout();
  if (conn.downSince && conn.state === 'reconnecting' && Date.now() - conn.downSince > OFFLINE_AFTER_MS) setConnection('offline');
  ticks++;
  setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
}

setConnection('reconnecting');
if (cfg.rotation && cfg.playlist.length) {
  if (cfg.playlist.length > 1) showRotation();
  connect(cfg.playlist[0].slug);
} else {
  connect(cfg.slug);
}
tick();
