'use strict';
// End to end, one trace across both worlds: a service instrumented with the real aws-xray-sdk-core
// ("storefront", segments over UDP) calls, over real HTTP on loopback, a service instrumented with
// the real OpenTelemetry JS SDK ("inventory", spans over OTLP/HTTP protobuf). The call carries
// X-Amzn-Trace-Id, which @opentelemetry/propagator-aws-xray reads. xrayd must store one trace:
// both services, the OTel segment's parent_id the caller's HTTP subsegment, one service-map edge
// storefront -> inventory, found by service(), edge() and by either form of the trace id.
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/mixed_trace.test.js
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, it} = require('node:test');

const {RequireE2eDeps, RunCliJson, StartXrayd, StopXrayd, WaitFor} =
    require('./lib/xrayd_process');

const kStoreTimeoutMs = 15000;

describe('aws-xray-sdk-core service -> OpenTelemetry service: one trace in xrayd', () => {
  let dataDir;
  let daemon;
  let client;
  let xray;
  let inventoryServer;
  let inventoryProvider;
  let caller;  // {traceId, segmentId, httpSubsegmentId}
  const windowStart = new Date(Date.now() - 3600 * 1000);
  const windowEnd = new Date(Date.now() + 3600 * 1000);

  // The OTel side: an HTTP server whose SERVER span continues the caller's trace.
  async function StartInventory(otlpPort) {
    const api = require('@opentelemetry/api');
    const {TracerProvider, SimpleSpanProcessor} = require('@opentelemetry/sdk-trace');
    const {resourceFromAttributes} = require('@opentelemetry/resources');
    const {OTLPTraceExporter} = require('@opentelemetry/exporter-trace-otlp-proto');
    const {AWSXRayPropagator} = require('@opentelemetry/propagator-aws-xray');

    inventoryProvider = new TracerProvider({
      resource: resourceFromAttributes({'service.name': 'inventory'}),
      spanProcessors: [new SimpleSpanProcessor({
        exporter: new OTLPTraceExporter({url: `http://127.0.0.1:${otlpPort}/v1/traces`}),
      })],
    });
    const tracer = inventoryProvider.getTracer('e2e-mixed');
    const propagator = new AWSXRayPropagator();

    inventoryServer = http.createServer((req, res) => {
      const parent = propagator.extract(api.ROOT_CONTEXT, req.headers, api.defaultTextMapGetter);
      const span = tracer.startSpan('GET /stock', {
        kind: api.SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'url.path': req.url,
          'http.response.status_code': 200,
          'enduser.id': 'bob',
        },
      }, parent);
      span.end();
      res.writeHead(200, {'content-type': 'text/plain'});
      res.end('in stock');
    });
    await new Promise((resolve) => inventoryServer.listen(0, '127.0.0.1', resolve));
    return inventoryServer.address().port;
  }

  // The X-Ray SDK side (manual mode): a segment with one captured HTTP call to inventory.
  async function CallFromStorefront(inventoryPort) {
    process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${daemon.udpPort}`;
    const AWSXRay = require('aws-xray-sdk-core');
    AWSXRay.enableManualMode();
    AWSXRay.setContextMissingStrategy('LOG_ERROR');
    AWSXRay.middleware.disableCentralizedSampling();
    const capturedHttp = AWSXRay.captureHTTPs(http);

    const segment = new AWSXRay.Segment('storefront');
    const body = await new Promise((resolve, reject) => {
      const req = capturedHttp.request(
          {host: '127.0.0.1', port: inventoryPort, path: '/stock?sku=A-1', method: 'GET',
           XRaySegment: segment},
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => { text += chunk; });
            res.on('end', () => resolve(text));
          });
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, 'in stock');
    const httpSubsegment = segment.subsegments.find((s) => s.namespace === 'remote');
    assert.ok(httpSubsegment, 'the SDK recorded the outgoing call as a remote subsegment');
    segment.close();
    return {traceId: segment.trace_id, segmentId: segment.id, httpSubsegmentId: httpSubsegment.id};
  }

  before(async () => {
    RequireE2eDeps();
    xray = require('@aws-sdk/client-xray');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-mixed-'));
    daemon = await StartXrayd(dataDir, ['--otlp-http', '127.0.0.1:0']);
    const otlpPort = Number(/otlp_http=127\.0\.0\.1:(\d+)/.exec(daemon.stderr)[1]);
    assert.ok(otlpPort > 0, daemon.stderr);
    client = new xray.XRayClient({
      endpoint: `http://127.0.0.1:${daemon.tcpPort}`,
      region: 'us-east-1',
      credentials: {accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local'},
      maxAttempts: 1,
    });
    const inventoryPort = await StartInventory(otlpPort);
    caller = await CallFromStorefront(inventoryPort);
    await inventoryProvider.forceFlush();
  });

  after(async () => {
    if (inventoryServer) {
      await new Promise((resolve) => inventoryServer.close(resolve));
    }
    if (inventoryProvider) {
      await inventoryProvider.shutdown();
    }
    if (daemon) {
      await StopXrayd(daemon);
    }
    if (dataDir) {
      fs.rmSync(dataDir, {recursive: true, force: true});
    }
  });

  // A failing step shows the tail of the daemon's log with its assertion.
  const step = (name, fn) => it(name, async () => {
    try {
      await fn();
    } catch (err) {
      err.message += `\n--- xrayd stderr (tail) ---\n${(daemon?.stderr ?? '').slice(-3000)}`;
      throw err;
    }
  });

  async function Segments(traceId) {
    const out = await client.send(new xray.BatchGetTracesCommand({TraceIds: [traceId]}));
    if (out.Traces.length !== 1) {
      return null;
    }
    return out.Traces[0].Segments.map((s) => JSON.parse(s.Document));
  }

  step('both services are stored as one trace, the OTel segment under the SDK call', async () => {
    const docs = await WaitFor('both services in the trace', async () => {
      const segments = await Segments(caller.traceId);
      return segments && segments.some((d) => d.name === 'inventory') &&
          segments.some((d) => d.name === 'storefront') ? segments : null;
    }, kStoreTimeoutMs);
    const inventory = docs.find((d) => d.name === 'inventory');
    const storefront = docs.find((d) => d.name === 'storefront');
    assert.equal(inventory.trace_id, caller.traceId);
    assert.equal(storefront.id, caller.segmentId);
    assert.equal(inventory.parent_id, caller.httpSubsegmentId,
                 'the OTel SERVER span continues the X-Ray SDK HTTP subsegment');
    assert.equal(inventory.http.response.status, 200);
    assert.equal(inventory.user, 'bob');
  });

  step('the 32-hex (W3C) form of the trace id names the same trace', async () => {
    const w3c = caller.traceId.slice(2).replace('-', '');
    assert.equal(w3c.length, 32);
    const segments = await Segments(w3c.toUpperCase());
    assert.ok(segments, 'BatchGetTraces finds the trace by its 32-hex id');
    assert.deepEqual(segments.map((d) => d.name).sort(), ['inventory', 'storefront']);
    const graph = await client.send(new xray.GetTraceGraphCommand({TraceIds: [w3c]}));
    assert.ok(graph.Services.some((s) => s.Name === 'inventory'));
    const cli = await RunCliJson(['traces', 'get', w3c, '--data-dir', dataDir]);
    assert.equal(cli.Traces.length, 1, '`xrayd traces get` takes the 32-hex form too');
    assert.equal(cli.Traces[0].Id, caller.traceId);
  });

  step('the service map has one edge storefront -> inventory', async () => {
    const graph = await client.send(
        new xray.GetServiceGraphCommand({StartTime: windowStart, EndTime: windowEnd}));
    // The root segment's caller is drawn as its own node of type "client", as X-Ray does.
    const byName = new Map(
        graph.Services.filter((s) => s.Type !== 'client').map((s) => [s.Name, s]));
    const storefront = byName.get('storefront');
    const inventory = byName.get('inventory');
    assert.ok(storefront && inventory, JSON.stringify([...byName.keys()]));
    const edges = storefront.Edges.filter((e) => e.ReferenceId === inventory.ReferenceId);
    assert.equal(edges.length, 1, JSON.stringify(storefront.Edges));
    assert.equal(edges[0].SummaryStatistics.TotalCount, 1);
  });

  step('filters find the trace through either service and through the edge', async () => {
    for (const expression of ['service("inventory")', 'service("storefront")',
                              'edge("storefront", "inventory")', 'user = "bob"']) {
      const out = await client.send(new xray.GetTraceSummariesCommand({
        StartTime: windowStart, EndTime: windowEnd, TimeRangeType: 'Event',
        FilterExpression: expression,
      }));
      assert.deepEqual(out.TraceSummaries.map((s) => s.Id), [caller.traceId], expression);
    }
  });
});
