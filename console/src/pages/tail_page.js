// /ui/tail?filter=EXPR: traces as they are stored, newest first, pushed by the server over
// server-sent events (GET /ui/api/tail). The browser reconnects by itself with Last-Event-ID;
// when the server refuses (busy) the page opens a new stream after a pause, resuming from the last
// event it received, and so does Resume after Pause.
import {useEffect, useRef, useState} from 'preact/hooks';

import {formatDuration, formatTime} from '../format.js';
import {html} from '../html.js';
import {mergeTail, problemMessage, tailUrl} from '../tail.js';
import {rowMarks} from '../trace_rows.js';
import {readState, writeState} from '../url_state.js';

const kRetryMs = 3000;
const kMaxRows = 200;

const kStateText = {
  connecting: 'Connecting…',
  open: 'Live',
  retrying: 'Reconnecting…',
  paused: 'Paused',
  ended: 'Stopped',
};

export function TailPage({search, navigate}) {
  const state = readState(search);
  const [filter, setFilter] = useState(state.filter);
  const [rows, setRows] = useState([]);
  const [error, setError] = useState(null);
  const [paused, setPaused] = useState(false);
  const [status, setStatus] = useState('connecting');
  const [received, setReceived] = useState(0);
  const resumeFrom = useRef('');
  useEffect(() => {
    setFilter(state.filter);
    setRows([]);
    setReceived(0);
    resumeFrom.current = '';
  }, [state.filter]);
  useEffect(() => {
    if (paused) {
      setStatus('paused');
      return undefined;
    }
    let source = null;
    let timer = null;
    const open = () => {
      setStatus('connecting');
      source = new EventSource(tailUrl(state.filter, resumeFrom.current));
      source.onopen = () => {
        setStatus('open');
        setError(null);
      };
      source.onmessage = (event) => {
        resumeFrom.current = event.lastEventId || resumeFrom.current;
        const summary = JSON.parse(event.data);
        setRows((current) => mergeTail(current, [summary], kMaxRows));
        setReceived((n) => n + 1);
      };
      source.addEventListener('problem', (event) => {
        source.close();
        setStatus('ended');
        setError(new Error(problemMessage(event.data)));
      });
      source.onerror = () => {
        if (source.readyState === EventSource.CLOSED) {
          // Refused (e.g. too many tails open): try again later from where this one stopped.
          setStatus('retrying');
          timer = setTimeout(open, kRetryMs);
        } else {
          setStatus('retrying');  // The browser reconnects with Last-Event-ID.
        }
      };
    };
    open();
    return () => {
      clearTimeout(timer);
      if (source) {
        source.close();
      }
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
    <p class="summary" aria-live="polite" data-state=${status}>
      <span class="tail-state">${kStateText[status]}</span> ·
      <span class="count">${rows.length}</span> traces in view · ${received} received</p>
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
