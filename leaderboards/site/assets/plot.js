/* thaibench site: a small SVG plotting library (scatter with a Pareto front, lines with
   error bars). No dependencies, no network: the site works from file:// and any static host.
   Every label is set with textContent, never parsed as HTML. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var PALETTE = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#65a30d"];

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, str, attrs) {
    var t = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = str;
    return t;
  }

  function niceTicks(lo, hi, n) {
    if (!(hi > lo)) { hi = lo + 1; }
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / n)));
    [1, 2, 2.5, 5, 10].some(function (m) { if (span / (step * m) <= n) { step = step * m; return true; } return false; });
    var out = [], start = Math.ceil(lo / step) * step;
    for (var v = start; v <= hi + step * 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
    return out;
  }

  function extent(values, pad) {
    var finite = values.filter(function (v) { return typeof v === "number" && isFinite(v); });
    if (!finite.length) return [0, 1];
    var lo = Math.min.apply(null, finite), hi = Math.max.apply(null, finite);
    var p = (hi - lo) * (pad || 0.08) || Math.max(Math.abs(hi) * 0.1, 1);
    return [lo - p, hi + p];
  }

  function frame(container, opts) {
    var W = opts.width || 560, H = opts.height || 360, m = { l: 56, r: 16, t: 16, b: 48 };
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img", "class": "tb-plot" });
    var title = el("title", {}, svg); title.textContent = opts.title || "";
    var xs = opts.xDomain, ys = opts.yDomain;
    function sx(v) { return m.l + (v - xs[0]) / (xs[1] - xs[0]) * (W - m.l - m.r); }
    function sy(v) { return H - m.b - (v - ys[0]) / (ys[1] - ys[0]) * (H - m.t - m.b); }
    var grid = el("g", { "class": "grid" }, svg);
    niceTicks(xs[0], xs[1], 6).forEach(function (v) {
      el("line", { x1: sx(v), x2: sx(v), y1: m.t, y2: H - m.b }, grid);
      text(svg, sx(v), H - m.b + 16, String(v), { "text-anchor": "middle", "class": "tick" });
    });
    niceTicks(ys[0], ys[1], 5).forEach(function (v) {
      el("line", { x1: m.l, x2: W - m.r, y1: sy(v), y2: sy(v) }, grid);
      text(svg, m.l - 6, sy(v) + 4, String(v), { "text-anchor": "end", "class": "tick" });
    });
    el("rect", { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b, "class": "plot-area" }, svg);
    text(svg, (m.l + W - m.r) / 2, H - 10, opts.xLabel || "", { "text-anchor": "middle", "class": "axis-label" });
    text(svg, 14, (m.t + H - m.b) / 2, opts.yLabel || "",
      { "text-anchor": "middle", "class": "axis-label", transform: "rotate(-90 14 " + (m.t + H - m.b) / 2 + ")" });
    container.appendChild(svg);
    return { svg: svg, sx: sx, sy: sy, m: m, W: W, H: H };
  }

  /* points: [{x, y, label, href, front}] ; the front is drawn as a step line through front points. */
  function scatter(container, points, opts) {
    var pts = points.filter(function (p) { return isFinite(p.x) && isFinite(p.y); });
    var f = frame(container, Object.assign({}, opts, {
      xDomain: extent(pts.map(function (p) { return p.x; })),
      yDomain: extent(pts.map(function (p) { return p.y; }))
    }));
    var front = pts.filter(function (p) { return p.front; }).sort(function (a, b) { return a.x - b.x; });
    if (front.length > 1) {
      var d = front.map(function (p, i) { return (i ? "L" : "M") + f.sx(p.x) + "," + f.sy(p.y); }).join(" ");
      el("path", { d: d, "class": "front-line" }, f.svg);
    }
    /* front labels alternate above and below their points, so neighbours do not overwrite each other */
    front.forEach(function (p, i) { p.labelDy = i % 2 ? 16 : -8; });
    pts.forEach(function (p) {
      var g = el("g", { "class": "point" + (p.front ? " on-front" : "") }, f.svg);
      var target = g;
      if (p.href) { target = el("a", { href: p.href }, g); }
      var c = el("circle", { cx: f.sx(p.x), cy: f.sy(p.y), r: p.front ? 6 : 4.5 }, target);
      var t = el("title", {}, c);
      t.textContent = p.label + " (" + p.x.toFixed(1) + ", " + p.y.toFixed(1) + ")";
      if (p.front) {
        /* labels near the right edge go to the left of their point, so they stay inside */
        var right = f.sx(p.x) > f.W * 0.7;
        text(target, f.sx(p.x) + (right ? -8 : 8), f.sy(p.y) + p.labelDy, p.label,
          { "class": "point-label", "text-anchor": right ? "end" : "start" });
      }
    });
    return f.svg;
  }

  /* series: [{name, points: [{x, y, lo, hi, label, href}]}], refs: [{y, label}] horizontal lines */
  function lines(container, series, opts) {
    var all = [];
    series.forEach(function (s) { s.points.forEach(function (p) { all.push(p); }); });
    var ys = [];
    all.forEach(function (p) { ys.push(p.y, p.lo, p.hi); });
    (opts.refs || []).forEach(function (r) { ys.push(r.y); });
    var f = frame(container, Object.assign({}, opts, {
      xDomain: extent(all.map(function (p) { return p.x; }).concat([0, 1]), 0.04),
      yDomain: extent(ys)
    }));
    (opts.refs || []).forEach(function (r) {
      var y = f.sy(r.y);
      el("line", { x1: f.m.l, x2: f.W - f.m.r, y1: y, y2: y, "class": "ref-line" }, f.svg);
      text(f.svg, f.W - f.m.r - 4, y - 4, r.label, { "text-anchor": "end", "class": "ref-label" });
    });
    series.forEach(function (s, i) {
      var color = PALETTE[i % PALETTE.length];
      var pts = s.points.filter(function (p) { return isFinite(p.x) && isFinite(p.y); })
        .sort(function (a, b) { return a.x - b.x; });
      var g = el("g", { "class": "series", stroke: color, fill: color }, f.svg);
      if (pts.length > 1) {
        el("path", { d: pts.map(function (p, j) { return (j ? "L" : "M") + f.sx(p.x) + "," + f.sy(p.y); }).join(" "),
          fill: "none", "stroke-width": 2 }, g);
      }
      pts.forEach(function (p) {
        if (isFinite(p.lo) && isFinite(p.hi)) {
          el("line", { x1: f.sx(p.x), x2: f.sx(p.x), y1: f.sy(p.lo), y2: f.sy(p.hi), "stroke-width": 1.5 }, g);
        }
        var target = p.href ? el("a", { href: p.href }, g) : g;
        var c = el("circle", { cx: f.sx(p.x), cy: f.sy(p.y), r: 4.5 }, target);
        el("title", {}, c).textContent = p.label + ": " + p.y.toFixed(1) + " at " + p.x;
      });
      var ly = 16 + 16 * i;
      el("rect", { x: 64, y: ly, width: 10, height: 10, fill: color, stroke: "none" }, f.svg);
      text(f.svg, 80, ly + 9, s.name, { "class": "legend" });
    });
    return f.svg;
  }

  window.TBPlot = { scatter: scatter, lines: lines };
})();
