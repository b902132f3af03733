/**
 * The page script of the web app, served as `/static/app.js`: plain browser JavaScript (no build step).
 * It derives the `csrftoken` header as md5 of the readable `cr00` cookie (as Binance's front end does),
 * calls the private `/bapi/...` endpoints named in the page's config, refreshes an expired session once
 * and renders paginated tables with the selectors of selectors.ts.
 *
 * Kept free of backticks and dollar-brace so it can live in this TypeScript string as is.
 */
export const CLIENT_SCRIPT = String.raw`'use strict';
(function () {
  // ---- md5 (RFC 1321) over the UTF-8 bytes of a string --------------------------------------------
  function md5(text) {
    var bytes = new TextEncoder().encode(text);
    var n = bytes.length;
    var words = new Array(((n + 8) >> 6) * 16 + 16).fill(0);
    for (var i = 0; i < n; i++) words[i >> 2] |= bytes[i] << ((i % 4) * 8);
    words[n >> 2] |= 0x80 << ((n % 4) * 8);
    var total = (((n + 8) >> 6) + 1) * 16;
    words[total - 2] = (n * 8) >>> 0;
    words[total - 1] = Math.floor(n / 0x20000000);
    var S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
    var K = [];
    for (var k = 0; k < 64; k++) K[k] = Math.floor(Math.abs(Math.sin(k + 1)) * 4294967296) | 0;
    var a0 = 0x67452301, b0 = 0xefcdab89 | 0, c0 = 0x98badcfe | 0, d0 = 0x10325476;
    for (var off = 0; off < total; off += 16) {
      var A = a0, B = b0, C = c0, D = d0;
      for (var j = 0; j < 64; j++) {
        var F, g;
        if (j < 16) { F = (B & C) | (~B & D); g = j; }
        else if (j < 32) { F = (D & B) | (~D & C); g = (5 * j + 1) % 16; }
        else if (j < 48) { F = B ^ C ^ D; g = (3 * j + 5) % 16; }
        else { F = C ^ (B | ~D); g = (7 * j) % 16; }
        var s = S[(j >> 4) * 4 + (j % 4)];
        var sum = (A + F + K[j] + (words[off + g] | 0)) | 0;
        A = D; D = C; C = B;
        B = (B + ((sum << s) | (sum >>> (32 - s)))) | 0;
      }
      a0 = (a0 + A) | 0; b0 = (b0 + B) | 0; c0 = (c0 + C) | 0; d0 = (d0 + D) | 0;
    }
    var out = '';
    [a0, b0, c0, d0].forEach(function (w) {
      for (var q = 0; q < 4; q++) out += ((w >>> (q * 8)) & 0xff).toString(16).padStart(2, '0');
    });
    return out;
  }
  window.__md5 = md5;

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split('; ') : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      if (parts[i].slice(0, eq) === name) return parts[i].slice(eq + 1);
    }
    return null;
  }

  var config = JSON.parse(document.getElementById('app-config').textContent);
  var paths = config.paths;

  function setState(state) { document.body.setAttribute('data-state', state); }
  function showError(message) {
    var el = document.querySelector('[data-testid="page-error"]');
    if (el) { el.textContent = message; el.hidden = false; }
    setState('error');
  }
  function toLogin() {
    location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
  }

  // ---- private calls ----------------------------------------------------------------------------------
  function call(method, path, params, retried) {
    var headers = { clienttype: 'web', lang: 'en' };
    var csrf = cookie('cr00');
    if (csrf !== null) headers.csrftoken = md5(csrf);
    var url = path;
    var init = { method: method, headers: headers, credentials: 'same-origin' };
    if (method === 'GET') {
      var q = new URLSearchParams();
      Object.keys(params || {}).forEach(function (key) {
        if (params[key] !== undefined && params[key] !== null) q.set(key, String(params[key]));
      });
      var qs = q.toString();
      if (qs) url += '?' + qs;
    } else {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(params || {});
    }
    return fetch(url, init).then(function (res) {
      return res.json().then(function (body) {
        if (body && body.code === '100001005' && !retried) {
          return call('POST', paths.refresh, {}, true).then(function (r) {
            if (!r.success) throw new Error(r.message || 'session expired');
            return call(method, path, params, true);
          });
        }
        if (body && body.code === '100002001') { toLogin(); throw new Error('not logged in'); }
        if (!body || body.success !== true) throw new Error((body && body.message) || ('HTTP ' + res.status));
        return body;
      });
    });
  }
  window.__sandboxCall = call;

  // ---- rendering --------------------------------------------------------------------------------------
  function fmtTime(ms) { return new Date(Number(ms)).toISOString().replace('T', ' ').slice(0, 19); }
  function text(v) { return v === undefined || v === null ? '' : String(v); }

  function renderTable(columns, rows) {
    var table = document.querySelector('[data-testid="data-table"]');
    var head = '<tr>' + columns.map(function (c) { return '<th>' + c.label + '</th>'; }).join('') + '</tr>';
    table.tHead.innerHTML = head;
    var body = table.tBodies[0];
    body.textContent = '';
    rows.forEach(function (row) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-testid', 'data-row');
      columns.forEach(function (c) {
        var td = document.createElement('td');
        td.setAttribute('data-field', c.key);
        if (c.link) {
          var a = document.createElement('a');
          a.href = c.link(row);
          a.setAttribute('data-testid', c.linkTestId);
          a.textContent = text(row[c.key]);
          td.appendChild(a);
        } else {
          td.textContent = c.time ? fmtTime(row[c.key]) : text(row[c.key]);
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    document.querySelector('[data-testid="table-empty"]').hidden = rows.length > 0;
  }

  function listPage(spec) {
    var page = 1;
    var rows = spec.rows;
    var next = document.querySelector('[data-testid="next-page"]');
    var prev = document.querySelector('[data-testid="prev-page"]');
    var info = document.querySelector('[data-testid="page-info"]');
    function load() {
      setState('loading');
      var params = Object.assign({}, spec.params || {}, { page: page, rows: rows });
      return call(spec.method || 'POST', spec.path, params).then(function (body) {
        var total = Number(body.total || 0);
        var pages = Math.max(1, Math.ceil(total / rows));
        renderTable(spec.columns, body.data || []);
        info.textContent = 'Page ' + page + ' of ' + pages + ' (' + total + ' records)';
        info.setAttribute('data-total', String(total));
        next.disabled = page >= pages;
        prev.disabled = page <= 1;
        document.body.setAttribute('data-page', String(page));
        setState('ready');
      }).catch(function (e) { showError(e.message); });
    }
    next.addEventListener('click', function () { page++; load(); });
    prev.addEventListener('click', function () { if (page > 1) { page--; load(); } });
    return load();
  }

  function productLink(row) { return '/my/earn/product?productId=' + encodeURIComponent(row.productId); }

  var PAGES = {
    earn: function () {
      return listPage({ path: paths.earnPositions, rows: 10, columns: [
        { key: 'productId', label: 'Product', link: productLink, linkTestId: 'product-link' },
        { key: 'productType', label: 'Type' }, { key: 'asset', label: 'Asset' }, { key: 'amount', label: 'Amount' },
        { key: 'apr', label: 'APR' }, { key: 'cumulativeRewards', label: 'Rewards' }, { key: 'status', label: 'Status' }] });
    },
    'earn-rewards': function () {
      return listPage({ path: paths.earnRewards, rows: 20, columns: [
        { key: 'time', label: 'Time', time: true }, { key: 'productType', label: 'Type' }, { key: 'productId', label: 'Product' },
        { key: 'asset', label: 'Asset' }, { key: 'amount', label: 'Amount' }, { key: 'rewardType', label: 'Reward type' }] });
    },
    'earn-product': function () {
      var productId = new URLSearchParams(location.search).get('productId') || '';
      setState('loading');
      return call('POST', paths.earnProduct, { productId: productId }).then(function (body) {
        var d = body.data;
        var dl = document.querySelector('[data-testid="product-detail"]');
        var fields = [['productId', d.productId], ['productType', d.productType], ['asset', d.asset], ['rewardAsset', d.rewardAsset],
          ['duration', d.duration], ['apr', d.apr], ['minPurchaseAmount', d.minPurchaseAmount], ['status', d.status],
          ['holdingAmount', d.holding.amount], ['cumulativeRewards', d.holding.cumulativeRewards], ['rewards', d.holding.rewards]];
        dl.textContent = '';
        fields.forEach(function (f) {
          var dt = document.createElement('dt'); dt.textContent = f[0];
          var dd = document.createElement('dd'); dd.setAttribute('data-field', f[0]); dd.textContent = text(f[1]);
          dl.appendChild(dt); dl.appendChild(dd);
        });
        setState('ready');
      }).catch(function (e) { showError(e.message); });
    },
    p2p: function () {
      return listPage({ path: paths.p2pHistory, rows: 10, columns: [
        { key: 'createTime', label: 'Time', time: true }, { key: 'orderNumber', label: 'Order' }, { key: 'tradeType', label: 'Side' },
        { key: 'asset', label: 'Asset' }, { key: 'amount', label: 'Amount' }, { key: 'fiatUnit', label: 'Fiat' },
        { key: 'totalPrice', label: 'Total' }, { key: 'orderStatus', label: 'Status' }] });
    },
    convert: function () {
      return listPage({ method: paths.convertMethod, path: paths.convertHistory, rows: 10, columns: [
        { key: 'createTimestamp', label: 'Time', time: true }, { key: 'orderId', label: 'Order' }, { key: 'fromCoin', label: 'From' },
        { key: 'fromCoinAmount', label: 'From amount' }, { key: 'toCoin', label: 'To' }, { key: 'toCoinAmount', label: 'To amount' },
        { key: 'spreadAmount', label: 'Spread' }, { key: 'orderStatus', label: 'Status' }] });
    },
    transactions: function () {
      return listPage({ path: paths.transactionHistory, rows: 20, columns: [
        { key: 'time', label: 'Time', time: true }, { key: 'account', label: 'Account' }, { key: 'operation', label: 'Operation' },
        { key: 'coin', label: 'Coin' }, { key: 'change', label: 'Change' }, { key: 'remark', label: 'Remark' }] });
    },
    trades: function () {
      return listPage({ path: paths.tradeHistory, rows: 20, params: { baseAsset: '', quoteAsset: '' }, columns: [
        { key: 'time', label: 'Time', time: true }, { key: 'symbol', label: 'Symbol' }, { key: 'side', label: 'Side' },
        { key: 'price', label: 'Price' }, { key: 'qty', label: 'Qty' }, { key: config.apiVersion === 2 ? 'quoteQty' : 'totalQuota', label: 'Total' },
        { key: 'fee', label: 'Fee' }, { key: 'feeAsset', label: 'Fee asset' }] });
    },
    dust: function () {
      return listPage({ path: paths.dustLog, rows: 10, columns: [
        { key: 'operateTime', label: 'Time', time: true }, { key: 'tranId', label: 'Conversion' }, { key: 'fromAssets', label: 'Converted' },
        { key: 'totalTransferedAmount', label: 'Received' }, { key: 'targetAsset', label: 'Asset' },
        { key: 'totalServiceChargeAmount', label: 'Fee' }] });
    },
  };

  // ---- login ------------------------------------------------------------------------------------------
  function loginPage() {
    var form = document.querySelector('[data-testid="login-form"]');
    var twofa = document.querySelector('[data-testid="twofa-form"]');
    var verifyToken = null;
    function done() {
      var next = new URLSearchParams(location.search).get('next');
      // Only same-site paths: '//host' and '/\host' would leave the site.
      location.href = next && next.charAt(0) === '/' && next.charAt(1) !== '/' && next.charAt(1) !== '\\' ? next : '/my/earn';
    }
    function fail(selector, message) {
      var el = document.querySelector(selector);
      el.textContent = message; el.hidden = false;
    }
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      call('POST', paths.login, {
        email: document.querySelector('[data-testid="login-email"]').value,
        password: document.querySelector('[data-testid="login-password"]').value,
      }).then(function (body) {
        if (body.data && body.data.needSecurityVerify) {
          verifyToken = body.data.verifyToken;
          form.hidden = true; twofa.hidden = false;
          document.querySelector('[data-testid="twofa-code"]').focus();
        } else done();
      }).catch(function (e) { fail('[data-testid="login-error"]', e.message); });
    });
    twofa.addEventListener('submit', function (ev) {
      ev.preventDefault();
      call('POST', paths.verify, { verifyToken: verifyToken, code: document.querySelector('[data-testid="twofa-code"]').value })
        .then(done)
        .catch(function (e) { fail('[data-testid="twofa-error"]', e.message); });
    });
    setState('ready');
  }

  function privatePage() {
    document.querySelector('[data-testid="nav-logout"]').addEventListener('click', function () {
      call('POST', paths.logout, {}).then(function () { location.href = '/login'; }, function () { location.href = '/login'; });
    });
    return call('POST', paths.userDetail, {}).then(function (body) {
      document.querySelector('[data-testid="user-email"]').textContent = body.data.email;
      return PAGES[config.page]();
    }).catch(function (e) { if (e.message !== 'not logged in') showError(e.message); });
  }

  if (config.page === 'login') loginPage(); else privatePage();
})();
`;
