/* The history chart: uPlot, from the json_script "chart-data" (see wallboard/history.py).
   Queue: offered as bars, answered and abandoned as lines. Agent: seconds per state, stacked. */
(function () {
  "use strict";
  const el = document.getElementById("chart");
  const source = document.getElementById("chart-data");
  if (!el || !source || typeof uPlot === "undefined") return;
  const data = JSON.parse(source.textContent);
  const css = getComputedStyle(document.body);
  const v = (name) => css.getPropertyValue(name).trim();
  const fg = v("--muted"), grid = v("--line");
  const tzDate = (ts) => uPlot.tzDate(new Date(ts * 1e3), data.tz);
  const hhmm = uPlot.fmtDate("{HH}:{mm}");
  const bars = uPlot.paths.bars({ size: [0.8, 40] });
  // Each interval is plotted at its middle, so its bar spans it and line points sit on the bar.
  const half = 450;
  const xs = data.x.map((ts) => ts + half);
  const span = (ts) => hhmm(tzDate(ts - half)) + "–" + hhmm(tzDate(ts + half));

  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const xAxis = Object.assign({}, axis, {
    incrs: [900, 1800, 3600, 7200, 10800, 21600],
    values: (u, splits) => splits.map((ts) => hhmm(tzDate(ts))),
  });
  const dash = (u, val) => (val == null ? "–" : val);
  let series, values, yAxis, pctAxis = null;

  if (el.dataset.kind === "queue") {
    const s = data.series;
    const target = data.target;
    values = [s.offered, s.answered, s.abandoned, s.service_level_pct, data.x.map(() => target.pct)];
    series = [
      { label: "Offered", stroke: v("--accent"), fill: v("--accent") + "66", paths: bars, points: { show: false }, value: dash },
      { label: "Answered", stroke: v("--ok"), width: 2, points: { show: true, size: 5 }, value: dash },
      { label: "Abandoned", stroke: v("--alarm"), width: 2, points: { show: true, size: 5 }, value: dash },
      { label: "Service level %", scale: "pct", stroke: v("--warn") || "#c90", width: 2, points: { show: true, size: 5 },
        value: (u, val) => (val == null ? "–" : val + " %") },
      // The queue's (or roll-up's) target, on the service-level scale; its legend names the formula.
      { label: target.label, scale: "pct", stroke: v("--warn") || "#c90", width: 2, dash: [8, 6],
        points: { show: false }, value: () => target.pct + " %" },
    ];
    yAxis = Object.assign({}, axis, { label: "calls", stroke: fg });
    pctAxis = Object.assign({}, axis, { scale: "pct", side: 1, label: "service level %", stroke: fg, grid: { show: false },
      values: (u, splits) => splits.map((p) => p + " %") });
  } else {
    const states = [
      ["available_seconds", "Available", "--s-available"],
      ["ringing_seconds", "Ringing", "--s-ringing"],
      ["on_call_seconds", "On call", "--s-on_call"],
      ["wrap_up_seconds", "Wrap-up", "--s-wrap_up"],
      ["not_ready_seconds", "Not ready", "--s-not_ready"],
      ["other_seconds", "Other", "--s-other"],
    ];
    // Stack: each state's bar reaches the sum of itself and the states below it; draw the
    // tallest first so the lower ones paint over it. The legend shows each state's own seconds.
    const raw = states.map(([k]) => data.series[k]);
    const stacked = raw.map((_, i) => data.x.map((_, j) => {
      if (raw.every((r) => r[j] === null)) return null;
      let sum = 0;
      for (let k = 0; k <= i; k++) sum += raw[k][j] || 0;
      return sum;
    }));
    const order = states.map((_, i) => i).reverse();
    values = order.map((i) => stacked[i]);
    series = order.map((i) => ({
      label: states[i][1], stroke: v(states[i][2]), fill: v(states[i][2]), paths: bars,
      points: { show: false },
      value: (u, _v, _s, idx) => (idx == null || raw[i][idx] == null ? "–" : raw[i][idx] + " s"),
    }));
    yAxis = Object.assign({}, axis, {
      label: "minutes", incrs: [60, 300, 900, 1800, 3600],
      values: (u, splits) => splits.map((s) => s / 60),
    });
  }

  const opts = {
    width: el.clientWidth - 20,
    height: 320,
    tzDate,
    scales: { x: { time: true, range: [data.start, data.end] }, y: { range: (u, min, max) => [0, Math.max(max || 0, 1) * 1.08] },
      pct: { range: [0, 105] } },
    axes: pctAxis ? [xAxis, yAxis, pctAxis] : [xAxis, yAxis],
    series: [{ label: "Interval", value: (u, ts) => (ts == null ? "–" : span(ts)) }].concat(series),
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  const chart = new uPlot(opts, [xs].concat(values), el);
  el.dataset.ready = "true";
  let pending = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => chart.setSize({ width: el.clientWidth - 20, height: 320 }));
  });
})();
