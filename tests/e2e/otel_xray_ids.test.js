'use strict';
// End to end: the OpenTelemetry JS SDK with @opentelemetry/id-generator-aws-xray (trace ids whose
// first 4 bytes are the start second) exports over OTLP/HTTP protobuf to xrayd; the pinned
// @aws-sdk/client-xray finds the traces with GetTraceSummaries' default TimeRangeType (TraceId,
// which reads that epoch) and filters, and reads them with BatchGetTraces under the X-Ray form
// 1-<8 hex epoch>-<24 hex> (and under the 32-hex form).
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/otel_xray_ids.test.js
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, it} = require('node:test');

const {FetchMetrics, RequireE2eDeps, StartXrayd, StopXrayd, WaitFor} =
    require('./lib/xrayd_process');

describe('OTel SDK with the AWS X-Ray id generator -> xrayd OTLP/HTTP -> X-Ray API', () => {
  let dataDir;
  let daemon;
  let xray;
  let client;
  const traces = [];  // {xrayId, w3cId, startSeconds, service}

  before(async () => {
    RequireE2eDeps();
    xray = require('@aws-sdk/client-xray');
    const api = require('@opentelemetry/api');
    const {TracerProvider, SimpleSpanProcessor} = require('@opentelemetry/sdk-trace');
    const {resourceFromAttributes} = require('@opentelemetry/resources');
    const {OTLPTraceExporter} = require('@opentelemetry/exporter-trace-otlp-proto');
    const {AWSXRayIdGenerator} = require('@opentelemetry/id-generator-aws-xray');

    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-otel-ids-'));
    daemon = await StartXrayd(dataDir, ['--otlp-http', '127.0.0.1:0']);
    const otlpPort = Number(/otlp_http=127\.0\.0\.1:(\d+)/.exec(daemon.stderr)[1]);
    assert.ok(otlpPort > 0, daemon.stderr);
    client = new xray.XRayClient({
      endpoint: `http://127.0.0.1:${daemon.tcpPort}`,
      region: 'us-east-1',
      credentials: {accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local'},
      maxAttempts: 1,
    });

    const results = [];
    const exporter = new OTLPTraceExporter({url: `http://127.0.0.1:${otlpPort}/v1/traces`});
    const provider = new TracerProvider({
      resource: resourceFromAttributes({'service.name': 'inventory'}),
      idGenerator: new AWSXRayIdGenerator(),
      spanProcessors: [new SimpleSpanProcessor({
        exporter: {
          export: (spans, done) => exporter.export(spans, (r) => {
            results.push(r);
            done(r);
          }),
          shutdown: () => exporter.shutdown(),
          forceFlush: () => exporter.forceFlush(),
        },
      })],
    });
    const tracer = provider.getTracer('e2e');
    // Two traces, each a SERVER span with a CLIENT call under it.
    for (const route of ['/stock', '/reserve']) {
      const server = tracer.startSpan(`GET ${route}`, {
        kind: api.SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'http.response.status_code': 200,
          'url.full': `http://inventory.local${route}`,
        },
      });
      const call = tracer.startSpan(
          'query', {kind: api.SpanKind.CLIENT, attributes: {'peer.service': 'stock-db'}},
          api.trace.setSpan(api.context.active(), server));
      call.end();
      server.end();
      const w3cId = server.spanContext().traceId;
      traces.push({
        w3cId,
        xrayId: `1-${w3cId.slice(0, 8)}-${w3cId.slice(8)}`,
        startSeconds: server.startTime[0],
      });
    }
    await provider.forceFlush();
    await provider.shutdown();
    for (const r of results) assert.equal(r.code, 0, JSON.stringify(r));
    let stored = 0;
    await WaitFor('every span stored', async () => {
      const m = await FetchMetrics(daemon);
      stored = m.xrayd_segments_stored_total ?? 0;
      return stored >= 4;
    }, 30000).catch((err) => {
      throw new Error(`${err.message}: ${stored} stored; exports ${JSON.stringify(results)}\n` +
                      daemon.stderr.slice(-2000));
    });
  });

  after(async () => {
    if (daemon && !daemon.exit) await StopXrayd(daemon, 'SIGKILL').catch(() => {});
    if (dataDir) fs.rmSync(dataDir, {recursive: true, force: true});
  });

  async function Ids(filter) {
    const out = await client.send(new xray.GetTraceSummariesCommand({
      // No TimeRangeType: the default (TraceId) selects traces by the epoch in their ids.
      StartTime: new Date((traces[0].startSeconds - 60) * 1000),
      EndTime: new Date((traces[1].startSeconds + 60) * 1000),
      FilterExpression: filter,
    }));
    return (out.TraceSummaries ?? []).map((s) => s.Id).sort();
  }

  it('generates X-Ray trace ids whose epoch is the start time', () => {
    for (const t of traces) {
      assert.match(t.xrayId, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      const epoch = parseInt(t.w3cId.slice(0, 8), 16);
      assert.ok(Math.abs(epoch - t.startSeconds) <= 1, `${t.xrayId} vs ${t.startSeconds}`);
    }
  });

  it('GetTraceSummaries finds both traces by the epoch in their ids', async () => {
    const want = traces.map((t) => t.xrayId).sort();
    await WaitFor('both traces summarized', async () =>
      JSON.stringify(await Ids(undefined)) === JSON.stringify(want), 15000);
    assert.deepEqual(await Ids(undefined), want);
    // A window that ends before the ids' epoch finds nothing.
    const out = await client.send(new xray.GetTraceSummariesCommand({
      StartTime: new Date((traces[0].startSeconds - 600) * 1000),
      EndTime: new Date((traces[0].startSeconds - 300) * 1000),
    }));
    assert.deepEqual(out.TraceSummaries ?? [], []);
  });

  it('a filter narrows the summaries to one trace, which names both services', async () => {
    await WaitFor('both traces summarized', async () => (await Ids(undefined)).length === 2, 15000);
    assert.deepEqual(await Ids('http.url CONTAINS "reserve"'), [traces[1].xrayId]);
    assert.deepEqual(await Ids('http.url CONTAINS "stock"'), [traces[0].xrayId]);
    const summaries = await client.send(new xray.GetTraceSummariesCommand({
      StartTime: new Date((traces[0].startSeconds - 60) * 1000),
      EndTime: new Date((traces[1].startSeconds + 60) * 1000),
      FilterExpression: 'service("stock-db")',
    }));
    const ids = (summaries.TraceSummaries ?? []).map((s) => s.Id).sort();
    assert.deepEqual(ids, traces.map((t) => t.xrayId).sort());
    for (const summary of summaries.TraceSummaries) {
      assert.ok(summary.ServiceIds.some((s) => s.Name === 'inventory'), JSON.stringify(summary));
    }
  });

  it('BatchGetTraces takes the 32-hex form of the same id', async () => {
    const out = await client.send(new xray.BatchGetTracesCommand({TraceIds: [traces[0].w3cId]}));
    assert.equal(out.Traces.length, 1);
    assert.equal(out.Traces[0].Id, traces[0].xrayId);
  });

  it('BatchGetTraces returns each trace under its X-Ray id, segments starting at the epoch',
     async () => {
       const out = await client.send(
           new xray.BatchGetTracesCommand({TraceIds: traces.map((t) => t.xrayId)}));
       assert.deepEqual(out.Traces.map((t) => t.Id).sort(), traces.map((t) => t.xrayId).sort());
       for (const trace of out.Traces) {
         const docs = trace.Segments.map((s) => JSON.parse(s.Document));
         assert.equal(docs.length, 2, JSON.stringify(docs));
         for (const doc of docs) assert.equal(doc.trace_id, trace.Id);
         const segment = docs.find((d) => d.name === 'inventory');
         assert.ok(segment, JSON.stringify(docs));
         const epoch = parseInt(trace.Id.slice(2, 10), 16);
         assert.ok(Math.abs(Math.floor(segment.start_time) - epoch) <= 1,
                   `${trace.Id}: start_time ${segment.start_time}`);
       }
     });
});
