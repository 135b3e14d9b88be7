'use strict';
// End to end: @aws-sdk/client-xray drives every group and sampling operation of the real xrayd
// (wire shapes, pagination, error types), and aws-xray-sdk-core's centralized sampling polls
// GetSamplingRules and SamplingTargets from xrayd's TCP port without errors.
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/groups_sampling.test.js
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, it} = require('node:test');

const {RequireE2eDeps, StartXrayd, StopXrayd, WaitFor} = require('./lib/xrayd_process');

RequireE2eDeps();
const xray = require('@aws-sdk/client-xray');

function Client(daemon) {
  return new xray.XRayClient({
    endpoint: `http://127.0.0.1:${daemon.tcpPort}`,
    region: 'us-east-1',
    credentials: {accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local'},
    maxAttempts: 1,
  });
}

function Rule(name, priority, extra = {}) {
  return {
    RuleName: name, ResourceARN: '*', Priority: priority, FixedRate: 0.5, ReservoirSize: 4,
    ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1,
    ...extra,
  };
}

// Expects `promise` to reject with the typed SDK error `name` and HTTP `status`.
async function ExpectError(promise, name, status = 400, messagePart = '') {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, `error name (message: ${err.message})`);
    assert.equal(err.$metadata.httpStatusCode, status);
    assert.ok(err.message.includes(messagePart), `"${err.message}" mentions "${messagePart}"`);
    return true;
  });
}

describe('groups and sampling over @aws-sdk/client-xray', () => {
  let dataDir;
  let daemon;
  let client;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-groups-'));
    daemon = await StartXrayd(dataDir);
    client = Client(daemon);
  });

  after(async () => {
    client?.destroy();
    if (daemon) {
      await StopXrayd(daemon);
    }
    fs.rmSync(dataDir, {recursive: true, force: true});
  });

  it('creates, reads, updates, lists and deletes groups', async () => {
    const created = await client.send(new xray.CreateGroupCommand({
      GroupName: 'slow', FilterExpression: 'responsetime > 2',
      InsightsConfiguration: {InsightsEnabled: true, NotificationsEnabled: false},
      Tags: [{Key: 'team', Value: 'web'}],
    }));
    assert.equal(created.Group.GroupName, 'slow');
    assert.match(created.Group.GroupARN,
                 /^arn:aws:xray:us-east-1:000000000000:group\/slow\/[A-Z2-7]{52}$/);
    assert.deepEqual(created.Group.InsightsConfiguration,
                     {InsightsEnabled: true, NotificationsEnabled: false});

    const byArn = await client.send(new xray.GetGroupCommand({GroupARN: created.Group.GroupARN}));
    assert.deepEqual(byArn.Group, created.Group);

    const updated = await client.send(new xray.UpdateGroupCommand({
      GroupName: 'slow', FilterExpression: 'responsetime > 5',
    }));
    assert.equal(updated.Group.FilterExpression, 'responsetime > 5');
    assert.equal(updated.Group.GroupARN, created.Group.GroupARN);

    for (let i = 0; i < 14; ++i) {
      await client.send(new xray.CreateGroupCommand({GroupName: `g${i}`}));
    }
    const names = [];
    let pages = 0;
    for await (const page of xray.paginateGetGroups({client}, {})) {
      ++pages;
      names.push(...page.Groups.map((g) => g.GroupName));
    }
    assert.ok(pages >= 2, `GetGroups paginated (${pages} pages)`);
    assert.equal(names[0], 'Default');
    assert.equal(names.length, 16);
    assert.equal(new Set(names).size, 16, 'no group repeated across pages');

    const deleted = await client.send(new xray.DeleteGroupCommand({GroupName: 'slow'}));
    assert.equal(deleted.$metadata.httpStatusCode, 200);
    await ExpectError(client.send(new xray.GetGroupCommand({GroupName: 'slow'})),
                      'InvalidRequestException', 400, 'slow');
  });

  it('answers group errors as InvalidRequestException', async () => {
    await ExpectError(client.send(new xray.CreateGroupCommand({GroupName: 'Default'})),
                      'InvalidRequestException', 400, 'reserved');
    await ExpectError(client.send(new xray.CreateGroupCommand({GroupName: 'g0'})),
                      'InvalidRequestException', 400, 'already exists');
    await ExpectError(client.send(new xray.CreateGroupCommand({
      GroupName: 'broken', FilterExpression: 'service("a") {',
    })), 'InvalidRequestException', 400, 'FilterExpression');
    await ExpectError(client.send(new xray.CreateGroupCommand({
      GroupName: 'n', InsightsConfiguration: {NotificationsEnabled: true},
    })), 'InvalidRequestException', 400, 'InsightsEnabled');
    await ExpectError(client.send(new xray.UpdateGroupCommand({GroupName: 'Default',
                                                              FilterExpression: 'ok'})),
                      'InvalidRequestException', 400);
    await ExpectError(client.send(new xray.DeleteGroupCommand({GroupName: 'missing'})),
                      'InvalidRequestException', 400, 'missing');
    await ExpectError(client.send(new xray.GetGroupsCommand({NextToken: 'bogus'})),
                      'InvalidRequestException', 400, 'NextToken');
  });

  it('creates, lists, updates and deletes sampling rules', async () => {
    const initial = await client.send(new xray.GetSamplingRulesCommand({}));
    const defaultRule = initial.SamplingRuleRecords.find((r) => r.SamplingRule.RuleName === 'Default');
    assert.ok(defaultRule, 'Default rule listed');
    assert.equal(defaultRule.SamplingRule.Priority, 10000);
    assert.equal(defaultRule.SamplingRule.FixedRate, 0.05);
    assert.equal(defaultRule.SamplingRule.ReservoirSize, 1);
    assert.equal(defaultRule.CreatedAt.getTime(), 0);

    const created = await client.send(new xray.CreateSamplingRuleCommand({
      SamplingRule: Rule('api', 10, {URLPath: '/api/*', Attributes: {tier: 'gold'}}),
      Tags: [{Key: 'k', Value: 'v'}],
    }));
    const record = created.SamplingRuleRecord;
    assert.equal(record.SamplingRule.RuleARN,
                 'arn:aws:xray:us-east-1:000000000000:sampling-rule/api');
    assert.deepEqual(record.SamplingRule.Attributes, {tier: 'gold'});
    assert.ok(record.CreatedAt instanceof Date && record.CreatedAt.getTime() > 0);

    const updated = await client.send(new xray.UpdateSamplingRuleCommand({
      SamplingRuleUpdate: {RuleARN: record.SamplingRule.RuleARN, FixedRate: 0.75, Attributes: {}},
    }));
    assert.equal(updated.SamplingRuleRecord.SamplingRule.FixedRate, 0.75);
    assert.equal(updated.SamplingRuleRecord.SamplingRule.URLPath, '/api/*');

    const defaults = await client.send(new xray.UpdateSamplingRuleCommand({
      SamplingRuleUpdate: {RuleName: 'Default', ReservoirSize: 2},
    }));
    assert.equal(defaults.SamplingRuleRecord.SamplingRule.ReservoirSize, 2);

    const listed = await client.send(new xray.GetSamplingRulesCommand({}));
    assert.deepEqual(listed.SamplingRuleRecords.map((r) => r.SamplingRule.RuleName),
                     ['api', 'Default']);

    const targets = await client.send(new xray.GetSamplingTargetsCommand({
      SamplingStatisticsDocuments: [{
        RuleName: 'api', ClientID: '0123456789abcdef01234567', Timestamp: new Date(),
        RequestCount: 9, SampledCount: 4, BorrowCount: 1,
      }, {
        RuleName: 'ghost', ClientID: '0123456789abcdef01234567', Timestamp: new Date(),
        RequestCount: 1, SampledCount: 0,
      }],
    }));
    assert.equal(targets.SamplingTargetDocuments.length, 1);
    assert.equal(targets.SamplingTargetDocuments[0].RuleName, 'api');
    assert.equal(targets.SamplingTargetDocuments[0].ReservoirQuota, 4);
    assert.equal(targets.SamplingTargetDocuments[0].FixedRate, 0.75);
    assert.ok(targets.SamplingTargetDocuments[0].ReservoirQuotaTTL > new Date());
    assert.ok(targets.LastRuleModification instanceof Date);
    assert.deepEqual(targets.UnprocessedStatistics,
                     [{RuleName: 'ghost', ErrorCode: '400', Message: 'Unknown rule'}]);

    const summaries = await client.send(new xray.GetSamplingStatisticSummariesCommand({}));
    const api = summaries.SamplingStatisticSummaries.find((s) => s.RuleName === 'api');
    assert.deepEqual([api.RequestCount, api.SampledCount, api.BorrowCount], [9, 4, 1]);
    assert.ok(api.Timestamp instanceof Date);

    const deleted = await client.send(new xray.DeleteSamplingRuleCommand({RuleName: 'api'}));
    assert.equal(deleted.SamplingRuleRecord.SamplingRule.RuleName, 'api');
  });

  it('answers sampling errors with the modeled types', async () => {
    await ExpectError(client.send(new xray.CreateSamplingRuleCommand({
      SamplingRule: Rule('bad', 0),
    })), 'InvalidRequestException', 400, 'Priority');
    await ExpectError(client.send(new xray.CreateSamplingRuleCommand({
      SamplingRule: Rule('v2', 1, {Version: 2}),
    })), 'InvalidRequestException', 400, 'Version');
    await ExpectError(client.send(new xray.UpdateSamplingRuleCommand({
      SamplingRuleUpdate: {RuleName: 'Default', URLPath: '/x'},
    })), 'InvalidRequestException', 400, 'URLPath');
    await ExpectError(client.send(new xray.DeleteSamplingRuleCommand({RuleName: 'Default'})),
                      'InvalidRequestException', 400, 'Default');
    await ExpectError(client.send(new xray.DeleteSamplingRuleCommand({
      RuleName: 'a', RuleARN: 'arn:aws:xray:us-east-1:000000000000:sampling-rule/a',
    })), 'InvalidRequestException', 400, 'not both');
    await ExpectError(client.send(new xray.GetSamplingTargetsCommand({
      SamplingStatisticsDocuments: [{RuleName: 'Default', ClientID: 'short', Timestamp: new Date(),
                                     RequestCount: 1, SampledCount: 1}],
    })), 'InvalidRequestException', 400, 'ClientID');
    for (let i = 0; i < 25; ++i) {
      await client.send(new xray.CreateSamplingRuleCommand({SamplingRule: Rule(`r${i}`, 100 + i)}));
    }
    await ExpectError(client.send(new xray.CreateSamplingRuleCommand({
      SamplingRule: Rule('late', 1),
    })), 'RuleLimitExceededException', 400);
  });
});

describe('aws-xray-sdk-core centralized sampling against xrayd', () => {
  let dataDir;
  let daemon;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-sampling-'));
    daemon = await StartXrayd(dataDir);
  });

  after(async () => {
    if (daemon) {
      await StopXrayd(daemon);
    }
    fs.rmSync(dataDir, {recursive: true, force: true});
  });

  it('polls rules and targets without errors and follows the served rules', async () => {
    const client = Client(daemon);
    await client.send(new xray.CreateSamplingRuleCommand({SamplingRule: Rule('checkout', 5, {
      ServiceName: 'shop', HTTPMethod: 'POST', URLPath: '/checkout', ReservoirSize: 3,
      FixedRate: 0,
    })}));

    const AWSXRay = require('aws-xray-sdk-core');
    const logs = [];
    const record = (level) => (...args) => logs.push({level, text: args.map(String).join(' ')});
    AWSXRay.setLogger({error: record('error'), warn: record('warn'), info: record('info'),
                       debug: () => {}});
    // xrayd's UDP and TCP ports differ here (both bound to port 0): name each.
    AWSXRay.setDaemonAddress(`tcp:127.0.0.1:${daemon.tcpPort} udp:127.0.0.1:${daemon.udpPort}`);
    const sampler = require('aws-xray-sdk-core/dist/lib/middleware/sampling/default_sampler');
    const ruleCache = require('aws-xray-sdk-core/dist/lib/middleware/sampling/rule_cache');
    const request = {host: 'shop.local', httpMethod: 'POST', urlPath: '/checkout',
                     serviceName: 'shop'};

    sampler.shouldSample(request);  // Starts the rule and target pollers.
    await WaitFor('the SDK rule cache to hold xrayd rules',
                  () => ruleCache.getRules().length >= 2, 10000);
    assert.deepEqual(ruleCache.getRules().map((r) => r.getName()), ['checkout', 'Default']);

    for (let i = 0; i < 20; ++i) {
      sampler.shouldSample(request);
    }
    sampler.shouldSample({host: 'x', httpMethod: 'GET', urlPath: '/', serviceName: 'other'});

    // The target poller runs every 10 s (+ jitter): wait for xrayd to have its statistics.
    const summary = await WaitFor('statistics reported through SamplingTargets', async () => {
      const out = await client.send(new xray.GetSamplingStatisticSummariesCommand({}));
      return out.SamplingStatisticSummaries.find((s) => s.RuleName === 'checkout' &&
                                                         s.RequestCount > 0);
    }, 25000);
    assert.ok(summary.RequestCount >= 20, `requests counted: ${summary.RequestCount}`);
    assert.ok(summary.SampledCount + summary.BorrowCount >= 1);

    await WaitFor('the SDK to log a successful target refresh', () =>
      logs.some((l) => l.text.includes('Successfully reported rule statistics')), 5000);
    // After the quota arrives the rule samples from its reservoir (3/s), FixedRate 0 otherwise.
    const checkout = ruleCache.getRules().find((r) => r.getName() === 'checkout');
    assert.ok(checkout.getReservoir().quota >= 1, 'quota assigned from xrayd');

    const problems = logs.filter((l) => l.level === 'error' || l.level === 'warn');
    assert.deepEqual(problems, [], 'no SDK warnings or errors while polling xrayd');
    client.destroy();
  });
});
