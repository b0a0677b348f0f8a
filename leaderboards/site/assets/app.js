/* thaibench site: the leaderboard page. Reads the embedded JSON (no fetch: file:// forbids it),
   builds a sortable, filterable table and the two plots. Data is inserted with textContent only. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("board-data").textContent);
  var board = data.board;

  var h = window.TBDom.h;
  function fmt(v) { return window.TBDom.fmt(v); }

  function cellNode(cell) {
    var td = h("td", {});
    if (!cell || cell.missing) {
      td.appendChild(h("span", { cls: "missing", text: "missing", title: (cell && cell.reason) || "no run" }));
      return td;
    }
    td.appendChild(document.createTextNode(fmt(cell.value)));
    if (cell.ci_low !== null && cell.ci_low !== undefined) {
      td.appendChild(h("span", { cls: "ci", text: fmt(cell.ci_low) + " – " + fmt(cell.ci_high) }));
    }
    if (cell.n !== undefined) td.title = "n = " + cell.n + (cell.n_nan ? ", unscorable " + cell.n_nan : "");
    return td;
  }

  document.getElementById("description").textContent = board.description;
  document.getElementById("method").textContent = "Split: " + data.split + ". 95% intervals: paired cluster bootstrap, " +
    data.bootstrap.resamples + " resamples, clusters = pair_id, over the samples every candidate shares. Ranked by " +
    data.aggregates[0].label + ".";
  document.getElementById("footer").textContent = "thaibench " + data.thaibench_version + " · board " + board.name +
    " · built " + data.created;
  var warn = document.getElementById("warnings");
  data.mixed.forEach(function (m) {
    warn.appendChild(h("div", { cls: "warning", text: "Mixed settings, ranked anyway (--allow-mixed): " + m }));
  });

  /* columns of the table: [{key, label, kind, get(row) -> sort value, render(row) -> td}] */
  var cols = [];
  cols.push({ key: "rank", label: "#", num: true, get: function (r) { return r.rank; },
    render: function (r) {
      var td = h("td", { cls: "rank", text: r.rank === null ? "–" : String(r.rank) });
      if (r.tied) td.appendChild(h("span", { cls: "tie", text: " ≈", title: "tied with the top" }));
      if (r.rank_range) td.title = "rank range over resamples: " + r.rank_range[0] + "–" + r.rank_range[1];
      return td;
    } });
  cols.push({ key: "candidate", label: "Candidate", num: false, get: function (r) { return r.label.toLowerCase(); },
    render: function (r) {
      var td = h("td", { cls: "text" });
      td.appendChild(h("a", { href: r.page, text: r.label, title: r.name || r.label }));
      td.appendChild(h("div", { cls: "lineage", text: r.lineage.text }));
      return td;
    } });
  data.aggregates.forEach(function (a) {
    cols.push({ key: "agg:" + a.name, label: a.label, num: true, title: a.note,
      get: function (r) { var c = r.aggregates[a.name]; return c && !c.missing ? c.value : null; },
      render: function (r) { return cellNode(r.aggregates[a.name]); } });
  });
  data.columns.forEach(function (c) {
    cols.push({ key: "col:" + c.key, label: c.label, num: true, title: c.note,
      get: function (r) { var x = r.cells[c.key]; return x && !x.missing ? x.value : null; },
      render: function (r) { return cellNode(r.cells[c.key]); } });
  });
  cols.push({ key: "backend", label: "Backend", num: false, get: function (r) { return r.backends.join(","); },
    render: function (r) { return h("td", { cls: "text", text: r.backends.join(", ") }); } });

  var table = document.getElementById("board");
  var sortState = { key: "rank", dir: 1 };
  var headRow = h("tr", {});
  cols.forEach(function (c) {
    var th = h("th", { cls: c.num ? "" : "text", scope: "col", "data-key": c.key });
    if (c.title) th.title = c.title;
    var b = h("button", { type: "button", text: c.label });
    b.addEventListener("click", function () {
      sortState = { key: c.key, dir: sortState.key === c.key ? -sortState.dir : (c.num && c.key !== "rank" ? -1 : 1) };
      render();
    });
    th.appendChild(b);
    headRow.appendChild(th);
  });
  table.tHead.appendChild(headRow);

  var filter = document.getElementById("filter");
  var tiedOnly = document.getElementById("tied-only");
  filter.addEventListener("input", render);
  tiedOnly.addEventListener("change", render);

  function matches(r, q) {
    if (tiedOnly.checked && !r.tied) return false;
    if (!q) return true;
    var hay = [r.label, r.name || "", r.id, r.lineage.text, r.backends.join(" ")].join(" ").toLowerCase();
    return q.split(/\s+/).every(function (w) { return hay.indexOf(w) >= 0; });
  }

  function render() {
    var col = cols.filter(function (c) { return c.key === sortState.key; })[0];
    var rows = data.rows.slice().sort(function (a, b) {
      var x = col.get(a), y = col.get(b);
      if (x === null || x === undefined) return (y === null || y === undefined) ? 0 : 1;  /* missing always last */
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : x > y ? 1 : 0) * sortState.dir;
    });
    Array.prototype.forEach.call(headRow.children, function (th) {
      if (th.getAttribute("data-key") === sortState.key) th.setAttribute("aria-sort", sortState.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
    var q = filter.value.trim().toLowerCase();
    var body = h("tbody", {});
    var shown = 0;
    rows.forEach(function (r) {
      if (!matches(r, q)) return;
      shown += 1;
      var tr = h("tr", { cls: r.tied ? "tied" : "", "data-id": r.id });
      cols.forEach(function (c) { tr.appendChild(c.render(r)); });
      body.appendChild(tr);
    });
    table.replaceChild(body, table.tBodies[0]);
    document.getElementById("count").textContent = shown + " of " + data.rows.length + " candidates";
  }
  render();

  var notes = document.getElementById("column-notes");
  data.columns.forEach(function (c) {
    notes.appendChild(h("li", { text: c.label + ": " + c.source + " · " + c.n_shared + " shared samples, " +
      c.n_clusters + " clusters · " + c.ci_method + (c.judges && c.judges.length ? " · judged by " + c.judges.join(", ") : "") +
      (c.note ? " · " + c.note : "") }));
  });
  if (data.not_run.length) notes.appendChild(h("li", { text: "Not run by any candidate (missing, never 0): " + data.not_run.join(", ") }));
  data.aggregates.forEach(function (a) {
    if (a.left_out.length) notes.appendChild(h("li", { text: a.label + " leaves out: " + a.left_out.join(", ") }));
  });
  data.notes.forEach(function (n) { document.getElementById("notes").appendChild(h("li", { text: n })); });

  /* plots */
  var tp = data.plots.tradeoff, tdiv = document.getElementById("plot-tradeoff");
  document.getElementById("tradeoff-caption").textContent = tp.y_label + " vs " + tp.x_label + " (Pareto front in red)";
  if (tp.points.length) {
    window.TBPlot.scatter(tdiv, tp.points, { xLabel: tp.x_label, yLabel: tp.y_label, title: "trade-off" });
  } else {
    tdiv.appendChild(h("div", { cls: "empty", text: "No candidate has both " + tp.x_label + " and " + tp.y_label + "." }));
  }
  var sp = data.plots.sweeps, sdiv = document.getElementById("plot-sweeps");
  document.getElementById("sweep-caption").textContent = sp.y_label + " vs merge ratio, per sweep";
  if (sp.series.length) {
    window.TBPlot.lines(sdiv, sp.series, { xLabel: "ratio", yLabel: sp.y_label, refs: sp.refs, title: "sweeps" });
  } else {
    sdiv.appendChild(h("div", { cls: "empty", text: "No merge sweeps among these candidates (no lineage with a ratio)." }));
  }
})();
