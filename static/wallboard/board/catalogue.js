// The KPI catalogue the server sends in each snapshot (wallboard/engine/kpis.py): each KPI's
// label, unit and limit (the most the feed's field holds: an overflowed value is at least it),
// each agent state's label in full and short. Nothing here is a copy of it.
let catalogue = { kpis: {}, states: {} };

export function setCatalogue(c) {
  if (c && c.kpis && c.states) catalogue = c;
}

export const kpiLabel = (kpi) => (catalogue.kpis[kpi] || {}).label || kpi;
export const kpiUnit = (kpi) => (catalogue.kpis[kpi] || {}).unit;
export const kpiLimit = (kpi) => (catalogue.kpis[kpi] || {}).limit;
// A service-level KPI: its tile says which target and formula (the value's `sl`).
export const kpiIsSl = (kpi) => !!(catalogue.kpis[kpi] || {}).sl;

// The neutral agent states, in the server's order.
export const states = () => Object.keys(catalogue.states);
export const isState = (state) => Object.prototype.hasOwnProperty.call(catalogue.states, state);
// [full label, short label] of a state; an unknown state's are "unknown"'s.
export function stateLabels(state) {
  const s = catalogue.states[isState(state) ? state : 'unknown'] || { label: state, short: state };
  return [s.label, s.short];
}
