// The live tail's list: traces as polls of TraceSummaries report them, newest first, each once
// (a newer revision of a trace replaces its row), at most `max` rows. Pure.
import {newestFirst, summaryToRow} from './trace_rows.js';

// The rows after merging one poll's `summaries` into `rows`; a row is {..summaryToRow, revision}.
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

// The time range one poll asks for: the last `windowSeconds` up to `nowSeconds`.
export function pollWindow(nowSeconds, windowSeconds) {
  return {start: nowSeconds - windowSeconds, end: nowSeconds};
}
