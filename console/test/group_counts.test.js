import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {groupCountQuery, minuteSeries} from '../src/group_counts.js';

describe('group_counts', () => {
  it('asks for one Sum a minute over whole minutes', () => {
    const query = groupCountQuery('checkout', 130, 250);
    assert.equal(query.StartTime, 120);
    assert.equal(query.EndTime, 300);
    assert.deepEqual(query.MetricDataQueries[0].MetricStat.Metric.Dimensions,
                     [{Name: 'GroupName', Value: 'checkout'}]);
    assert.equal(query.MetricDataQueries[0].MetricStat.Period, 60);
  });

  it('fills every minute, zero where no datapoint exists', () => {
    const query = groupCountQuery('g', 120, 300);
    const answer = {MetricDataResults: [{Id: 'traces', Timestamps: [180, '1970-01-01T00:04:00Z'],
                                         Values: [3, 5]}]};
    assert.deepEqual(minuteSeries(answer, query), [[120, 180, 240], [0, 3, 5]]);
    assert.deepEqual(minuteSeries({}, query), [[120, 180, 240], [0, 0, 0]]);
  });
});
