import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {mergeTail, problemMessage, tailUrl} from '../src/tail.js';

describe('tail', () => {
  it('adds new traces newest first and keeps each once', () => {
    let rows = mergeTail([], [{Id: 'a', StartTime: 1, Revision: 1}], 10);
    rows = mergeTail(rows, [{Id: 'b', StartTime: 2, Revision: 1}, {Id: 'a', StartTime: 1, Revision: 1}],
                     10);
    assert.deepEqual(rows.map((r) => r.id), ['b', 'a']);
  });

  it('replaces a row by a newer revision, never by an older one', () => {
    let rows = mergeTail([], [{Id: 'a', StartTime: 1, Revision: 2, Duration: 2}], 10);
    rows = mergeTail(rows, [{Id: 'a', StartTime: 1, Revision: 1, Duration: 1}], 10);
    assert.equal(rows[0].duration, 2);
    rows = mergeTail(rows, [{Id: 'a', StartTime: 1, Revision: 3, Duration: 3}], 10);
    assert.equal(rows[0].duration, 3);
  });

  it('keeps at most max rows, dropping the oldest', () => {
    const summaries = [1, 2, 3, 4].map((t) => ({Id: `t${t}`, StartTime: t}));
    assert.deepEqual(mergeTail([], summaries, 2).map((r) => r.id), ['t4', 't3']);
  });

  it('names the stream with its filter and resume point', () => {
    assert.equal(tailUrl('', ''), '/ui/api/tail');
    assert.equal(tailUrl('service("a b")', ''), '/ui/api/tail?filter=service%28%22a+b%22%29');
    assert.equal(tailUrl('ok', '1700000000.000'), '/ui/api/tail?filter=ok&lastEventId=1700000000.000');
    assert.equal(tailUrl('', '12.5'), '/ui/api/tail?lastEventId=12.5');
  });

  it('reads the message of a problem event', () => {
    assert.equal(problemMessage('{"status":400,"message":"bad token at column 3"}'),
                 'bad token at column 3');
    assert.equal(problemMessage('{"status":500,"type":"InternalFailure"}'),
                 'the tail ended (InternalFailure)');
    assert.equal(problemMessage('nope'), 'the tail ended with an unreadable error');
  });
});
