// BatchGetTraces' segments -> the rows of a trace's timeline. One row per segment and per
// subsegment (embedded or sent on its own): nested subsegments under their parent, a downstream
// segment under the subsegment that called it (its parent_id), a subsegment whose parent never
// arrived as an orphan row at the top. Pure.

function parseDocument(segment) {
  if (segment && typeof segment.Document === 'string') {
    try {
      return JSON.parse(segment.Document);
    } catch {
      return null;
    }
  }
  return null;
}

function num(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function status(doc) {
  const response = doc.http && doc.http.response;
  return response && Number.isFinite(response.status) ? response.status : null;
}

function makeNode(doc, kind) {
  return {doc, kind, children: []};
}

function byStart(a, b) {
  return (num(a.doc.start_time) ?? Infinity) - (num(b.doc.start_time) ?? Infinity);
}

// {rows, start, end}: rows in display order, each {key, id, name, kind ("segment" or
// "subsegment"), depth, start, end (null while in progress), inProgress, orphan, error, fault,
// throttle, status, namespace, doc}; start/end span every row.
export function buildTimeline(segments) {
  const tops = [];
  const byId = new Map();
  const index = (node) => {
    if (typeof node.doc.id === 'string' && !byId.has(node.doc.id)) {
      byId.set(node.doc.id, node);
    }
    for (const sub of Array.isArray(node.doc.subsegments) ? node.doc.subsegments : []) {
      if (sub && typeof sub === 'object') {
        const child = makeNode(sub, 'subsegment');
        node.children.push(child);
        index(child);
      }
    }
  };
  for (const segment of segments || []) {
    const doc = parseDocument(segment);
    if (!doc || typeof doc !== 'object') {
      continue;
    }
    const node = makeNode(doc, doc.type === 'subsegment' ? 'subsegment' : 'segment');
    tops.push(node);
    index(node);
  }
  // A segment whose parent_id names a row of another document runs under that call.
  const roots = [];
  const orphans = new Set();
  for (const node of tops) {
    const parent = typeof node.doc.parent_id === 'string' ? byId.get(node.doc.parent_id) : null;
    if (parent && parent !== node && !isWithin(parent, node)) {
      parent.children.push(node);
    } else {
      roots.push(node);
      if (node.kind === 'subsegment') {
        orphans.add(node);
      }
    }
  }
  const rows = [];
  let start = Infinity;
  let end = -Infinity;
  const walk = (node, depth) => {
    const doc = node.doc;
    const rowStart = num(doc.start_time);
    const inProgress = doc.in_progress === true || num(doc.end_time) === null;
    const rowEnd = inProgress ? null : num(doc.end_time);
    if (rowStart !== null) {
      start = Math.min(start, rowStart);
      end = Math.max(end, rowEnd ?? rowStart);
    }
    rows.push({
      key: `${rows.length}:${doc.id || ''}`,
      id: typeof doc.id === 'string' ? doc.id : '',
      name: typeof doc.name === 'string' ? doc.name : '',
      kind: node.kind,
      depth,
      start: rowStart,
      end: rowEnd,
      inProgress,
      orphan: orphans.has(node),
      error: doc.error === true,
      fault: doc.fault === true,
      throttle: doc.throttle === true,
      status: status(doc),
      namespace: typeof doc.namespace === 'string' ? doc.namespace : '',
      doc,
    });
    for (const child of [...node.children].sort(byStart)) {
      walk(child, depth + 1);
    }
  };
  for (const root of roots.sort(byStart)) {
    walk(root, 0);
  }
  if (start === Infinity) {
    start = 0;
    end = 0;
  }
  return {rows, start, end};
}

// True if `node` is `ancestor` or lies inside its subtree (guards against parent_id cycles).
function isWithin(node, ancestor) {
  const stack = [ancestor];
  while (stack.length) {
    const current = stack.pop();
    if (current === node) {
      return true;
    }
    stack.push(...current.children);
  }
  return false;
}

// Where a row's bar sits, in percent of the trace's span: {left, width}; an in-progress row runs
// to the end of the trace.
export function barGeometry(row, traceStart, traceEnd) {
  const span = traceEnd - traceStart;
  if (row.start === null || !(span > 0)) {
    return {left: 0, width: 100};
  }
  const rowEnd = row.end ?? traceEnd;
  const left = ((row.start - traceStart) / span) * 100;
  const width = Math.max(((rowEnd - row.start) / span) * 100, 0.3);
  return {left: Math.min(Math.max(left, 0), 99.7), width: Math.min(width, 100 - Math.max(left, 0))};
}

// The colour class of a row: fault beats error beats throttle beats ok.
export function rowTone(row) {
  return row.fault ? 'fault' : row.error ? 'error' : row.throttle ? 'throttle' : 'ok';
}

// The exceptions of a row's cause, each {message, type, remote, stack: [text lines]}.
export function exceptionsOf(doc) {
  const cause = doc && doc.cause;
  if (!cause || typeof cause !== 'object' || !Array.isArray(cause.exceptions)) {
    return [];
  }
  return cause.exceptions.filter((e) => e && typeof e === 'object').map((e) => ({
    message: e.message === undefined ? '' : String(e.message),
    type: e.type === undefined ? '' : String(e.type),
    remote: e.remote === true,
    stack: (Array.isArray(e.stack) ? e.stack : []).map((frame) =>
        frame && typeof frame === 'object'
            ? `${frame.label || '?'} (${frame.path || '?'}${frame.line ? `:${frame.line}` : ''})`
            : String(frame)),
  }));
}
