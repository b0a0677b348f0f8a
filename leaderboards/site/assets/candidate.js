/* thaibench site: one candidate's page: identity, lineage, board columns, per-task metrics and
   example samples with the switched spans marked. Everything is inserted with textContent. */
(function () {
  "use strict";
  var d = JSON.parse(document.getElementById("candidate-data").textContent);

  var h = window.TBDom.h, fmt = window.TBDom.fmt;

  var ident = document.getElementById("identity");
  function row(k, v, node) { ident.appendChild(h("dt", { text: k })); ident.appendChild(node || h("dd", { text: v })); }
  row("id", d.id);
  if (d.name && d.name !== d.label) row("name", d.name);
  row("rank", d.rank === null ? "unranked" : String(d.rank) + (d.tied ? " (tied with the top)" : ""));
  row("made by", d.lineage.text);
  if (d.lineage.parents.length) {
    var dd = h("dd", {});
    d.lineage.parents.forEach(function (p, i) {
      if (i) dd.appendChild(document.createTextNode(", "));
      dd.appendChild(p.page ? h("a", { href: p.page, text: p.name }) : h("span", { text: p.name }));
    });
    row("parents", null, dd);
  }
  var params = Object.keys(d.lineage.params || {});
  if (params.length) row("params", params.map(function (k) { return k + "=" + JSON.stringify(d.lineage.params[k]); }).join(", "));
  if (d.path) row("path", d.path);
  if (d.digest) row("digest", d.digest);
  row("backend", d.backends.join(", "));

  function cellText(c) {
    if (!c || c.missing) return "missing";
    var s = fmt(c.value);
    if (c.ci_low !== null && c.ci_low !== undefined) s += "  (" + fmt(c.ci_low) + " – " + fmt(c.ci_high) + ")";
    return s;
  }
  var ct = document.getElementById("cells");
  ct.tHead.appendChild(h("tr", {}, [h("th", { cls: "text", text: "column" }), h("th", { text: "value (95% CI)" }),
    h("th", { text: "n" }), h("th", { cls: "text", text: "what" })]));
  d.aggregates.concat(d.cells).forEach(function (x) {
    ct.tBodies[0].appendChild(h("tr", {}, [h("td", { cls: "text", text: x.label }),
      h("td", { cls: x.cell && x.cell.missing ? "missing" : "", text: cellText(x.cell) }),
      h("td", { text: x.cell && x.cell.n !== undefined && x.cell.n !== null ? String(x.cell.n) : "" }),
      h("td", { cls: "text", text: x.note || "" })]));
  });

  var tasks = document.getElementById("tasks");
  d.tasks.forEach(function (t) {
    var wrap = h("div", { cls: "table-wrap" });
    tasks.appendChild(h("h3", { text: t.task + " v" + t.version + " · run " + t.run_id + " · " + (t.backend || "?") +
      (t.complete === false ? " · incomplete" : "") + (t.judge ? " · judge " + JSON.stringify(t.judge) : "") }));
    var tb = h("table", {}, [h("thead", {}, [h("tr", {}, ["metric", "group", "value", "± 1.96 SE", "n", "unscorable", "kind"]
      .map(function (x, i) { return h("th", { cls: i < 2 ? "text" : "", text: x }); }))]), h("tbody", {})]);
    t.metrics.forEach(function (m) {
      var scale = m.unit === "fraction" ? 100 : 1;
      tb.tBodies[0].appendChild(h("tr", {}, [h("td", { cls: "text", text: m.name }), h("td", { cls: "text", text: m.group + (m.slice ? " / " + m.slice : "") }),
        h("td", { text: m.value === null ? "n/a" : fmt(m.value * scale) }),
        h("td", { text: m.stderr === null || m.stderr === undefined ? "" : fmt(1.96 * m.stderr * scale) }),
        h("td", { text: String(m.n) }), h("td", { text: String(m.n_nan || 0) }), h("td", { text: m.kind || "" })]));
    });
    wrap.appendChild(tb);
    tasks.appendChild(wrap);
    var gs = Object.keys(t.generation_stats || {}).map(function (lang) {
      var s = t.generation_stats[lang];
      return lang + ": " + s.n + " generations, think " + fmt((s.think_present || 0) * 100, 0) + "%, unclosed " +
        fmt((s.think_unclosed || 0) * 100, 0) + "%, cut off " + fmt((s.finish_length || 0) * 100, 0) + "%, mean tokens " +
        fmt(s.mean_completion_tokens, 0);
    });
    if (gs.length) tasks.appendChild(h("p", { cls: "muted", text: gs.join(" · ") }));
  });

  function textBlock(label, block) {
    var pre = h("pre", {});
    block.segments.forEach(function (s) {
      pre.appendChild(s[1] ? h("mark", { text: s[0] }) : document.createTextNode(s[0]));
    });
    if (block.more) pre.appendChild(h("span", { cls: "muted", text: " … (" + block.more + " more characters)" }));
    return [h("div", { cls: "muted", text: label }), pre];
  }
  var ex = document.getElementById("examples");
  if (!d.examples.length) ex.appendChild(h("p", { cls: "muted", text: "No samples recorded." }));
  d.examples.forEach(function (e) {
    var v = e.headline.value;
    var badge = h("span", { cls: "badge " + (v === null ? "" : v >= 1 ? "ok" : v <= 0 ? "bad" : ""),
      text: (e.headline.scorer || "score") + " " + (v === null ? "n/a" : fmt(v, 2)) });
    var title = h("h3", { text: e.task + " · " + e.sample_id + " · epoch " + e.epoch }, [badge]);
    if (e.n_spans) title.appendChild(h("span", { cls: "badge bad", text: e.n_spans + " switched spans" }));
    var box = h("div", { cls: "example" }, [title]);
    box.appendChild(h("div", { cls: "muted", text: "prompt" }));
    box.appendChild(h("pre", { text: e.prompt + (e.prompt_more ? " … (" + e.prompt_more + " more characters)" : "") }));
    var det = h("details", {}, [h("summary", { text: "reasoning" })]);
    textBlock("", e.reasoning).forEach(function (n) { det.appendChild(n); });
    box.appendChild(det);
    textBlock("answer", e.answer).forEach(function (n) { box.appendChild(n); });
    if (e.error) box.appendChild(h("p", { cls: "warning", text: "backend error: " + e.error }));
    ex.appendChild(box);
  });
})();
