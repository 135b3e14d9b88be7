// Reading one page of GetTraceSummaries for a person: the API may answer a short (even empty) page
// with a NextToken when its time budget ran out before the page filled (a filter that matches few
// traces of a large range), so such pages are read on until a page's worth of summaries, the last
// page, or a bound on the calls.

export const kSummariesPerPage = 100;
export const kMaxCallsPerPage = 50;

// Calls `call(body)` (a promise of a TraceSummaries answer) from `body` on, following NextToken
// while fewer than `pageSize` summaries were read, at most `maxCalls` times. Resolves with one
// answer: the summaries in the order read, the NextToken left ('' when the search is done) and
// the traces processed by all calls. A rejected call rejects the whole read.
export async function readSummaryPage(call, body,
                                      {pageSize = kSummariesPerPage,
                                       maxCalls = kMaxCallsPerPage} = {}) {
  const summaries = [];
  let processed = 0;
  let token = body.NextToken || '';
  for (let calls = 0; calls < maxCalls; ++calls) {
    const request = {...body};
    if (token) {
      request.NextToken = token;
    } else {
      delete request.NextToken;
    }
    const answer = await call(request);
    summaries.push(...(answer.TraceSummaries || []));
    processed += answer.TracesProcessedCount || 0;
    token = answer.NextToken || '';
    if (!token || summaries.length >= pageSize) {
      break;
    }
  }
  return {TraceSummaries: summaries, NextToken: token, TracesProcessedCount: processed};
}
