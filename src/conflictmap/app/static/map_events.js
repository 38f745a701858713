// Runs for every filter change: builds the canvas symbols from the compact array.
  var colours = data.types.map(function (t) { return t[1]; });
  function dominant(parts) {
    var best = parts[0];
    parts.forEach(function (p) { if (p[1] > best[1]) { best = p; } });
    return colours[best[0]];
  }
  function drawLabel(ctx, p, n, size) {
    var text = n >= 10000 ? Math.round(n / 1000) + 'k' : String(n);
    ctx.font = 'bold ' + size + 'px system-ui, sans-serif';
    ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
    ctx.lineWidth = 3; ctx.strokeStyle = 'rgba(0,0,0,.55)'; ctx.fillStyle = '#fff';
    ctx.strokeText(text, p.x, p.y); ctx.fillText(text, p.x, p.y);
  }
  // A circle marker drawn as a pie of event types with its count, on the canvas renderer.
  var Pie = L.CircleMarker.extend({
    _updatePath: function () {
      var r = this._renderer, o = this.options;
      if (!r._ctx || !r._drawing || this._empty()) {
        return L.CircleMarker.prototype._updatePath.call(this);
      }
      var ctx = r._ctx, p = this._point, rad = Math.max(Math.round(this._radius), 1);
      var a = -Math.PI / 2, total = o.count;
      ctx.globalAlpha = o.fillOpacity;
      o.parts.forEach(function (part) {
        var b = a + 2 * Math.PI * part[1] / total;
        ctx.beginPath(); ctx.moveTo(p.x, p.y); ctx.arc(p.x, p.y, rad, a, b, false);
        ctx.closePath(); ctx.fillStyle = colours[part[0]]; ctx.fill(); a = b;
      });
      ctx.globalAlpha = 1;
      ctx.beginPath(); ctx.arc(p.x, p.y, rad, 0, 2 * Math.PI, false);
      ctx.lineWidth = o.weight; ctx.strokeStyle = o.color; ctx.stroke();
      if (o.count > 1) { drawLabel(ctx, p, o.count, Math.max(9, Math.min(13, rad))); }
    }
  });
  // A province-level location: a hollow dashed ring in metres, its count at the centre. Only
  // the ring and the count react to the mouse, not the whole province under them.
  var Ring = L.Circle.extend({
    _containsPoint: function (p) {
      var d = p.distanceTo(this._point), slack = this._clickTolerance() + 3;
      return Math.abs(d - this._radius) <= slack || d <= 10;
    },
    _updatePath: function () {
      L.Circle.prototype._updatePath.call(this);
      var r = this._renderer;
      if (r._ctx && r._drawing && this.options.count > 1 && this._radius >= 10) {
        drawLabel(r._ctx, this._point, this.options.count, 11);
      }
    }
  });
  // Symbol area grows with the count: the biggest place on the map is MAX_R wide, none is
  // smaller than MIN_R (so a single event stays clickable).
  var MIN_R = 6, MAX_R = 28, GROUP_PX = 44, GROUP_BELOW_ZOOM = 8;
  function radius(n, top) { return Math.max(MIN_R, MAX_R * Math.sqrt(n / Math.max(top, 1))); }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  function types(parts) {
    return '<div class="cm-types">' + parts.map(function (p) {
      return '<span class="cm-sw" style="background:' + colours[p[0]] + '"></span>' +
        data.types[p[0]][0] + ' ' + p[1];
    }).join('<br>') + '</div>';
  }
  function tooltip(s) {
    return '<b>' + s[4] + '</b> · ' + s[5] + (s[2] > 1 ? ' · ' + plural(s[2], 'event') : '') +
      (s[7] > 0 ? ' · <i>province-level location</i>' : '');
  }
  function popup(s) {
    return '<div class="cm-place"><b>' + s[4] + '</b>' + (s[7] > 0 ?
      '<span class="cm-prov">province-level location: the event is somewhere in the ' +
      'province, not at this point</span>' : '') +
      '<div>' + plural(s[2], 'event') + (s[10] ? ' at ' + plural(s[10], 'place') : '') +
      ' · ' + s[5] + ' · ' + s[6] + (s[6] === 1 ? ' fatality' : ' fatalities') +
      '</div>' + types(s[3]) + '</div>' + s[8] + (s[9] > 0 ? '<div class="cm-more">and ' +
      plural(s[9], 'earlier event') + ' here (see the table)</div>' : '');
  }
  function symbolLayer(s, top) {
    var layer;
    if (s[7] > 0) {
      layer = new Ring([s[0], s[1]], {radius: s[7], color: dominant(s[3]), weight: 2,
        opacity: 0.85, dashArray: '7 5', fill: false, count: s[2]});
    } else {
      layer = new Pie([s[0], s[1]], {radius: radius(s[2], top), color: '#222', weight: 1,
        fillOpacity: 0.85, count: s[2], parts: s[3]});
    }
    layer.cm = s;
    return layer;
  }
  // Nearby symbols at a low zoom become one pie with their total: a grid of GROUP_PX pixels
  // over the map at this zoom (rings stay apart: a province-level location is not a place).
  function groups(symbols, map) {
    var zoom = map.getZoom(), cells = {}, out = [];
    symbols.forEach(function (s) {
      if (s[7] > 0 || zoom >= GROUP_BELOW_ZOOM) { out.push(s); return; }
      var p = map.project([s[0], s[1]], zoom);
      var key = Math.floor(p.x / GROUP_PX) + ':' + Math.floor(p.y / GROUP_PX);
      (cells[key] = cells[key] || []).push(s);
    });
    Object.keys(cells).forEach(function (key) {
      var members = cells[key];
      if (members.length === 1) { out.push(members[0]); return; }
      var n = 0, lat = 0, lon = 0, deaths = 0, slices = {};
      members.forEach(function (m) {
        n += m[2]; lat += m[0] * m[2]; lon += m[1] * m[2]; deaths += m[6];
        m[3].forEach(function (part) { slices[part[0]] = (slices[part[0]] || 0) + part[1]; });
      });
      var parts = Object.keys(slices).map(function (k) { return [+k, slices[k]]; });
      parts.sort(function (a, b) { return a[0] - b[0]; });
      out.push({group: members, s: [lat / n, lon / n, n, parts, '', '', deaths, 0, '', 0,
        members.length]});
    });
    return out;
  }
  function draw() {
    var map = group._map;
    if (!map || !data.symbols) { return; }
    group.clearLayers();
    var items = groups(data.symbols || [], map), top = 1;
    items.forEach(function (it) { var s = it.s || it; if (s[7] === 0) { top = Math.max(top, s[2]); } });
    // Rings first, then big counts under small ones: the canvas draws in order, clicks hit the top.
    items.sort(function (a, b) {
      var x = a.s || a, y = b.s || b;
      return ((x[7] === 0) - (y[7] === 0)) || (y[2] - x[2]);
    });
    items.forEach(function (it) {
      var layer = symbolLayer(it.s || it, top);
      if (it.group) { layer.cmGroup = it.group; }
      group.addLayer(layer);
    });
  }
  function groupTooltip(layer) {
    var members = layer.cmGroup, s = layer.cm;
    return '<b>' + plural(s[2], 'event') + '</b> at ' + plural(members.length, 'place') +
      ' · ' + s[6] + (s[6] === 1 ? ' fatality' : ' fatalities') + types(s[3]) +
      '<i>Click to zoom in</i>';
  }
  // Tooltips and popups are bound on first use: a few thousand symbols stay cheap to add.
  group.on('mouseover', function (e) {
    var s = e.layer.cm;
    if (s && !e.layer.getTooltip()) {
      var text = e.layer.cmGroup ? groupTooltip(e.layer) : tooltip(s);
      e.layer.bindTooltip(text, {direction: 'top'}).openTooltip(e.latlng);
    }
  });
  group.on('click', function (e) {
    var s = e.layer.cm, map = group._map;
    if (e.layer.cmGroup) {
      var b = L.latLngBounds(e.layer.cmGroup.map(function (m) { return [m[0], m[1]]; }));
      map.fitBounds(b.pad(0.2), {maxZoom: Math.max(map.getZoom() + 2, GROUP_BELOW_ZOOM)});
      return;
    }
    if (s && !e.layer.getPopup()) {
      // A popup never wider than the map (a phone's screen).
      var width = Math.min(360, map.getSize().x - 60);
      e.layer.bindPopup(popup(s), {maxWidth: width, minWidth: Math.min(200, width),
        autoPanPadding: [10, 10]}).openPopup(e.latlng);
    }
  });
  (data.cells || []).forEach(function (c) {
    var d = data.size;
    var cell = L.rectangle([[c[0], c[1]], [c[0] + d, c[1] + d]], {color: '#7a0177',
      weight: 0.4, fillColor: data.ramp[c[3]], fillOpacity: 0.65});
    cell.cmCell = c;
    group.addLayer(cell);
  });
  group.on('mouseover', function (e) {
    var c = e.layer.cmCell, d = data.size;
    if (c && !e.layer.getTooltip()) {
      e.layer.bindTooltip('<b>' + plural(c[2], 'event') + '</b> in this ' + d + '° cell' +
        (c[4] ? '<br>' + c[4] : '') + types(c[5]), {sticky: true}).openTooltip(e.latlng);
    }
  });
  function place() {
    var map = group._map;
    // The frame may have been sized since the map was made: fit to the size it has now.
    map.invalidateSize({pan: false});
    if (data.start && !window.cmPlaced) {
      // A shared link's view wins over the first fit.
      map.setView([data.start[0], data.start[1]], data.start[2], {animate: false});
      window.cmFitToken = data.fitToken;
    } else if (data.fit && (data.fitToken === null || data.fitToken !== window.cmFitToken)) {
      var b = L.latLngBounds(data.fit);
      var fit = function () {
        // Pixel padding too: a symbol is drawn around its point and must not be cut at the edge.
        map.fitBounds(b.pad(0.05), {maxZoom: 9, animate: false, padding: [28, 28]});
      };
      fit();
      // The frame gets its height just after the map is made: fit again to the size it has
      // then, unless the user has moved the map meanwhile.
      var moved = false;
      map.once('dragstart zoomstart', function () { moved = true; });
      map.once('resize', function () { if (!moved) { fit(); } });
      window.cmFitToken = data.fitToken;
    }
    window.cmPlaced = true;
  }
  function done() {
    var map = group._map;
    place();
    draw();
    map.on('zoomend', draw);
    group.once('remove', function () { map.off('zoomend', draw); });
    // Set once the canvas has drawn (Leaflet redraws on the next frame): tests and the
    // benchmark wait for it.
    L.Util.requestAnimFrame(function () {
      window.conflictmapLayer = group;
      window.conflictmapData = data;
      window.conflictmapDrawn = {view: data.view, total: data.total,
        symbols: group.getLayers().length, places: (data.symbols || []).length,
        at: performance.timeOrigin + performance.now()};
      document.documentElement.setAttribute('data-cm-drawn', String(data.total));
    });
  }
  if (group._map) { done(); } else { group.once('add', done); }
