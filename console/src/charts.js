// The series of the traces page's two charts, from the summaries of the whole time range (as far
// as the page read them): a response-time histogram and a trace count over time, the
// refinements their brushes make, and how the summaries are gathered page by page. Pure.

// {edges, counts}: `binCount` equal bins over [min, max] of `values` (edges has binCount + 1
// entries); empty when there is no finite value.
export function histogram(values, binCount) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length) {
    return {edges: [], counts: []};
  }
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (max === min) {
    max = min + 1e-3;
  }
  const width = (max - min) / binCount;
  const edges = Array.from({length: binCount + 1}, (_, i) => min + i * width);
  const counts = new Array(binCount).fill(0);
  for (const v of finite) {
    counts[Math.min(Math.floor((v - min) / width), binCount - 1)] += 1;
  }
  return {edges, counts};
}

// {edges, counts}: `binCount` equal bins over the fixed range [lo, hi] (a time range), every
// finite value counted, those outside the range in the nearest edge bin (so the counts add up to
// the number of values).
export function histogramOver(values, binCount, lo, hi) {
  const width = (hi > lo ? hi - lo : 1) / binCount;
  const edges = Array.from({length: binCount + 1}, (_, i) => lo + i * width);
  const counts = new Array(binCount).fill(0);
  for (const v of values) {
    if (Number.isFinite(v)) {
      counts[Math.max(0, Math.min(Math.floor((v - lo) / width), binCount - 1))] += 1;
    }
  }
  return {edges, counts};
}

// The state of gathering a search's summaries for the charts: `points` ({rt, start} per trace),
// the NextToken to read next ('' when done), the pages read, and whether it stopped at
// `maxPages` with traces left unread (`partial`).
export function startGathering(answer) {
  return addPage({points: [], next: '', pages: 0, partial: false}, answer, Infinity);
}

// `gathered` after one more page of TraceSummaries (`answer`), stopping after `maxPages`.
export function addPage(gathered, answer, maxPages) {
  const points = gathered.points.concat((answer.TraceSummaries || []).map(
      (s) => ({rt: s.ResponseTime, start: s.StartTime})));
  const pages = gathered.pages + 1;
  const token = answer.NextToken || '';
  const stop = pages >= maxPages;
  return {points, pages, next: stop ? '' : token, partial: stop && Boolean(token)};
}

function round3(value) {
  return Math.round(value * 1000) / 1000;
}

// The filter term a brush over response times [lo, hi] (seconds) selects.
export function responseTimeTerm(lo, hi) {
  const a = round3(Math.max(Math.min(lo, hi), 0));
  const b = round3(Math.max(lo, hi));
  return `responsetime >= ${a} AND responsetime <= ${b}`;
}

// The start/end (whole epoch seconds, covering the brush) a brush over [lo, hi] selects.
export function timeRange(lo, hi) {
  return {start: Math.floor(Math.min(lo, hi)), end: Math.ceil(Math.max(lo, hi))};
}
