'use strict';
// Emits one realistic trace with the real aws-xray-sdk-core over UDP to AWS_XRAY_DAEMON_ADDRESS
// (set by the caller before start: the SDK reads it when it is loaded) and prints on stdout one JSON
// object describing what was sent. Exits non-zero if any send fails.
//
// Shape of the trace (names are stable, ids are random):
//   e2e-checkout (segment: http, user, annotations incl. invalid key "bad-key", metadata;
//                 sent first in_progress by Segment.flush(), then complete)
//   |- async-audit        independent (streamed) subsegment, parent = the segment
//   |- stream-parent      embedded
//   |  |- streamed-child-1  independent, sent in_progress first, then complete
//   |  `- streamed-child-2  independent
//   |- db-query           embedded, sql
//   |  `- db-connect      embedded (nested)
//   |- DynamoDB           embedded, namespace aws, aws fields
//   |- payment-api        embedded, namespace remote, http, remote exception
//   `- validate-cart      embedded, local exception via addError
const dgram = require('node:dgram');

if (!process.env.AWS_XRAY_DAEMON_ADDRESS) {
  console.error('emit_segments: set AWS_XRAY_DAEMON_ADDRESS=127.0.0.1:PORT');
  process.exit(2);
}

const AWSXRay = require('aws-xray-sdk-core');
// Same module instance the SDK's Segment/Subsegment use (the package has no "exports" map).
const SegmentEmitter = require('aws-xray-sdk-core/dist/lib/segment_emitter');

// The SDK sends from an unref()'d socket and never reports completion. Replace it with a socket
// that counts pending sends so the process can wait for every datagram before it exits, and that
// keeps a copy of each datagram for the description.
function InstallTrackingSocket() {
  const socket = dgram.createSocket('udp4');
  const datagrams = [];
  const errors = [];
  let pending = 0;
  let waiters = [];
  SegmentEmitter.socket = {
    send(msg, offset, length, port, address, callback) {
      pending++;
      datagrams.push(msg.toString('utf8', offset, offset + length));
      socket.send(msg, offset, length, port, address, (err) => {
        pending--;
        if (err) {
          errors.push(String(err));
        }
        try {
          callback(err);
        } finally {
          if (pending === 0) {
            waiters.splice(0).forEach((resolve) => resolve());
          }
        }
      });
    },
  };
  return {
    datagrams,
    errors,
    drain: () => (pending === 0 ? Promise.resolve() : new Promise((r) => waiters.push(r))),
    close: () => socket.close(),
  };
}

// Minimal stand-ins for node's IncomingMessage / ClientRequest / ServerResponse, enough for the
// SDK's IncomingRequestData and RemoteRequestData to read what a real server would give them.
const kIncomingRequest = {
  method: 'POST',
  url: '/api/checkout?cart=123',
  headers: {
    host: 'shop.example.com',
    'user-agent': 'e2e-client/1.0',
    'x-forwarded-for': '203.0.113.7, 10.0.0.1',
  },
  connection: {encrypted: false, remoteAddress: '10.0.0.1'},
};
const kServerResponse = {statusCode: 200, headers: {'content-length': '512'}};
const kPaymentRequest = {
  agent: {protocol: 'https:'},
  host: 'payments.example.com',
  path: '/v1/charge?idempotency=abc',
  method: 'POST',
  getHeader: () => 'payments.example.com',
};
const kPaymentResponse = {statusCode: 502, headers: {'content-length': '64'}};

function Describe(sub, parent, streamed) {
  const exceptions = (sub.cause && sub.cause.exceptions) || [];
  return {
    id: sub.id,
    name: sub.name,
    parent_id: parent.id,
    parent_name: parent.name,
    streamed,
    namespace: sub.namespace,
    fault: sub.fault === true,
    error: sub.error === true,
    exception_messages: exceptions.map((e) => e.message),
    http: sub.http ? JSON.parse(JSON.stringify(sub.http)) : undefined,
    annotations: sub.annotations ? {...sub.annotations} : undefined,
  };
}

async function Main() {
  AWSXRay.enableManualMode();
  AWSXRay.setContextMissingStrategy('LOG_ERROR');
  AWSXRay.middleware.disableCentralizedSampling();
  const tracker = InstallTrackingSocket();
  const described = [];

  const seg = new AWSXRay.Segment('e2e-checkout');
  const incoming = new AWSXRay.middleware.IncomingRequestData(kIncomingRequest);
  seg.addIncomingRequestData(incoming);
  seg.setUser('alice');
  const annotations = {customer_tier: 'gold', cart_items: 3, amount: 42.5, is_retry: false};
  for (const [key, value] of Object.entries(annotations)) {
    seg.addAnnotation(key, value);
  }
  // Not a valid annotation key: must stay in the raw document but must not be indexed.
  seg.addAnnotation('bad-key', 'kept-raw');
  seg.addMetadata('cart', {items: [{sku: 'A-1', qty: 2}, {sku: 'B-7', qty: 1}], currency: 'EUR'});
  seg.addMetadata('build', {commit: '0123abcd', canary: true}, 'deploy');
  seg.flush();  // in_progress copy of the segment

  // Phase 1: threshold 0, so every subsegment that closes while another one is open is streamed
  // as an independent document (type, trace_id, parent_id).
  AWSXRay.setStreamingThreshold(0);
  const audit = seg.addNewSubsegment('async-audit');
  const streamParent = seg.addNewSubsegment('stream-parent');
  const child1 = streamParent.addNewSubsegment('streamed-child-1');
  child1.addAnnotation('step', 1);
  child1.flush();  // in_progress independent copy; the complete one follows with the same id
  audit.close();
  const child2 = streamParent.addNewSubsegment('streamed-child-2');
  child1.close();
  child2.close();
  streamParent.close();  // last open one: stays embedded in the segment
  described.push(Describe(audit, seg, true), Describe(streamParent, seg, false),
                 Describe(child1, streamParent, true), Describe(child2, streamParent, true));

  // Phase 2: default threshold, everything below is embedded in the segment document.
  AWSXRay.setStreamingThreshold(100);
  const db = seg.addNewSubsegment('db-query');
  db.addSqlData(new AWSXRay.database.SqlData('15.4', 'pg-8.11', 'app_user',
                                              'postgresql://db.internal:5432/shop', 'statement'));
  db.sql.sanitized_query = 'SELECT * FROM carts WHERE id = $1';
  db.sql.database_type = 'PostgreSQL';
  const connect = db.addNewSubsegment('db-connect');
  connect.close();
  db.close();

  const dynamo = seg.addNewSubsegment('DynamoDB');
  dynamo.namespace = 'aws';
  dynamo.addAttribute('aws', {operation: 'GetItem', region: 'us-east-1', table_name: 'carts',
                              request_id: 'REQ0123456789', retries: 0});
  dynamo.close();

  const payment = seg.addNewSubsegment('payment-api');
  payment.namespace = 'remote';
  payment.addRemoteRequestData(kPaymentRequest, kPaymentResponse, true);
  payment.addError(new Error('payment gateway returned 502'), true);
  payment.close();

  const validate = seg.addNewSubsegment('validate-cart');
  validate.addAnnotation('rule', 'max_items');
  validate.addMetadata('input', {items: 3});
  validate.addError(new Error('cart validation failed'));
  validate.close();
  described.push(Describe(db, seg, false), Describe(connect, db, false),
                 Describe(dynamo, seg, false), Describe(payment, seg, false),
                 Describe(validate, seg, false));

  incoming.close(kServerResponse);
  seg.close();  // complete segment (counter is 0, so it is sent now)

  await tracker.drain();
  tracker.close();
  if (tracker.errors.length > 0) {
    console.error('emit_segments: send failed: ' + tracker.errors.join('; '));
    process.exit(1);
  }
  const documents = tracker.datagrams.map((d) => {
    const doc = JSON.parse(d.slice(d.indexOf('\n') + 1));
    return {id: doc.id, name: doc.name, type: doc.type || 'segment',
            in_progress: doc.in_progress === true, bytes: Buffer.byteLength(d)};
  });
  const description = {
    trace_id: seg.trace_id,
    segment: {
      id: seg.id,
      name: seg.name,
      user: seg.user,
      annotations,
      invalid_annotations: {'bad-key': 'kept-raw'},
      http: JSON.parse(JSON.stringify(seg.http)),
      metadata: JSON.parse(JSON.stringify(seg.metadata)),
      start_time: seg.start_time,
      end_time: seg.end_time,
    },
    subsegments: described,
    documents,
  };
  process.stdout.write(JSON.stringify(description) + '\n');
}

Main().catch((err) => {
  console.error('emit_segments: ' + (err && err.stack ? err.stack : err));
  process.exit(1);
});
