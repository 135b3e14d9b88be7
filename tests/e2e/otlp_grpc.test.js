'use strict';
// End to end: spans from the real OpenTelemetry JS SDK (@opentelemetry/sdk-trace), exported with
// the OTLP/gRPC exporter (@opentelemetry/exporter-trace-otlp-grpc, @grpc/grpc-js) to xrayd's
// --otlp-grpc listener, plain and gzip-compressed, then searched and read through the pinned
// @aws-sdk/client-xray: GetTraceSummaries with filter expressions and BatchGetTraces.
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/otlp_grpc.test.js
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, it} = require('node:test');

const {FetchMetrics, RequireE2eDeps, StartXrayd, StopXrayd, WaitFor} =
    require('./lib/xrayd_process');

// The X-Ray form of a W3C trace id.
function XrayId(traceId) {
  return `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
}

describe('OpenTelemetry JS SDK -> xrayd OTLP/gRPC -> @aws-sdk/client-xray', () => {
  let dataDir;
  let daemon;
  let xray;
  let client;
  let ordersTrace;
  let stockTrace;
  const exportResults = [];
  const windowStart = new Date(Date.now() - 3600 * 1000);
  const windowEnd = new Date(Date.now() + 3600 * 1000);

  // A span exporter that records each export's result (code 0 = success) before passing it on.
  function Recording(exporter) {
    return {
      export(spans, done) {
        exporter.export(spans, (result) => {
          exportResults.push(result);
          done(result);
        });
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => (exporter.forceFlush ? exporter.forceFlush() : Promise.resolve()),
    };
  }

  function Provider(serviceName, exporter) {
    const {TracerProvider, SimpleSpanProcessor} = require('@opentelemetry/sdk-trace');
    const {resourceFromAttributes} = require('@opentelemetry/resources');
    return new TracerProvider({
      resource: resourceFromAttributes(
          {'service.name': serviceName, 'telemetry.sdk.language': 'nodejs'}),
      spanProcessors: [new SimpleSpanProcessor({exporter: Recording(exporter)})],
    });
  }

  before(async () => {
    RequireE2eDeps();
    xray = require('@aws-sdk/client-xray');
    const api = require('@opentelemetry/api');
    const {OTLPTraceExporter} = require('@opentelemetry/exporter-trace-otlp-grpc');

    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-otlp-grpc-'));
    daemon = await StartXrayd(dataDir, ['--otlp-grpc', '127.0.0.1:0', '--otlp-http', 'off',
                                        '--otlp-index-attribute', 'tenant']);
    const grpcPort = Number(/otlp_grpc=127\.0\.0\.1:(\d+)/.exec(daemon.stderr)[1]);
    assert.ok(grpcPort > 0, daemon.stderr);
    client = new xray.XRayClient({
      endpoint: `http://127.0.0.1:${daemon.tcpPort}`,
      region: 'us-east-1',
      credentials: {accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local'},
      maxAttempts: 1,
    });

    // Service "orders", uncompressed: a SERVER span failing with 500 that records an exception,
    // and a CLIENT call to "stock" under it.
    const orders = Provider('orders', new OTLPTraceExporter({url: `http://127.0.0.1:${grpcPort}`}));
    const tracer = orders.getTracer('e2e');
    const server = tracer.startSpan('POST /orders', {
      kind: api.SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST',
        'url.full': 'http://shop.local/orders',
        'http.response.status_code': 500,
        'tenant': 't-grpc',
        'enduser.id': 'bob',
      },
    });
    const call = tracer.startSpan(
        'reserve', {kind: api.SpanKind.CLIENT, attributes: {'peer.service': 'stock'}},
        api.trace.setSpan(api.context.active(), server));
    call.end();
    server.recordException(new RangeError('out of stock'));
    server.setStatus({code: api.SpanStatusCode.ERROR, message: 'out of stock'});
    server.end();
    ordersTrace = XrayId(server.spanContext().traceId);

    // Service "stock", gzip-compressed messages: a SERVER span answering 200.
    const stock = Provider('stock', new OTLPTraceExporter(
        {url: `http://127.0.0.1:${grpcPort}`, compression: 'gzip'}));
    const stockSpan = stock.getTracer('e2e').startSpan('GET /stock', {
      kind: api.SpanKind.SERVER,
      attributes: {'http.method': 'GET', 'http.status_code': 200, 'tenant': 't-gzip'},
    });
    stockSpan.end();
    stockTrace = XrayId(stockSpan.spanContext().traceId);

    await orders.forceFlush();
    await stock.forceFlush();
    await orders.shutdown();
    await stock.shutdown();
    await WaitFor('every span stored', async () => {
      const m = await FetchMetrics(daemon);
      return (m.xrayd_segments_stored_total ?? 0) >= 3;
    }, 15000);
  });

  after(async () => {
    if (daemon && !daemon.exit) await StopXrayd(daemon, 'SIGKILL').catch(() => {});
    if (dataDir) fs.rmSync(dataDir, {recursive: true, force: true});
  });

  async function Ids(filter) {
    const out = await client.send(new xray.GetTraceSummariesCommand({
      // Event: the default range type (TraceId) reads the time from the id's first 4 bytes, which
      // the SDK's random W3C ids do not hold.
      StartTime: windowStart, EndTime: windowEnd, TimeRangeType: 'Event', FilterExpression: filter,
    }));
    return (out.TraceSummaries ?? []).map((s) => s.Id).sort();
  }

  it('every export succeeded over gRPC', async () => {
    assert.ok(exportResults.length >= 2, JSON.stringify(exportResults));
    for (const result of exportResults) {
      assert.equal(result.code, 0, JSON.stringify(result));
    }
    const m = await FetchMetrics(daemon);
    assert.equal(m['xrayd_otlp_spans_accepted_total{transport="grpc"}'], 3);
    assert.equal(m['xrayd_otlp_requests_total{transport="http"}'], 0);
  });

  it('finds the spans with filter expressions', async () => {
    await WaitFor('both traces summarized', async () => (await Ids('')).length === 2, 15000);
    assert.deepEqual(await Ids('annotation.tenant = "t-grpc"'), [ordersTrace]);
    assert.deepEqual(await Ids('annotation.tenant = "t-gzip"'), [stockTrace]);
    assert.deepEqual(await Ids('service("stock")'), [ordersTrace, stockTrace].sort());
    assert.deepEqual(await Ids('http.status = 500'), [ordersTrace]);
    assert.deepEqual(await Ids('fault'), [ordersTrace]);
    assert.deepEqual(await Ids('user = "bob"'), [ordersTrace]);
  });

  it('reads the segment and its subsegment back with BatchGetTraces', async () => {
    const out = await client.send(new xray.BatchGetTracesCommand({TraceIds: [ordersTrace]}));
    assert.equal(out.Traces.length, 1);
    const docs = out.Traces[0].Segments.map((s) => JSON.parse(s.Document));
    const segment = docs.find((d) => d.name === 'orders');
    assert.ok(segment, JSON.stringify(docs));
    assert.equal(segment.http.response.status, 500);
    assert.equal(segment.fault, true);
    assert.equal(segment.user, 'bob');
    assert.equal(segment.annotations.tenant, 't-grpc');
    assert.equal(segment.cause.exceptions[0].type, 'RangeError');
    assert.equal(segment.cause.exceptions[0].message, 'out of stock');
    const text = JSON.stringify(out.Traces[0].Segments);
    assert.ok(text.includes('stock'), text);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exit = await StopXrayd(daemon, 'SIGTERM');
    assert.deepEqual(exit, {code: 0, signal: null});
  });
});
