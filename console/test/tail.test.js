import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {mergeTail, pollWindow} from '../src/tail.js';

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

  it('polls the last window', () => {
    assert.deepEqual(pollWindow(1000, 60), {start: 940, end: 1000});
  });
});
