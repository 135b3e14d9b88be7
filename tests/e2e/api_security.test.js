'use strict';
// End to end: the attacks of docs/security.md against the real xrayd. A real browser (Debian's
// chromium through puppeteer-core) opens a page served from another loopback origin that tries
// no-cors fetches and a form POST to DeleteGroup and CreateSamplingRule; the rebinding case with a
// forged Host; SigV4 authentication with good and bad keys through @aws-sdk/client-xray and the
// AWS CLI (skipped, saying so, when `aws` is not on PATH). Loopback only.
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/api_security.test.js
const assert = require('node:assert/strict');
const {execFile, spawnSync} = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, it} = require('node:test');

const {FetchMetrics, RequireE2eDeps, StartXrayd, StopXrayd, WaitFor} =
    require('./lib/xrayd_process');

RequireE2eDeps();
const xray = require('@aws-sdk/client-xray');

const kChromium = '/usr/bin/chromium';
const kBrowserTimeoutMs = 30000;

function Client(daemon, accessKeyId = 'AKIDLOCAL', secretAccessKey = 'local') {
  return new xray.XRayClient({
    endpoint: `http://127.0.0.1:${daemon.tcpPort}`,
    region: 'us-east-1',
    credentials: {accessKeyId, secretAccessKey},
    maxAttempts: 1,
  });
}

function Rule(name, extra = {}) {
  return {
    RuleName: name, ResourceARN: '*', Priority: 100, FixedRate: 0.5, ReservoirSize: 4,
    ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1,
    ...extra,
  };
}

// One raw request from node with exactly the headers given (Host and Origin forged at will).
function Raw(port, method, urlPath, headers, body = '') {
  return new Promise((resolve, reject) => {
    const req = http.request({host: '127.0.0.1', port, method, path: urlPath, headers,
                              timeout: 5000, setHost: false}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers, body: text}));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

// The attack page: what any web site the developer visits could run against 127.0.0.1.
function AttackPage(target) {
  const deleteBody = JSON.stringify({GroupName: 'checkout'});
  const ruleBody = JSON.stringify({SamplingRule: Rule('evil', {FixedRate: 0, ReservoirSize: 0})});
  return `<!doctype html><html><body>
<iframe name="sink" id="sink"></iframe>
<form id="form" method="POST" action="${target}/DeleteGroup" enctype="text/plain" target="sink">
  <input type="hidden" name='{"GroupName":"checkout","x":"' value='"}'>
</form>
<script>
(async () => {
  const attempts = [
    fetch('${target}/DeleteGroup', {method: 'POST', mode: 'no-cors',
      headers: {'Content-Type': 'text/plain'}, body: ${JSON.stringify(deleteBody)}}),
    fetch('${target}/CreateSamplingRule', {method: 'POST', mode: 'no-cors',
      headers: {'Content-Type': 'text/plain'}, body: ${JSON.stringify(ruleBody)}}),
    fetch('${target}/TraceSummaries', {method: 'POST', mode: 'no-cors',
      body: '{"StartTime":0,"EndTime":4102444800}'}),
  ];
  for (const attempt of attempts) {
    try { await attempt; } catch (e) { /* refused or opaque: either way nothing to read */ }
  }
  document.getElementById('form').submit();
  await fetch('/done');
})();
</script></body></html>`;
}

// Serves the attack page on 127.0.0.2 (another origin and site than xrayd's 127.0.0.1) and
// resolves `done` when the page reports that its fetches have settled and its form is submitted.
async function StartAttackSite(target) {
  let reportDone;
  const done = new Promise((resolve) => { reportDone = resolve; });
  const server = http.createServer((req, res) => {
    if (req.url === '/done') {
      reportDone();
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(200, {'Content-Type': 'text/html; charset=utf-8'});
    res.end(AttackPage(target));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.2', resolve);
  });
  return {server, done, url: `http://127.0.0.2:${server.address().port}/`};
}

function AwsCli(args, env) {
  return new Promise((resolve) => {
    execFile('aws', args, {
      timeout: 30000,
      env: {PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_DEFAULT_REGION: 'us-east-1',
            AWS_EC2_METADATA_DISABLED: 'true', ...env},
    }, (err, stdout, stderr) => resolve({code: err ? (err.code ?? 1) : 0, stdout, stderr}));
  });
}

const kAwsCliMissing = spawnSync('aws', ['--version']).status === 0 ? false :
    '`aws` (the AWS CLI) is not on PATH: the AWS CLI cases are skipped';
const kChromiumMissing = fs.existsSync(kChromium) ? false :
    `${kChromium} is missing (scripts/install-e2e-deps.sh installs Debian's chromium)`;

describe('a browser page on another origin cannot change or read xrayd', () => {
  let dataDir;
  let daemon;
  let client;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-security-'));
    daemon = await StartXrayd(dataDir);
    client = Client(daemon);
    await client.send(new xray.CreateGroupCommand({GroupName: 'checkout',
                                                    FilterExpression: 'service("api")'}));
    await client.send(new xray.CreateSamplingRuleCommand({SamplingRule: Rule('orders')}));
  });

  after(async () => {
    client?.destroy();
    if (daemon) {
      await StopXrayd(daemon);
    }
    fs.rmSync(dataDir, {recursive: true, force: true});
  });

  it('chromium: no-cors fetches and a form POST from 127.0.0.2 change nothing',
     {skip: kChromiumMissing, timeout: 60000}, async () => {
       const puppeteer = require('puppeteer-core');
       const site = await StartAttackSite(`http://127.0.0.1:${daemon.tcpPort}`);
       const browser = await puppeteer.launch({
         executablePath: kChromium,
         headless: true,
         args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                '--no-first-run'],
       });
       let refused;
       try {
         const page = await browser.newPage();
         await page.goto(site.url, {timeout: kBrowserTimeoutMs});
         let timer;
         await Promise.race([site.done, new Promise((_, reject) => {
           timer = setTimeout(() => reject(new Error('the attack page never reported done')),
                              kBrowserTimeoutMs);
         })]);
         clearTimeout(timer);
         // Three fetches and the form (whose answer no page event reports reliably: it is refused
         // framing), each refused before reaching a handler. The browser stays open until then,
         // so that the form's request is not cancelled.
         refused = await WaitFor('4 cross-site refusals', async () => {
           const metrics = await FetchMetrics(daemon);
           return metrics['xrayd_api_requests_refused_total{reason="cross_site"}'] >= 4 && metrics;
         }, kBrowserTimeoutMs);
       } finally {
         await browser.close();
         site.server.close();
       }
       assert.equal(refused['xrayd_api_requests_refused_total{reason="cross_site"}'], 4);
       assert.equal(refused['xrayd_api_requests_refused_total{reason="host"}'], 0);

       const groups = await client.send(new xray.GetGroupsCommand({}));
       assert.ok(groups.Groups.some((g) => g.GroupName === 'checkout'), 'checkout still exists');
       const rules = await client.send(new xray.GetSamplingRulesCommand({}));
       const names = rules.SamplingRuleRecords.map((r) => r.SamplingRule.RuleName).sort();
       assert.deepEqual(names, ['Default', 'orders']);
       const orders = rules.SamplingRuleRecords.find((r) => r.SamplingRule.RuleName === 'orders');
       assert.equal(orders.SamplingRule.FixedRate, 0.5);
     });

  it('a DNS-rebinding page (forged Host) is refused; an SDK with any Host is served', async () => {
    const port = daemon.tcpPort;
    const rebound = `attacker.example:${port}`;
    const before = (await FetchMetrics(daemon))['xrayd_api_requests_refused_total{reason="host"}'];
    const summaries = await Raw(port, 'POST', '/TraceSummaries', {
      'Host': rebound, 'Origin': `http://${rebound}`, 'Content-Type': 'application/json',
    }, '{"StartTime":0,"EndTime":4102444800}');
    assert.equal(summaries.status, 403, summaries.body);
    assert.equal(summaries.headers['x-amzn-errortype'], 'AccessDeniedException');
    assert.equal(JSON.parse(summaries.body).__type, 'AccessDeniedException');
    const metricsPage = await Raw(port, 'GET', '/metrics',
                                  {'Host': rebound, 'Sec-Fetch-Site': 'same-origin'});
    assert.equal(metricsPage.status, 403);
    const sdk = await Raw(port, 'POST', '/GetSamplingRules',
                          {'Host': `xray-daemon.default.svc:${port}`,
                           'Content-Type': 'application/json'}, '{}');
    assert.equal(sdk.status, 200, sdk.body);
    assert.equal(sdk.headers['x-content-type-options'], 'nosniff');
    assert.match(sdk.headers['content-security-policy'], /frame-ancestors 'none'/);
    assert.equal(sdk.headers['referrer-policy'], 'no-referrer');
    const afterCount =
        (await FetchMetrics(daemon))['xrayd_api_requests_refused_total{reason="host"}'];
    assert.equal(afterCount - before, 2);
  });

  it('the AWS CLI without auth still works', {skip: kAwsCliMissing}, async () => {
    const result = await AwsCli(['xray', 'get-groups', '--endpoint-url',
                                 `http://127.0.0.1:${daemon.tcpPort}`],
                                {AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local'});
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /checkout/);
  });
});

describe('--api-auth sigv4', () => {
  let dataDir;
  let daemon;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-auth-'));
    const keys = path.join(dataDir, 'keys');
    fs.writeFileSync(keys, '# e2e keys\nAKIDE2EGOOD:e2e-secret\n', {mode: 0o600});
    daemon = await StartXrayd(path.join(dataDir, 'data'),
                              ['--api-auth', 'sigv4', '--api-keys-file', keys]);
  });

  after(async () => {
    if (daemon) {
      await StopXrayd(daemon);
    }
    fs.rmSync(dataDir, {recursive: true, force: true});
  });

  async function ExpectRefusal(client, name) {
    await assert.rejects(client.send(new xray.GetGroupsCommand({})), (err) => {
      assert.equal(err.name, name, err.message);
      assert.equal(err.$metadata.httpStatusCode, 403);
      return true;
    });
    client.destroy();
  }

  it('@aws-sdk/client-xray: a good key is served, bad ones get AWS\'s errors', async () => {
    const good = Client(daemon, 'AKIDE2EGOOD', 'e2e-secret');
    await good.send(new xray.CreateGroupCommand({GroupName: 'signed'}));
    const groups = await good.send(new xray.GetGroupsCommand({}));
    assert.ok(groups.Groups.some((g) => g.GroupName === 'signed'));
    good.destroy();
    await ExpectRefusal(Client(daemon, 'AKIDE2EGOOD', 'wrong-secret'), 'InvalidSignatureException');
    await ExpectRefusal(Client(daemon, 'AKIDUNKNOWN', 'e2e-secret'), 'UnrecognizedClientException');
    const unsigned = await Raw(daemon.tcpPort, 'POST', '/Groups',
                               {'Host': `127.0.0.1:${daemon.tcpPort}`});
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
    const health = await Raw(daemon.tcpPort, 'GET', '/healthz',
                             {'Host': `127.0.0.1:${daemon.tcpPort}`});
    assert.equal(health.status, 200);
    const metrics = await FetchMetrics(daemon);  // Open without --metrics-auth.
    assert.equal(metrics['xrayd_api_requests_refused_total{reason="bad_signature"}'], 1);
    assert.equal(metrics['xrayd_api_requests_refused_total{reason="unknown_key"}'], 1);
  });

  it('CloudWatch clients sign for service monitoring: JSON 1.0 and the query protocol are served',
     async () => {
       const endpoint = `http://127.0.0.1:${daemon.tcpPort}`;
       for (const pkg of ['@aws-sdk/client-cloudwatch', 'client-cloudwatch-query']) {
         const cw = require(pkg);
         const client = new cw.CloudWatchClient({
           endpoint, region: 'us-east-1', maxAttempts: 1,
           credentials: {accessKeyId: 'AKIDE2EGOOD', secretAccessKey: 'e2e-secret'},
         });
         const out = await client.send(new cw.DescribeAlarmsCommand({}));
         assert.ok(Array.isArray(out.MetricAlarms), pkg);
         client.destroy();
         const wrong = new cw.CloudWatchClient({
           endpoint, region: 'us-east-1', maxAttempts: 1,
           credentials: {accessKeyId: 'AKIDE2EGOOD', secretAccessKey: 'wrong-secret'},
         });
         await assert.rejects(wrong.send(new cw.DescribeAlarmsCommand({})), (err) => {
           assert.equal(err.$metadata.httpStatusCode, 403, `${pkg}: ${err.message}`);
           return true;
         });
         wrong.destroy();
       }
     });

  it('a signature for another service is refused', async () => {
    const other = new xray.XRayClient({
      endpoint: `http://127.0.0.1:${daemon.tcpPort}`, region: 'us-east-1', maxAttempts: 1,
      credentials: {accessKeyId: 'AKIDE2EGOOD', secretAccessKey: 'e2e-secret'},
      signingName: 's3',
    });
    await assert.rejects(other.send(new xray.GetGroupsCommand({})), (err) => {
      assert.equal(err.$metadata.httpStatusCode, 403, err.message);
      assert.match(err.message, /not xray .* or monitoring/);
      return true;
    });
    other.destroy();
  });

  it('the AWS CLI: a good key is served, a bad one is refused', {skip: kAwsCliMissing},
     async () => {
       const endpoint = ['--endpoint-url', `http://127.0.0.1:${daemon.tcpPort}`];
       const good = await AwsCli(['xray', 'get-groups', ...endpoint],
                                 {AWS_ACCESS_KEY_ID: 'AKIDE2EGOOD',
                                  AWS_SECRET_ACCESS_KEY: 'e2e-secret'});
       assert.equal(good.code, 0, good.stderr);
       assert.match(good.stdout, /signed/);
       const bad = await AwsCli(['xray', 'get-groups', ...endpoint],
                                {AWS_ACCESS_KEY_ID: 'AKIDE2EGOOD',
                                 AWS_SECRET_ACCESS_KEY: 'not-the-secret'});
       assert.notEqual(bad.code, 0);
       assert.match(bad.stderr, /InvalidSignatureException/);
       const unknown = await AwsCli(['xray', 'get-groups', ...endpoint],
                                    {AWS_ACCESS_KEY_ID: 'AKIDNOBODY',
                                     AWS_SECRET_ACCESS_KEY: 'e2e-secret'});
       assert.notEqual(unknown.code, 0);
       assert.match(unknown.stderr, /UnrecognizedClientException/);
     });
});
