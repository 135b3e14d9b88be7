'use strict';
// CloudWatch alarms on X-Ray group metrics against the real xrayd (docs/alarms.md), with real
// clients: groups through @aws-sdk/client-xray, alarms through @aws-sdk/client-cloudwatch (3.1178.0
// sends AWS JSON 1.0) and the AWS CLI (skipped, saying so, when `aws` is not on PATH), traces from
// aws-xray-sdk-core over UDP. The alarm goes to ALARM, its webhook (a node HTTP server on
// 127.0.0.1:0) receives CloudWatch's SNS alarm message; bad input gets CloudWatch's errors.
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
const cloudwatch = require('@aws-sdk/client-cloudwatch');
const xray = require('@aws-sdk/client-xray');

const kCredentials = {accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local'};
const kTopic = 'arn:aws:sns:us-east-1:000000000000:oncall';

function AwsCli(args) {
  return new Promise((resolve) => {
    execFile('aws', args, {
      timeout: 30000,
      env: {PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_DEFAULT_REGION: 'us-east-1',
            AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
            AWS_SECRET_ACCESS_KEY: 'local'},
    }, (err, stdout, stderr) => resolve({code: err ? (err.code ?? 1) : 0, stdout, stderr}));
  });
}

const kAwsCliMissing = spawnSync('aws', ['--version']).status === 0 ? false :
    '`aws` (the AWS CLI) is not on PATH: the AWS CLI cases are skipped';

// A webhook receiver: keeps each POSTed body, answers 200.
async function StartWebhook() {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      received.push({contentType: req.headers['content-type'], body});
      res.writeHead(200);
      res.end('ok');
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {server, received, url: `http://127.0.0.1:${server.address().port}/hook`};
}

function TraceCountAlarm(name, group, extra = {}) {
  return {
    AlarmName: name,
    Namespace: 'AWS/X-Ray',
    MetricName: 'ApproximateTraceCount',
    Dimensions: [{Name: 'GroupName', Value: group}],
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    ...extra,
  };
}

// Sends one trace per user type with the real SDK (segments are sent when closed).
function SendUserTraces(AWSXRay, daemon, users) {
  AWSXRay.setDaemonAddress(`tcp:127.0.0.1:${daemon.tcpPort} udp:127.0.0.1:${daemon.udpPort}`);
  for (const {type, seconds} of users) {
    const segment = new AWSXRay.Segment('e2e-signup');
    segment.addAnnotation('user_type', type);
    segment.start_time -= seconds;
    segment.close();
  }
}

describe('CloudWatch alarms on group metrics', () => {
  let dataDir;
  let daemon;
  let webhook;
  let cw;
  let xr;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-alarms-'));
    webhook = await StartWebhook();
    daemon = await StartXrayd(dataDir, ['--alarm-webhook', `oncall=${webhook.url}`,
                                        '--alarm-eval-interval', '250ms']);
    const endpoint = `http://127.0.0.1:${daemon.tcpPort}`;
    cw = new cloudwatch.CloudWatchClient({endpoint, region: 'us-east-1',
                                          credentials: kCredentials});
    xr = new xray.XRayClient({endpoint, region: 'us-east-1', credentials: kCredentials});
    // The groups of X-Ray's user-level observability walkthrough.
    await xr.send(new xray.CreateGroupCommand({
      GroupName: 'RegisteredUsers', FilterExpression: 'annotation.user_type = "registered"'}));
    await xr.send(new xray.CreateGroupCommand({
      GroupName: 'AnonymousUsers', FilterExpression: 'annotation.user_type = "anonymous"'}));
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
    webhook?.server.close();
    fs.rmSync(dataDir, {recursive: true, force: true});
  });

  it('@aws-sdk/client-cloudwatch: a slow registered user fires the alarm and its webhook',
     async () => {
       await cw.send(new cloudwatch.PutMetricAlarmCommand(TraceCountAlarm(
           'SlowRegisteredUsers', 'SlowRegisteredUsers',
           {AlarmDescription: 'registered users waited', AlarmActions: [kTopic]})));
       const described = await cw.send(new cloudwatch.DescribeAlarmsCommand({
         AlarmNames: ['SlowRegisteredUsers']}));
       assert.equal(described.MetricAlarms.length, 1);
       const alarm = described.MetricAlarms[0];
       assert.equal(alarm.Namespace, 'AWS/X-Ray');
       assert.equal(alarm.Period, 60);
       assert.ok(alarm.AlarmConfigurationUpdatedTimestamp instanceof Date);
       assert.match(alarm.AlarmArn, /^arn:aws:cloudwatch:us-east-1:\d{12}:alarm:SlowRegisteredUsers$/);

       // A trace must be counted in the minute it is sent: near a minute's end, wait for the next.
       await WaitFor('room in the current minute', () => (Date.now() / 1000) % 60 < 50, 15000);
       const AWSXRay = require('aws-xray-sdk-core');
       AWSXRay.setLogger({error() {}, warn() {}, info() {}, debug() {}});
       SendUserTraces(AWSXRay, daemon, [{type: 'registered', seconds: 0.1},
                                        {type: 'anonymous', seconds: 0.1},
                                        {type: 'registered', seconds: 7}]);
       await WaitFor('the alarm in ALARM', async () => {
         const now = await cw.send(new cloudwatch.DescribeAlarmsCommand({
           AlarmNames: ['SlowRegisteredUsers']}));
         return now.MetricAlarms[0].StateValue === 'ALARM';
       }, 20000);
       await WaitFor('the webhook', () => webhook.received.length >= 1, 10000);
       assert.match(webhook.received[0].contentType, /^application\/json/);
       const message = JSON.parse(webhook.received[0].body);
       assert.equal(message.AlarmName, 'SlowRegisteredUsers');
       assert.equal(message.AlarmDescription, 'registered users waited');
       assert.equal(message.NewStateValue, 'ALARM');
       assert.equal(message.Trigger.MetricName, 'ApproximateTraceCount');
       assert.deepEqual(message.Trigger.Dimensions, [{value: 'SlowRegisteredUsers',
                                                      name: 'GroupName'}]);

       // Each group counted its own traces.
       const start = new Date(Date.now() - 10 * 60 * 1000);
       const end = new Date(Date.now() + 60 * 1000);
       const data = await cw.send(new cloudwatch.GetMetricDataCommand({
         StartTime: start, EndTime: end,
         MetricDataQueries: ['RegisteredUsers', 'AnonymousUsers', 'SlowRegisteredUsers'].map(
             (group, i) => ({Id: `q${i}`, MetricStat: {
               Metric: {Namespace: 'AWS/X-Ray', MetricName: 'ApproximateTraceCount',
                        Dimensions: [{Name: 'GroupName', Value: group}]},
               Period: 60, Stat: 'Sum'}})),
       }));
       const sums = data.MetricDataResults.map((r) => r.Values.reduce((a, b) => a + b, 0));
       assert.deepEqual(sums, [2, 1, 1]);
       const metrics = await cw.send(new cloudwatch.ListMetricsCommand({Namespace: 'AWS/X-Ray'}));
       const groups = metrics.Metrics.map((m) => m.Dimensions[0].Value).sort();
       assert.ok(groups.includes('SlowRegisteredUsers'), JSON.stringify(groups));
       const counters = await FetchMetrics(daemon);
       assert.ok(counters['xrayd_alarm_actions_total{result="delivered"}'] >= 1);
     });

  it('@aws-sdk/client-cloudwatch: bad input gets CloudWatch\'s errors', async () => {
    await assert.rejects(
        cw.send(new cloudwatch.PutMetricAlarmCommand(TraceCountAlarm('Bad', 'RegisteredUsers',
                                                                     {Period: 7}))),
        (err) => {
          // The modeled shape; the query-protocol code stays ValidationError.
          assert.equal(err.name, 'ValidationException', err.message);
          assert.equal(err.$metadata.httpStatusCode, 400);
          return true;
        });
    await assert.rejects(
        cw.send(new cloudwatch.PutMetricAlarmCommand(TraceCountAlarm('Bad', 'RegisteredUsers',
                                                                     {Namespace: 'AWS/EC2'}))),
        (err) => err.name === 'ValidationException');
    await assert.rejects(
        cw.send(new cloudwatch.SetAlarmStateCommand({AlarmName: 'NoSuchAlarm',
                                                     StateValue: 'ALARM', StateReason: 'x'})),
        (err) => {
          assert.equal(err.name, 'ResourceNotFound', err.message);
          return true;
        });
  });

  it('the AWS CLI: put-metric-alarm, describe-alarms, set-alarm-state', {skip: kAwsCliMissing},
     async () => {
       const endpoint = ['--endpoint-url', `http://127.0.0.1:${daemon.tcpPort}`];
       let result = await AwsCli([
         'cloudwatch', 'put-metric-alarm', ...endpoint, '--alarm-name', 'AnonymousSurge',
         '--namespace', 'AWS/X-Ray', '--metric-name', 'ApproximateTraceCount',
         '--dimensions', 'Name=GroupName,Value=AnonymousUsers', '--statistic', 'Sum',
         '--period', '60', '--evaluation-periods', '1', '--threshold', '100',
         '--comparison-operator', 'GreaterThanThreshold', '--treat-missing-data', 'notBreaching',
         '--alarm-actions', kTopic]);
       assert.equal(result.code, 0, result.stderr);
       result = await AwsCli(['cloudwatch', 'describe-alarms', ...endpoint, '--alarm-names',
                              'AnonymousSurge', '--output', 'json']);
       assert.equal(result.code, 0, result.stderr);
       const alarm = JSON.parse(result.stdout).MetricAlarms[0];
       assert.equal(alarm.AlarmName, 'AnonymousSurge');
       assert.equal(alarm.Threshold, 100);
       const before = webhook.received.length;
       result = await AwsCli(['cloudwatch', 'set-alarm-state', ...endpoint, '--alarm-name',
                              'AnonymousSurge', '--state-value', 'ALARM', '--state-reason',
                              'testing the on-call webhook']);
       assert.equal(result.code, 0, result.stderr);
       await WaitFor('the webhook', () => webhook.received.length > before, 10000);
       const message = JSON.parse(webhook.received[before].body);
       assert.equal(message.AlarmName, 'AnonymousSurge');
       assert.equal(message.NewStateReason, 'testing the on-call webhook');
       result = await AwsCli(['cloudwatch', 'put-metric-alarm', ...endpoint, '--alarm-name',
                              'Bad', '--namespace', 'AWS/X-Ray', '--metric-name',
                              'ApproximateTraceCount', '--statistic', 'Sum', '--period', '7',
                              '--evaluation-periods', '1', '--threshold', '1',
                              '--comparison-operator', 'GreaterThanThreshold']);
       assert.notEqual(result.code, 0);
       assert.match(result.stderr, /ValidationError/);
     });
});
