'use strict';
// End to end: an API Gateway -> Lambda -> DynamoDB trace (plus a remote HTTP call) sent over UDP
// to the real xrayd, then GetServiceGraph, GetTraceGraph and GetTimeSeriesServiceStatistics through
// the pinned @aws-sdk/client-xray with an endpoint override. Nothing leaves 127.0.0.1.
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/service_graph.test.js
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, it} = require('node:test');

const {
  FetchMetrics, RequireE2eDeps, StartXrayd, StopXrayd, WaitFor,
} = require('./lib/xrayd_process');

const kStoreTimeoutMs = 15000;
const kHeader = '{"format":"json","version":1}\n';

function TraceId(epochSeconds) {
  return `1-${Math.floor(epochSeconds).toString(16).padStart(8, '0')}-${
      crypto.randomBytes(12).toString('hex')}`;
}

function Id() {
  return crypto.randomBytes(8).toString('hex');
}

// The segments of one trace starting at `t` (epoch seconds). Statuses: API Gateway response,
// DynamoDB call, remote HTTP call.
function LambdaTrace(t, {api = 200, dynamo = 200, remote = 200} = {}) {
  const traceId = TraceId(t);
  const ids = {api: Id(), lambdaCall: Id(), service: Id(), fn: Id(), dynamo: Id(), http: Id()};
  const docs = [
    {
      trace_id: traceId, id: ids.api, name: 'api', origin: 'AWS::ApiGateway::Stage',
      start_time: t, end_time: t + 1.0, http: {request: {method: 'GET', url: 'https://x/y'},
                                                response: {status: api}},
      subsegments: [{id: ids.lambdaCall, name: 'Lambda', namespace: 'aws', start_time: t + 0.1,
                     end_time: t + 0.9, aws: {function_name: 'fn', operation: 'Invoke'}}],
    },
    {
      trace_id: traceId, id: ids.service, name: 'fn', origin: 'AWS::Lambda',
      parent_id: ids.lambdaCall, start_time: t + 0.2, end_time: t + 0.8,
    },
    {
      trace_id: traceId, id: ids.fn, name: 'fn', origin: 'AWS::Lambda::Function',
      parent_id: ids.service, start_time: t + 0.3, end_time: t + 0.7,
      subsegments: [
        {id: ids.dynamo, name: 'DynamoDB', namespace: 'aws', start_time: t + 0.4,
         end_time: t + 0.6, aws: {operation: 'GetItem', table_name: 'users'},
         http: {response: {status: dynamo}}},
        {id: ids.http, name: 'api.example.com', namespace: 'remote', start_time: t + 0.45,
         end_time: t + 0.55, http: {request: {method: 'GET', url: 'https://api.example.com/'},
                                    response: {status: remote}}},
      ],
    },
  ];
  return {traceId, docs};
}

function SendDatagrams(port, docs) {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    let pending = docs.length;
    socket.on('error', (err) => { socket.close(); reject(err); });
    for (const doc of docs) {
      socket.send(Buffer.from(kHeader + JSON.stringify(doc)), port, '127.0.0.1', (err) => {
        if (err) {
          socket.close();
          reject(err);
          return;
        }
        if (--pending === 0) {
          socket.close();
          resolve();
        }
      });
    }
  });
}

function Find(services, name, type) {
  const found = services.find((s) => s.Name === name && s.Type === type);
  assert.ok(found, `service ${name} (${type}) in ${JSON.stringify(services.map((s) => [s.Name, s.Type]))}`);
  return found;
}

function EdgeTo(from, to) {
  return (from.Edges ?? []).find((e) => e.ReferenceId === to.ReferenceId);
}

describe('UDP trace -> xrayd -> GetServiceGraph / GetTraceGraph / GetTimeSeriesServiceStatistics', () => {
  let dataDir;
  let daemon;
  let client;
  let xray;
  let t0;
  let trace1;
  let trace2;

  before(async () => {
    RequireE2eDeps();
    xray = require('@aws-sdk/client-xray');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-graph-'));
    daemon = await StartXrayd(dataDir);
    client = new xray.XRayClient({
      endpoint: `http://127.0.0.1:${daemon.tcpPort}`,
      region: 'us-east-1',
      credentials: {accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local'},
      maxAttempts: 1,
    });
  });

  after(async () => {
    client?.destroy();
    if (daemon && !daemon.exit) {
      await StopXrayd(daemon, 'SIGKILL').catch(() => {});
    }
    if (dataDir) {
      fs.rmSync(dataDir, {recursive: true, force: true});
    }
  });

  const step = (name, fn) => it(name, async () => {
    try {
      await fn();
    } catch (err) {
      err.message += `\n--- xrayd stderr (tail) ---\n${(daemon?.stderr ?? '').slice(-3000)}`;
      throw err;
    }
  });

  step('stores two traces sent over UDP', async () => {
    // Two minutes apart, on a minute boundary, in the recent past.
    t0 = Math.floor(Date.now() / 1000 / 60) * 60 - 600;
    trace1 = LambdaTrace(t0, {remote: 500});
    trace2 = LambdaTrace(t0 + 120, {api: 429, dynamo: 400});
    const docs = [...trace1.docs, ...trace2.docs];
    await SendDatagrams(daemon.udpPort, docs);
    await WaitFor(`${docs.length} documents stored`, async () => {
      const m = await FetchMetrics(daemon);
      return (m.xrayd_segments_stored_total ?? 0) >= docs.length;
    }, kStoreTimeoutMs);
  });

  step('GetServiceGraph: nodes, edges and statistics', async () => {
    const out = await client.send(new xray.GetServiceGraphCommand({
      StartTime: new Date((t0 - 60) * 1000), EndTime: new Date((t0 + 240) * 1000),
    }));
    assert.equal(out.StartTime.getTime(), (t0 - 60) * 1000);
    assert.equal(out.ContainsOldGroupVersions, false);
    const s = out.Services;
    assert.equal(s.length, 6);
    const clientNode = Find(s, 'api', 'client');
    const api = Find(s, 'api', 'AWS::ApiGateway::Stage');
    const lambda = Find(s, 'fn', 'AWS::Lambda');
    const fn = Find(s, 'fn', 'AWS::Lambda::Function');
    const table = Find(s, 'users', 'AWS::DynamoDB::Table');
    const remote = Find(s, 'api.example.com', 'remote');
    assert.equal(api.Root, true);
    assert.equal(api.State, 'active');
    assert.equal(table.State, 'unknown');
    assert.deepEqual(api.Names, ['api']);
    assert.ok(api.StartTime instanceof Date);
    assert.equal(api.StartTime.getTime(), t0 * 1000);
    assert.equal(clientNode.SummaryStatistics, undefined);
    for (const [from, to] of [[clientNode, api], [api, lambda], [lambda, fn], [fn, table],
                              [fn, remote]]) {
      assert.ok(EdgeTo(from, to), `edge ${from.Name}/${from.Type} -> ${to.Name}/${to.Type}`);
    }
    const rootEdge = EdgeTo(clientNode, api).SummaryStatistics;
    assert.equal(rootEdge.OkCount, 1);
    assert.equal(rootEdge.ErrorStatistics.ThrottleCount, 1);
    assert.equal(rootEdge.ErrorStatistics.TotalCount, 1);
    assert.equal(rootEdge.TotalCount, 2);
    assert.ok(Math.abs(rootEdge.TotalResponseTime - 2.0) < 1e-6);
    assert.deepEqual(api.SummaryStatistics, rootEdge);
    const dynamo = EdgeTo(fn, table).SummaryStatistics;
    assert.equal(dynamo.OkCount, 1);
    assert.equal(dynamo.ErrorStatistics.OtherCount, 1);
    const http = EdgeTo(fn, remote).SummaryStatistics;
    assert.equal(http.FaultStatistics.TotalCount, 1);
    assert.equal(http.OkCount, 1);
    assert.deepEqual(api.ResponseTimeHistogram, [{Value: 1, Count: 2}]);
    assert.deepEqual(EdgeTo(fn, table).ResponseTimeHistogram, [{Value: 0.2, Count: 2}]);
    assert.deepEqual(fn.DurationHistogram, [{Value: 0.4, Count: 2}]);
  });

  step('GetTraceGraph: the graph of one trace', async () => {
    const out = await client.send(new xray.GetTraceGraphCommand({TraceIds: [trace1.traceId]}));
    assert.equal(out.Services.length, 6);
    const api = Find(out.Services, 'api', 'AWS::ApiGateway::Stage');
    assert.equal(api.SummaryStatistics.TotalCount, 1);
    assert.equal(api.SummaryStatistics.OkCount, 1);
    const remote = Find(out.Services, 'api.example.com', 'remote');
    assert.equal(remote.SummaryStatistics.FaultStatistics.TotalCount, 1);
  });

  step('GetTimeSeriesServiceStatistics: one bucket per trace', async () => {
    const out = await client.send(new xray.GetTimeSeriesServiceStatisticsCommand({
      StartTime: new Date((t0 - 60) * 1000), EndTime: new Date((t0 + 240) * 1000),
      EntitySelectorExpression: 'service("users")', Period: 60,
    }));
    const series = out.TimeSeriesServiceStatistics;
    assert.equal(series.length, 2);
    assert.equal(series[0].Timestamp.getTime(), t0 * 1000);
    assert.equal(series[1].Timestamp.getTime(), (t0 + 120) * 1000);
    assert.equal(series[0].ServiceSummaryStatistics.OkCount, 1);
    assert.equal(series[1].ServiceSummaryStatistics.ErrorStatistics.OtherCount, 1);

    const edges = await client.send(new xray.GetTimeSeriesServiceStatisticsCommand({
      StartTime: new Date((t0 - 60) * 1000), EndTime: new Date((t0 + 240) * 1000), Period: 300,
    }));
    const total = edges.TimeSeriesServiceStatistics.reduce(
        (sum, b) => sum + b.EdgeSummaryStatistics.TotalCount, 0);
    assert.equal(total, 2);
  });

  step('errors come back as typed InvalidRequestException', async () => {
    await assert.rejects(
        client.send(new xray.GetServiceGraphCommand({
          StartTime: new Date((t0 + 60) * 1000), EndTime: new Date(t0 * 1000),
        })),
        (err) => err.name === 'InvalidRequestException' && /EndTime/.test(err.message) &&
            err.$metadata.httpStatusCode === 400);
    await assert.rejects(
        client.send(new xray.GetServiceGraphCommand({
          StartTime: new Date(t0 * 1000), EndTime: new Date((t0 + 60) * 1000),
          GroupName: 'no-such-group',
        })),
        (err) => err.name === 'InvalidRequestException' && /group not found/.test(err.message));
    await assert.rejects(
        client.send(new xray.GetTimeSeriesServiceStatisticsCommand({
          StartTime: new Date(t0 * 1000), EndTime: new Date((t0 + 60) * 1000), Period: 90,
        })),
        (err) => err.name === 'InvalidRequestException' && /Period/.test(err.message));
  });
});
