'use strict';
// End to end: a trace emitted by the real aws-xray-sdk-core over UDP, then searched and read
// through the pinned @aws-sdk/client-xray with an endpoint override: GetTraceSummaries with the
// tutorial's filter expressions (summary fields derived from the SDK's documents), the SDK's own
// paginator, BatchGetTraces, PutTraceSegments, and the error shape of an invalid filter.
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/trace_summaries.test.js
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, it} = require('node:test');

const {
  FetchMetrics, RequireE2eDeps, RunNodeScript, StartXrayd, StopXrayd, WaitFor,
} = require('./lib/xrayd_process');

describe('aws-xray-sdk-core -> xrayd -> @aws-sdk/client-xray GetTraceSummaries', () => {
  let dataDir;
  let daemon;
  let xray;
  let client;
  let sent;
  const windowStart = new Date(Date.now() - 3600 * 1000);
  const windowEnd = new Date(Date.now() + 3600 * 1000);

  before(async () => {
    RequireE2eDeps();
    xray = require('@aws-sdk/client-xray');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-summaries-'));
    daemon = await StartXrayd(dataDir);
    client = new xray.XRayClient({
      endpoint: `http://127.0.0.1:${daemon.tcpPort}`,
      region: 'us-east-1',
      credentials: {accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local'},
      maxAttempts: 1,
    });
    const address = `udp:127.0.0.1:${daemon.udpPort} tcp:127.0.0.1:${daemon.tcpPort}`;
    sent = JSON.parse(await RunNodeScript(path.join(__dirname, 'emit_segments.js'),
                                          {AWS_XRAY_DAEMON_ADDRESS: address}));
    await WaitFor('every datagram stored', async () => {
      const m = await FetchMetrics(daemon);
      return (m.xrayd_segments_stored_total ?? 0) >= sent.documents.length;
    }, 15000);
  });

  after(async () => {
    if (daemon && !daemon.exit) await StopXrayd(daemon, 'SIGKILL').catch(() => {});
    if (dataDir) fs.rmSync(dataDir, {recursive: true, force: true});
  });

  async function Summaries(filter, extra = {}) {
    return client.send(new xray.GetTraceSummariesCommand({
      StartTime: windowStart, EndTime: windowEnd, FilterExpression: filter, ...extra,
    }));
  }

  it('finds the trace with the tutorial filter and derives its summary', async () => {
    const out = await Summaries(
        'Annotation.customer_tier CONTAINS "" AND Annotation.customer_tier != "anonymous" ' +
        'AND user = "alice" AND http.method = "POST" AND annotation.cart_items >= 3');
    assert.equal(out.TraceSummaries.length, 1);
    const s = out.TraceSummaries[0];
    assert.equal(s.Id, sent.trace_id);
    assert.ok(s.StartTime instanceof Date);
    assert.ok(Math.abs(s.StartTime.getTime() / 1000 - sent.segment.start_time) < 0.001);
    assert.ok(Math.abs(s.ResponseTime - (sent.segment.end_time - sent.segment.start_time)) < 1e-3);
    assert.equal(s.Http.HttpMethod, 'POST');
    assert.equal(s.Http.HttpStatus, 200);
    assert.match(s.Http.HttpURL, /shop\.example\.com\/api\/checkout/);
    assert.equal(s.Http.UserAgent, 'e2e-client/1.0');
    assert.deepEqual(s.Users.map((u) => u.UserName), ['alice']);
    assert.equal(s.Annotations.customer_tier[0].AnnotationValue.StringValue, 'gold');
    assert.equal(s.Annotations.cart_items[0].AnnotationValue.NumberValue, 3);
    assert.equal(s.Annotations.is_retry[0].AnnotationValue.BooleanValue, false);
    assert.ok(!('bad-key' in s.Annotations), 'invalid key is not indexed');
    assert.equal(s.EntryPoint.Name, 'e2e-checkout');
    const names = s.ServiceIds.map((n) => n.Name);
    assert.ok(names.includes('e2e-checkout'), names.join());
    // Inferred nodes: the DynamoDB table (named by its table) and the remote HTTP service.
    const types = Object.fromEntries(s.ServiceIds.map((n) => [n.Name, n.Type]));
    assert.equal(types.carts, 'AWS::DynamoDB::Table', JSON.stringify(s.ServiceIds));
    assert.ok(names.includes('payment-api'), names.join());
    assert.equal(s.IsPartial, false);
    assert.equal(typeof s.Revision, 'number');
    assert.equal(out.TracesProcessedCount >= 1, true);
  });

  it('applies negative and non-matching filters', async () => {
    assert.equal((await Summaries('user = "bob"')).TraceSummaries.length, 0);
    assert.equal((await Summaries('!ok')).TraceSummaries.length, 0);
    assert.equal((await Summaries('service("e2e-checkout") AND inferred')).TraceSummaries.length, 1);
    assert.equal((await Summaries('annotation.cart_items > 3')).TraceSummaries.length, 0);
  });

  it('answers an invalid filter with InvalidRequestException naming the token', async () => {
    await assert.rejects(Summaries('user = alice'), (err) => {
      assert.equal(err.name, 'InvalidRequestException');
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.match(err.message, /alice/);
      return true;
    });
  });

  it('pages with the SDK paginator and reads traces back with BatchGetTraces', async () => {
    const more = [];
    const now = Date.now() / 1000;
    for (let i = 0; i < 120; i++) {
      const traceId = `1-${Math.floor(now).toString(16)}-${i.toString(16).padStart(24, '0')}`;
      more.push(JSON.stringify({trace_id: traceId, id: (0x1000 + i).toString(16).padStart(16, '0'),
                                name: 'batch', start_time: now - 10, end_time: now - 9,
                                annotations: {batch: 'b1'}}));
    }
    for (let i = 0; i < more.length; i += 50) {
      const out = await client.send(new xray.PutTraceSegmentsCommand(
          {TraceSegmentDocuments: more.slice(i, i + 50)}));
      assert.deepEqual(out.UnprocessedTraceSegments, []);
    }
    await WaitFor('PutTraceSegments documents stored', async () => {
      const m = await FetchMetrics(daemon);
      return (m.xrayd_segments_stored_total ?? 0) >= sent.documents.length + 120;
    }, 15000);
    const ids = [];
    let pages = 0;
    for await (const page of xray.paginateGetTraceSummaries(
        {client}, {StartTime: windowStart, EndTime: windowEnd,
                   FilterExpression: 'annotation.batch = "b1"'})) {
      pages++;
      ids.push(...page.TraceSummaries.map((s) => s.Id));
    }
    assert.equal(pages, 2);
    assert.equal(new Set(ids).size, 120);

    const batch = await client.send(new xray.BatchGetTracesCommand(
        {TraceIds: [sent.trace_id, '1-00000000-000000000000000000000000']}));
    assert.equal(batch.Traces.length, 1);
    assert.equal(batch.Traces[0].Id, sent.trace_id);
    assert.deepEqual(batch.UnprocessedTraceIds, ['1-00000000-000000000000000000000000']);
    const root = batch.Traces[0].Segments
        .map((seg) => JSON.parse(seg.Document)).find((d) => d.id === sent.segment.id);
    assert.equal(root.name, 'e2e-checkout');
    // X-Ray adds generated segments for downstream calls: the DynamoDB table, the remote API.
    const inferred = batch.Traces[0].Segments.map((seg) => JSON.parse(seg.Document))
        .filter((d) => d.inferred === true);
    const table = inferred.find((d) => d.origin === 'AWS::DynamoDB::Table');
    assert.ok(table, JSON.stringify(inferred));
    assert.equal(table.name, 'carts');
    assert.equal(table.trace_id, sent.trace_id);
    assert.ok(table.parent_id, 'points at the calling subsegment');
  });
});
