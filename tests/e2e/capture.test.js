'use strict';
// End to end: `xrayd capture` runs a program instrumented with the real aws-xray-sdk-core
// (capture_app.js) against its private daemon and checks assertions; `xrayd assert` checks a
// running daemon. JUnit reports are parsed with fast-xml-parser, as a CI system would read them.
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/capture.test.js
const assert = require('node:assert/strict');
const {execFile} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, it} = require('node:test');
const {XMLParser} = require('fast-xml-parser');

const {RequireE2eDeps, RunNodeScript, StartXrayd, StopXrayd} = require('./lib/xrayd_process');

const kApp = path.join(__dirname, 'capture_app.js');

// Runs xrayd with `args`; resolves with {code, stdout, stderr} whatever the exit status.
function RunXrayd(args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.env.XRAYD_BIN, args, {env: {...process.env, ...env}, timeout: 60000},
             (err, stdout, stderr) => {
               resolve({code: err ? err.code : 0, stdout, stderr});
             });
  });
}

// The test cases of a JUnit file: [{name, failure (message) or null, body}].
function ReadJUnit(file) {
  const parser = new XMLParser({ignoreAttributes: false, attributeNamePrefix: '',
                                isArray: (name) => name === 'testcase' || name === 'testsuite'});
  const xml = parser.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(xml.testsuites.testsuite.length, 1, 'one testsuite');
  const suite = xml.testsuites.testsuite[0];
  const cases = suite.testcase.map((c) => ({
    name: c.name,
    failure: c.failure ? c.failure.message : null,
    body: c.failure ? String(c.failure['#text'] ?? '') : '',
  }));
  assert.equal(Number(suite.tests), cases.length, 'tests attribute counts the cases');
  assert.equal(Number(suite.failures), cases.filter((c) => c.failure !== null).length,
               'failures attribute counts the failed cases');
  return {suite, cases};
}

describe('xrayd capture and xrayd assert', () => {
  let dir;
  before(() => {
    RequireE2eDeps();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xrayd-e2e-capture-'));
  });
  after(() => fs.rmSync(dir, {recursive: true, force: true}));

  it('captures the SDK trace, writes it and passes every assertion', async () => {
    const out = path.join(dir, 'ok.json');
    const junit = path.join(dir, 'ok.xml');
    const run = await RunXrayd([
      'capture', '--out', out, '--junit', junit,
      '--expect', 'annotation.username = "alice"', '>=1',
      '--expect', 'http.status = 200 AND annotation.cart_items = 3', '=1',
      '--none', 'fault',
      '--subsegment', 'DynamoDB', '--annotation', 'username=alice', '--max-duration', '5s',
      '--', process.execPath, kApp, 'ok']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /6 passed, 0 failed \(1 trace in the window\)/);

    const captured = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.deepEqual(captured.UnprocessedTraceIds, []);
    assert.equal(captured.Traces.length, 1);
    const trace = captured.Traces[0];
    assert.match(trace.Id, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    const docs = trace.Segments.map((s) => JSON.parse(s.Document));
    const checkout = docs.find((d) => d.name === 'checkout');
    assert.ok(checkout, 'the SDK segment is in --out');
    assert.equal(checkout.annotations.username, 'alice');
    assert.deepEqual(checkout.subsegments.map((s) => s.name), ['DynamoDB', 'validate-cart']);
    assert.ok(docs.some((d) => d.inferred && d.name === 'orders'), 'inferred DynamoDB table node');

    const {suite, cases} = ReadJUnit(junit);
    assert.equal(suite.name, 'xrayd capture');
    assert.deepEqual(cases.map((c) => c.name), [
      `command: ${process.execPath} ${kApp} ok`,
      'count(annotation.username = "alice") >= 1',
      'count(http.status = 200 AND annotation.cart_items = 3) = 1',
      'count(fault) = 0',
      'each trace has a subsegment named "DynamoDB"',
      'each trace has annotation username = "alice"',
      'each trace lasts at most 5.000 s',
    ]);
    assert.ok(cases.every((c) => c.failure === null));
  });

  it('reports failed assertions with what was expected, what was found and the closest trace',
     async () => {
       const junit = path.join(dir, 'fail.xml');
       const run = await RunXrayd([
         'capture', '--junit', junit, '--color', 'never',
         '--expect', 'annotation.username = "alice" AND fault',
         '--subsegment', 'DynamoDB',
         '--where', 'annotation.username = "bob"', '--annotation', 'cart_items=4',
         '--', process.execPath, kApp, 'fault']);
       assert.equal(run.code, 1, run.stderr);
       assert.match(run.stderr, /FAIL {2}count\(annotation\.username = "alice" AND fault\) >= 1\n/);
       assert.match(run.stderr, /expected traces matching .* >= 1\n +found +0 traces\n/);
       assert.match(run.stderr, /closest traces:\n +trace 1-[0-9a-f-]+: matches 1 of 2 terms; not: annotation\.username = "alice"/);
       // The closest trace is drawn: its segment bar, the fault flag, the exception.
       assert.match(run.stderr, /checkout +\|=+\| +[0-9.]+ ms +F +http 500/);
       assert.match(run.stderr, /exception: Error: payment backend unavailable/);
       assert.match(run.stderr, /FAIL {2}each trace has a subsegment named "DynamoDB"/);
       assert.match(run.stderr, /no segment or subsegment named "DynamoDB"/);
       assert.match(run.stderr, /annotation cart_items is 3\n/);
       assert.match(run.stderr, /0 passed, 3 failed/);

       const {cases} = ReadJUnit(junit);
       assert.equal(cases.length, 4);
       assert.equal(cases[0].failure, null, 'the command itself passed');
       assert.match(cases[1].failure, /^expected traces matching annotation.username = "alice" AND fault: >= 1, found 0 traces$/);
       assert.match(cases[1].body, /closest traces/);
       assert.equal(cases[3].name, 'each trace where annotation.username = "bob" has annotation cart_items = "4"');
       assert.ok(cases.slice(1).every((c) => c.failure !== null));
     });

  it('exits with the status of a failing command, and says so in JUnit', async () => {
    const junit = path.join(dir, 'exit3.xml');
    const run = await RunXrayd(['capture', '--junit', junit, '--expect', 'annotation.username = "alice"',
                                '--', process.execPath, kApp, 'exit3']);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /the command exited with status 3/);
    const {cases} = ReadJUnit(junit);
    assert.equal(cases[0].failure, 'the command exited with status 3');
    assert.equal(cases[1].failure, null, 'the trace it sent still satisfies the assertion');
  });

  it('a command that sends nothing fails --expect and is reported as empty', async () => {
    const silent = await RunXrayd(['capture', '--expect', 'annotation.username = "alice"',
                                   '--', process.execPath, kApp, 'silent']);
    assert.equal(silent.code, 1, silent.stderr);
    assert.match(silent.stderr, /found +0 traces\n +no traces at all in the window/);
    assert.match(silent.stderr, /nothing was captured/);

    const noAssertions = await RunXrayd(['capture', '--', process.execPath, kApp, 'silent']);
    assert.equal(noAssertions.code, 0, noAssertions.stderr);
    assert.match(noAssertions.stderr, /0 traces, 0 segments captured/);
  });

  it('a command that cannot start exits 127; usage errors exit 2', async () => {
    const missing = await RunXrayd(['capture', '--', path.join(dir, 'no-such-program')]);
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(missing.stderr, /could not be started/);
    const noCommand = await RunXrayd(['capture', '--expect', 'fault']);
    assert.equal(noCommand.code, 2);
    assert.match(noCommand.stderr, /give the command to run after --/);
    const badCount = await RunXrayd(['capture', '--expect', 'fault', '>=x', '--', 'true']);
    assert.equal(badCount.code, 2);
    assert.match(badCount.stderr, /invalid count '>=x'/);
  });

  it('an invalid filter fails its assertion naming the token', async () => {
    const run = await RunXrayd(['capture', '--expect', 'annotation.username = "alice" AND',
                                '--', process.execPath, kApp, 'ok']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /found +an invalid filter\n.*InvalidRequestException/);
  });

  it('xrayd assert checks a running daemon', async () => {
    const daemon = await StartXrayd(path.join(dir, 'running'));
    try {
      await RunNodeScript(kApp, {AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.udpPort}`});
      const target = ['-t', `127.0.0.1:${daemon.tcpPort}`];
      // The daemon stores asynchronously: retry the passing check briefly.
      let pass;
      for (let i = 0; i < 50; i++) {
        pass = await RunXrayd(['assert', ...target, '--expect', 'annotation.username = "alice"', '=1',
                               '--subsegment', 'DynamoDB']);
        if (pass.code === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(pass.code, 0, pass.stdout + pass.stderr);
      assert.match(pass.stdout, /PASS {2}count\(annotation\.username = "alice"\) = 1 \(1 trace\)/);

      const junit = path.join(dir, 'assert.xml');
      const fail = await RunXrayd(['assert', ...target, '--junit', junit, '--none', 'annotation.username = "alice"']);
      assert.equal(fail.code, 1, fail.stdout + fail.stderr);
      assert.match(fail.stdout, /matching traces:\n +trace 1-/);
      const {suite, cases} = ReadJUnit(junit);
      assert.equal(suite.name, 'xrayd assert');
      assert.equal(cases.length, 1);
      assert.match(cases[0].failure, /found 1 trace$/);

      const unreachable = await RunXrayd(['assert', '-t', '127.0.0.1:1', '--expect', 'ok']);
      assert.equal(unreachable.code, 2);
      assert.match(unreachable.stderr, /cannot check the traces/);
    } finally {
      await StopXrayd(daemon);
    }
  });
});
