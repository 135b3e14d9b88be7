// Reads the X-Ray API's error answers for display: the message, and for a filter expression the
// column the message names ("... at column 7"), so the console can point at it. Pure.

// {type, message, column} from an error response's status and body text.
export function describeApiError(status, bodyText) {
  let type = '';
  let message = '';
  try {
    const body = JSON.parse(bodyText);
    type = String(body.__type || body.code || '');
    message = String(body.message || body.Message || '');
  } catch {
    message = String(bodyText || '').slice(0, 500);
  }
  if (!message) {
    message = `HTTP ${status}`;
  }
  const match = /\bcolumn (\d+)\b/.exec(message);
  return {type, message, column: match ? Number(match[1]) : null};
}

// The filter's text with a caret under `column` (1-based), as two lines; null without a column.
export function caretLines(filter, column) {
  if (!column || column < 1) {
    return null;
  }
  const at = Math.min(column, filter.length + 1);
  return {text: filter, caret: `${' '.repeat(at - 1)}^`};
}
