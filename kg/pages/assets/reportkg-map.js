/* reportkg places page: one SVG map per country from the vendored world-atlas TopoJSON (decoded by
   topojson-client), the country and its neighbours outlined, its places as circles at their coordinates.
   Everything is drawn from files beside the page: no tile server, no network. Names go in as textContent. */
(function () {
  "use strict";

  var RK = window.RK;
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 640, MAX_HEIGHT = 560, PAD = 0.08;

  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function bboxOf(geometry) {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    function walk(c) {
      if (typeof c[0] === "number") {
        if (c[0] < b[0]) b[0] = c[0];
        if (c[1] < b[1]) b[1] = c[1];
        if (c[0] > b[2]) b[2] = c[0];
        if (c[1] > b[3]) b[3] = c[1];
      } else c.forEach(walk);
    }
    if (geometry) walk(geometry.coordinates);
    return b;
  }

  // Equirectangular, scaled by the cosine of the panel's middle latitude: true shapes at a country's scale.
  function projection(box) {
    var lat0 = (box[1] + box[3]) / 2, k = Math.cos(lat0 * Math.PI / 180);
    var s = WIDTH / ((box[2] - box[0]) * k);
    if ((box[3] - box[1]) * s > MAX_HEIGHT) s = MAX_HEIGHT / (box[3] - box[1]);
    var f = function (lon, lat) { return [(lon - box[0]) * k * s, (box[3] - lat) * s]; };
    f.width = (box[2] - box[0]) * k * s;
    f.height = (box[3] - box[1]) * s;
    return f;
  }

  function pathData(geometry, project) {
    var polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    var d = [];
    polys.forEach(function (rings) {
      rings.forEach(function (ring) {
        ring.forEach(function (pt, i) {
          var xy = project(pt[0], pt[1]);
          d.push((i ? "L" : "M") + xy[0].toFixed(1) + "," + xy[1].toFixed(1));
        });
        d.push("Z");
      });
    });
    return d.join("");
  }

  function overlaps(a, b) {
    return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  }

  function hover(node, tip, key) {
    node.addEventListener("mouseenter", function (ev) { RK.showTip(tip, key, ev.clientX, ev.clientY); });
    node.addEventListener("mousemove", function (ev) { RK.moveTip(ev.clientX, ev.clientY); });
    node.addEventListener("mouseleave", function () { RK.hideTip(); });
  }

  function drawPanel(panel, features, holder) {
    var focus = features.filter(function (f) { return String(f.id) === panel.numeric; })[0];
    if (!focus) {
      holder.appendChild(RK.el("p", "muted", "No outline for " + panel.label + " in the bundled Natural Earth data."));
      return 0;
    }
    var box = bboxOf(focus.geometry);
    panel.markers.forEach(function (m) {
      box = [Math.min(box[0], m.lon), Math.min(box[1], m.lat), Math.max(box[2], m.lon), Math.max(box[3], m.lat)];
    });
    var dx = (box[2] - box[0]) * PAD || 0.5, dy = (box[3] - box[1]) * PAD || 0.5;
    box = [box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy];
    var project = projection(box);
    var map = svg("svg", { viewBox: "0 0 " + project.width.toFixed(1) + " " + project.height.toFixed(1), role: "img",
                          "aria-label": "Map of " + panel.label, "class": "rk-map-svg" });
    map.appendChild(svg("rect", { x: 0, y: 0, width: project.width, height: project.height, "class": "rk-sea" }));
    var countries = svg("g", { "class": "rk-countries" });
    var drawn = 0;
    features.forEach(function (f) {
      if (f === focus || !f.geometry) return;
      var b = f.bbox || (f.bbox = bboxOf(f.geometry));
      if (b[2] < box[0] || b[0] > box[2] || b[3] < box[1] || b[1] > box[3]) return;
      var p = svg("path", { d: pathData(f.geometry, project), "class": "rk-country" });
      var t = svg("title");
      t.textContent = f.properties && f.properties.name ? f.properties.name : "";
      p.appendChild(t);
      countries.appendChild(p);
      drawn++;
    });
    var outline = svg("path", { d: pathData(focus.geometry, project), "class": "rk-country rk-focus", "data-code": panel.code });
    drawn++;
    if (panel.href) {
      var link = svg("a", { href: panel.href });
      link.appendChild(outline);
      countries.appendChild(link);
    } else countries.appendChild(outline);
    if (panel.tip) hover(outline, panel.tip, "country:" + panel.code);
    map.appendChild(countries);

    var marks = svg("g", { "class": "rk-markers" });
    map.appendChild(marks);
    holder.appendChild(map);
    var labels = [];
    // biggest first, so a small place is drawn on top of a big one rather than under it
    panel.markers.slice().sort(function (a, b) { return b.r - a.r; }).forEach(function (m) {
      var xy = project(m.lon, m.lat);
      var a = svg("a", { href: m.href, "class": "rk-marker", "data-id": m.id });
      a.appendChild(svg("circle", { cx: xy[0].toFixed(1), cy: xy[1].toFixed(1), r: m.r }));
      marks.appendChild(a);
      hover(a, m.tip, "place:" + m.id);
      labels.push({ m: m, xy: xy, a: a });
    });
    // each label on the first side of its circle where it covers no other label and stays inside the map
    var circles = labels.map(function (l) { return l.a.firstChild.getBBox(); });   // labels cover no circle either
    var placed = [];
    labels.forEach(function (l, k) {
      var text = svg("text", { "class": "rk-marker-label" });
      text.textContent = l.m.label;
      l.a.appendChild(text);
      var sides = [[l.m.r + 4, 4, "start"], [-l.m.r - 4, 4, "end"], [0, -l.m.r - 5, "middle"], [0, l.m.r + 14, "middle"]];
      for (var i = 0; i < sides.length; i++) {
        text.setAttribute("x", (l.xy[0] + sides[i][0]).toFixed(1));
        text.setAttribute("y", (l.xy[1] + sides[i][1]).toFixed(1));
        text.setAttribute("text-anchor", sides[i][2]);
        var b = text.getBBox();
        var inside = b.x >= 0 && b.y >= 0 && b.x + b.width <= project.width && b.y + b.height <= project.height;
        var free = !placed.some(function (p) { return overlaps(p, b); }) &&
          !circles.some(function (c, j) { return j !== k && overlaps(c, b); });
        if (inside && free) break;
      }
      placed.push(text.getBBox());
    });
    return drawn;
  }

  function start() {
    var data = RK.readJSON("map-data") || { panels: [] };
    var world = window.REPORTKG_WORLD;
    var result = { panels: 0, countries: 0, markers: 0 };
    if (world && window.topojson) {
      var features = window.topojson.feature(world, world.objects.countries).features;
      data.panels.forEach(function (panel) {
        var holder = document.querySelector('.rk-map[data-code="' + panel.code + '"]');
        if (!holder) return;
        result.countries += drawPanel(panel, features, holder);
        result.panels++;
        result.markers += panel.markers.length;
      });
    }
    window.mapDrawn = result;
    window.graphData = { nodes: result.markers, edges: 0 };
    window.graphReady = true;
    document.body.setAttribute("data-graph-ready", "true");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
