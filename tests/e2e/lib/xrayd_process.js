'use strict';
// Helpers for end-to-end tests: run the real xrayd binary on loopback port 0, read its bound ports
// from the start-up log line, scrape /metrics, run its CLI, stop it. Every wait is bounded.
const {spawn, execFile} = require('node:child_process');
const http = require('node:http');
const path = require('node:path');

const kStartTimeoutMs = 15000;
const kStopTimeoutMs = 15000;
const kPollIntervalMs = 50;

// Fails with a pointer to the right make target instead of a bare MODULE_NOT_FOUND.
function RequireE2eDeps() {
  try {
    require.resolve('aws-xray-sdk-core', {paths: [path.join(__dirname, '..')]});
  } catch {
    throw new Error('tests/e2e/node_modules is missing: run `make e2e-deps` first');
  }
}

function XraydBin() {
  const bin = process.env.XRAYD_BIN;
  if (!bin) {
    throw new Error('set XRAYD_BIN to the xrayd binary (ctest does this)');
  }
  return bin;
}

function Sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Polls `probe` (async, returns a truthy value when done) until it succeeds or `timeoutMs` passes.
async function WaitFor(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) {
        return last;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${
          last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await Sleep(kPollIntervalMs);
  }
}

// Starts `xrayd --offline --data-dir DIR -b 127.0.0.1:0 -t 127.0.0.1:0 EXTRA...` and resolves once
// the start-up line with `udp=127.0.0.1:N` and `tcp=127.0.0.1:M` has been printed on stderr.
async function StartXrayd(dataDir, extraArgs = []) {
  // No listener at the OTLP default ports (another process or test may hold them): a test that
  // wants one passes its own --otlp-http/--otlp-grpc, which comes later and wins.
  const args = ['--offline', '--data-dir', dataDir, '-b', '127.0.0.1:0', '-t', '127.0.0.1:0',
                '--otlp-http', 'off', '--otlp-grpc', 'off', ...extraArgs];
  const proc = spawn(XraydBin(), args, {stdio: ['ignore', 'pipe', 'pipe']});
  const daemon = {proc, stderr: '', stdout: '', udpPort: 0, tcpPort: 0, exit: null};
  daemon.exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      daemon.exit = {code, signal};
      resolve(daemon.exit);
    });
  });
  proc.stderr.setEncoding('utf8');
  proc.stdout.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => { daemon.stderr += chunk; });
  proc.stdout.on('data', (chunk) => { daemon.stdout += chunk; });
  proc.on('error', (err) => { daemon.stderr += `\n[spawn error] ${err.message}\n`; });

  await WaitFor('xrayd start-up line (udp=... tcp=...)', () => {
    if (daemon.exit) {
      throw new Error(`xrayd exited early ${JSON.stringify(daemon.exit)}:\n${daemon.stderr}`);
    }
    const udp = /udp=127\.0\.0\.1:(\d+)/.exec(daemon.stderr);
    const tcp = /tcp=127\.0\.0\.1:(\d+)/.exec(daemon.stderr);
    if (udp && tcp && Number(udp[1]) > 0 && Number(tcp[1]) > 0) {
      daemon.udpPort = Number(udp[1]);
      daemon.tcpPort = Number(tcp[1]);
      return true;
    }
    return false;
  }, kStartTimeoutMs);
  return daemon;
}

// Sends `signal` and resolves with {code, signal} once the process has exited.
async function StopXrayd(daemon, signal = 'SIGTERM') {
  if (daemon.exit) {
    return daemon.exit;
  }
  daemon.proc.kill(signal);
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), kStopTimeoutMs); });
  const result = await Promise.race([daemon.exited, timeout]);
  clearTimeout(timer);
  if (!result) {
    daemon.proc.kill('SIGKILL');
    await daemon.exited;
    throw new Error(`xrayd did not exit within ${kStopTimeoutMs} ms of ${signal}`);
  }
  return result;
}

function HttpGet(port, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.get({host: '127.0.0.1', port, path: urlPath, timeout: 5000}, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({status: res.statusCode, body}));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}

// Parses Prometheus text into {"name": value, "name{labels}": value}, plus a sum per bare name
// under "name:sum" for labelled families.
function ParseMetrics(text) {
  const metrics = {};
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) {
      continue;
    }
    const value = Number(match[3]);
    metrics[match[1] + (match[2] || '')] = value;
    metrics[match[1] + ':sum'] = (metrics[match[1] + ':sum'] || 0) + value;
  }
  return metrics;
}

async function FetchMetrics(daemon) {
  const res = await HttpGet(daemon.tcpPort, '/metrics');
  if (res.status !== 200) {
    throw new Error(`/metrics answered ${res.status}: ${res.body}`);
  }
  return ParseMetrics(res.body);
}

// Runs `xrayd <args...>` and resolves with its parsed JSON stdout; rejects with stderr on failure.
function RunCliJson(args) {
  return new Promise((resolve, reject) => {
    execFile(XraydBin(), args, {timeout: 20000, maxBuffer: 16 << 20}, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`xrayd ${args.join(' ')} failed (${err.code ?? err.signal}): ${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch (parseErr) {
        reject(new Error(`xrayd ${args.join(' ')} printed non-JSON (${parseErr.message}): ${
            stdout.slice(0, 2000)}`));
      }
    });
  });
}

// Runs a node script with extra env vars; resolves with its stdout when it exits 0.
function RunNodeScript(script, env) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script], {env: {...process.env, ...env}, timeout: 20000},
             (err, stdout, stderr) => {
               if (err) {
                 reject(new Error(`${path.basename(script)} failed (${err.code}): ${stderr}`));
                 return;
               }
               resolve(stdout);
             });
  });
}

module.exports = {
  FetchMetrics,
  HttpGet,
  RequireE2eDeps,
  RunCliJson,
  RunNodeScript,
  StartXrayd,
  StopXrayd,
  WaitFor,
};
