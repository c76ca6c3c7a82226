// The bottom of a leaderboard: drawn as a leaderboard (the server ranks lowest first).
export { default } from './leaderboard.js';
