import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {addPage, histogram, histogramOver, responseTimeTerm, startGathering, timeRange} from
    '../src/charts.js';

describe('charts', () => {
  it('bins values into equal bins, the maximum in the last', () => {
    assert.deepEqual(histogram([0, 1, 2, 3, 4, NaN, null], 4),
                     {edges: [0, 1, 2, 3, 4], counts: [1, 1, 1, 2]});
    assert.deepEqual(histogram([], 4), {edges: [], counts: []});
    assert.deepEqual(histogram([2, 2], 2).counts, [2, 0]);
  });

  it('bins values over a fixed range, counting every value', () => {
    assert.deepEqual(histogramOver([100, 110, 119.9, 120, 95, 130, NaN], 2, 100, 120),
                     {edges: [100, 110, 120], counts: [2, 4]});
    assert.deepEqual(histogramOver([5], 2, 5, 5).counts, [1, 0]);
  });

  it('gathers pages until the last or the bound, saying when it stopped early', () => {
    const page = (ids, token) => ({TraceSummaries: ids.map((i) => ({ResponseTime: i, StartTime: i})),
                                   NextToken: token});
    let gathered = startGathering(page([1, 2], 't1'));
    assert.deepEqual(gathered, {points: [{rt: 1, start: 1}, {rt: 2, start: 2}], pages: 1,
                                next: 't1', partial: false});
    gathered = addPage(gathered, page([3], 't2'), 3);
    assert.equal(gathered.next, 't2');
    const bounded = addPage(gathered, page([4], 't3'), 3);
    assert.deepEqual([bounded.points.length, bounded.next, bounded.partial], [4, '', true]);
    const complete = addPage(gathered, page([4], undefined), 3);
    assert.deepEqual([complete.points.length, complete.next, complete.partial], [4, '', false]);
  });

  it('turns a response-time brush into a filter term', () => {
    assert.equal(responseTimeTerm(0.12345, 0.5), 'responsetime >= 0.123 AND responsetime <= 0.5');
    assert.equal(responseTimeTerm(0.5, -1), 'responsetime >= 0 AND responsetime <= 0.5');
  });

  it('turns a time brush into whole seconds covering it', () => {
    assert.deepEqual(timeRange(1000.7, 990.2), {start: 990, end: 1001});
  });
});
