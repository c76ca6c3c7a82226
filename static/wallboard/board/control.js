// Supervisor actions on agents: loaded only for a logged-in user with the control_agents
// permission (board.html; never on a display opened with a key). Clicking (or Enter on) an
// agent's cell of a source that can carry them out opens a small menu: Log out, Not ready
// [reason code], Ready. The request goes to /actions/agents/; the menu then polls it and says
// the phone system's answer. Hooks for browser tests: #wb-control (the menu),
// [data-control-action=<action>], [data-control-reason], [data-control-status][data-outcome].
import { $, h } from './dom.js';

const cfg = JSON.parse($('wb-control-config').textContent);
const OPEN = new Set(['pending', 'sent']);
const POLL_MS = 500, GIVE_UP_MS = 75000; // past the server's expiry and answer timeout
const SAID = {
  ok: () => 'Done: the phone system accepted it.',
  refused: (d) => `Refused: ${d || 'by the phone system'}.`,
  failed: (d) => `Failed: ${d}.`,
  expired: () => 'Not sent in time (expired): try again.',
};

document.head.append(h('style', {}, `
#wb-control { position: fixed; z-index: 50; min-width: 15em; max-width: 22em; padding: .6em .8em;
  background: #1c2430; color: #eef; border: 1px solid #6a7b94; border-radius: .4em;
  box-shadow: 0 .3em 1.2em #0009; font: 15px/1.4 system-ui, sans-serif; }
#wb-control h2 { font-size: 1em; margin: 0 0 .5em; }
#wb-control .row { display: flex; gap: .4em; margin: .35em 0; align-items: center; }
#wb-control button, #wb-control input { font: inherit; padding: .25em .6em; border-radius: .3em;
  border: 1px solid #6a7b94; background: #2b3646; color: inherit; }
#wb-control input { width: 6em; background: #111822; }
#wb-control button:focus-visible, #wb-control input:focus-visible { outline: 2px solid #9cf; }
#wb-control [data-control-status] { min-height: 1.4em; margin-top: .4em; }
#wb-control [data-outcome="ok"] { color: #8e8; }
#wb-control [data-outcome="refused"], #wb-control [data-outcome="failed"],
#wb-control [data-outcome="expired"], #wb-control [data-outcome="error"] { color: #f99; }
.agent[data-controllable] { cursor: pointer; }
`));

let menu = null, opener = null;

function close() {
  if (!menu) return;
  menu.remove();
  menu = null;
  if (opener && opener.isConnected) opener.focus();
}

function say(status, text, outcome) {
  status.textContent = text;
  status.dataset.outcome = outcome;
}

async function follow(id, status) {
  const until = Date.now() + GIVE_UP_MS;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const r = await fetch(`${cfg.url}${id}/`, { credentials: 'same-origin' }).catch(() => null);
    if (!r || !r.ok) continue;
    const row = await r.json();
    if (!OPEN.has(row.status)) return say(status, SAID[row.status](row.detail), row.status);
    say(status, row.status === 'sent' ? 'Sent; waiting for the phone system…' : 'Waiting…', 'open');
  }
  say(status, 'No answer yet: see the agent actions in the admin.', 'error');
}

async function ask(src, agentId, action, reason, status) {
  say(status, 'Sending…', 'open');
  const r = await fetch(cfg.url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': cfg.csrf },
    body: JSON.stringify({ source: Number(src), agent_id: agentId, action, reason_code: reason }),
  }).catch(() => null);
  if (!r) return say(status, 'Could not reach the server.', 'error');
  const row = await r.json().catch(() => ({}));
  if (!r.ok) return say(status, row.error || `Refused (${r.status}).`, 'error');
  if (!OPEN.has(row.status)) return say(status, SAID[row.status](row.detail), row.status);
  return follow(row.id, status);
}

function open(cell) {
  close();
  opener = cell;
  const src = cell.dataset.src, agentId = cell.dataset.agentId;
  const actions = cfg.sources[src] || [];
  const name = cell.querySelector('.a-name')?.textContent || agentId;
  const status = h('div', { 'data-control-status': '', role: 'status', 'aria-live': 'polite' });
  const button = (action) => h('button', { type: 'button', 'data-control-action': action },
    cfg.labels[action]);
  const rows = [];
  if (actions.includes('log_out')) rows.push(h('div', { class: 'row' }, button('log_out')));
  let reason = null;
  if (actions.includes('not_ready')) {
    reason = h('input', { 'data-control-reason': '', 'aria-label': 'Reason code',
      placeholder: 'reason', maxlength: '32', pattern: '[A-Za-z0-9_.\\-]*' });
    rows.push(h('div', { class: 'row' }, button('not_ready'), reason));
  }
  if (actions.includes('ready')) rows.push(h('div', { class: 'row' }, button('ready')));
  const title = h('h2', { id: 'wb-control-title' },
    name === agentId ? `Agent ${agentId}` : `${name} · agent ${agentId}`);
  menu = h('div', { id: 'wb-control', role: 'dialog', 'aria-labelledby': 'wb-control-title' },
    title, ...rows, status,
    h('div', { class: 'row' }, h('button', { type: 'button', 'data-control-close': '' }, 'Close')));
  menu.addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    if (b.dataset.controlClose != null) return close();
    const action = b.dataset.controlAction;
    ask(src, agentId, action, action === 'not_ready' && reason ? reason.value.trim() : '', status);
  });
  menu.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
  document.body.append(menu);
  const box = cell.getBoundingClientRect(), m = menu.getBoundingClientRect();
  menu.style.left = `${Math.max(4, Math.min(box.left, innerWidth - m.width - 4))}px`;
  menu.style.top = `${Math.max(4, Math.min(box.bottom + 4, innerHeight - m.height - 4))}px`;
  menu.querySelector('button').focus();
}

// Agents' cells come and go with updates: each one of a source that can be controlled is made
// a button as it appears.
const grid = $('wb-grid');
function mark() {
  for (const cell of grid.querySelectorAll('.agent[data-agent-id]:not([data-controllable])')) {
    if (!cfg.sources[cell.dataset.src]) continue;
    cell.dataset.controllable = '';
    cell.tabIndex = 0;
    cell.setAttribute('role', 'button');
    cell.setAttribute('aria-haspopup', 'dialog');
  }
}
new MutationObserver(mark).observe(grid, { childList: true, subtree: true });
mark();
grid.addEventListener('click', (e) => {
  const cell = e.target.closest('.agent[data-controllable]');
  if (cell) open(cell);
});
grid.addEventListener('keydown', (e) => {
  const cell = e.target.closest('.agent[data-controllable]');
  if (cell && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); open(cell); }
});
document.addEventListener('click', (e) => {
  if (menu && !menu.contains(e.target) && !e.target.closest('.agent[data-controllable]')) close();
});
