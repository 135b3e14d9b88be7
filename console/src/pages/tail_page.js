// /ui/tail?filter=EXPR: traces as they are stored, newest first. The page polls TraceSummaries
// over the last minute every two seconds (one bounded search per poll, the same cost as any API
// client's); a pause button stops the polls.
import {useEffect, useState} from 'preact/hooks';

import {callApi} from '../api.js';
import {formatDuration, formatTime} from '../format.js';
import {html} from '../html.js';
import {mergeTail, pollWindow} from '../tail.js';
import {rowMarks} from '../trace_rows.js';
import {readState, writeState} from '../url_state.js';

const kPollMs = 2000;
const kWindowSeconds = 60;
const kMaxRows = 200;

export function TailPage({search, navigate}) {
  const state = readState(search);
  const [filter, setFilter] = useState(state.filter);
  const [rows, setRows] = useState([]);
  const [error, setError] = useState(null);
  const [paused, setPaused] = useState(false);
  const [polls, setPolls] = useState(0);
  useEffect(() => {
    setFilter(state.filter);
    setRows([]);
  }, [state.filter]);
  useEffect(() => {
    if (paused) {
      return undefined;
    }
    const controller = new AbortController();
    let timer = null;
    const poll = async () => {
      const span = pollWindow(Date.now() / 1000, kWindowSeconds);
      const body = {StartTime: span.start, EndTime: span.end, Sampling: false};
      if (state.filter) {
        body.FilterExpression = state.filter;
      }
      try {
        const answer = await callApi('/TraceSummaries', body, controller.signal);
        setRows((current) => mergeTail(current, answer.TraceSummaries, kMaxRows));
        setError(null);
        setPolls((n) => n + 1);
      } catch (e) {
        if (e.name === 'AbortError') {
          return;
        }
        setError(e);
      }
      timer = setTimeout(poll, kPollMs);
    };
    poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [state.filter, paused]);
  const submit = (event) => {
    event.preventDefault();
    navigate(`/ui/tail${writeState({...state, filter: filter.trim(), start: null, end: null})}`);
  };
  return html`
    <h1>Live tail</h1>
    <form class="filter-bar" onSubmit=${submit} role="search">
      <label class="filter-label"><span>Filter expression</span>
        <input name="filter" type="text" value=${filter} spellcheck="false" autocomplete="off"
               onInput=${(e) => setFilter(e.currentTarget.value)} />
      </label>
      <button type="submit">Apply</button>
      <button type="button" class="pause" aria-pressed=${paused ? 'true' : 'false'}
              onClick=${() => setPaused(!paused)}>${paused ? 'Resume' : 'Pause'}</button>
    </form>
    ${error && html`<div class="error-box" role="alert">${error.message}</div>`}
    <p class="summary" aria-live="polite">
      ${paused ? 'Paused' : `Polling every ${kPollMs / 1000} s`} ·
      <span class="count">${rows.length}</span> traces in view · ${polls} polls</p>
    <ol class="tail">
      ${rows.map((row) => html`
        <li key=${row.id} class="tail-row" data-trace-id=${row.id}>
          <a class="id" href=${`/ui/traces/${encodeURIComponent(row.id)}`}>${row.id}</a>
          <span class="nowrap">${formatTime(row.start)}</span>
          <span class="url">${row.method} ${row.url}</span>
          <span>${row.status ?? ''}</span>
          <span class="num">${formatDuration(row.duration)}</span>
          <span>${row.services.join(', ')}</span>
          ${rowMarks(row).map((m) => html`<span class=${`mark mark-${m}`}>${m}</span>`)}
        </li>`)}
    </ol>`;
}
