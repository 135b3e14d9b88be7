import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {parseSince, readState, timeWindow, writeState} from '../src/url_state.js';

describe('url_state', () => {
  it('parses since durations', () => {
    assert.equal(parseSince('15m'), 900);
    assert.equal(parseSince('2h'), 7200);
    assert.equal(parseSince('7d'), 604800);
    assert.equal(parseSince('15'), null);
    assert.equal(parseSince('m'), null);
    assert.equal(parseSince(null), null);
  });

  it('reads filter, since and group, with defaults for bad values', () => {
    assert.deepEqual(readState('?filter=service(%22web%22)&since=15m&group=checkout'),
                     {filter: 'service("web")', since: '15m', start: null, end: null,
                      group: 'checkout'});
    assert.deepEqual(readState('?since=forever'),
                     {filter: '', since: '1h', start: null, end: null, group: ''});
  });

  it('takes start/end only as an ordered pair of epoch seconds', () => {
    assert.equal(readState('?start=100&end=200').start, 100);
    assert.equal(readState('?start=300&end=200').start, null);
    assert.equal(readState('?start=100').start, null);
    assert.equal(readState('?start=abc&end=200').end, null);
  });

  it('writes what it reads', () => {
    for (const search of ['?filter=http.status+%3D+500&since=15m', '?start=100&end=200&group=g',
                          '']) {
      assert.equal(writeState(readState(search)), search);
    }
    assert.equal(writeState({filter: '', since: '1h', start: null, end: null, group: ''}), '');
  });

  it('computes the time window from since or start/end', () => {
    assert.deepEqual(timeWindow(readState('?since=5m'), 1000), {start: 700, end: 1000});
    assert.deepEqual(timeWindow(readState('?start=1&end=2&since=5m'), 1000), {start: 1, end: 2});
    assert.deepEqual(timeWindow(readState(''), 10000), {start: 6400, end: 10000});
  });
});

describe('effectiveFilter', () => {
  it('joins the group filter and the bar filter with AND', async () => {
    const {effectiveFilter} = await import('../src/url_state.js');
    assert.equal(effectiveFilter('http.status = 500', 'service("a")'),
                 '(service("a")) AND (http.status = 500)');
    assert.equal(effectiveFilter('', 'service("a")'), 'service("a")');
    assert.equal(effectiveFilter(' fault ', ''), 'fault');
    assert.equal(effectiveFilter('', undefined), '');
  });
});
