// The live tail's list: traces as the tail stream (GET /ui/api/tail, server-sent events) reports
// them, newest first, each once (a newer revision of a trace replaces its row), at most `max`
// rows. Pure.
import {newestFirst, summaryToRow} from './trace_rows.js';

// The rows after merging `summaries` (TraceSummaries entries) into `rows`; a row is
// {..summaryToRow, revision}.
export function mergeTail(rows, summaries, max) {
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const summary of summaries || []) {
    const row = {...summaryToRow(summary), revision: Number(summary.Revision) || 0};
    const seen = byId.get(row.id);
    if (!seen || row.revision >= seen.revision) {
      byId.set(row.id, row);
    }
  }
  return newestFirst([...byId.values()]).slice(0, max);
}

// The stream's URL for `filter`; `resumeFrom` (the id of the last event received) makes the
// server send everything since, so a new connection after an error or a pause skips nothing.
export function tailUrl(filter, resumeFrom) {
  const params = new URLSearchParams();
  if (filter) {
    params.set('filter', filter);
  }
  if (resumeFrom) {
    params.set('lastEventId', resumeFrom);
  }
  const query = params.toString();
  return query ? `/ui/api/tail?${query}` : '/ui/api/tail';
}

// The message of the stream's "problem" event (the API's error for a refused filter).
export function problemMessage(data) {
  try {
    const problem = JSON.parse(data);
    return problem.message || `the tail ended (${problem.type || `HTTP ${problem.status}`})`;
  } catch {
    return 'the tail ended with an unreadable error';
  }
}
