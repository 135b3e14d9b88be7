// The series of the traces page's two charts, from the page's summaries: a response-time
// histogram and a trace count over time, and the refinements their brushes make. Pure.

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
