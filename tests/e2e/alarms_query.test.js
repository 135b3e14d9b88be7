'use strict';
// CloudWatch's query protocol (form-encoded Action=...&Version=2010-08-01, XML answers and XML
// errors) against the real xrayd, with a real client that speaks it: @aws-sdk/client-cloudwatch
// 3.948.0, the last release whose runtime config uses AwsQueryProtocol (3.949.0 moved to AWS JSON
// 1.0), installed under the alias client-cloudwatch-query. Its requests are SigV4-signed form
// POSTs, which the browser guard admits (docs/security.md); an unsigned form POST stays refused.
// The group comes from @aws-sdk/client-xray, the trace from aws-xray-sdk-core over UDP.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, it} = require('node:test');

const {RequireE2eDeps, StartXrayd, StopXrayd, WaitFor} = require('./lib/xrayd_process');

RequireE2eDeps();
const cwq = require('client-cloudwatch-query');
const xray = require('@aws-sdk/client-xray');

const kCredentials = {accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local'};
const kTopic = 'arn:aws:sns:us-east-1:000000000000:oncall';
const kMetric = {Namespace: 'AWS/X-Ray', MetricName: 'ApproximateTraceCount'};

// POSTs `body` to xrayd's "/" with `headers`; resolves {status, body}.
function PostForm(port, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({host: '127.0.0.1', port, method: 'POST', path: '/', headers},
                             (res) => {
                               let text = '';
                               res.setEncoding('utf8');
                               res.on('data', (chunk) => { text += chunk; });
                               res.on('end', () => resolve({status: res.statusCode, body: text}));
                             });
    req.on('error', reject);
    req.end(body);
  });
}

describe('CloudWatch query protocol (client-cloudwatch 3.948.0)', () => {
  let dataDir;
  let daemon;
  let cw;
  let xr;
  // Every request the query client sent, as it went on the wire (method, content type, body).
  const sent = [];

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-alarms-query-'));
    daemon = await StartXrayd(dataDir, ['--alarm-eval-interval', '250ms']);
    const endpoint = `http://127.0.0.1:${daemon.tcpPort}`;
    cw = new cwq.CloudWatchClient({endpoint, region: 'us-east-1', credentials: kCredentials});
    cw.middlewareStack.add((next) => async (args) => {
      sent.push({method: args.request.method, contentType: args.request.headers['content-type'],
                 authorization: args.request.headers['authorization'] ?? '',
                 body: String(args.request.body ?? '')});
      return next(args);
    }, {step: 'finalizeRequest', priority: 'low', name: 'recordQueryRequests'});
    xr = new xray.XRayClient({endpoint, region: 'us-east-1', credentials: kCredentials});
    await xr.send(new xray.CreateGroupCommand({
      GroupName: 'SlowRegisteredUsers',
      FilterExpression: 'annotation.user_type = "registered" AND responsetime > 5'}));
  });

  after(async () => {
    cw?.destroy();
    xr?.destroy();
    if (daemon) {
      await StopXrayd(daemon);
    }
    fs.rmSync(dataDir, {recursive: true, force: true});
  });

  it('speaks the query protocol: form bodies out, XML in', async () => {
    await cw.send(new cwq.ListMetricsCommand({Namespace: 'AWS/X-Ray'}));
    const last = sent[sent.length - 1];
    assert.equal(last.method, 'POST');
    assert.match(last.contentType, /^application\/x-www-form-urlencoded/);
    assert.match(last.body, /^Action=ListMetrics&Version=2010-08-01/);
    assert.match(last.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\//);
  });

  it('put, describe, set state, history, statistics and delete an alarm', async () => {
    await cw.send(new cwq.PutMetricAlarmCommand({
      AlarmName: 'SlowRegisteredUsers', AlarmDescription: 'registered users waited', ...kMetric,
      Dimensions: [{Name: 'GroupName', Value: 'SlowRegisteredUsers'}], Statistic: 'Sum',
      Period: 60, EvaluationPeriods: 1, Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching',
      AlarmActions: [kTopic]}));
    assert.match(sent[sent.length - 1].body, /Dimensions\.member\.1\.Name=GroupName/);

    const described = await cw.send(new cwq.DescribeAlarmsCommand({
      AlarmNames: ['SlowRegisteredUsers']}));
    assert.equal(described.MetricAlarms.length, 1);
    const alarm = described.MetricAlarms[0];
    assert.equal(alarm.AlarmName, 'SlowRegisteredUsers');
    assert.equal(alarm.AlarmDescription, 'registered users waited');
    assert.equal(alarm.Namespace, 'AWS/X-Ray');
    assert.equal(alarm.Period, 60);
    assert.equal(alarm.Threshold, 1);
    assert.equal(alarm.ActionsEnabled, true);
    assert.deepEqual(alarm.Dimensions, [{Name: 'GroupName', Value: 'SlowRegisteredUsers'}]);
    assert.deepEqual(alarm.AlarmActions, [kTopic]);
    assert.ok(alarm.AlarmConfigurationUpdatedTimestamp instanceof Date);
    assert.ok(Math.abs(alarm.AlarmConfigurationUpdatedTimestamp - Date.now()) < 60000);
    assert.match(alarm.AlarmArn, /^arn:aws:cloudwatch:us-east-1:\d{12}:alarm:SlowRegisteredUsers$/);

    // A slow registered user's trace: the group counts it in this minute and the alarm fires.
    await WaitFor('room in the current minute', () => (Date.now() / 1000) % 60 < 50, 15000);
    const sentAt = Date.now();
    const AWSXRay = require('aws-xray-sdk-core');
    AWSXRay.setLogger({error() {}, warn() {}, info() {}, debug() {}});
    AWSXRay.setDaemonAddress(`tcp:127.0.0.1:${daemon.tcpPort} udp:127.0.0.1:${daemon.udpPort}`);
    const segment = new AWSXRay.Segment('e2e-signup');
    segment.addAnnotation('user_type', 'registered');
    segment.start_time -= 7;
    segment.close();
    await WaitFor('the alarm in ALARM', async () => {
      const now = await cw.send(new cwq.DescribeAlarmsCommand({StateValue: 'ALARM'}));
      return now.MetricAlarms.some((a) => a.AlarmName === 'SlowRegisteredUsers');
    }, 20000);

    const minute = Math.floor(sentAt / 60000) * 60000;
    const stats = await cw.send(new cwq.GetMetricStatisticsCommand({
      ...kMetric, Dimensions: [{Name: 'GroupName', Value: 'SlowRegisteredUsers'}],
      StartTime: new Date(minute - 600000), EndTime: new Date(minute + 600000), Period: 60,
      Statistics: ['Sum', 'SampleCount']}));
    assert.equal(stats.Label, 'ApproximateTraceCount');
    assert.equal(stats.Datapoints.length, 1, JSON.stringify(stats.Datapoints));
    assert.equal(stats.Datapoints[0].Sum, 1);
    assert.equal(stats.Datapoints[0].SampleCount, 1);
    assert.equal(stats.Datapoints[0].Unit, 'Count');
    assert.equal(stats.Datapoints[0].Timestamp.getTime(), minute);

    await cw.send(new cwq.SetAlarmStateCommand({
      AlarmName: 'SlowRegisteredUsers', StateValue: 'OK', StateReason: 'acknowledged by hand',
      StateReasonData: '{"by":"e2e"}'}));
    const history = await cw.send(new cwq.DescribeAlarmHistoryCommand({
      AlarmName: 'SlowRegisteredUsers', HistoryItemType: 'StateUpdate'}));
    const summaries = history.AlarmHistoryItems.map((item) => item.HistorySummary);
    assert.ok(summaries.includes('Alarm updated from OK to ALARM'), JSON.stringify(summaries));
    assert.ok(summaries.includes('Alarm updated from ALARM to OK'), JSON.stringify(summaries));
    for (const item of history.AlarmHistoryItems) {
      assert.equal(item.AlarmName, 'SlowRegisteredUsers');
      assert.equal(item.HistoryItemType, 'StateUpdate');
      assert.ok(item.Timestamp instanceof Date);
      assert.equal(typeof JSON.parse(item.HistoryData).newState.stateValue, 'string');
    }
    const configuration = await cw.send(new cwq.DescribeAlarmHistoryCommand({
      AlarmName: 'SlowRegisteredUsers', HistoryItemType: 'ConfigurationUpdate'}));
    assert.equal(configuration.AlarmHistoryItems.length, 1);
    assert.equal(configuration.AlarmHistoryItems[0].HistorySummary,
                 'Alarm "SlowRegisteredUsers" created');

    await cw.send(new cwq.DeleteAlarmsCommand({AlarmNames: ['SlowRegisteredUsers']}));
    const gone = await cw.send(new cwq.DescribeAlarmsCommand({
      AlarmNames: ['SlowRegisteredUsers']}));
    assert.deepEqual(gone.MetricAlarms, []);
  });

  it('errors come back as XML with CloudWatch\'s codes and messages', async () => {
    await assert.rejects(
        cw.send(new cwq.DeleteAlarmsCommand({AlarmNames: ['NoSuchAlarm']})),
        (err) => {
          assert.equal(err.name, 'ResourceNotFound', err.message);
          assert.equal(err.message, '1 of the alarms were not found: NoSuchAlarm');
          assert.equal(err.$fault, 'client');
          assert.equal(err.$metadata.httpStatusCode, 404);
          return true;
        });
    await assert.rejects(
        cw.send(new cwq.PutMetricAlarmCommand({
          AlarmName: 'Bad', ...kMetric, Dimensions: [{Name: 'GroupName', Value: 'Slow'}],
          Statistic: 'Sum', Period: 7, EvaluationPeriods: 1, Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold'})),
        (err) => {
          assert.equal(err.name, 'ValidationError', err.message);
          assert.equal(err.message, 'Period must be 10, 30 or a multiple of 60');
          assert.equal(err.$metadata.httpStatusCode, 400);
          return true;
        });
    await assert.rejects(
        cw.send(new cwq.PutMetricAlarmCommand({
          AlarmName: 'Bad', ...kMetric, Dimensions: [{Name: 'GroupName', Value: 'Slow'}],
          Statistic: 'Sum', Period: 60, EvaluationPeriods: 1,
          ComparisonOperator: 'GreaterThanThreshold'})),
        (err) => {
          // The XML says <Code>MissingParameter</Code>; the SDK names the modeled shape.
          assert.equal(err.name, 'MissingRequiredParameterException', err.message);
          assert.equal(err.message, 'The parameter Threshold is required.');
          return true;
        });
  });

  it('the SDK\'s paginators page DescribeAlarms and DescribeAlarmHistory', async () => {
    const names = ['Page-a', 'Page-b', 'Page-c', 'Page-d', 'Page-e'];
    for (const name of names) {
      await cw.send(new cwq.PutMetricAlarmCommand({
        AlarmName: name, ...kMetric, Dimensions: [{Name: 'GroupName', Value: 'Paged'}],
        Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching'}));
    }
    const pages = [];
    for await (const page of cwq.paginateDescribeAlarms(
        {client: cw, pageSize: 2}, {AlarmNamePrefix: 'Page-'})) {
      pages.push(page.MetricAlarms.map((a) => a.AlarmName));
    }
    assert.deepEqual(pages, [['Page-a', 'Page-b'], ['Page-c', 'Page-d'], ['Page-e']]);
    assert.match(sent[sent.length - 1].body, /NextToken=/);
    assert.match(sent[sent.length - 1].body, /MaxRecords=2/);

    // Each alarm has a ConfigurationUpdate and a StateUpdate (to OK): 10 items, pages of 3.
    const items = [];
    let count = 0;
    for await (const page of cwq.paginateDescribeAlarmHistory(
        {client: cw, pageSize: 3}, {AlarmName: 'Page-c', ScanBy: 'TimestampAscending'})) {
      items.push(...page.AlarmHistoryItems.map((item) => item.HistoryItemType));
      ++count;
    }
    assert.deepEqual(items, ['ConfigurationUpdate', 'StateUpdate']);
    assert.equal(count, 1);
    const all = [];
    for await (const page of cwq.paginateDescribeAlarmHistory({client: cw, pageSize: 3}, {})) {
      assert.ok(page.AlarmHistoryItems.length <= 3);
      all.push(...page.AlarmHistoryItems.filter((i) => i.AlarmName.startsWith('Page-')));
    }
    assert.equal(all.length, 10);
    const keys = new Set(all.map((i) => `${i.AlarmName}/${i.HistoryItemType}`));
    assert.equal(keys.size, 10);  // No item twice across the pages.

    await assert.rejects(
        cw.send(new cwq.DescribeAlarmsCommand({MaxRecords: 101})),
        (err) => err.name === 'ValidationError' && /maxRecords/.test(err.message));
    await assert.rejects(
        cw.send(new cwq.DescribeAlarmsCommand({NextToken: 'bogus'})),
        (err) => err.name === 'InvalidNextToken');
    await cw.send(new cwq.DeleteAlarmsCommand({AlarmNames: names}));
  });

  it('an unsigned form POST is still refused with 415', async () => {
    const body = 'Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=x';
    const refused = await PostForm(daemon.tcpPort, body, {
      'content-type': 'application/x-www-form-urlencoded'});
    assert.equal(refused.status, 415, refused.body);
    assert.match(refused.body, /UnsupportedMediaTypeException/);
    const signedLooking = await PostForm(daemon.tcpPort, body, {
      'content-type': 'application/x-www-form-urlencoded',
      'authorization': 'AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/monitoring/' +
                       'aws4_request, SignedHeaders=host, Signature=00'});
    assert.equal(signedLooking.status, 404, signedLooking.body);  // Served: no alarm named x.
    assert.match(signedLooking.body, /<Code>ResourceNotFound<\/Code>/);
  });
});
