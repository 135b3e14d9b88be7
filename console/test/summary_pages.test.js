import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {readSummaryPage} from '../src/summary_pages.js';

// A fake API over `pages`: each call answers the page its NextToken names ('' the first).
function fakeApi(pages) {
  const requests = [];
  const call = async (body) => {
    requests.push(body);
    const index = body.NextToken ? Number(body.NextToken.slice(1)) : 0;
    const page = pages[index];
    return {TraceSummaries: page.map((id) => ({Id: id})), TracesProcessedCount: 10,
            NextToken: index + 1 < pages.length ? `p${index + 1}` : undefined};
  };
  return {call, requests};
}

const ids = (answer) => answer.TraceSummaries.map((s) => s.Id);

describe('reading a page of trace summaries', () => {
  it('reads on past short and empty pages until a page is full', async () => {
    const api = fakeApi([[], ['a'], [], ['b', 'c'], ['d'], ['e']]);
    const answer = await readSummaryPage(api.call, {FilterExpression: 'x'}, {pageSize: 3});
    assert.deepEqual(ids(answer), ['a', 'b', 'c']);
    assert.equal(answer.NextToken, 'p4');
    assert.equal(answer.TracesProcessedCount, 40);
    assert.deepEqual(api.requests.map((r) => r.NextToken), [undefined, 'p1', 'p2', 'p3']);
    assert.ok(api.requests.every((r) => r.FilterExpression === 'x'));
  });

  it('starts from the token it is given and stops at the last page', async () => {
    const api = fakeApi([['a'], [], ['b']]);
    const answer = await readSummaryPage(api.call, {NextToken: 'p1'}, {pageSize: 100});
    assert.deepEqual(ids(answer), ['b']);
    assert.equal(answer.NextToken, '');
    assert.equal(api.requests.length, 2);
  });

  it('stops after its bound of calls, leaving the token to read on', async () => {
    const api = fakeApi([[], [], [], [], ['a']]);
    const answer = await readSummaryPage(api.call, {}, {pageSize: 100, maxCalls: 3});
    assert.deepEqual(ids(answer), []);
    assert.equal(answer.NextToken, 'p3');
    assert.equal(api.requests.length, 3);
  });

  it('fails as its call fails', async () => {
    const call = async () => {
      throw new Error('gone');
    };
    await assert.rejects(readSummaryPage(call, {}), /gone/);
  });
});
