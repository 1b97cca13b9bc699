/* reportkg pages: the network from the page's JSON data block (readable layout, filters, counts, side list),
   the outcome x SDG matrix, one tooltip for everything, and the entity search box.
   Report text only ever reaches the page through textContent: nothing from a report becomes markup. */
(function () {
  "use strict";

  var RK = (window.RK = window.RK || {});
  var MIN_LABEL_PX = 12;     // the smallest label size on screen, in CSS pixels
  var MAX_GROW = 4;          // a canvas may grow to this many times its height (the page scrolls) to keep labels readable
  var MAX_EVIDENCE = 3;      // sentences a tooltip shows; the rest are on the entity pages

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  RK.el = el;
  RK.readJSON = readJSON;

  // ------------------------------------------------------------------------------------------------ tooltip
  // One tooltip box for the page, placed beside the pointer and away from it (never under it: it takes no
  // pointer events, so it cannot hide what the user moves to next). Each sentence appears once, in full.

  var tipBox = null;

  function tipContent(tip) {
    var box = document.createDocumentFragment();
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
    if (ev.length > MAX_EVIDENCE) {
      box.appendChild(el("div", "rk-tip-more", "… and " + (ev.length - MAX_EVIDENCE) + " more sentences on the entity pages"));
    }
    return box;
  }

  RK.showTip = function (tip, key, x, y) {
    if (!tipBox) {
      tipBox = el("div", "rk-tip");
      tipBox.id = "rk-tip";
      tipBox.setAttribute("role", "tooltip");
      document.body.appendChild(tipBox);
    }
    if (tipBox.getAttribute("data-for") !== key) {
      tipBox.textContent = "";
      tipBox.appendChild(tipContent(tip));
      tipBox.setAttribute("data-for", key);
    }
    tipBox.hidden = false;
    RK.moveTip(x, y);
  };

  RK.moveTip = function (x, y) {
    if (!tipBox || tipBox.hidden) return;
    var gap = 18, w = tipBox.offsetWidth, h = tipBox.offsetHeight;
    var vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
    var left = x + gap + w > vw ? x - gap - w : x + gap;
    var top = y + gap + h > vh ? y - gap - h : y + gap;
    tipBox.style.left = Math.max(4, left) + "px";
    tipBox.style.top = Math.max(4, top) + "px";
  };

  RK.hideTip = function () {
    if (tipBox) { tipBox.hidden = true; tipBox.removeAttribute("data-for"); }
  };

  // ------------------------------------------------------------------------------------------------ network

  // Push apart the nodes whose boxes (shape and label) overlap, a few pixels at a time, until none do.
  function separate(network, ids, fixed, vertical) {
    var padX = 16, padY = 6, boxes = {}, pos = network.getPositions(ids);   // wider apart sideways: two labels must not read as one
    ids.forEach(function (id) {
      var b = network.getBoundingBox(id);
      boxes[id] = { l: b.left - pos[id].x, r: b.right - pos[id].x, t: b.top - pos[id].y, b: b.bottom - pos[id].y };
    });
    for (var round = 0; round < 300; round++) {
      var moved = false;
      for (var i = 0; i < ids.length; i++) {
        for (var j = i + 1; j < ids.length; j++) {
          var a = ids[i], c = ids[j], pa = pos[a], pc = pos[c], ba = boxes[a], bc = boxes[c];
          var ox = Math.min(pa.x + ba.r, pc.x + bc.r) - Math.max(pa.x + ba.l, pc.x + bc.l) + padX;
          var oy = Math.min(pa.y + ba.b, pc.y + bc.b) - Math.max(pa.y + ba.t, pc.y + bc.t) + padY;
          if (ox <= 0 || oy <= 0) continue;
          var fa = fixed[a] ? 0 : (fixed[c] ? 1 : 0.5), fc = 1 - fa;
          if (fixed[a] && fixed[c]) continue;
          if (ox < oy && !vertical) {
            var sx = pa.x + (ba.l + ba.r) / 2 <= pc.x + (bc.l + bc.r) / 2 ? 1 : -1;
            pa.x -= sx * ox * fa; pc.x += sx * ox * fc;
          } else {
            var sy = pa.y + (ba.t + ba.b) / 2 <= pc.y + (bc.t + bc.b) / 2 ? 1 : -1;
            pa.y -= sy * oy * fa; pc.y += sy * oy * fc;
          }
          moved = true;
        }
      }
      if (!moved) break;
    }
    ids.forEach(function (id) { network.moveNode(id, pos[id].x, pos[id].y); });
  }

  // Stack each column's nodes (outcomes, SDGs) by their measured heights, so no box covers another.
  function stackColumns(network, nodes) {
    var columns = {};
    nodes.forEach(function (n) { if (n.column !== undefined) (columns[n.column] = columns[n.column] || []).push(n); });
    Object.keys(columns).forEach(function (k) {
      var col = columns[k].sort(function (a, b) { return a.order - b.order; });
      var heights = col.map(function (n) { var b = network.getBoundingBox(n.id); return b.bottom - b.top; });
      var gap = 18, total = heights.reduce(function (s, h) { return s + h + gap; }, -gap), y = -total / 2;
      col.forEach(function (n, i) {
        network.moveNode(n.id, n.x, y + heights[i] / 2);
        y += heights[i] + gap;
      });
    });
  }

  function bounds(network, ids) {
    var b = { l: Infinity, r: -Infinity, t: Infinity, b: -Infinity };
    ids.forEach(function (id) {
      var x = network.getBoundingBox(id);
      b.l = Math.min(b.l, x.left); b.r = Math.max(b.r, x.right); b.t = Math.min(b.t, x.top); b.b = Math.max(b.b, x.bottom);
    });
    return b;
  }

  // A layout wider than the canvas can show at readable size is squeezed sideways (then pulled apart again
  // where boxes meet): the canvas can grow taller, not wider.
  function fitWidth(network, container, ids, fixed) {
    if (!ids.length) return;
    var need = MIN_LABEL_PX / Math.min.apply(null, ids.map(function (id) { return labelSize(network, id); }));
    var across = container.clientWidth / need;
    for (var round = 0; round < 4; round++) {
      var b = bounds(network, ids);
      if (b.r - b.l <= across) return;
      var f = across / (b.r - b.l) * 0.96, mid = (b.l + b.r) / 2, pos = network.getPositions(ids);
      ids.forEach(function (id) { if (!fixed[id]) network.moveNode(id, mid + (pos[id].x - mid) * f, pos[id].y); });
      separate(network, ids, fixed);
    }
  }

  function labelSize(network, id) {
    var node = network.body.nodes[id];
    return node && node.options.font ? node.options.font.size : 14;
  }

  // Fit the given nodes in view with labels at least MIN_LABEL_PX on screen: a taller canvas (the page scrolls)
  // rather than smaller labels; if that is not enough, the view keeps readable labels and the user pans.
  function fitReadable(network, container, ids) {
    if (!ids.length) return;
    var base = container.getAttribute("data-base-height");
    if (!base) { base = String(container.clientHeight); container.setAttribute("data-base-height", base); }
    base = Number(base);
    function height(px) { container.style.height = px + "px"; network.setSize("100%", "100%"); }
    var smallest = Math.min.apply(null, ids.map(function (id) { return labelSize(network, id); }));
    var need = MIN_LABEL_PX / smallest;
    height(base);
    network.fit({ nodes: ids, animation: false });
    var scale = network.getScale();
    if (scale < need) {
      height(Math.round(base * Math.min(MAX_GROW, need / scale * 1.05)));
      network.fit({ nodes: ids, animation: false });
      scale = network.getScale();
      if (scale < need) network.moveTo({ scale: need, animation: false });
    }
  }

  function edgeCountText(n, total, what) {
    return (n === total ? String(total) : n + " of " + total) + " " + what;
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
    var nodeTip = {}, edgeTip = {}, byId = {};
    var nodes = data.nodes.map(function (n) {
      byId[n.id] = n;
      nodeTip[n.id] = n.tip;
      var copy = Object.assign({}, n);
      delete copy.tip;
      return copy;
    });
    var edges = data.edges.map(function (e) {
      edgeTip[e.id] = e.tip;
      var copy = Object.assign({}, e);
      delete copy.tip;
      return copy;
    });
    RK.edgeTips = edgeTip;
    if (!nodes.length) {
      container.appendChild(el("p", "rk-empty", data.empty || "Nothing to show: the graph has no relations of this kind yet."));
    }
    var nodeSet = new vis.DataSet(nodes);
    var edgeSet = new vis.DataSet(edges);
    var options = Object.assign({
      autoResize: true,
      layout: { randomSeed: 7, improvedLayout: nodes.length < 150 },
      interaction: { hover: true, navigationButtons: false },
      physics: {
        solver: "barnesHut",
        barnesHut: { gravitationalConstant: -2500, centralGravity: 0.4, springLength: 110, springConstant: 0.04, damping: 0.4, avoidOverlap: 0.5 },
        stabilization: { enabled: true, iterations: 400, updateInterval: 50, fit: true },
      },
      // a white halo keeps a label readable where links cross it
      nodes: { font: { size: 14, face: "system-ui, sans-serif", strokeWidth: 3, strokeColor: "#ffffff" }, borderWidth: 1 },
      edges: { smooth: { type: "continuous" }, color: { inherit: false } },
    }, data.options || {});
    var network = new vis.Network(container, { nodes: nodeSet, edges: edgeSet }, options);
    window.graphNetwork = network;
    window.graphNodes = nodeSet;
    window.graphEdges = edgeSet;

    var view = { ids: nodes.map(function (n) { return n.id; }) };
    RK.refit = function () {
      fitReadable(network, container, view.ids);
      network.redraw();
      window.graphScale = network.getScale();
    };

    var settled = false;
    function settle(how) {
      if (settled) return;
      settled = true;
      network.setOptions({ physics: false });
      // sizes are known once drawn: lay out, then refit, on the next drawing
      network.once("afterDrawing", function () {
        var fixed = {};
        nodes.forEach(function (n) { fixed[n.id] = n.physics === false; });
        if (nodes.some(function (n) { return n.column !== undefined; })) stackColumns(network, nodes);
        else { separate(network, view.ids, fixed); fitWidth(network, container, view.ids, fixed); }
        RK.refit();
        window.graphSettledBy = how;
        window.graphReady = true;
        document.body.setAttribute("data-graph-ready", "true");
      });
      network.redraw();
    }
    network.once("stabilizationIterationsDone", function () { settle("stabilization"); });
    network.once("stabilized", function () { settle("stabilization"); });
    var moving = nodes.filter(function (n) { return n.physics !== false; }).length;
    if (!moving || !nodes.length || options.physics === false || (options.physics && options.physics.enabled === false)) settle("static");
    // a large graph must not keep the page busy: stop the physics after at most 2.5 s whatever happens
    setTimeout(function () { settle("timeout"); }, 2500);

    // the tooltip belongs to what vis-network says is under the pointer: the nearest edge, or the node on top
    var pointer = { x: 0, y: 0 };
    container.addEventListener("mousemove", function (ev) { pointer.x = ev.clientX; pointer.y = ev.clientY; RK.moveTip(ev.clientX, ev.clientY); });
    container.addEventListener("mouseleave", function () { RK.hideTip(); });
    function at(params) {
      var ev = params.event && params.event.center ? params.event.center : null;
      return ev ? [ev.x, ev.y] : [pointer.x, pointer.y];
    }
    network.on("hoverNode", function (p) { var xy = at(p); RK.showTip(nodeTip[p.node], "node:" + p.node, xy[0], xy[1]); });
    network.on("hoverEdge", function (p) { var xy = at(p); RK.showTip(edgeTip[p.edge], "edge:" + p.edge, xy[0], xy[1]); });
    network.on("blurNode", function (p) { if (tipBox && tipBox.getAttribute("data-for") === "node:" + p.node) RK.hideTip(); });
    network.on("blurEdge", function (p) { if (tipBox && tipBox.getAttribute("data-for") === "edge:" + p.edge) RK.hideTip(); });
    network.on("dragStart", function () { RK.hideTip(); });

    function openNode(params) {
      if (params.nodes && params.nodes.length) {
        var n = byId[params.nodes[0]];
        if (n && n.href) window.location.href = n.href;
      }
    }
    network.on("click", openNode);
    // a press held a little long (a slow machine, a touch screen) is a "hold", not a "click": open the node too
    network.on("hold", openNode);
    setupFilters(data, nodeSet, edgeSet, view);
    setupList(network, view);
  }

  // Filters by theme and report: the counts, the side list and the view follow what is shown.
  function setupFilters(data, nodeSet, edgeSet, view) {
    var themeSel = document.getElementById("filter-theme");
    var reportSel = document.getElementById("filter-report");
    var programmes = document.getElementById("show-programmes");
    var count = document.getElementById("graph-count");
    function show(visibleNodes, visibleEdges) {
      window.graphVisible = { nodes: visibleNodes.length, edges: visibleEdges };
      if (count) {
        count.textContent = edgeCountText(visibleNodes.length, data.nodes.length, "nodes") + ", " +
          edgeCountText(visibleEdges, data.edges.length, "edges");
      }
    }
    function apply() {
      var theme = themeSel ? themeSel.value : "";
      var report = reportSel ? reportSel.value : "";
      // programmes, projects and plans are their own node kind: unticked, they and their links are hidden
      var hideProgrammes = programmes ? !programmes.checked : false;
      var isProgramme = {};
      data.nodes.forEach(function (n) { isProgramme[n.id] = n.programme === true; });
      var hiddenKind = function (id) { return hideProgrammes && isProgramme[id] === true; };
      var seen = {};
      var visibleEdges = 0;
      edgeSet.update(data.edges.map(function (e) {
        var ok = (!theme || (e.themes || []).indexOf(theme) >= 0) && (!report || (e.reports || []).indexOf(report) >= 0)
          && !hiddenKind(e.from) && !hiddenKind(e.to);
        if (ok) { seen[e.from] = true; seen[e.to] = true; visibleEdges++; }
        return { id: e.id, hidden: !ok };
      }));
      var filtering = theme || report || hideProgrammes;
      var visible = [];
      nodeSet.update(data.nodes.map(function (n) {
        var ok = !hiddenKind(n.id) && (!filtering || seen[n.id] || (!theme && report && (n.reports || []).indexOf(report) >= 0));
        if (ok) visible.push(n.id);
        return { id: n.id, hidden: !ok };
      }));
      view.ids = visible;
      show(visible, visibleEdges);
      // the matrix shows the outcomes of the chosen report
      Array.prototype.forEach.call(document.querySelectorAll("#matrix tbody[data-reports]"), function (tb) {
        tb.hidden = !!report && tb.getAttribute("data-reports").split(" ").indexOf(report) < 0;
      });
      if (RK.filterList) RK.filterList();
      if (RK.refit) RK.refit();
    }
    [themeSel, reportSel, programmes].forEach(function (s) { if (s) s.addEventListener("change", apply); });
    show(data.nodes.map(function (n) { return n.id; }), data.edges.length);
  }

  // The list beside the network: every node by name, narrowed by its own box and by the filters;
  // choosing one centres the network on it.
  function setupList(network, view) {
    var list = document.getElementById("entity-list");
    if (!list) return;
    var box = document.getElementById("list-filter");
    var count = document.getElementById("list-count");
    var items = Array.prototype.slice.call(list.querySelectorAll("li[data-id]"));
    RK.filterList = function () {
      var q = box ? box.value.trim().toLowerCase() : "";
      var shown = {};
      view.ids.forEach(function (id) { shown[id] = true; });
      var n = 0;
      items.forEach(function (li) {
        var ok = shown[li.getAttribute("data-id")] && (!q || li.getAttribute("data-name").indexOf(q) >= 0);
        li.hidden = !ok;
        if (ok) n++;
      });
      if (count) count.textContent = edgeCountText(n, items.length, count.getAttribute("data-what") || "");
      window.listVisible = n;
    };
    if (box) box.addEventListener("input", RK.filterList);
    list.addEventListener("click", function (ev) {
      var button = ev.target.closest ? ev.target.closest("button[data-focus]") : null;
      if (!button) return;
      var id = button.getAttribute("data-focus");
      network.selectNodes([id]);
      network.focus(id, { scale: Math.max(network.getScale(), 1), animation: false });
    });
    RK.filterList();
  }

  // The outcome x SDG matrix: its cells show the tooltip of the network edge they stand for.
  function setupMatrix() {
    var table = document.getElementById("matrix");
    if (!table) return;
    function cellOf(ev) { return ev.target.closest ? ev.target.closest("td[data-edge]") : null; }
    table.addEventListener("mouseover", function (ev) {
      var td = cellOf(ev);
      if (td && RK.edgeTips) RK.showTip(RK.edgeTips[td.getAttribute("data-edge")], "cell:" + td.getAttribute("data-edge"), ev.clientX, ev.clientY);
    });
    table.addEventListener("mousemove", function (ev) { if (cellOf(ev)) RK.moveTip(ev.clientX, ev.clientY); else RK.hideTip(); });
    table.addEventListener("mouseleave", function () { RK.hideTip(); });
  }

  // Marked text (the report page): its data-tip-* attributes in the page's tooltip, not the browser's title box.
  function setupMarks() {
    var marked = document.querySelector("[data-tip-title]");
    if (!marked) return;
    var current = null;
    function tipOf(node) {
      return { title: node.getAttribute("data-tip-title"), kind: node.getAttribute("data-tip-kind") || "",
               lines: node.getAttribute("data-tip-lines") ? node.getAttribute("data-tip-lines").split("; ") : [] };
    }
    document.addEventListener("mouseover", function (ev) {
      var node = ev.target.closest ? ev.target.closest("[data-tip-title]") : null;
      if (node === current) return;
      current = node;
      if (node) RK.showTip(tipOf(node), "mark:" + (node.id || node.getAttribute("href") || node.textContent), ev.clientX, ev.clientY);
      else RK.hideTip();
    });
    document.addEventListener("mousemove", function (ev) { if (current) RK.moveTip(ev.clientX, ev.clientY); });
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
    setupMarks();
    if (document.getElementById("map-data")) return;   // the places page: reportkg-map.js draws it
    if (typeof vis === "undefined") {
      window.graphData = { nodes: 0, edges: 0 };
      window.graphReady = true;
      return;
    }
    drawGraph();
    setupMatrix();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
