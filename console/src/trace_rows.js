// TraceSummaries -> the rows of the traces table. Pure.

function annotationText(value) {
  const v = (value && value.AnnotationValue) || {};
  if ('StringValue' in v) {
    return String(v.StringValue);
  }
  if ('NumberValue' in v) {
    return String(v.NumberValue);
  }
  if ('BooleanValue' in v) {
    return String(v.BooleanValue);
  }
  return '';
}

// One row of the table from one TraceSummary (fields absent from the summary stay empty).
export function summaryToRow(summary) {
  const http = summary.Http || {};
  const services = [];
  for (const service of summary.ServiceIds || []) {
    if (service.Name && !services.includes(service.Name)) {
      services.push(service.Name);
    }
  }
  const annotations = [];
  for (const [key, values] of Object.entries(summary.Annotations || {})) {
    for (const value of values || []) {
      annotations.push(`${key}=${annotationText(value)}`);
    }
  }
  return {
    id: String(summary.Id || ''),
    start: Number.isFinite(summary.StartTime) ? summary.StartTime : null,
    method: http.HttpMethod ? String(http.HttpMethod) : '',
    url: http.HttpURL ? String(http.HttpURL) : '',
    status: Number.isFinite(http.HttpStatus) ? http.HttpStatus : null,
    responseTime: Number.isFinite(summary.ResponseTime) ? summary.ResponseTime : null,
    duration: Number.isFinite(summary.Duration) ? summary.Duration : null,
    services,
    annotations,
    error: summary.HasError === true,
    fault: summary.HasFault === true,
    throttle: summary.HasThrottle === true,
    partial: summary.IsPartial === true,
  };
}

// Rows newest first (by start time, then id for a stable order).
export function newestFirst(rows) {
  return [...rows].sort((a, b) => (b.start ?? -Infinity) - (a.start ?? -Infinity) ||
                                  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

// The marks of a row, worst first: "fault", "error", "throttle".
export function rowMarks(row) {
  return [row.fault && 'fault', row.error && 'error', row.throttle && 'throttle'].filter(Boolean);
}
