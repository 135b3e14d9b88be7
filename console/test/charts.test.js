import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {histogram, responseTimeTerm, timeRange} from '../src/charts.js';

describe('charts', () => {
  it('bins values into equal bins, the maximum in the last', () => {
    assert.deepEqual(histogram([0, 1, 2, 3, 4, NaN, null], 4),
                     {edges: [0, 1, 2, 3, 4], counts: [1, 1, 1, 2]});
    assert.deepEqual(histogram([], 4), {edges: [], counts: []});
    assert.deepEqual(histogram([2, 2], 2).counts, [2, 0]);
  });

  it('turns a response-time brush into a filter term', () => {
    assert.equal(responseTimeTerm(0.12345, 0.5), 'responsetime >= 0.123 AND responsetime <= 0.5');
    assert.equal(responseTimeTerm(0.5, -1), 'responsetime >= 0 AND responsetime <= 0.5');
  });

  it('turns a time brush into whole seconds covering it', () => {
    assert.deepEqual(timeRange(1000.7, 990.2), {start: 990, end: 1001});
  });
});
