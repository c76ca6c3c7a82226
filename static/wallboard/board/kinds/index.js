// The display's tile kinds: one module per kind, named as the server's registry names it
// (wallboard/engine/kinds.py). A kind module's default export:
//   build(t, def)  fills the tile t ({def, el, body, extra, badge, staleNote}) and sets
//                  t.paint(value) -> worst level, and optionally t.tick(nowMs) (each second),
//                  t.sort() (every 5 s), t.refresh(nowMs) -> relayout? (every 10 s), t.fit()
//                  (on resize);
//   strip          true: a row of only one-row tiles of this kind is a thin strip.
import agent_grid from './agent_grid.js';
import big_number from './big_number.js';
import clock from './clock.js';
import dialer_campaigns from './dialer_campaigns.js';
import leaderboard from './leaderboard.js';
import leaderboard_low from './leaderboard_low.js';
import queue_kpi from './queue_kpi.js';
import queue_table from './queue_table.js';
import recent_abandoned from './recent_abandoned.js';
import ticker from './ticker.js';
import unknown from './unknown.js';
import waiting_callers from './waiting_callers.js';

const KINDS = new Map(Object.entries({ queue_kpi, big_number, queue_table, agent_grid, leaderboard, leaderboard_low, waiting_callers, recent_abandoned, dialer_campaigns, clock, ticker }));

export const kindOf = (key) => KINDS.get(key) || unknown;
