// State of the board on screen.
// beatAt: when ingest was last heard (a heartbeat, or the snapshot); silentAfter: how long a
// display waits for the next before it says its figures are not live (the server says).
export const S = { board: null, values: {}, sources: {}, lastSeq: null, awaiting: false, offset: 0, tiles: new Map(), beatAt: 0, silentAfter: 6, silentSince: null };
export const now = () => Date.now() + S.offset; // server-corrected time (agent timers, clock, ticker)
