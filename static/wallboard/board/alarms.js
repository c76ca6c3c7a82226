// Alarms on the wall: "since" on a tile in alarm, acknowledgement (a staff user's; the server
// works out which alarms it covers, wallboard/engine/alarms.py, and every display shows the
// same), the alarm sound and the board's mute, and priority messages over the whole screen.
//
// Sound: one <audio id="wb-audio"> (a small file under static/wallboard/sounds/). An alarm
// sounds when it is not acknowledged, its threshold has a sound and the board is not muted
// (the rule of the engine's `sounding`): "once" when it starts, "repeat" every `every` s.
// A browser that blocks sound without a click shows a banner to click once; a kiosk runs
// Chromium with --autoplay-policy=no-user-gesture-required and needs none.
// Hooks for tests: #wb-audio[data-played] (sounds started), .tile[data-ack], #wb-priority.
import { cfg } from './config.js';
import { send } from './connection.js';
import { $, body, h } from './dom.js';
import { fmtTime } from './format.js';
import { levelHooks } from './levels.js';
import { S, now } from './state.js';

// A staff session (not a display key) may acknowledge and mute: the server checks it again.
const staff = body.dataset.staff === 'true';
const played = new Map(); // alarm identity -> when it last sounded (ms), or 0 for "once" done

// The alarm parts ("a") of a tile's cells: its KPIs and its table rows' KPIs.
export function alarmsOf(value) {
  const found = [];
  const take = (kpis, where) => {
    for (const [kpi, cell] of Object.entries(kpis || {})) if (cell && cell.a) found.push({ id: `${where}${kpi}`, ...cell.a });
  };
  if (!value) return found;
  take(value.kpis, '');
  for (const row of value.rows || []) take(row.kpis, `${row.key}|`);
  return found;
}

// A tile after it was painted: since when it is in alarm, whether that is acknowledged, and a
// staff user's button to acknowledge it.
export function decorate(t) {
  const alarms = t.el.dataset.level === 'alarm' ? alarmsOf(t.value) : [];
  const since = alarms.length ? Math.min(...alarms.map((a) => a.since)) : null;
  const acked = alarms.length > 0 && alarms.every((a) => a.ack);
  t.el.dataset.ack = String(acked);
  if (since !== null) {
    t.el.dataset.alarmSince = String(since);
    t.badge.textContent = `${t.badge.textContent} since ${fmtTime(since)}${acked ? ' · acknowledged' : ''}`;
  } else delete t.el.dataset.alarmSince;
  if (!t.ackButton) {
    t.ackButton = h('button', { class: 'tile-ack', type: 'button', text: 'Acknowledge', hidden: true });
    t.ackButton.addEventListener('click', () => send({ type: 'ack', tile: t.def.id }));
    t.badge.after(t.ackButton);
  }
  t.ackButton.hidden = !(staff && alarms.length && !acked);
}

levelHooks.decorate = decorate;

// ---- sound -------------------------------------------------------------------------------
const audio = $('wb-audio');
audio.dataset.played = '0';
audio.addEventListener('play', () => { audio.dataset.played = String(Number(audio.dataset.played) + 1); });

export const muted = () => S.mutedUntil != null && now() < S.mutedUntil;

// Each second: play once for the alarms that are due (a new "once", a "repeat" whose time came).
export function soundTick() {
  const ms = now(), live = new Set();
  let due = false;
  for (const [tileId, t] of S.tiles) {
    if (t.el.dataset.stale === 'true' || t.el.dataset.level !== 'alarm') continue;
    for (const a of alarmsOf(t.value)) {
      if (a.ack || !a.sound || a.sound === 'none') continue;
      const id = `${S.board && S.board.slug}|${tileId}|${a.id}|${a.since}`;
      live.add(id);
      const last = played.get(id);
      if (muted()) { if (last === undefined) played.set(id, a.sound === 'once' ? 0 : ms); continue; }
      if (last === undefined || (a.sound === 'repeat' && ms - last >= (a.every || 30) * 1000)) {
        played.set(id, a.sound === 'once' ? 0 : ms);
        due = true;
      }
    }
  }
  for (const id of [...played.keys()]) if (!live.has(id)) played.delete(id);
  if (due) play();
  renderMute();
}

function play() {
  audio.currentTime = 0;
  const started = audio.play();
  if (started && started.catch) started.then(() => { $('wb-sound').hidden = true; }, () => { $('wb-sound').hidden = false; });
}

// The browser refused to play without a click: one click on the banner allows it from then on.
$('wb-sound').addEventListener('click', () => { play(); });

function renderMute() {
  const el = $('wb-mute');
  const on = muted();
  el.hidden = !on && !staff;
  el.dataset.muted = String(on);
  el.textContent = on ? `♪ muted until ${fmtTime(S.mutedUntil)}` : '♪ mute 15 min';
  el.disabled = !staff;
}
$('wb-mute').addEventListener('click', () => { if (staff) send({ type: 'mute', minutes: muted() ? 0 : 15 }); });

// ---- priority messages -------------------------------------------------------------------
// Those for this screen (its board, or its rotation) between their start and their end, by
// this display's own clock (server-corrected): one posted stays until it expires, even if
// the server is not reachable then.
export function priorityTick() {
  const ms = now();
  const shown = (S.priority || []).filter((m) => (m.board || (cfg.rotation && (m.rotations || []).includes(cfg.rotation)))
    && (m.start == null || m.start <= ms) && ms < m.end);
  const el = $('wb-priority');
  const text = shown.map((m) => m.text).join('\n\n');
  if (el.dataset.text !== text) {
    el.dataset.text = text;
    el.dataset.ids = shown.map((m) => m.id).join(' ');
    $('wb-priority-text').textContent = text;
    $('wb-priority-until').textContent = shown.length ? `until ${fmtTime(Math.max(...shown.map((m) => m.end)))}` : '';
  }
  el.hidden = shown.length === 0;
  body.classList.toggle('priority-on', shown.length > 0);
}

// The server's alarm messages (main.js hands every message here too): the board's mute and
// priority messages come with the snapshot and change with `mute` and `priority`.
export function onAlarmMessage(m) {
  if (m.type === 'snapshot') { S.mutedUntil = m.muted_until ?? null; S.priority = m.priority || []; }
  else if (m.type === 'mute') S.mutedUntil = m.until ?? null;
  else if (m.type === 'priority') S.priority = m.messages || [];
  else return;
  priorityTick();
  renderMute();
}
