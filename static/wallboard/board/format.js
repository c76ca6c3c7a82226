// How values are written on the wall.
import { kpiLimit, kpiUnit } from './catalogue.js';
import { now } from './state.js';

export const pad = (n) => String(n).padStart(2, '0');

export function fmtDuration(sec) {
  const s = Math.max(0, Math.round(sec));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  return hh ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
}

export function fmtKpi(kpi, v) {
  if (v === null || v === undefined) return '–';
  if (v === 'overflow') return fmtOverflow(kpi);
  if (typeof v !== 'number') return String(v);
  const unit = kpiUnit(kpi);
  if (unit === 'seconds') return fmtDuration(v);
  if (unit === 'pct') return `${Math.round(v)}%`;
  return String(Math.round(v));
}

// The feed's ***** (more than its field can show): at least the most the field holds, written
// as the field writes it, "≥ 99:59" (minutes and seconds), "≥ 999".
export function fmtOverflow(kpi) {
  const limit = kpiLimit(kpi), unit = kpiUnit(kpi);
  if (typeof limit !== 'number') return '≥ max';
  if (unit === 'seconds') return `≥ ${Math.floor(limit / 60)}:${pad(limit % 60)}`;
  if (unit === 'pct') return `≥ ${limit}%`;
  return `≥ ${limit}`;
}

export function fmtTime(ms) {
  if (ms == null) return '—';
  const d = new Date(ms);
  const t = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (d.toDateString() === new Date(now()).toDateString()) return t;
  return `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${t}`;
}
