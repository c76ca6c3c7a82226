// A big number: one KPI, drawn as the queue KPIs' cell.
import { kpiCells } from './queue_kpi.js';

export default {
  build(t, def) { kpiCells(t, def, def.kpis.slice(0, 1)); },
};
