// The server's messages: `snapshot` (the whole board), `update` (changed tiles, in sequence),
// `status` (a source went stale or recovered), `heartbeat` (ingest runs; each of the board's
// sources as it is now, every few seconds: what a lost `status` got wrong, this puts right).
import { mergeAgents } from './agents.js';
import { setCatalogue } from './catalogue.js';
import { cfg } from './config.js';
import { conn, send, setConnection, upgraded } from './connection.js';
import { paintTile, renderBoard, renderStale } from './render.js';
import { S } from './state.js';

export function onMessage(m) {
  if (m.type === 'snapshot') {
    S.offset = (m.server_time || Date.now()) - Date.now();
    S.board = m.board; S.values = m.values || {}; S.sources = m.sources || {};
    S.lastSeq = m.seq; S.awaiting = false;
    S.beatAt = Date.now(); S.silentSince = null;
    if (m.heartbeat && m.heartbeat.silent_after) S.silentAfter = m.heartbeat.silent_after;
    setCatalogue(m.catalogue);
    conn.attempt = 0; conn.downSince = null;
    setConnection('live');
    renderBoard();
    if (m.version && cfg.version && m.version !== cfg.version) upgraded();
  } else if (m.type === 'update') {
    if (!S.board || S.awaiting) return;
    if (m.seq <= S.lastSeq) return; // an old or repeated update
    if (m.seq !== S.lastSeq + 1) { // a gap: updates were lost, ask for the whole board again
      S.awaiting = true;
      send({ type: 'resync' });
      return;
    }
    S.lastSeq = m.seq;
    for (const [id, incoming] of Object.entries(m.tiles || {})) {
      const value = incoming && incoming.delta ? mergeAgents(S.values[id], incoming) : incoming;
      if (value === null) { // a delta with nothing to apply it to: start again
        S.awaiting = true;
        send({ type: 'resync' });
        return;
      }
      S.values[id] = value;
      const t = S.tiles.get(id);
      if (t) paintTile(t, value);
    }
    renderStale();
  } else if (m.type === 'status') {
    const id = String(m.source), s = S.sources[id] || { enabled: true };
    S.sources[id] = {
      ...s, name: m.name || s.name || `source ${id}`, stale: !!m.stale, last_data_at: m.last_data_at,
      enabled: m.enabled !== false, problem: m.problem || '',
    };
    renderStale();
  } else if (m.type === 'heartbeat') {
    const wasSilent = S.silentSince !== null;
    S.beatAt = Date.now(); S.silentSince = null;
    if (wasSilent) setConnection(conn.state);
    if (m.silent_after) S.silentAfter = m.silent_after;
    for (const [id, s] of Object.entries(m.sources || {})) S.sources[id] = s;
    renderStale();
  }
}
