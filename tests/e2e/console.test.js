'use strict';
// End to end: the web console in a real browser (Debian's chromium through puppeteer-core) against
// the real xrayd on loopback port 0, fed real segment documents over UDP. Checks what a person
// sees on /ui/traces (its charts' brushes, refine-by panels), /ui/traces/ID, /ui/map (following a
// node to its traces), /ui/groups (creating one) and /ui/tail, that markup from segments renders
// as text and runs nothing, zero JavaScript errors, no horizontal overflow at 1280x800 and
// 390x844, keyboard selection, the time to the newest rows with 300 traces stored, the headers
// (CSP, nosniff, caching), the bundle budget and --ui off. Screenshots go to
// $XRAYD_CONSOLE_SCREENSHOTS (ctest: the build folder).
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/console.test.js
const assert = require('node:assert/strict');
const {execFileSync} = require('node:child_process');
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const {after, before, describe, it} = require('node:test');

const {RequireE2eDeps, StartXrayd, StopXrayd, WaitFor} = require('./lib/xrayd_process');

RequireE2eDeps();

const kChromium = '/usr/bin/chromium';
const kChromiumMissing = fs.existsSync(kChromium) ? false : `${kChromium} is not installed`;
const kTimeoutMs = 30000;
const kBulkTraces = 299;  // Plus the scenario trace: 300 stored.
const kImgXss = '<img src=x onerror=window.__xss=1>';
const kScriptXss = '<script>window.__xss=2</script>';
const kScreenshots = process.env.XRAYD_CONSOLE_SCREENSHOTS ||
                     path.join(os.tmpdir(), 'xrayd-console-screenshots');

// `xrayd --version`: "xrayd 0.1.0 (commit abc, RelWithDebInfo)".
function Version() {
  return execFileSync(process.env.XRAYD_BIN, ['--version'], {encoding: 'utf8'});
}

function Hex(bytes) {
  return crypto.randomBytes(bytes).toString('hex');
}

function TraceId(epochSeconds) {
  return `1-${Math.floor(epochSeconds).toString(16).padStart(8, '0')}-${Hex(12)}`;
}

function SendDocuments(port, documents) {
  const socket = dgram.createSocket('udp4');
  const header = '{"format":"json","version":1}\n';
  return Promise.all(documents.map((doc) => new Promise((resolve, reject) => {
    socket.send(Buffer.from(header + JSON.stringify(doc)), port, '127.0.0.1',
                (err) => (err ? reject(err) : resolve()));
  }))).finally(() => socket.close());
}

// Raw GET with browser-like headers; resolves with status, headers and the body as a Buffer.
function Get(port, urlPath, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({host: '127.0.0.1', port, path: urlPath, headers, timeout: 5000}, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers,
                                   body: Buffer.concat(chunks)}));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}

// Any method without a body; resolves like Get.
function Request(port, method, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.request({host: '127.0.0.1', port, method, path: urlPath, timeout: 5000},
                             (res) => {
                               const chunks = [];
                               res.on('data', (chunk) => chunks.push(chunk));
                               res.on('end', () => resolve({status: res.statusCode,
                                                            headers: res.headers,
                                                            body: Buffer.concat(chunks)}));
                             });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function PostJson(port, urlPath, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({host: '127.0.0.1', port, method: 'POST', path: urlPath, timeout: 5000,
                              headers: {'Content-Type': 'application/json'}}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({status: res.statusCode, body: text ? JSON.parse(text) : {}}));
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

// The scenario trace: a front end calling a back end, with every kind of timeline row.
function ScenarioTrace(now) {
  const traceId = TraceId(now - 30);
  const t = now - 30;
  const front = {
    trace_id: traceId, id: Hex(8), name: 'console-frontend', start_time: t, end_time: t + 0.9,
    fault: true,
    http: {request: {method: 'GET', url: 'http://shop.local/checkout'}, response: {status: 500}},
    annotations: {note: kImgXss, customer: 'c-42'},
    metadata: {default: {cart: {items: 3}}},
    aws: {account_id: '123456789012'},
    subsegments: [
      {id: Hex(8), name: 'load-cart', start_time: t + 0.01, end_time: t + 0.1,
       sql: {url: 'postgres://db/shop', sanitized_query: 'SELECT * FROM cart WHERE id = ?'}},
      {id: Hex(8), name: 'call-backend', namespace: 'remote', start_time: t + 0.12,
       end_time: t + 0.8, fault: true,
       http: {request: {method: 'POST', url: 'http://backend/pay'}, response: {status: 502}},
       cause: {exceptions: [{id: Hex(8), type: 'PaymentError', message: kScriptXss,
                             stack: [{label: 'pay', path: 'pay.js', line: 42},
                                     {label: 'checkout', path: 'shop.js', line: 7}]}]}},
    ],
  };
  const callId = front.subsegments[1].id;
  const back = {
    trace_id: traceId, id: Hex(8), parent_id: callId, name: 'console-backend',
    start_time: t + 0.15, end_time: t + 0.75, error: true,
    http: {request: {method: 'POST', url: 'http://backend/pay'}, response: {status: 429}},
  };
  const streamed = {
    trace_id: traceId, id: Hex(8), parent_id: back.id, type: 'subsegment', name: 'charge-card',
    start_time: t + 0.2, end_time: t + 0.5, throttle: true,
  };
  const open = {
    trace_id: traceId, id: Hex(8), parent_id: back.id, type: 'subsegment', name: 'audit-log',
    start_time: t + 0.6, in_progress: true,
  };
  // Rows: frontend, load-cart, call-backend, backend, charge-card, audit-log.
  return {traceId, documents: [front, back, streamed, open],
          names: ['console-frontend', 'load-cart', 'call-backend', 'console-backend', 'charge-card',
                  'audit-log']};
}

function BulkTraces(now) {
  const documents = [];
  for (let i = 0; i < kBulkTraces; i++) {
    const t = now - 3000 + i * 10;  // Oldest first; the last is the newest of all.
    documents.push({
      trace_id: TraceId(t), id: Hex(8), name: `bulk-${i % 3}`, start_time: t,
      end_time: t + 0.05 + (i % 7) / 100,
      http: {request: {method: 'GET', url: `http://bulk.local/item/${i}`}, response: {status: 200}},
      annotations: {index: i},
    });
  }
  return documents;
}

async function CountSummaries(port, filter) {
  let count = 0;
  let token;
  const now = Date.now() / 1000;  // A NextToken belongs to one time range: keep it fixed.
  for (let page = 0; page < 10; page++) {
    const body = {StartTime: now - 7200, EndTime: now + 60,
                  ...(filter ? {FilterExpression: filter} : {}), ...(token ? {NextToken: token} : {})};
    const res = await PostJson(port, '/TraceSummaries', body);
    count += (res.body.TraceSummaries || []).length;
    token = res.body.NextToken;
    if (!token) {
      break;
    }
  }
  return count;
}

// A page that records every JavaScript error and console error.
async function NewPage(browser, errors, width, height) {
  const page = await browser.newPage();
  await page.setViewport({width, height});
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      errors.push(`console: ${msg.text()}`);
    }
  });
  page.on('requestfailed', (req) => {
    // ERR_ABORTED is the page cancelling its own request: the tail's event stream on Pause or
    // when leaving the page, a search or chart page still in flight when the filter, range or
    // route changes (its AbortController). Not an error; any other failure is.
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') {
      errors.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`);
    }
  });
  return page;
}

async function NoHorizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

describe('web console', () => {
  let dataDir;
  let daemon;
  let base;
  let scenario;
  let newestBulk;
  let browser;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-console-'));
    fs.mkdirSync(kScreenshots, {recursive: true});
    daemon = await StartXrayd(dataDir);
    base = `http://127.0.0.1:${daemon.tcpPort}`;
    const now = Date.now() / 1000;
    scenario = ScenarioTrace(now);
    const bulk = BulkTraces(now - 60);
    newestBulk = bulk[bulk.length - 1].trace_id;
    await SendDocuments(daemon.udpPort, [...bulk, ...scenario.documents]);
    await WaitFor('300 traces searchable', async () =>
      (await CountSummaries(daemon.tcpPort)) >= kBulkTraces + 1, kTimeoutMs);
    if (!kChromiumMissing) {
      const puppeteer = require('puppeteer-core');
      browser = await puppeteer.launch({
        executablePath: kChromium, headless: true,
        args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
               '--no-first-run'],
      });
    }
  });

  after(async () => {
    if (browser) {
      await browser.close();
    }
    if (daemon) {
      await StopXrayd(daemon);
    }
    fs.rmSync(dataDir, {recursive: true, force: true});
  });

  it('redirects / to /ui/traces and serves deep links with a strict CSP', async () => {
    const root = await Get(daemon.tcpPort, '/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.location, '/ui/traces');
    const page = await Get(daemon.tcpPort, `/ui/traces/${scenario.traceId}`,
                           {'Sec-Fetch-Site': 'none', 'Sec-Fetch-Mode': 'navigate'});
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'], /^text\/html/);
    const csp = page.headers['content-security-policy'];
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    const html = page.body.toString('utf8');
    // Every script has a src: no inline code.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length >= 1);
    for (const [, attributes, body] of scripts) {
      assert.match(attributes, /\bsrc="\/ui\/assets\//);
      assert.equal(body.trim(), '');
    }
    // HEAD answers as GET does (status, type, length, validators), without the body.
    for (const target of [`/ui/traces/${scenario.traceId}`, '/ui/map', '/']) {
      const get = await Get(daemon.tcpPort, target);
      const head = await Request(daemon.tcpPort, 'HEAD', target);
      assert.equal(head.status, get.status, target);
      assert.equal(head.body.length, 0, target);
      for (const name of ['content-type', 'content-length', 'etag', 'cache-control', 'location',
                          'content-security-policy']) {
        assert.equal(head.headers[name], get.headers[name], `${target} ${name}`);
      }
    }
  });

  it('serves assets with an ETag and a long cache, within the 400 KB gzip budget', async () => {
    const html = (await Get(daemon.tcpPort, '/ui/traces')).body.toString('utf8');
    const assets = [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')));
    let gzipBytes = 0;
    // The entry script imports the shared and lazily loaded chunks: follow them all.
    for (let i = 0; i < assets.length; i++) {
      const asset = assets[i];
      const res = await Get(daemon.tcpPort, asset);
      for (const [chunk] of res.body.toString('utf8').matchAll(/chunk-[A-Za-z0-9]+\.js/g)) {
        if (!assets.includes(`/ui/assets/${chunk}`)) {
          assets.push(`/ui/assets/${chunk}`);
        }
      }
      assert.equal(res.status, 200, asset);
      assert.match(res.headers['cache-control'], /max-age=31536000/);
      assert.ok(res.headers.etag, asset);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      gzipBytes += zlib.gzipSync(res.body, {level: 9}).length;
      const again = await Get(daemon.tcpPort, asset, {'If-None-Match': res.headers.etag});
      assert.equal(again.status, 304);
    }
    assert.ok(assets.length >= 4, assets.join(' '));  // Entry, CSS, icon, chunks.
    console.log(`console bundle: ${assets.length} files, ${(gzipBytes / 1024).toFixed(1)} KiB gzip`);
    assert.ok(gzipBytes <= 400 * 1024, `bundle is ${gzipBytes} bytes gzip`);
    assert.equal((await Get(daemon.tcpPort, '/ui/assets/nope.js')).status, 404);
  });

  it('lists the newest traces first within 1 s, pages, and shows the scenario row',
     {skip: kChromiumMissing, timeout: 60000}, async () => {
       const errors = [];
       const page = await NewPage(browser, errors, 1280, 800);
       // Navigation to the newest row: first visit (nothing cached), then three revisits (assets
       // cached, as for anyone who has opened the console before); the best revisit is held to
       // 1 s, so that one scheduling hiccup of a loaded machine does not decide it.
       const times = [];
       for (let visit = 0; visit < 4; visit++) {
         const started = Date.now();
         await page.goto(`${base}/ui/traces`, {waitUntil: 'domcontentloaded', timeout: kTimeoutMs});
         await page.waitForFunction(
             (id) => document.querySelector('table.traces tbody tr')?.dataset.traceId === id,
             {timeout: kTimeoutMs}, scenario.traceId);
         times.push(Date.now() - started);
       }
       const elapsed = Math.min(...times.slice(1));
       console.log(`navigation to newest rows (300 traces stored): first visit ${times[0]} ms, ` +
                   `revisits ${times.slice(1).join(', ')} ms`);
       const rows = await page.$$eval('table.traces tbody tr', (trs) => trs.map((tr) => ({
         id: tr.dataset.traceId, text: tr.innerText,
       })));
       assert.equal(rows.length, 100);  // The API's page.
       assert.equal(rows[1].id, newestBulk);
       const first = rows[0].text;
       for (const expected of ['GET http://shop.local/checkout', '500', 'console-frontend',
                               'console-backend', `note=${kImgXss}`, 'fault']) {
         assert.ok(first.includes(expected), `first row lacks ${expected}: ${first}`);
       }
       assert.equal(await page.evaluate(() => window.__xss), undefined);
       assert.equal(await page.$('table.traces img'), null);
       assert.ok(await NoHorizontalOverflow(page));
       await page.screenshot({path: path.join(kScreenshots, 'traces-1280x800.png')});
       // Older, then Newer again.
       await page.click('nav.pager button:nth-child(2)');
       await page.waitForFunction(
           (id) => { const tr = document.querySelector('table.traces tbody tr');
                     return tr && tr.dataset.traceId !== id; }, {timeout: kTimeoutMs},
           scenario.traceId);
       assert.match(await page.$eval('.summary', (p) => p.innerText), /page 2/);
       await page.click('nav.pager button:nth-child(1)');
       await page.waitForFunction(
           (id) => document.querySelector('table.traces tbody tr')?.dataset.traceId === id,
           {timeout: kTimeoutMs}, scenario.traceId);
       // Held to 1 s on an optimised build; a Debug (sanitizer) build only reports its time.
       if (!/Debug\)/.test(Version())) {
         assert.ok(elapsed <= 1000, `newest rows after ${elapsed} ms`);
       }
       assert.deepEqual(errors, []);
       await page.close();
     });

  it('takes filter, time range and group from the URL and shows the API error with its column',
     {skip: kChromiumMissing, timeout: 60000}, async () => {
       const errors = [];
       const page = await NewPage(browser, errors, 1280, 800);
       const filter = 'service("console-backend")';
       await page.goto(`${base}/ui/traces?filter=${encodeURIComponent(filter)}&since=15m`,
                       {timeout: kTimeoutMs});
       await page.waitForSelector('table.traces tbody tr', {timeout: kTimeoutMs});
       assert.deepEqual(await page.$$eval('table.traces tbody tr', (trs) =>
         trs.map((tr) => tr.dataset.traceId)), [scenario.traceId]);
       assert.equal(await page.$eval('input[name=filter]', (i) => i.value), filter);
       assert.equal(await page.$eval('select[name=since]', (s) => s.value), '15m');
       // A broken filter typed into the bar: the URL changes and the API's message is shown.
       await page.$eval('input[name=filter]', (i) => { i.value = ''; });
       await page.type('input[name=filter]', 'service("a") AND (');
       await page.keyboard.press('Enter');
       await page.waitForSelector('.error-box', {timeout: kTimeoutMs});
       const message = await page.$eval('.error-box', (e) => e.innerText);
       assert.match(message, /column \d+/);
       assert.ok(await page.$('.error-box pre.caret'));
       assert.match(await page.evaluate(() => window.location.search),
                    /filter=service%28%22a%22%29\+AND\+%28/);
       await page.screenshot({path: path.join(kScreenshots, 'traces-filter-error.png')});
       // The start/end pair (shareable absolute range) is honoured.
       const now = Math.floor(Date.now() / 1000);
       await page.goto(`${base}/ui/traces?start=${now - 10}&end=${now}`, {timeout: kTimeoutMs});
       await page.waitForSelector('.empty', {timeout: kTimeoutMs});
       assert.equal(await page.$eval('select[name=since]', (s) => s.value), 'custom');
       assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
       await page.close();
     });

  it('refines the search by a value the traces of the page have in common',
     {skip: kChromiumMissing, timeout: 60000}, async () => {
       const errors = [];
       const page = await NewPage(browser, errors, 1280, 800);
       await page.goto(`${base}/ui/traces?since=6h`, {timeout: kTimeoutMs});
       const term = 'service("console-backend")';
       const button = `.refine button[data-term='${term}']`;
       await page.waitForSelector(button, {timeout: kTimeoutMs});
       assert.equal(await page.$eval(`${button} .refine-count`, (c) => c.textContent), '1');
       const statuses = await page.$$eval('.refine-panel', (panels) =>
         panels.find((p) => p.querySelector('h2').textContent === 'HTTP status')
             .querySelector('button').dataset.term);
       assert.equal(statuses, 'http.status = 200');  // The 299 bulk traces, most common first.
       await page.click(button);
       await page.waitForFunction(
           (id) => { const trs = document.querySelectorAll('table.traces tbody tr');
                     return trs.length === 1 && trs[0].dataset.traceId === id; },
           {timeout: kTimeoutMs}, scenario.traceId);
       const params = new URLSearchParams(await page.evaluate(() => window.location.search));
       assert.equal(params.get('filter'), term);
       assert.equal(params.get('since'), '6h');
       assert.deepEqual(errors, []);
       await page.close();
     });

  it('narrows the search by dragging over the response-time and time charts',
     {skip: kChromiumMissing, timeout: 60000}, async () => {
       const errors = [];
       const page = await NewPage(browser, errors, 1280, 800);
       await page.goto(`${base}/ui/traces?since=6h`, {timeout: kTimeoutMs});
       // The charts cover the whole range, not the table's page of 100: their trace count is
       // the number of traces the API has in that range.
       await page.waitForSelector('.chart-coverage[data-done="true"]', {timeout: kTimeoutMs});
       const coverage = await page.$eval('.chart-coverage', (p) => ({...p.dataset,
                                                                    text: p.textContent}));
       let stored = 0;
       let token = '';
       do {
         const answer = await PostJson(daemon.tcpPort, '/TraceSummaries', {
           StartTime: Number(coverage.start), EndTime: Number(coverage.end), Sampling: false,
           ...(token ? {NextToken: token} : {})});
         stored += answer.body.TraceSummaries.length;
         token = answer.body.NextToken || '';
       } while (token);
       assert.ok(stored > 100, `${stored} traces stored`);
       assert.equal(Number(coverage.total), stored, coverage.text);
       assert.equal(coverage.partial, 'false');
       assert.match(coverage.text, new RegExp(`^${stored} traces in the time range`));
       await page.waitForSelector('.brush-chart .u-over', {timeout: kTimeoutMs});
       const charts = await page.$$('.brush-chart .u-over');
       assert.equal(charts.length, 2);
       // Drag across the left half of the response-time histogram.
       const box = await charts[0].boundingBox();
       await page.mouse.move(box.x + 2, box.y + box.height / 2);
       await page.mouse.down();
       await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, {steps: 5});
       await page.mouse.up();
       await page.waitForFunction(() => /responsetime/.test(window.location.search),
                                  {timeout: kTimeoutMs});
       const filter = new URLSearchParams(await page.evaluate(() => window.location.search))
                          .get('filter');
       const match = /^responsetime >= ([\d.]+) AND responsetime <= ([\d.]+)$/.exec(filter);
       assert.ok(match, filter);
       // The summary line names the filter its rows were fetched with once they have arrived.
       await page.waitForFunction(
           (f) => document.querySelector('.summary')?.dataset.filter === f, {timeout: kTimeoutMs},
           filter);
       assert.equal(await page.$eval('input[name=filter]', (i) => i.value), filter);
       const times = await page.$$eval('table.traces tbody tr td:nth-child(5)',
                                       (tds) => tds.map((td) => td.textContent));
       assert.ok(times.length > 0);
       assert.ok(!times.includes('900 ms'), 'the 900 ms scenario trace is outside the brush');
       // Drag over the time chart: the URL gets a start/end pair.
       await page.waitForSelector('.chart-coverage[data-done="true"]', {timeout: kTimeoutMs});
       await page.waitForSelector('.brush-chart .u-over', {timeout: kTimeoutMs});
       const timeChart = await (await page.$$('.brush-chart .u-over'))[1].boundingBox();
       await page.mouse.move(timeChart.x + timeChart.width * 0.2, timeChart.y + 20);
       await page.mouse.down();
       await page.mouse.move(timeChart.x + timeChart.width * 0.8, timeChart.y + 20, {steps: 5});
       await page.mouse.up();
       await page.waitForFunction(() => /start=\d+&end=\d+/.test(window.location.search),
                                  {timeout: kTimeoutMs});
       await page.screenshot({path: path.join(kScreenshots, 'traces-brushed.png')});
       assert.deepEqual(errors, []);
       await page.close();
     });

  it('opens a trace as a timeline with one row per segment and subsegment, rendered as text',
     {skip: kChromiumMissing, timeout: 60000}, async () => {
       const errors = [];
       const page = await NewPage(browser, errors, 1280, 800);
       await page.goto(`${base}/ui/traces`, {timeout: kTimeoutMs});
       await page.waitForSelector(`tr[data-trace-id="${scenario.traceId}"] a`,
                                  {timeout: kTimeoutMs});
       await page.click(`tr[data-trace-id="${scenario.traceId}"] a`);  // In-app navigation.
       await page.waitForSelector('ol.timeline .tl-row', {timeout: kTimeoutMs});
       assert.equal(await page.evaluate(() => window.location.pathname),
                    `/ui/traces/${scenario.traceId}`);
       const rows = await page.$$eval('ol.timeline .tl-row', (items) => items.map((li) => ({
         name: li.querySelector('.tl-label').textContent, cls: li.className,
         text: li.innerText,
       })));
       assert.deepEqual(rows.map((r) => r.name), scenario.names);
       assert.match(rows[0].cls, /tone-fault/);
       assert.match(rows[3].cls, /tone-error/);
       assert.match(rows[4].cls, /tone-throttle/);
       assert.match(rows[5].text, /in progress/);
       assert.equal(await page.$eval('.row-count', (e) => e.textContent), '6');
       // Keyboard: focus the first row, arrow down twice to call-backend, Enter selects it.
       await page.focus('ol.timeline .tl-button');
       await page.keyboard.press('ArrowDown');
       await page.keyboard.press('ArrowDown');
       await page.keyboard.press('Enter');
       await page.waitForSelector('aside.detail', {timeout: kTimeoutMs});
       assert.equal(await page.$eval('aside.detail h2', (h) => h.textContent), 'call-backend');
       const detail = await page.$eval('aside.detail', (a) => a.innerText);
       assert.ok(detail.includes(kScriptXss), detail);
       assert.ok(detail.includes('PaymentError'));
       assert.ok(detail.includes('pay (pay.js:42)'));
       assert.ok(detail.includes('"status": 502'));
       await page.screenshot({path: path.join(kScreenshots, 'trace-1280x800.png')});
       // The root segment: annotations (the img markup as text), metadata, http, aws, raw JSON.
       await page.click('ol.timeline .tl-row:first-child .tl-button');
       await page.waitForFunction(
           () => document.querySelector('aside.detail h2')?.textContent === 'console-frontend',
           {timeout: kTimeoutMs});
       const root = await page.$eval('aside.detail', (a) => a.innerText);
       for (const expected of [kImgXss, 'c-42', 'Metadata', 'HTTP', 'AWS', '123456789012']) {
         assert.ok(root.includes(expected), `detail lacks ${expected}`);
       }
       await page.click('aside.detail details.raw summary');
       assert.match(await page.$eval('details.raw pre', (p) => p.textContent), /"trace_id"/);
       // The load-cart row shows its SQL.
       await page.click('ol.timeline .tl-row:nth-child(2) .tl-button');
       await page.waitForFunction(
           () => document.querySelector('aside.detail')?.innerText.includes('SELECT * FROM cart'),
           {timeout: kTimeoutMs});
       assert.equal(await page.$('main img, main script'), null);
       assert.equal(await page.evaluate(() => window.__xss), undefined);
       // Below the timeline, the map of this trace's services (GetTraceGraph).
       await page.waitForSelector('.trace-map .map-canvas[data-positions]', {timeout: kTimeoutMs});
       const services = Object.keys(JSON.parse(
           await page.$eval('.trace-map .map-canvas', (d) => d.dataset.positions)));
       assert.ok(services.includes('console-frontend') && services.includes('console-backend'),
                 services.join(', '));
       assert.ok(!services.some((name) => name.startsWith('bulk-')), services.join(', '));
       assert.ok(await NoHorizontalOverflow(page));
       assert.deepEqual(errors, []);
       await page.close();
     });

  it('draws the service map and follows a node to its filtered traces',
     {skip: kChromiumMissing, timeout: 60000}, async () => {
       const errors = [];
       const page = await NewPage(browser, errors, 1280, 800);
       await page.goto(`${base}/ui/map?since=6h`, {timeout: kTimeoutMs});
       await page.waitForSelector('.map-canvas[data-positions]', {timeout: kTimeoutMs});
       const services = await page.$$eval('table.map-nodes tbody tr', (trs) =>
         Object.fromEntries(trs.map((tr) => [tr.dataset.service,
                                             tr.querySelectorAll('td')[2].textContent])));
       assert.equal(services['console-frontend'], '1');
       assert.ok('console-backend' in services);
       assert.equal(services['bulk-0'], String(Math.ceil(kBulkTraces / 3)));
       const calls = await page.$$eval('table.map-edges tbody tr', (trs) =>
         trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)));
       assert.ok(calls.some(([from, to, n]) => from === 'console-frontend' &&
                                               to === 'console-backend' && n === '1'), calls);
       await page.screenshot({path: path.join(kScreenshots, 'map-1280x800.png')});
       // A click on the node in the graph opens its traces.
       const positions = JSON.parse(await page.$eval('.map-canvas', (d) => d.dataset.positions));
       const box = await (await page.$('.map-canvas')).boundingBox();
       const at = positions['console-backend'];
       await page.mouse.click(box.x + at.x, box.y + at.y);
       await page.waitForFunction(() => window.location.pathname === '/ui/traces',
                                  {timeout: kTimeoutMs});
       const params = new URLSearchParams(await page.evaluate(() => window.location.search));
       assert.equal(params.get('filter'), 'service("console-backend")');
       assert.equal(params.get('since'), '6h');
       await page.waitForSelector('table.traces tbody tr', {timeout: kTimeoutMs});
       assert.deepEqual(await page.$$eval('table.traces tbody tr', (trs) =>
         trs.map((tr) => tr.dataset.traceId)), [scenario.traceId]);
       assert.deepEqual(errors, []);
       await page.close();
     });

  it('creates a group with its filter checked as it is typed, then lists its traces',
     {skip: kChromiumMissing, timeout: 60000}, async () => {
       const errors = [];
       const page = await NewPage(browser, errors, 1280, 800);
       await page.goto(`${base}/ui/groups`, {timeout: kTimeoutMs});
       await page.waitForSelector('button.primary', {timeout: kTimeoutMs});
       await page.click('button.primary');
       await page.type('input[name=group-name]', 'checkout-faults');
       await page.type('input[name=group-filter]', 'service("console-frontend") AND fault AND (');
       await page.waitForSelector('.check-invalid', {timeout: kTimeoutMs});
       // The caret sits under the column the API's message names.
       const message = await page.$eval('.check-invalid .error-message', (e) => e.textContent);
       const column = Number(/column (\d+)/.exec(message)[1]);
       const caret = await page.$eval('.check-invalid pre.caret', (p) => p.textContent);
       assert.equal(caret.split('\n')[1], `${' '.repeat(column - 1)}^`);
       assert.ok(await page.$eval('.group-form button[type=submit]', (b) => b.disabled));
       for (let i = 0; i < ' AND ('.length; i++) {
         await page.keyboard.press('Backspace');
       }
       await page.waitForSelector('.check-valid', {timeout: kTimeoutMs});
       await page.click('.group-form button[type=submit]');
       await page.waitForSelector('li.group[data-group="checkout-faults"]', {timeout: kTimeoutMs});
       assert.equal(await page.$eval('li.group[data-group="checkout-faults"] .group-filter',
                                     (c) => c.textContent),
                    'service("console-frontend") AND fault');
       await page.waitForSelector('li.group[data-group="checkout-faults"] .chart-box canvas',
                                  {timeout: kTimeoutMs});
       const groups = await PostJson(daemon.tcpPort, '/Groups', {});
       assert.ok(groups.body.Groups.some((g) => g.GroupName === 'checkout-faults'));
       await page.screenshot({path: path.join(kScreenshots, 'groups-1280x800.png')});
       await page.click('li.group[data-group="checkout-faults"] a.group-name');
       await page.waitForSelector('table.traces tbody tr', {timeout: kTimeoutMs});
       assert.equal(await page.$eval('select[name=group]', (s) => s.value), 'checkout-faults');
       assert.deepEqual(await page.$$eval('table.traces tbody tr', (trs) =>
         trs.map((tr) => tr.dataset.traceId)), [scenario.traceId]);
       // The deliberately invalid filter's 400 is the only resource error.
       assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
       await page.close();
     });

  it('tails new traces as they are stored, filtered', {skip: kChromiumMissing, timeout: 60000},
     async () => {
       const errors = [];
       const page = await NewPage(browser, errors, 1280, 800);
       const requests = [];
       page.on('request', (req) => requests.push(`${req.method()} ${new URL(req.url()).pathname}`));
       const streams = [];
       page.on('response', (res) => {
         if (new URL(res.url()).pathname === '/ui/api/tail') {
           streams.push(`${res.status()} ${res.headers()['content-type']}`);
         }
       });
       await page.goto(`${base}/ui/tail?filter=${encodeURIComponent('service("tail-svc")')}`,
                       {timeout: kTimeoutMs});
       await page.waitForSelector('.summary[data-state="open"]', {timeout: kTimeoutMs});
       assert.equal(await page.$$eval('ol.tail li', (items) => items.length), 0);
       const now = Date.now() / 1000;
       const wanted = {trace_id: TraceId(now), id: Hex(8), name: 'tail-svc', start_time: now - 0.2,
                       end_time: now, annotations: {label: kImgXss}};
       const other = {trace_id: TraceId(now), id: Hex(8), name: 'not-tailed', start_time: now - 0.2,
                      end_time: now};
       await SendDocuments(daemon.udpPort, [wanted, other]);
       await page.waitForSelector(`ol.tail li[data-trace-id="${wanted.trace_id}"]`,
                                  {timeout: kTimeoutMs});
       assert.deepEqual(await page.$$eval('ol.tail li', (items) =>
         items.map((li) => li.dataset.traceId)), [wanted.trace_id]);
       assert.match(await page.$eval('ol.tail li', (li) => li.innerText), /tail-svc/);
       // Pushed over one server-sent event stream, not found by polling the API.
       assert.deepEqual(streams, ['200 text/event-stream; charset=utf-8']);
       assert.deepEqual(requests.filter((r) => /TraceSummaries|\/ui\/api\/tail/.test(r)),
                        ['GET /ui/api/tail']);
       await page.screenshot({path: path.join(kScreenshots, 'tail-1280x800.png')});
       await page.click('button.pause');
       await page.waitForFunction(() => /Paused/.test(document.querySelector('.summary').textContent),
                                  {timeout: kTimeoutMs});
       // A trace stored while paused arrives on Resume: the new stream resumes from the last
       // event's id.
       const later = Date.now() / 1000;
       const whilePaused = {trace_id: TraceId(later), id: Hex(8), name: 'tail-svc',
                            start_time: later - 0.1, end_time: later};
       await SendDocuments(daemon.udpPort, [whilePaused]);
       await page.click('button.pause');
       await page.waitForSelector(`ol.tail li[data-trace-id="${whilePaused.trace_id}"]`,
                                  {timeout: kTimeoutMs});
       assert.match(requests.filter((r) => r.includes('/ui/api/tail')).join(' '),
                    /^GET \/ui\/api\/tail GET \/ui\/api\/tail$/);
       assert.equal(await page.evaluate(() => window.__xss), undefined);
       assert.deepEqual(errors, []);
       await page.close();
     });

  it('fits a 390x844 phone without horizontal overflow', {skip: kChromiumMissing, timeout: 60000},
     async () => {
       const errors = [];
       const page = await NewPage(browser, errors, 390, 844);
       await page.goto(`${base}/ui/traces`, {timeout: kTimeoutMs});
       await page.waitForSelector('table.traces tbody tr', {timeout: kTimeoutMs});
       assert.ok(await NoHorizontalOverflow(page), 'traces page overflows');
       await page.screenshot({path: path.join(kScreenshots, 'traces-390x844.png')});
       await page.goto(`${base}/ui/traces/${scenario.traceId}`, {timeout: kTimeoutMs});
       await page.waitForSelector('ol.timeline .tl-row', {timeout: kTimeoutMs});
       await page.click('ol.timeline .tl-row:nth-child(3) .tl-button');
       await page.waitForSelector('aside.detail', {timeout: kTimeoutMs});
       assert.ok(await NoHorizontalOverflow(page), 'trace page overflows');
       await page.screenshot({path: path.join(kScreenshots, 'trace-390x844.png'), fullPage: true});
       await page.goto(`${base}/ui/map`, {timeout: kTimeoutMs});
       await page.waitForSelector('.map-canvas[data-positions]', {timeout: kTimeoutMs});
       assert.ok(await NoHorizontalOverflow(page), 'map page overflows');
       await page.screenshot({path: path.join(kScreenshots, 'map-390x844.png'), fullPage: true});
       await page.goto(`${base}/ui/groups`, {timeout: kTimeoutMs});
       await page.waitForSelector('li.group .chart-box canvas', {timeout: kTimeoutMs});
       assert.ok(await NoHorizontalOverflow(page), 'groups page overflows');
       await page.screenshot({path: path.join(kScreenshots, 'groups-390x844.png'), fullPage: true});
       await page.goto(`${base}/ui/tail`, {timeout: kTimeoutMs});
       await page.waitForSelector('.summary[data-state="open"]', {timeout: kTimeoutMs});
       assert.ok(await NoHorizontalOverflow(page), 'tail page overflows');
       await page.screenshot({path: path.join(kScreenshots, 'tail-390x844.png')});
       assert.equal(await page.evaluate(() => window.__xss), undefined);
       assert.deepEqual(errors, []);
       await page.close();
     });
});

describe('web console off', () => {
  for (const [how, args] of [['--ui off', ['--ui', 'off']], ['cfg.yaml Xrayd.Ui: false', null]]) {
    it(`${how} serves neither / nor /ui/`, async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-console-off-'));
      let extra = args;
      if (!extra) {
        const config = path.join(dataDir, 'cfg.yaml');
        fs.writeFileSync(config, 'Version: 2\nXrayd:\n  Ui: false\n');
        extra = ['-c', config];
      }
      const daemon = await StartXrayd(path.join(dataDir, 'data'), extra);
      try {
        const root = await Get(daemon.tcpPort, '/');
        assert.notEqual(root.status, 302);  // 405: only CloudWatch's POST / is served there.
        assert.equal(root.headers.location, undefined);
        assert.equal((await Get(daemon.tcpPort, '/ui/traces')).status, 404);
        assert.equal((await Get(daemon.tcpPort, '/ui/assets/app.js')).status, 404);
        assert.equal((await Get(daemon.tcpPort, '/healthz')).status, 200);
      } finally {
        await StopXrayd(daemon);
        fs.rmSync(dataDir, {recursive: true, force: true});
      }
    });
  }
});
