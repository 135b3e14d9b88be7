'use strict';
// End to end: the real aws-xray-sdk-core sends a trace over UDP to the real xrayd; the stored trace,
// read back through `xrayd traces get|list`, must match what was sent, also after a restart.
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/sdk_ingest.test.js
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, it} = require('node:test');

const {
  FetchMetrics, HttpGet, RequireE2eDeps, RunCliJson, RunNodeScript, StartXrayd, StopXrayd, WaitFor,
} = require('./lib/xrayd_process');

const kStoreTimeoutMs = 15000;

// Waits until /metrics shows every sent datagram stored: xrayd counts each document of a committed
// transaction, including in-progress versions later replaced and exact duplicates, so nothing less
// than the number of datagrams sent is acceptable.
async function WaitUntilStored(daemon, sentDatagrams) {
  return WaitFor(`${sentDatagrams} documents in xrayd_segments_stored_total`, async () => {
    const m = await FetchMetrics(daemon);
    const stored = m.xrayd_segments_stored_total ?? 0;
    return stored >= sentDatagrams ? m : null;
  }, kStoreTimeoutMs);
}

async function GetTrace(dataDir, traceId) {
  const out = await RunCliJson(['traces', 'get', traceId, '--data-dir', dataDir]);
  assert.ok(Array.isArray(out.Traces), 'traces get: Traces is an array');
  assert.deepEqual(out.UnprocessedTraceIds, [], 'traces get: no unprocessed ids');
  assert.equal(out.Traces.length, 1, 'traces get: exactly one trace');
  return out.Traces[0];
}

// Walks a document's subsegment tree: name -> {node, parentName, depth}. Names are unique here.
function IndexSubsegments(doc) {
  const byName = new Map();
  const visit = (node, parentName, depth) => {
    for (const sub of node.subsegments ?? []) {
      assert.ok(!byName.has(sub.name), `subsegment ${sub.name} appears once in the tree`);
      byName.set(sub.name, {node: sub, parentName, depth});
      visit(sub, sub.name, depth + 1);
    }
  };
  visit(doc, doc.name, 1);
  return byName;
}

// Every id sent must appear exactly once in the whole returned trace (no independent subsegment
// left over as a top-level Segment next to its nested copy).
function CountIds(trace) {
  const counts = new Map();
  const visit = (node) => {
    counts.set(node.id, (counts.get(node.id) ?? 0) + 1);
    (node.subsegments ?? []).forEach(visit);
  };
  trace.Segments.forEach((s) => visit(JSON.parse(s.Document)));
  return counts;
}

describe('aws-xray-sdk-core -> xrayd (UDP) -> xrayd traces get/list', () => {
  let dataDir;
  let daemon;
  let sent;      // description printed by emit_segments.js
  let trace;     // Traces[0] of `xrayd traces get`
  let rootDoc;   // parsed Document of the root segment

  before(async () => {
    RequireE2eDeps();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-'));
    daemon = await StartXrayd(dataDir);
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

  after(async () => {
    if (daemon && !daemon.exit) {
      await StopXrayd(daemon, 'SIGKILL').catch(() => {});
    }
    if (dataDir) {
      fs.rmSync(dataDir, {recursive: true, force: true});
    }
  });

  step('answers /healthz', async () => {
    const res = await HttpGet(daemon.tcpPort, '/healthz');
    assert.equal(res.status, 200);
    assert.equal(res.body.trim(), 'ok');
  });

  step('stores every document the SDK sent, none rejected or dropped', async () => {
    const address = `udp:127.0.0.1:${daemon.udpPort} tcp:127.0.0.1:${daemon.tcpPort}`;
    const stdout = await RunNodeScript(path.join(__dirname, 'emit_segments.js'),
                                       {AWS_XRAY_DAEMON_ADDRESS: address});
    sent = JSON.parse(stdout);
    assert.match(sent.trace_id, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    const datagrams = sent.documents.length;
    assert.ok(datagrams >= 6, `emitter sent ${datagrams} datagrams`);

    const m = await WaitUntilStored(daemon, datagrams);
    assert.ok(m.xrayd_datagrams_received_total >= datagrams, 'all datagrams received');
    assert.ok(m.xrayd_segments_accepted_total >= datagrams, 'all documents accepted');
    assert.equal(m['xrayd_segments_rejected_total:sum'] ?? 0, 0, 'no rejections');
    assert.equal(m['xrayd_segments_dropped_total:sum'] ?? 0, 0, 'no drops');
  });

  step('returns the root segment as sent', async () => {
    trace = await GetTrace(dataDir, sent.trace_id);
    assert.equal(trace.Id, sent.trace_id);
    assert.equal(trace.LimitExceeded, false);
    const seg = trace.Segments.find((s) => s.Id === sent.segment.id);
    assert.ok(seg, `segment ${sent.segment.id} in Segments ${JSON.stringify(trace.Segments.map((s) => s.Id))}`);
    assert.equal(typeof seg.Document, 'string', 'Document is a JSON string');
    rootDoc = JSON.parse(seg.Document);

    assert.equal(rootDoc.id, sent.segment.id);
    assert.equal(rootDoc.name, 'e2e-checkout');
    assert.equal(rootDoc.trace_id, sent.trace_id);
    assert.equal(rootDoc.user, 'alice');
    assert.equal(rootDoc.in_progress, undefined, 'complete version replaced the in_progress one');
    assert.equal(rootDoc.start_time, sent.segment.start_time);
    assert.equal(rootDoc.end_time, sent.segment.end_time);
    assert.ok(Math.abs(trace.Duration - (sent.segment.end_time - sent.segment.start_time)) < 0.01,
              `Duration ${trace.Duration}`);
    assert.equal(rootDoc.aws?.xray?.sdk_version, '3.12.0', 'unknown/SDK fields preserved');
  });

  step('keeps annotation values and types, and the invalid key in the raw document', () => {
    for (const [key, value] of Object.entries(sent.segment.annotations)) {
      assert.equal(typeof rootDoc.annotations[key], typeof value, `type of annotation ${key}`);
      assert.equal(rootDoc.annotations[key], value, `value of annotation ${key}`);
    }
    assert.equal(rootDoc.annotations['bad-key'], 'kept-raw');
  });

  step('keeps http fields and metadata', () => {
    assert.deepEqual(rootDoc.http, sent.segment.http);
    assert.equal(rootDoc.http.request.method, 'POST');
    assert.equal(rootDoc.http.request.client_ip, '203.0.113.7');
    assert.equal(rootDoc.http.request.x_forwarded_for, true);
    assert.equal(rootDoc.http.response.status, 200);
    assert.deepEqual(rootDoc.metadata, sent.segment.metadata);
  });

  step('nests embedded and independently sent subsegments under their parents', () => {
    const tree = IndexSubsegments(rootDoc);
    for (const want of sent.subsegments) {
      const got = tree.get(want.name);
      assert.ok(got, `subsegment ${want.name} in the tree (have: ${[...tree.keys()].join(', ')})`);
      assert.equal(got.node.id, want.id, `id of ${want.name}`);
      assert.equal(got.parentName, want.parent_name, `parent of ${want.name}`);
      assert.equal(got.node.in_progress, undefined, `${want.name} is complete`);
      assert.equal(typeof got.node.end_time, 'number', `${want.name} has end_time`);
      assert.equal(got.node.namespace, want.namespace, `namespace of ${want.name}`);
      assert.equal(got.node.fault === true, want.fault, `fault flag of ${want.name}`);
      assert.equal(got.node.error === true, want.error, `error flag of ${want.name}`);
      const messages = (got.node.cause?.exceptions ?? []).map((e) => e.message);
      assert.deepEqual(messages, want.exception_messages, `exceptions of ${want.name}`);
      if (want.http) {
        assert.deepEqual(got.node.http, want.http, `http of ${want.name}`);
      }
      if (want.annotations) {
        assert.deepEqual(got.node.annotations, want.annotations, `annotations of ${want.name}`);
      }
    }
    assert.equal(tree.get('streamed-child-1').depth, 2, 'independent child nested two deep');
    assert.equal(tree.size, sent.subsegments.length, 'no extra subsegments');

    const counts = CountIds(trace);
    for (const id of [sent.segment.id, ...sent.subsegments.map((s) => s.id)]) {
      assert.equal(counts.get(id), 1, `id ${id} appears exactly once in the trace; top-level ` +
                   `Segments: ${JSON.stringify(trace.Segments.map((s) => s.Id))}`);
    }
  });

  step('keeps subsegment details: remote exception, sql, aws', () => {
    const tree = IndexSubsegments(rootDoc);
    const payment = tree.get('payment-api').node;
    assert.equal(payment.cause.exceptions[0].remote, true);
    assert.match(payment.cause.exceptions[0].id, /^[0-9a-f]{16}$/);
    assert.equal(payment.traced, true);
    const validate = tree.get('validate-cart').node;
    assert.equal(validate.cause.exceptions[0].type, 'Error');
    assert.ok(validate.cause.exceptions[0].stack.length > 0, 'stack frames kept');
    assert.deepEqual(validate.metadata, {default: {input: {items: 3}}});
    assert.equal(tree.get('db-query').node.sql.sanitized_query, 'SELECT * FROM carts WHERE id = $1');
    assert.equal(tree.get('DynamoDB').node.aws.table_name, 'carts');
  });

  step('lists the trace in `xrayd traces list`', async () => {
    const out = await RunCliJson(['traces', 'list', '--data-dir', dataDir, '--since', '10m']);
    const summary = out.Traces.find((t) => t.Id === sent.trace_id);
    assert.ok(summary, `trace ${sent.trace_id} listed`);
    assert.equal(summary.IsPartial, false, 'complete versions replaced the in_progress ones');
    assert.equal(summary.Name, 'e2e-checkout');
    // Stored per (trace_id, id): the segment and 3 independent subsegments.
    const uniqueIds = new Set(sent.documents.map((d) => d.id));
    assert.equal(summary.Documents, uniqueIds.size, 'one stored document per (trace_id, id)');
    assert.ok(Math.abs(summary.StartTime - sent.segment.start_time) < 0.01, 'StartTime');
  });

  step('exits 0 on SIGTERM and keeps the trace across a restart', async () => {
    const exit = await StopXrayd(daemon, 'SIGTERM');
    assert.deepEqual(exit, {code: 0, signal: null}, `exit after SIGTERM; stderr:\n${daemon.stderr}`);

    daemon = await StartXrayd(dataDir);
    const again = await GetTrace(dataDir, sent.trace_id);
    const seg = again.Segments.find((s) => s.Id === sent.segment.id);
    assert.ok(seg, 'root segment still there after restart');
    assert.deepEqual(JSON.parse(seg.Document), rootDoc, 'same assembled document after restart');
    const m = await FetchMetrics(daemon);
    assert.equal(m.xrayd_segments_stored_total ?? 0, 0, 'fresh counters after restart');
    const exit2 = await StopXrayd(daemon, 'SIGINT');
    assert.deepEqual(exit2, {code: 0, signal: null}, 'exit after SIGINT');
  });
});
