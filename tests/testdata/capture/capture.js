'use strict';
// Captures what the real AWS X-Ray SDK for Node.js sends to its daemon and stores each UDP
// datagram, byte for byte, as a fixture under tests/testdata/xray-sdk-node/. See
// tests/testdata/README.md for how to run it and which package versions made the stored files.
//
// Everything runs in this process on 127.0.0.1 with ports chosen by the kernel:
//   - a UDP listener standing in for the daemon (AWS_XRAY_DAEMON_ADDRESS), recording datagrams;
//   - "orders-api", a plain node:http server traced by the SDK's own middleware
//     (AWSXRay.middleware.traceRequestResponseCycle, what aws-xray-sdk-express uses);
//   - an untraced "inventory" HTTP backend, called through AWSXRay.captureHTTPsGlobal(http);
//   - a fake DynamoDB endpoint speaking the JSON 1.0 protocol, called with the real
//     @aws-sdk/client-dynamodb wrapped by AWSXRay.captureAWSv3Client.
// Requests to orders-api are made with fetch (undici), which the http patch does not trace.
// Each scenario ends when the datagram of its segment has arrived (bounded wait, no fixed sleep).
//
// Usage: node tests/testdata/capture/capture.js [OUTPUT_DIR]
// (after `cd tests/e2e && npm ci`; the packages are resolved from tests/e2e/node_modules).

const dgram = require('node:dgram');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const {createRequire} = require('node:module');

const e2eRequire = createRequire(path.join(__dirname, '..', '..', 'e2e', 'package.json'));
const outDir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'xray-sdk-node'));
const kWaitMs = 10000;  // Upper bound for one scenario's datagrams to arrive.

function Listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

// --- The stand-in daemon --------------------------------------------------------------------------

const datagrams = [];  // Buffers, in order of arrival.
let onDatagram = () => {};
const udp = dgram.createSocket('udp4');
udp.on('message', (msg) => {
  datagrams.push(Buffer.from(msg));
  onDatagram();
});

function Body(datagram) {
  const text = datagram.toString('utf8');
  return JSON.parse(text.slice(text.indexOf('\n') + 1));
}

// Resolves with the datagrams received from `from` on, once one of them is a closed segment (not an
// independent subsegment, not in progress) named `name`; rejects after kWaitMs.
function WaitForSegment(from, name) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const got = datagrams.slice(from);
      if (got.some((d) => Body(d).type !== 'subsegment' && Body(d).name === name &&
                          Body(d).end_time !== undefined)) {
        clearTimeout(timer);
        onDatagram = () => {};
        resolve(got);
      }
    };
    const timer = setTimeout(() => {
      onDatagram = () => {};
      reject(new Error(`no segment "${name}" within ${kWaitMs} ms (${datagrams.length - from} datagrams)`));
    }, kWaitMs);
    onDatagram = check;
    check();
  });
}

// --- Untraced backends ----------------------------------------------------------------------------

const inventory = http.createServer((req, res) => {
  const status = req.url === '/stock/42' ? 200 : 429;
  const body = JSON.stringify(status === 200 ? {sku: 42, in_stock: 7} : {message: 'slow down'});
  res.writeHead(status, {'content-type': 'application/json'});
  res.end(body);
});

let requestCounter = 0;
const dynamo = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    requestCounter += 1;
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': `FAKE${String(requestCounter).padStart(4, '0')}REQUESTID0000000000000000000000000`,
    };
    let status = 200;
    let body;
    if (input.TableName !== 'orders') {
      status = 400;
      body = {__type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
              message: 'Requested resource not found'};
    } else if (target.endsWith('.GetItem')) {
      body = {Item: {id: {N: '42'}, state: {S: 'shipped'}}};
    } else if (target.endsWith('.DescribeTable')) {
      body = {Table: {TableName: 'orders', TableStatus: 'ACTIVE', ItemCount: 1}};
    } else {
      body = {};
    }
    const text = JSON.stringify(body);
    headers['content-length'] = Buffer.byteLength(text);
    res.writeHead(status, headers);
    res.end(text);
  });
});

// --- The traced application -----------------------------------------------------------------------

async function Main() {
  const udpPort = await new Promise((resolve) => udp.bind(0, '127.0.0.1', () => resolve(udp.address().port)));
  process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${udpPort}`;
  process.env.AWS_XRAY_CONTEXT_MISSING = 'IGNORE_ERROR';
  const inventoryPort = await Listen(inventory);
  const dynamoPort = await Listen(dynamo);

  const AWSXRay = e2eRequire('aws-xray-sdk-core');
  const {DynamoDBClient, GetItemCommand, DescribeTableCommand, PutItemCommand} =
      e2eRequire('@aws-sdk/client-dynamodb');
  AWSXRay.setLogger({error() {}, warn() {}, info() {}, debug() {}});
  // Local sampling only (no sampling API calls), and every request sampled.
  AWSXRay.middleware.disableCentralizedSampling();
  AWSXRay.middleware.setSamplingRules({version: 2, rules: [], default: {fixed_target: 0, rate: 1.0}});
  AWSXRay.middleware.setDefaultName('orders-api');
  AWSXRay.captureHTTPsGlobal(http);

  const ddb = AWSXRay.captureAWSv3Client(new DynamoDBClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${dynamoPort}`,
    credentials: {accessKeyId: 'AKIDFAKEFORTESTS', secretAccessKey: 'fake-secret'},
    maxAttempts: 1,
  }));

  function GetJson(url) {
    return new Promise((resolve, reject) => {
      http.get(url, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({status: res.statusCode, body: text}));
      }).on('error', reject);
    });
  }

  const stock = (sku) => GetJson(`http://127.0.0.1:${inventoryPort}/stock/${sku}`);
  const handlers = {
    // 200: annotations, metadata, user, an outgoing http call and a DynamoDB GetItem.
    'GET /orders/42': async (segment) => {
      segment.setUser('alice');
      segment.addAnnotation('customer_tier', 'gold');
      segment.addAnnotation('order_id', 42);
      segment.addAnnotation('express_shipping', false);
      segment.addMetadata('cache', {hit: false, key: 'order:42'}, 'debug');
      const sub = AWSXRay.getSegment();
      sub.addMetadata('items', 3);
      await stock(42);
      await ddb.send(new GetItemCommand({TableName: 'orders', Key: {id: {N: '42'}}}));
      return 200;
    },
    // 500: DescribeTable succeeds, PutItem on a missing table fails (400), then a local
    // subsegment fails with an exception and the segment records it.
    'POST /orders': async (segment) => {
      segment.setUser('bob');
      segment.addAnnotation('customer_tier', 'silver');
      await ddb.send(new DescribeTableCommand({TableName: 'orders'}));
      try {
        await ddb.send(new PutItemCommand({TableName: 'orders_archive', Item: {id: {N: '43'}}}));
      } catch (err) {
        segment.addAnnotation('archive_failed', true);
      }
      const error = await AWSXRay.captureAsyncFunc('charge-card', async (sub) => {
        const e = new Error('card processor timed out');
        e.name = 'PaymentTimeoutError';
        sub.close(e);
        return e;
      });
      segment.addError(error);
      return 500;
    },
    // 429: the backend throttles and so does the API.
    'GET /orders/7': async () => {
      await stock(7);
      return 429;
    },
    // 200: with a streaming threshold of 0, subsegments that close while another one is open
    // are sent on their own as independent subsegments (three local ones and an http call).
    'GET /report': async (segment) => {
      segment.addAnnotation('report_pages', 3);
      await AWSXRay.captureAsyncFunc('build-report', async (parent) => {
        for (let page = 1; page <= 3; ++page) {
          await AWSXRay.captureAsyncFunc(`render-page-${page}`, async (sub) => {
            sub.addAnnotation('page', page);
            await new Promise((resolve) => setImmediate(resolve));
            sub.close();
          });
        }
        await stock(42);
        parent.close();
      });
      return 200;
    },
  };

  const ns = AWSXRay.getNamespace();
  const app = http.createServer((req, res) => {
    const segment = AWSXRay.middleware.traceRequestResponseCycle(req, res);
    ns.bindEmitter(req);
    ns.bindEmitter(res);
    ns.run(() => {
      AWSXRay.setSegment(segment);
      handlers[`${req.method} ${req.url}`](segment).then((status) => {
        res.writeHead(status, {'content-type': 'text/plain'});
        res.end(`status ${status}\n`);
      });
    });
  });
  const appPort = await Listen(app);

  // Not an HTTP request: a segment of its own, flushed once while still open (the SDK sends it
  // with "in_progress": true and no end_time), then closed and sent again.
  async function LongOperation() {
    const segment = new AWSXRay.Segment('long-operation');
    segment.addAnnotation('batch', 'nightly');
    const step = segment.addNewSubsegment('step-1');
    segment.flush();
    await new Promise((resolve) => setImmediate(resolve));
    step.close();
    segment.close();
  }

  const scenarios = [
    {file: 'get-order', method: 'GET', path: '/orders/42'},
    {file: 'create-order-fault', method: 'POST', path: '/orders'},
    {file: 'get-order-throttled', method: 'GET', path: '/orders/7'},
    {file: 'report-streamed', method: 'GET', path: '/report', streamingThreshold: 0},
    {file: 'long-operation', run: LongOperation, segment: 'long-operation'},
  ];
  fs.mkdirSync(outDir, {recursive: true});
  for (const name of fs.readdirSync(outDir)) {
    if (name.endsWith('.txt')) {
      fs.unlinkSync(path.join(outDir, name));
    }
  }
  for (const scenario of scenarios) {
    AWSXRay.setStreamingThreshold(scenario.streamingThreshold ?? 100);
    const from = datagrams.length;
    if (scenario.run) {
      await scenario.run();
    } else {
      const response = await fetch(`http://127.0.0.1:${appPort}${scenario.path}`,
                                   {method: scenario.method});
      await response.text();
    }
    const got = await WaitForSegment(from, scenario.segment ?? 'orders-api');
    got.forEach((datagram, i) => {
      const body = Body(datagram);
      const kind = body.type === 'subsegment' ? `subsegment-${body.name}`
                 : body.in_progress ? 'segment-in-progress' : 'segment';
      const file = `${scenario.file}.${String(i + 1).padStart(2, '0')}-${kind}.txt`;
      fs.writeFileSync(path.join(outDir, file), datagram);
      console.log(`${file}: ${datagram.length} bytes`);
    });
  }
  app.close();
  inventory.close();
  dynamo.close();
  udp.close();
}

Main().catch((err) => {
  console.error(err);
  process.exit(1);
});
