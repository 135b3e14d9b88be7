import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {newestFirst, rowMarks, summaryToRow} from '../src/trace_rows.js';

const kSummary = {
  Id: '1-581cf771-a006649127e371903a2de979', StartTime: 10, Duration: 0.5, ResponseTime: 0.4,
  HasFault: true, HasError: false, HasThrottle: true, IsPartial: false,
  Http: {HttpURL: 'http://h/p', HttpStatus: 500, HttpMethod: 'GET'},
  Annotations: {k: [{AnnotationValue: {StringValue: '<b>v</b>'}}],
                n: [{AnnotationValue: {NumberValue: 1.5}}],
                b: [{AnnotationValue: {BooleanValue: false}}]},
  ServiceIds: [{Name: 'web'}, {Name: 'db'}, {Name: 'web'}],
};

describe('trace_rows', () => {
  it('maps a summary to a row', () => {
    assert.deepEqual(summaryToRow(kSummary), {
      id: '1-581cf771-a006649127e371903a2de979', start: 10, method: 'GET', url: 'http://h/p',
      status: 500, responseTime: 0.4, duration: 0.5, services: ['web', 'db'],
      annotations: ['k=<b>v</b>', 'n=1.5', 'b=false'], error: false, fault: true, throttle: true,
      partial: false,
    });
  });

  it('leaves missing fields empty', () => {
    const row = summaryToRow({Id: 'x'});
    assert.equal(row.status, null);
    assert.equal(row.method, '');
    assert.deepEqual(row.services, []);
    assert.deepEqual(rowMarks(row), []);
  });

  it('orders rows newest first', () => {
    const rows = [{id: 'a', start: 1}, {id: 'c', start: 3}, {id: 'b', start: 3}, {id: 'd', start: null}];
    assert.deepEqual(newestFirst(rows).map((r) => r.id), ['b', 'c', 'a', 'd']);
  });

  it('lists marks worst first', () => {
    assert.deepEqual(rowMarks(summaryToRow(kSummary)), ['fault', 'throttle']);
  });
});
