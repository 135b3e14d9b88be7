import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {caretLines, describeApiError} from '../src/filter_error.js';
import {formatDuration, formatTime} from '../src/format.js';

describe('format', () => {
  it('formats durations by magnitude', () => {
    assert.equal(formatDuration(0.000512), '512 µs');
    assert.equal(formatDuration(0.0042), '4.20 ms');
    assert.equal(formatDuration(0.0425), '42.5 ms');
    assert.equal(formatDuration(0.425), '425 ms');
    assert.equal(formatDuration(3.2), '3.20 s');
    assert.equal(formatDuration(125), '2 min 5 s');
    assert.equal(formatDuration(null), '');
    assert.equal(formatDuration(-1), '');
  });

  it('formats epoch seconds as UTC', () => {
    assert.equal(formatTime(1478293361.271), '2016-11-04 21:02:41.271');
    assert.equal(formatTime(undefined), '');
  });
});

describe('filter_error', () => {
  it('takes type, message and column from an X-Ray error body', () => {
    const body = JSON.stringify({__type: 'InvalidRequestException',
                                 message: 'unexpected token \')\' at column 9'});
    assert.deepEqual(describeApiError(400, body),
                     {type: 'InvalidRequestException', message: 'unexpected token \')\' at column 9',
                      column: 9});
  });

  it('keeps a non-JSON body as the message, and names the status when empty', () => {
    assert.deepEqual(describeApiError(502, 'bad gateway'),
                     {type: '', message: 'bad gateway', column: null});
    assert.equal(describeApiError(500, '').message, 'HTTP 500');
  });

  it('puts a caret under the column, clamped to the end', () => {
    assert.deepEqual(caretLines('abc def', 5), {text: 'abc def', caret: '    ^'});
    assert.deepEqual(caretLines('ab', 40), {text: 'ab', caret: '  ^'});
    assert.equal(caretLines('ab', null), null);
  });
});
