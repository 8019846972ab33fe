// chart.js — sparklines and small time-series charts on a canvas, drawn
// by hand: no library, crisp on high-DPI screens.
"use strict";

function setupCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width;
  const h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return [ctx, w, h];
}

// values: numbers or null (a gap); minTop: the least top of the scale.
function sparkline(canvas, values, color, minTop) {
  const [ctx, w, h] = setupCanvas(canvas);
  const nums = values.filter((v) => v !== null && v !== undefined);
  if (!nums.length) return;
  const top = Math.max(minTop || 0, Math.max(...nums) * 1.15) || 1;
  const step = w / Math.max(values.length - 1, 1);
  ctx.beginPath();
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || v === undefined) { pen = false; return; }
    const x = i * step, y = h - 1 - (Math.min(v, top) / top) * (h - 2);
    if (pen) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    pen = true;
  });
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.stroke();
}

// A chart of the last `span` ms: points [{t, v}], a label formatter, an
// optional limit drawn as a dashed line.
function timeChart(canvas, points, opts) {
  const [ctx, w, h] = setupCanvas(canvas);
  const padL = 56, padB = 18, padT = 8;
  const now = opts.now, span = opts.span;
  const vis = points.filter((p) => p.t >= now - span);
  let top = Math.max(opts.min || 0, ...vis.map((p) => p.v || 0));
  if (opts.limit && opts.limit < top * 4) top = Math.max(top, opts.limit);
  top = top * 1.15 || 1;
  const css = getComputedStyle(document.documentElement);
  const fg = css.getPropertyValue("--muted").trim() || "#888";
  const grid = css.getPropertyValue("--grid").trim() || "#ddd";
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = fg;
  ctx.strokeStyle = grid;
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = padT + ((h - padT - padB) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(padL, Math.round(y) + 0.5);
    ctx.lineTo(w, Math.round(y) + 0.5);
    ctx.stroke();
    ctx.fillText(opts.format(top * (1 - i / 4)), 2, y + 4);
  }
  const minutes = span / 60000;
  ctx.fillText(`-${minutes >= 1.5 ? Math.round(minutes) : minutes.toFixed(1)} min`, padL, h - 4);
  ctx.fillText("now", w - 24, h - 4);
  const X = (t) => padL + ((t - (now - span)) / span) * (w - padL);
  const Y = (v) => padT + (1 - v / top) * (h - padT - padB);
  if (opts.limit && opts.limit <= top) {
    ctx.setLineDash([4, 4]);
    ctx.strokeStyle = opts.limitColor || "#c33";
    ctx.beginPath();
    ctx.moveTo(padL, Y(opts.limit));
    ctx.lineTo(w, Y(opts.limit));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.beginPath();
  let pen = false, prevT = 0;
  for (const p of vis) {
    if (p.v === null || p.t - prevT > 5 * (opts.interval || 1000)) pen = false;
    if (p.v === null) continue;
    if (pen) ctx.lineTo(X(p.t), Y(p.v)); else ctx.moveTo(X(p.t), Y(p.v));
    pen = true;
    prevT = p.t;
  }
  ctx.strokeStyle = opts.color;
  ctx.lineWidth = 2;
  ctx.stroke();
}

window.Charts = { sparkline, timeChart };
