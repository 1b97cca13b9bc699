/* reportkg pages: draw the page's network from its JSON data block, filters, and the entity search box.
   Report text only ever reaches the page through textContent: nothing from a report becomes markup. */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  var MAX_EVIDENCE = 6;

  // A tooltip as DOM nodes (vis-network accepts an element as `title`); every string goes in as textContent.
  function tipElement(tip) {
    var box = el("div", "rk-tip");
    if (!tip) return box;
    if (tip.title) box.appendChild(el("div", "rk-tip-title", tip.title));
    if (tip.kind) box.appendChild(el("div", "rk-tip-kind", tip.kind));
    (tip.lines || []).forEach(function (line) { box.appendChild(el("div", "rk-tip-line", line)); });
    var ev = tip.evidence || [];
    ev.slice(0, MAX_EVIDENCE).forEach(function (e) {
      var q = el("blockquote", "rk-tip-evidence");
      if (e.report) q.appendChild(el("span", "rk-tip-report", e.report));
      q.appendChild(document.createTextNode(e.text));
      box.appendChild(q);
    });
    if (ev.length > MAX_EVIDENCE) box.appendChild(el("div", "rk-tip-more", "… and " + (ev.length - MAX_EVIDENCE) + " more sentences"));
    return box;
  }

  function drawGraph() {
    var data = readJSON("graph-data");
    var container = document.getElementById("graph");
    if (!data || !container) {
      window.graphData = { nodes: 0, edges: 0 };
      window.graphReady = true;
      return;
    }
    window.graphData = { nodes: data.nodes.length, edges: data.edges.length };
    var byId = {};
    var nodes = data.nodes.map(function (n) {
      byId[n.id] = n;
      var copy = Object.assign({}, n);
      copy.title = tipElement(n.tip);
      delete copy.tip;
      return copy;
    });
    var edges = data.edges.map(function (e) {
      var copy = Object.assign({}, e);
      copy.title = tipElement(e.tip);
      delete copy.tip;
      return copy;
    });
    if (!nodes.length) {
      container.appendChild(el("p", "rk-empty", data.empty || "Nothing to show: the graph has no relations of this kind yet."));
    }
    var nodeSet = new vis.DataSet(nodes);
    var edgeSet = new vis.DataSet(edges);
    var options = Object.assign({
      autoResize: true,
      layout: { randomSeed: 7, improvedLayout: nodes.length < 150 },
      interaction: { hover: true, tooltipDelay: 120, navigationButtons: false },
      physics: {
        solver: "barnesHut",
        barnesHut: { gravitationalConstant: -6000, springLength: 140, springConstant: 0.03, damping: 0.4, avoidOverlap: 0.2 },
        stabilization: { enabled: true, iterations: 400, updateInterval: 50, fit: true },
      },
      nodes: { font: { size: 14, face: "system-ui, sans-serif" }, borderWidth: 1 },
      edges: { smooth: { type: "continuous" }, color: { inherit: false } },
    }, data.options || {});
    var network = new vis.Network(container, { nodes: nodeSet, edges: edgeSet }, options);
    window.graphNetwork = network;
    window.graphNodes = nodeSet;
    window.graphEdges = edgeSet;

    var settled = false;
    function settle(how) {
      if (settled) return;
      settled = true;
      network.setOptions({ physics: false });
      network.fit();
      // draw now: node hit areas are measured when drawn, so "ready" means a click lands where the node is seen
      network.redraw();
      window.graphSettledBy = how;
      window.graphReady = true;
      document.body.setAttribute("data-graph-ready", "true");
    }
    network.once("stabilizationIterationsDone", function () { settle("stabilization"); });
    network.once("stabilized", function () { settle("stabilization"); });
    var moving = nodes.filter(function (n) { return n.physics !== false; }).length;
    if (!moving || !nodes.length || options.physics === false || (options.physics && options.physics.enabled === false)) settle("static");
    // a large graph must not keep the page busy: stop the physics after at most 2.5 s whatever happens
    setTimeout(function () { settle("timeout"); }, 2500);

    function openNode(params) {
      if (params.nodes && params.nodes.length) {
        var n = byId[params.nodes[0]];
        if (n && n.href) window.location.href = n.href;
      }
    }
    network.on("click", openNode);
    // a press held a little long (a slow machine, a touch screen) is a "hold", not a "click": open the node too
    network.on("hold", openNode);
    setupFilters(data, nodeSet, edgeSet);
  }

  function setupFilters(data, nodeSet, edgeSet) {
    var themeSel = document.getElementById("filter-theme");
    var reportSel = document.getElementById("filter-report");
    if (!themeSel && !reportSel) return;
    function apply() {
      var theme = themeSel ? themeSel.value : "";
      var report = reportSel ? reportSel.value : "";
      var seen = {};
      var visibleEdges = 0;
      edgeSet.update(data.edges.map(function (e) {
        var ok = (!theme || (e.themes || []).indexOf(theme) >= 0) && (!report || (e.reports || []).indexOf(report) >= 0);
        if (ok) { seen[e.from] = true; seen[e.to] = true; visibleEdges++; }
        return { id: e.id, hidden: !ok };
      }));
      var filtering = theme || report;
      var visibleNodes = 0;
      nodeSet.update(data.nodes.map(function (n) {
        var ok = !filtering || seen[n.id] || (!theme && report && (n.reports || []).indexOf(report) >= 0);
        if (ok) visibleNodes++;
        return { id: n.id, hidden: !ok };
      }));
      window.graphVisible = { nodes: visibleNodes, edges: visibleEdges };
    }
    [themeSel, reportSel].forEach(function (s) { if (s) s.addEventListener("change", apply); });
    window.graphVisible = { nodes: data.nodes.length, edges: data.edges.length };
  }

  // Search box: entity names and alternative names from assets/search-index.js.
  function setupSearch() {
    var input = document.getElementById("search");
    var list = document.getElementById("search-results");
    if (!input || !list) return;
    var root = document.body.getAttribute("data-root") || "";
    var index = window.REPORTKG_INDEX || [];
    function matches(q) {
      q = q.trim().toLowerCase();
      if (!q) return [];
      var scored = [];
      index.forEach(function (item) {
        var names = [item.n].concat(item.a || []);
        var best = 99;
        names.forEach(function (name) {
          var s = name.toLowerCase();
          if (s === q) best = Math.min(best, 0);
          else if (s.indexOf(q) === 0) best = Math.min(best, 1);
          else if (s.indexOf(q) > 0) best = Math.min(best, 2);
        });
        if (best < 99) scored.push([best, item.n.length, item]);
      });
      scored.sort(function (x, y) { return x[0] - y[0] || x[1] - y[1]; });
      return scored.slice(0, 12).map(function (x) { return x[2]; });
    }
    function show() {
      list.textContent = "";
      matches(input.value).forEach(function (item) {
        var li = el("li");
        var a = el("a", null, item.n);
        a.href = root + item.h;
        li.appendChild(a);
        li.appendChild(el("span", "rk-search-kind", item.k));
        list.appendChild(li);
      });
      list.hidden = !list.firstChild;
    }
    input.addEventListener("input", show);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        var first = matches(input.value)[0];
        if (first) window.location.href = root + first.h;
      }
    });
  }

  function start() {
    setupSearch();
    if (typeof vis === "undefined") {
      window.graphData = { nodes: 0, edges: 0 };
      window.graphReady = true;
      return;
    }
    drawGraph();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
