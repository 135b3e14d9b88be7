// The console's client of xrayd's own X-Ray API (same origin, JSON bodies, so the request guard
// treats it as it treats any same-origin page).
import {describeApiError} from './filter_error.js';

export class ApiError extends Error {
  constructor(status, info) {
    super(info.message);
    this.status = status;
    this.info = info;  // {type, message, column}
  }
}

// POSTs `body` as JSON to `path` ("/TraceSummaries") and resolves with the parsed answer; rejects
// with an ApiError carrying the API's message.
export async function callApi(path, body, signal) {
  const response = await fetch(path, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(body || {}),
    signal,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new ApiError(response.status, describeApiError(response.status, text));
  }
  return text ? JSON.parse(text) : {};
}

// One CloudWatch call in its JSON 1.0 protocol (as the AWS SDKs send it), e.g. GetMetricData for
// a group's per-minute ApproximateTraceCount.
export async function callCloudWatch(operation, body, signal) {
  const response = await fetch('/', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `GraniteServiceVersion20100801.${operation}`,
    },
    body: JSON.stringify(body || {}),
    signal,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new ApiError(response.status, describeApiError(response.status, text));
  }
  return text ? JSON.parse(text) : {};
}
