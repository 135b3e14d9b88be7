'use strict';
// End to end: spans from the real OpenTelemetry JS SDK (@opentelemetry/sdk-trace), exported with
// the OTLP/HTTP protobuf exporter to xrayd's --otlp-http listener and with the OTLP/HTTP JSON
// exporter to xrayd's TCP address, then searched and read through the pinned
// @aws-sdk/client-xray: GetTraceSummaries with filter expressions (annotation, service(),
// http.status, fault) and BatchGetTraces.
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/otlp.test.js
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

describe('OpenTelemetry JS SDK -> xrayd OTLP/HTTP -> @aws-sdk/client-xray', () => {
  let dataDir;
  let daemon;
  let xray;
  let client;
  let protoTrace;
  let jsonTrace;
  const exportResults = [];
  const windowStart = new Date(Date.now() - 3600 * 1000);
  const windowEnd = new Date(Date.now() + 3600 * 1000);

  // A span exporter that records each export's result code (0 = success) before passing it on.
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
    const {OTLPTraceExporter: ProtoExporter} = require('@opentelemetry/exporter-trace-otlp-proto');
    const {OTLPTraceExporter: JsonExporter} = require('@opentelemetry/exporter-trace-otlp-http');

    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-otlp-'));
    daemon = await StartXrayd(dataDir, ['--otlp-http', '127.0.0.1:0',
                                        '--otlp-index-attribute', 'tenant']);
    const otlpPort = Number(/otlp_http=127\.0\.0\.1:(\d+)/.exec(daemon.stderr)[1]);
    assert.ok(otlpPort > 0, daemon.stderr);
    client = new xray.XRayClient({
      endpoint: `http://127.0.0.1:${daemon.tcpPort}`,
      region: 'us-east-1',
      credentials: {accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local'},
      maxAttempts: 1,
    });

    // Service "checkout", protobuf to the OTLP listener: a SERVER span that fails with 500 and
    // records an exception, and a CLIENT call to "payments" under it.
    const checkout = Provider('checkout',
                              new ProtoExporter({url: `http://127.0.0.1:${otlpPort}/v1/traces`}));
    const tracer = checkout.getTracer('e2e');
    const server = tracer.startSpan('POST /checkout', {
      kind: api.SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST',
        'url.full': 'http://shop.local/checkout',
        'http.response.status_code': 500,
        'tenant': 't-proto',
        'enduser.id': 'alice',
      },
    });
    const call = tracer.startSpan(
        'charge', {kind: api.SpanKind.CLIENT, attributes: {'peer.service': 'payments'}},
        api.trace.setSpan(api.context.active(), server));
    call.end();
    server.recordException(new TypeError('card declined'));
    server.setStatus({code: api.SpanStatusCode.ERROR, message: 'card declined'});
    server.end();
    protoTrace = XrayId(server.spanContext().traceId);

    // Service "cart", OTLP JSON to the TCP address: a SERVER span answering 200.
    const cart = Provider('cart',
                          new JsonExporter({url: `http://127.0.0.1:${daemon.tcpPort}/v1/traces`}));
    const cartSpan = cart.getTracer('e2e').startSpan('GET /cart', {
      kind: api.SpanKind.SERVER,
      attributes: {'http.method': 'GET', 'http.status_code': 200, 'tenant': 't-json'},
    });
    cartSpan.end();
    jsonTrace = XrayId(cartSpan.spanContext().traceId);

    await checkout.forceFlush();
    await cart.forceFlush();
    await checkout.shutdown();
    await cart.shutdown();
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

  it('every export succeeded', async () => {
    assert.ok(exportResults.length >= 2, JSON.stringify(exportResults));
    for (const result of exportResults) {
      assert.equal(result.code, 0, JSON.stringify(result));
    }
    const m = await FetchMetrics(daemon);
    assert.equal(m['xrayd_otlp_spans_accepted_total{transport="http"}'], 3);
  });

  it('finds the spans with filter expressions', async () => {
    await WaitFor('both traces summarized', async () => (await Ids('')).length === 2, 15000);
    assert.deepEqual(await Ids('annotation.tenant = "t-proto"'), [protoTrace]);
    assert.deepEqual(await Ids('annotation.tenant = "t-json"'), [jsonTrace]);
    assert.deepEqual(await Ids('service("cart")'), [jsonTrace]);
    assert.deepEqual(await Ids('service("payments")'), [protoTrace]);
    assert.deepEqual(await Ids('http.status = 500'), [protoTrace]);
    assert.deepEqual(await Ids('fault'), [protoTrace]);
    assert.deepEqual(await Ids('user = "alice"'), [protoTrace]);
  });

  it('reads the segment and its subsegment back with BatchGetTraces', async () => {
    const out = await client.send(new xray.BatchGetTracesCommand({TraceIds: [protoTrace]}));
    assert.equal(out.Traces.length, 1);
    const docs = out.Traces[0].Segments.map((s) => JSON.parse(s.Document));
    const segment = docs.find((d) => d.name === 'checkout');
    assert.ok(segment, JSON.stringify(docs));
    assert.equal(segment.http.response.status, 500);
    assert.equal(segment.fault, true);
    assert.equal(segment.user, 'alice');
    assert.equal(segment.annotations.tenant, 't-proto');
    assert.equal(segment.cause.exceptions[0].type, 'TypeError');
    assert.equal(segment.cause.exceptions[0].message, 'card declined');
    assert.ok(segment.cause.exceptions[0].stack.length > 0, JSON.stringify(segment.cause));
    const text = JSON.stringify(out.Traces[0].Segments);
    assert.ok(text.includes('payments'), text);
  });
});
