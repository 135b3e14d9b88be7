import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {barGeometry, buildTimeline, exceptionsOf, rowTone} from '../src/timeline.js';

function doc(value) {
  return {Id: value.id, Document: JSON.stringify(value)};
}

const kTrace = [
  doc({id: 'b1', name: 'api', start_time: 100.1, end_time: 100.3, parent_id: 's2', fault: true,
       http: {response: {status: 502}}}),
  doc({id: 'a1', name: 'web', start_time: 100, end_time: 101,
       subsegments: [
         {id: 's1', name: 'auth', start_time: 100.01, end_time: 100.05},
         {id: 's2', name: 'call api', start_time: 100.06, end_time: 100.4, error: true,
          subsegments: [{id: 's3', name: 'retry', start_time: 100.2, in_progress: true}]},
       ]}),
  doc({id: 'o1', type: 'subsegment', name: 'lost', start_time: 100.5, end_time: 100.6,
       parent_id: 'nowhere'}),
  {Id: 'bad', Document: '{not json'},
];

describe('timeline', () => {
  it('has one row per segment and subsegment, nested and ordered', () => {
    const timeline = buildTimeline(kTrace);
    assert.deepEqual(timeline.rows.map((r) => [r.name, r.depth, r.kind]), [
      ['web', 0, 'segment'],
      ['auth', 1, 'subsegment'],
      ['call api', 1, 'subsegment'],
      ['api', 2, 'segment'],
      ['retry', 2, 'subsegment'],
      ['lost', 0, 'subsegment'],
    ]);
    assert.equal(timeline.start, 100);
    assert.equal(timeline.end, 101);
  });

  it('marks in-progress and orphan rows, status and tones', () => {
    const rows = buildTimeline(kTrace).rows;
    const by = (name) => rows.find((r) => r.name === name);
    assert.equal(by('retry').inProgress, true);
    assert.equal(by('retry').end, null);
    assert.equal(by('lost').orphan, true);
    assert.equal(by('api').orphan, false);
    assert.equal(by('api').status, 502);
    assert.equal(rowTone(by('api')), 'fault');
    assert.equal(rowTone(by('call api')), 'error');
    assert.equal(rowTone(by('auth')), 'ok');
  });

  it('survives a parent_id cycle', () => {
    const rows = buildTimeline([doc({id: 'x', name: 'x', start_time: 1, end_time: 2, parent_id: 'y'}),
                                doc({id: 'y', name: 'y', start_time: 1, end_time: 2, parent_id: 'x'})]).rows;
    assert.equal(rows.length, 2);
  });

  it('places bars within the trace span', () => {
    assert.deepEqual(barGeometry({start: 100, end: 101}, 100, 101), {left: 0, width: 100});
    const open = barGeometry({start: 100.5, end: null}, 100, 101);
    assert.equal(open.left, 50);
    assert.equal(open.width, 50);
    assert.deepEqual(barGeometry({start: null, end: null}, 100, 101), {left: 0, width: 100});
  });

  it('reads exceptions with stacks as text', () => {
    const exceptions = exceptionsOf({cause: {exceptions: [
      {type: 'Boom', message: '<script>x</script>', remote: true,
       stack: [{label: 'f', path: 'a.js', line: 3}, 'raw frame']},
      null,
    ]}});
    assert.deepEqual(exceptions, [{type: 'Boom', message: '<script>x</script>', remote: true,
                                   stack: ['f (a.js:3)', 'raw frame']}]);
    assert.deepEqual(exceptionsOf({cause: 'abc'}), []);
  });
});
