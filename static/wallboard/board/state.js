// State of the board on screen.
export const S = { board: null, values: {}, sources: {}, lastSeq: null, awaiting: false, offset: 0, tiles: new Map() };
export const now = () => Date.now() + S.offset; // server-corrected time (agent timers, clock, ticker)
