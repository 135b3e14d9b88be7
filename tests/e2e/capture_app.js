'use strict';
// A small program instrumented with aws-xray-sdk-core, run under `xrayd capture` by
// capture.test.js. It reads AWS_XRAY_DAEMON_ADDRESS (set by capture) like any SDK user does.
// Usage: node capture_app.js MODE
//   ok      one trace: segment "checkout" (annotation username=alice, http 200) with
//           subsegments "DynamoDB" (aws) and "validate-cart"; exits 0
//   fault   one trace: segment "checkout" answering 500 with an exception; exits 0
//   exit3   the "ok" trace, then exits 3 (a failing test command)
//   silent  sends nothing; exits 0
const mode = process.argv[2] ?? 'ok';
if (mode === 'silent') {
  process.exit(0);
}

const AWSXRay = require('aws-xray-sdk-core');
AWSXRay.setLogger({error() {}, warn() {}, info() {}, debug() {}});

function Sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function Main() {
  const segment = new AWSXRay.Segment('checkout');
  segment.addAnnotation('username', mode === 'fault' ? 'bob' : 'alice');
  segment.addAnnotation('cart_items', 3);
  segment.http = {
    request: {method: 'POST', url: 'http://shop.local/checkout'},
    response: {status: mode === 'fault' ? 500 : 200},
  };
  if (mode === 'fault') {
    const validate = segment.addNewSubsegment('validate-cart');
    await Sleep(5);
    validate.close();
    segment.addError(new Error('payment backend unavailable'));
    segment.addFaultFlag();
  } else {
    const dynamo = segment.addNewSubsegment('DynamoDB');
    dynamo.namespace = 'aws';
    dynamo.aws = {operation: 'PutItem', table_name: 'orders', region: 'us-east-1'};
    await Sleep(5);
    dynamo.close();
    const validate = segment.addNewSubsegment('validate-cart');
    await Sleep(2);
    validate.close();
  }
  segment.close();
  // The SDK sends from an unref()'d UDP socket; give the send a moment before the process ends.
  await Sleep(100);
  process.exit(mode === 'exit3' ? 3 : 0);
}

Main();
