// Nproxy status page: polls the JSON of this same URL and redraws; no external resources.
(function () {
  'use strict';
  var body = document.body;
  var base = body.getAttribute('data-base');
  var refresh = parseInt(body.getAttribute('data-refresh'), 10) || 2000;
  var previous = {};  // location key -> {total, time}, for rates

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  function fill(tbody, rows) {
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  function listeners(data) {
    fill(document.querySelector('#listeners tbody'), data.listeners.map(function (l) {
      var tr = el('tr');
      tr.appendChild(el('td', l.listener));
      var parts = Object.keys(l.connections).map(function (p) { return p + ': ' + l.connections[p]; });
      tr.appendChild(el('td', parts.join('  ')));
      return tr;
    }));
  }

  function locations(data) {
    fill(document.querySelector('#locations tbody'), data.locations.map(function (l) {
      var key = l.server + ' ' + l.location;
      var prev = previous[key];
      var rate = prev && data.time > prev.time ? (l.total - prev.total) * 1000 / (data.time - prev.time) : 0;
      previous[key] = { total: l.total, time: data.time };
      var tr = el('tr');
      tr.appendChild(el('td', l.server));
      tr.appendChild(el('td', l.location));
      tr.appendChild(el('td', l.total, 'num'));
      tr.appendChild(el('td', rate.toFixed(1), 'num'));
      var codes = el('td');
      Object.keys(l.codes).forEach(function (c) {
        codes.appendChild(el('span', c + ': ' + l.codes[c] + '  ', 'code' + c.charAt(0)));
      });
      tr.appendChild(codes);
      return tr;
    }));
  }

  function drain(upstream, peer, on) {
    var form = new URLSearchParams();
    form.set('upstream', upstream);
    form.set('peer', peer);
    form.set('drain', on ? 'true' : 'false');
    fetch(base + '/drain', { method: 'POST', body: form, headers: { 'Accept': 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error('drain: HTTP ' + r.status); } return poll(); })
      .catch(function (e) { document.getElementById('error').textContent = e.message; });
  }

  function upstreams(data) {
    var box = document.getElementById('upstreams');
    while (box.firstChild) { box.removeChild(box.firstChild); }
    data.upstreams.forEach(function (u) {
      box.appendChild(el('h3', u.upstream + ' (' + u.balance + ')'));
      var table = el('table');
      table.setAttribute('data-upstream', u.upstream);
      var head = el('tr');
      ['peer', 'state', 'in flight', 'requests', 'failures', 'pool open', 'idle', 'in use', 'max', ''].forEach(function (h) {
        head.appendChild(el('th', h));
      });
      table.appendChild(head);
      u.peers.forEach(function (p) {
        var tr = el('tr', null, 'peer state-' + p.state);
        tr.setAttribute('data-peer', p.peer);
        tr.setAttribute('data-state', p.state);
        tr.appendChild(el('td', p.peer + (p.backup ? ' (backup)' : '')));
        tr.appendChild(el('td', p.state, 'state'));
        [p.inFlight, p.requests, p.failures, p.pool.open, p.pool.idle, p.pool.inUse, p.pool.max].forEach(function (v) {
          tr.appendChild(el('td', v, 'num'));
        });
        var cell = el('td');
        var button = el('button', p.drained ? 'bring back' : 'drain', p.drained ? 'undrain' : 'drain');
        button.addEventListener('click', function () { drain(u.upstream, p.peer, !p.drained); });
        cell.appendChild(button);
        tr.appendChild(cell);
        table.appendChild(tr);
      });
      box.appendChild(table);
    });
  }

  function poll() {
    return fetch(base, { headers: { 'Accept': 'application/json' }, cache: 'no-store' })
      .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); })
      .then(function (data) {
        document.getElementById('generation').textContent = data.generation;
        document.getElementById('updated').textContent = new Date(data.time).toLocaleTimeString();
        document.getElementById('error').textContent = '';
        listeners(data);
        locations(data);
        upstreams(data);
      })
      .catch(function (e) { document.getElementById('error').textContent = 'update failed: ' + e.message; });
  }

  poll();
  setInterval(poll, refresh);
}());
