'use strict';
// SigV4 of the real xrayd binary (hidden `xrayd sign-request`, daemon/sigv4.cc) against an
// independent signer, the npm `aws4` package (pinned in package-lock.json): for each request both
// sign the same method, host, path, query, headers, body, credentials and time, and the
// Authorization headers must be identical.
// Run: XRAYD_BIN=build/daemon/xrayd node --test tests/e2e/sigv4.test.js
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {spawnSync} = require('node:child_process');
const path = require('node:path');
const {describe, it} = require('node:test');

function RequireAws4() {
  try {
    return require(require.resolve('aws4', {paths: [__dirname]}));
  } catch {
    throw new Error('tests/e2e/node_modules lacks aws4: run `make e2e-deps` first');
  }
}

function XraydBin() {
  const bin = process.env.XRAYD_BIN;
  if (!bin) throw new Error('set XRAYD_BIN to the xrayd binary (ctest does this)');
  return path.resolve(bin);
}

const kCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const kSessionToken = 'FQoGZXIvYXdzEJr//////////wEaDAbc+session/token==';
const kTime = '2026-11-27T02:45:13Z';
const kAmzDate = '20261127T024513Z';
// Headers aws4 never signs; they are left out of the C++ input as well.
const kUnsigned = new Set(['authorization', 'connection', 'x-amzn-trace-id', 'user-agent',
  'expect', 'presigned-expires', 'range']);

function Sha256Hex(text) {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

// Signs with aws4 and returns its final headers (lower-cased names).
function SignWithAws4(request, credentials) {
  const aws4 = RequireAws4();
  const headers = {Host: request.host, 'X-Amz-Date': kAmzDate, ...request.headers};
  if (request.contentSha256) headers['X-Amz-Content-Sha256'] = Sha256Hex(request.body ?? '');
  const options = {
    host: request.host,
    method: request.method,
    path: request.path + (request.query ? `?${request.query}` : ''),
    service: request.service,
    region: request.region,
    headers,
    body: request.body,
  };
  aws4.sign(options, credentials);
  const out = {};
  for (const [name, value] of Object.entries(options.headers)) out[name.toLowerCase()] = String(value);
  return out;
}

// Signs with `xrayd sign-request` given the same headers aws4 ended up sending.
function SignWithXrayd(request, credentials, aws4Headers) {
  const generated = new Set(['host', 'x-amz-date', 'authorization', 'x-amz-security-token',
    'x-amz-content-sha256']);
  const headers = Object.entries(aws4Headers)
      .filter(([name]) => !generated.has(name) && !kUnsigned.has(name));
  const input = {
    method: request.method,
    host: request.host,
    path: request.path,
    query: request.query ?? '',
    headers,
    body: request.body ?? '',
    access_key_id: credentials.accessKeyId,
    secret_access_key: credentials.secretAccessKey,
    session_token: credentials.sessionToken ?? '',
    region: request.region,
    service: request.service,
    time: kTime,
    content_sha256: Boolean(request.contentSha256),
  };
  const run = spawnSync(XraydBin(), ['sign-request'], {input: JSON.stringify(input), encoding: 'utf8'});
  assert.equal(run.status, 0, `xrayd sign-request failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const kRequests = [
  {
    name: 'PutTraceSegments',
    method: 'POST', host: 'xray.us-east-1.amazonaws.com', path: '/TraceSegments',
    region: 'us-east-1', service: 'xray', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({TraceSegmentDocuments: [
      '{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","name":"demo",' +
      '"start_time":1478293361.271,"end_time":1478293361.449}']}),
  },
  {
    name: 'GetSamplingRules with a session token',
    method: 'POST', host: 'xray.eu-west-1.amazonaws.com', path: '/GetSamplingRules',
    region: 'eu-west-1', service: 'xray', headers: {'Content-Type': 'application/json'},
    body: '{}', sessionToken: kSessionToken,
  },
  {
    name: 'SamplingTargets with x-amz-content-sha256, a port and a user agent',
    method: 'POST', host: '127.0.0.1:4567', path: '/SamplingTargets',
    region: 'cn-north-1', service: 'xray',
    headers: {'Content-Type': 'application/json', 'User-Agent': 'xrayd-test/1.0'},
    body: '{"SamplingStatisticsDocuments":[]}', contentSha256: true,
  },
  {
    name: 'GET with an unsorted, encoded query string and spaced header values',
    method: 'GET', host: 'example.amazonaws.com', path: '/',
    query: 'Param2=value2&Param1=value1&Spaced=a%20b&Tilde=~x',
    region: 'us-east-1', service: 'service',
    headers: {'My-Header1': '  value   with   spaces  '},
  },
  {
    name: 'UTF-8 body and form content type',
    method: 'POST', host: 'sts.us-west-2.amazonaws.com', path: '/',
    region: 'us-west-2', service: 'sts',
    headers: {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'},
    body: 'Action=AssumeRole&Version=2011-06-15&RoleSessionName=%C3%A9t%C3%A9', sessionToken: kSessionToken,
  },
];

describe('xrayd sign-request matches aws4', () => {
  for (const request of kRequests) {
    it(request.name, () => {
      const credentials = {...kCredentials};
      if (request.sessionToken) credentials.sessionToken = request.sessionToken;
      const expected = SignWithAws4(request, credentials);
      const actual = SignWithXrayd(request, credentials, expected);
      assert.equal(actual['x-amz-date'], kAmzDate);
      assert.equal(actual.authorization, expected.authorization);
      if (request.sessionToken) {
        assert.equal(actual['x-amz-security-token'], request.sessionToken);
        assert.match(actual.authorization, /SignedHeaders=[^,]*x-amz-security-token/);
      } else {
        assert.equal(actual['x-amz-security-token'], undefined);
      }
      if (request.contentSha256) {
        assert.equal(actual['x-amz-content-sha256'], Sha256Hex(request.body));
      }
    });
  }

  it('a different secret gives a different signature (the comparison can fail)', () => {
    const request = kRequests[0];
    const expected = SignWithAws4(request, kCredentials);
    const actual = SignWithXrayd(request, {...kCredentials, secretAccessKey: 'other'}, expected);
    assert.notEqual(actual.authorization, expected.authorization);
  });

  it('sign-request is hidden from --help and rejects bad input', () => {
    const help = spawnSync(XraydBin(), ['--help'], {encoding: 'utf8'});
    assert.equal(help.status, 0);
    assert.ok(!help.stdout.includes('sign-request'));
    const bad = spawnSync(XraydBin(), ['sign-request'], {input: 'not json', encoding: 'utf8'});
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /not a JSON object/);
  });
});
