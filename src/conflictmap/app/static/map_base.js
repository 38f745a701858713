// Runs once per page: panes under and over the tiles, outline layer, capitals, legend.
  map.attributionControl.addAttribution(cfg.attribution);
  map.createPane('cmLand').style.zIndex = 150;
  map.createPane('cmLines').style.zIndex = 350;
  map.getPane('cmLand').style.pointerEvents = 'none';
  map.getPane('cmLines').style.pointerEvents = 'none';
  var landRenderer = L.canvas({pane: 'cmLand'});
  var lineRenderer = L.canvas({pane: 'cmLines'});
  // A dot with its name drawn on the canvas: thousands of labels without thousands of DOM nodes.
  var Label = L.CircleMarker.extend({
    _updatePath: function () {
      var r = this._renderer, o = this.options, z = this._map && this._map.getZoom();
      if (!r._ctx || !r._drawing || z < (o.dotZoom || 0) || z > (o.maxZoom || 99)) { return; }
      if (o.radius > 0) { L.CircleMarker.prototype._updatePath.call(this); }
      if (z < o.labelZoom) { return; }
      var ctx = r._ctx, p = this._point;
      ctx.textBaseline = 'middle'; ctx.lineWidth = 3; ctx.strokeStyle = 'rgba(255,255,255,.9)';
      if (o.country) {
        ctx.font = '600 12px system-ui, sans-serif'; ctx.textAlign = 'center';
        ctx.fillStyle = '#8a8275';
        ctx.strokeText(o.label.toUpperCase(), p.x, p.y);
        ctx.fillText(o.label.toUpperCase(), p.x, p.y);
      } else {
        // The province's name joins its seat's once there is room for it.
        var text = o.province && z >= o.labelZoom + 1 ? o.label + ' (' + o.province + ')' : o.label;
        ctx.font = '10px system-ui, sans-serif'; ctx.textAlign = 'left'; ctx.fillStyle = '#555';
        ctx.strokeText(text, p.x + 5, p.y);
        ctx.fillText(text, p.x + 5, p.y);
      }
    }
  });
  function graticule() {
    for (var lat = -80; lat <= 80; lat += 10) {
      L.polyline([[lat, -180], [lat, 180]], {renderer: lineRenderer, pane: 'cmLines',
        color: '#9bb', weight: 0.5, interactive: false}).addTo(map);
    }
    for (var lon = -180; lon <= 180; lon += 10) {
      L.polyline([[-85, lon], [85, lon]], {renderer: lineRenderer, pane: 'cmLines',
        color: '#9bb', weight: 0.5, interactive: false}).addTo(map);
    }
  }
  // Outline rings are flat integer deltas in hundredths of a degree (scripts/build_outlines.py).
  function ring(flat) {
    var out = [], x = 0, y = 0;
    for (var i = 0; i < flat.length; i += 2) {
      x += flat[i]; y += flat[i + 1]; out.push([y / 100, x / 100]);
    }
    return out;
  }
  fetch(cfg.outlines).then(function (r) {
    if (!r.ok) { throw new Error('HTTP ' + r.status); }
    return r.json();
  }).then(function (d) {
    d.countries.forEach(function (c) {
      var shape = c.polygons.map(function (p) { return p.map(ring); });
      L.polygon(shape, {renderer: landRenderer, pane: 'cmLand', interactive: false,
        stroke: false, fillColor: '#f7f4ec', fillOpacity: 1}).addTo(map);
      L.polygon(shape, {renderer: lineRenderer, pane: 'cmLines', interactive: false,
        color: '#7d7d7d', weight: 1, fill: false}).addTo(map);
    });
    (d.labels || []).forEach(function (c) {
      new Label([c[1], c[2]], {renderer: lineRenderer, pane: 'cmLines', interactive: false,
        radius: 0, weight: 0, label: c[0], country: true,
        labelZoom: Math.max(3, Math.floor(c[3])), maxZoom: 7}).addTo(map);
    });
    (d.capitals || []).forEach(function (c) {
      new Label([c[1], c[2]], {renderer: lineRenderer, pane: 'cmLines', interactive: false,
        radius: 2.5, weight: 1, color: '#444', fillColor: '#fff', fillOpacity: 1,
        label: c[0], province: c[3], dotZoom: 5, labelZoom: 6}).addTo(map);
    });
  }).catch(function (err) {
    console.warn('conflictmap: outline layer not loaded (' + err + '); drawing a graticule');
    graticule();
  });
  var legend = L.control({position: 'bottomright'});
  legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'cm-legend');
    // Open where there is room for it; on a phone it is one line until tapped.
    var open = map.getSize().x > 500 ? ' open' : '';
    div.innerHTML = '<details' + open + '><summary>Event type</summary>' + cfg.legend +
      '<div class="cm-key">Number: events at one place</div>' +
      '<div><span class="cm-ring"></span>province-level location</div>' +
      '<div class="cm-ramp">Density: ' + cfg.ramp.map(function (c) {
        return '<span style="background:' + c + '"></span>'; }).join('') + '</div></details>';
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  legend.addTo(map);
  // Leaflet focuses its container on mousedown (for the keyboard): in an iframe that scrolls
  // the page, the map moves under the pointer and the first click on a symbol misses.
  var container = map.getContainer();
  container.focus = function () { HTMLElement.prototype.focus.call(container, {preventScroll: true}); };
  // The address bar keeps the map's view (view=lat,lon,zoom), for a shared link to reopen it;
  // the app rewrites the address on filter changes, so the view is put back when it is missing.
  function viewParam() {
    var c = map.getCenter();
    return c.lat.toFixed(4) + ',' + c.lng.toFixed(4) + ',' + map.getZoom();
  }
  function keepView() {
    try {
      var top = window.parent, url = new URL(top.location.href);
      if (!window.cmPlaced) { return; }
      if (url.searchParams.get('view') !== viewParam()) {
        url.searchParams.set('view', viewParam());
        top.history.replaceState(top.history.state, '', url.toString());
      }
    } catch (err) { /* another origin: nothing to keep */ }
  }
  map.on('moveend', keepView);
  window.setInterval(keepView, 1000);
