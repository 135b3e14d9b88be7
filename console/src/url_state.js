// The console's state in the URL, so a link shows the same page: filter, time range (since=15m or
// start/end epoch seconds) and group. Pure functions, no DOM.

export const kRanges = ['5m', '15m', '1h', '6h', '24h', '7d'];
export const kDefaultSince = '1h';

const kUnitSeconds = {s: 1, m: 60, h: 3600, d: 86400};

// "15m" -> 900; null when `text` is not a whole number followed by s, m, h or d.
export function parseSince(text) {
  const match = /^(\d{1,7})([smhd])$/.exec(text || '');
  return match ? Number(match[1]) * kUnitSeconds[match[2]] : null;
}

function epochOrNull(text) {
  if (text === null || text === undefined || text === '' || !/^\d+(\.\d+)?$/.test(text)) {
    return null;
  }
  return Number(text);
}

// The state a query string ("?filter=...&since=15m") describes; unknown or malformed values
// fall back to the defaults.
export function readState(search) {
  const params = new URLSearchParams(search || '');
  const start = epochOrNull(params.get('start'));
  const end = epochOrNull(params.get('end'));
  const since = params.get('since');
  return {
    filter: params.get('filter') || '',
    since: parseSince(since) !== null ? since : kDefaultSince,
    start: start !== null && end !== null && start <= end ? start : null,
    end: start !== null && end !== null && start <= end ? end : null,
    group: params.get('group') || '',
  };
}

// The query string of `state` ("" when everything is default); the inverse of readState.
export function writeState(state) {
  const params = new URLSearchParams();
  if (state.filter) {
    params.set('filter', state.filter);
  }
  if (state.start !== null && state.start !== undefined && state.end !== null &&
      state.end !== undefined) {
    params.set('start', String(state.start));
    params.set('end', String(state.end));
  } else if (state.since && state.since !== kDefaultSince) {
    params.set('since', state.since);
  }
  if (state.group) {
    params.set('group', state.group);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

// The [start, end] epoch seconds `state` covers at `nowSeconds`.
export function timeWindow(state, nowSeconds) {
  if (state.start !== null && state.end !== null) {
    return {start: state.start, end: state.end};
  }
  const seconds = parseSince(state.since) ?? parseSince(kDefaultSince);
  return {start: nowSeconds - seconds, end: nowSeconds};
}

// The filter a search runs: the bar's and the group's, both holding ("" when neither).
// GetTraceSummaries has no group parameter, so a group applies as its filter expression.
export function effectiveFilter(filter, groupFilter) {
  const own = (filter || '').trim();
  const group = (groupFilter || '').trim();
  if (own && group) {
    return `(${group}) AND (${own})`;
  }
  return own || group;
}
