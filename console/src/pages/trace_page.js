// /ui/traces/TRACE_ID: the trace as a timeline, one row per segment and subsegment; selecting a
// row (click, Enter or Space; arrows move between rows) opens its details; below, a small map of
// the trace's services.
import {useEffect, useRef, useState} from 'preact/hooks';

import {callApi} from '../api.js';
import {formatDuration, formatTime} from '../format.js';
import {html} from '../html.js';
import {graphModel} from '../service_map.js';
import {barGeometry, buildTimeline, rowTone} from '../timeline.js';
import {readState} from '../url_state.js';
import {DetailPanel} from './detail_panel.js';

function TimelineRow({row, timeline, selected, onSelect, onKeyDown}) {
  const bar = barGeometry(row, timeline.start, timeline.end);
  const tone = rowTone(row);
  const duration = row.inProgress ? 'in progress' : formatDuration(row.end - row.start);
  return html`
    <li class=${`tl-row tone-${tone}${selected ? ' selected' : ''}`}>
      <button type="button" class="tl-button" aria-pressed=${selected ? 'true' : 'false'}
              data-row-key=${row.key} onClick=${() => onSelect(row.key)} onKeyDown=${onKeyDown}>
        <span class="tl-name" style=${{paddingLeft: `${Math.min(row.depth, 12) * 0.9}rem`}}>
          <span class="tl-kind">${row.kind === 'segment' ? '■' : '└'}</span>
          <span class="tl-label">${row.name}</span>
          ${row.orphan && html`<span class="mark mark-orphan">orphan</span>`}
          ${tone !== 'ok' && html`<span class=${`mark mark-${tone}`}>${tone}</span>`}
        </span>
        <span class="tl-status">${row.status ?? ''}</span>
        <span class="tl-duration">${duration}</span>
        <span class="tl-track" aria-hidden="true">
          <span class=${`tl-bar bar-${tone}${row.inProgress ? ' bar-open' : ''}`}
                style=${{left: `${bar.left}%`, width: `${bar.width}%`}}></span>
        </span>
      </button>
    </li>`;
}

// The services of this trace (GetTraceGraph), drawn by the map page's graph (loaded here).
function TraceMap({traceId, navigate}) {
  const [state, setState] = useState(null);
  useEffect(() => {
    const controller = new AbortController();
    Promise.all([callApi('/TraceGraph', {TraceIds: [traceId]}, controller.signal),
                 import('./map_page.js')])
        .then(([answer, module]) => setState({model: graphModel(answer.Services || []),
                                              Graph: module.Graph}),
              (error) => {
                if (error.name !== 'AbortError') {
                  setState({error});
                }
              });
    return () => controller.abort();
  }, [traceId]);
  if (!state) {
    return null;
  }
  if (state.error) {
    return html`<div class="error-box" role="alert">${state.error.message}</div>`;
  }
  if (!state.model.nodes.length) {
    return null;
  }
  return html`<section class="trace-map" aria-label="Services of this trace">
    <h2>Services of this trace</h2>
    <${state.Graph} model=${state.model} state=${readState('')} navigate=${navigate}
                    small=${true} />
  </section>`;
}

export function TracePage({traceId, navigate}) {
  const [state, setState] = useState({loading: true});
  const [selected, setSelected] = useState(null);
  const list = useRef(null);
  useEffect(() => {
    const controller = new AbortController();
    setState({loading: true});
    setSelected(null);
    callApi('/Traces', {TraceIds: [traceId]}, controller.signal).then(
        (answer) => {
          const trace = (answer.Traces || [])[0];
          setState(trace ? {timeline: buildTimeline(trace.Segments)} : {missing: true});
        },
        (error) => {
          if (error.name !== 'AbortError') {
            setState({error});
          }
        });
    return () => controller.abort();
  }, [traceId]);

  const onKeyDown = (event) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') {
      return;
    }
    const buttons = [...list.current.querySelectorAll('.tl-button')];
    const at = buttons.indexOf(event.currentTarget);
    const next = buttons[at + (event.key === 'ArrowDown' ? 1 : -1)];
    if (next) {
      event.preventDefault();
      next.focus();
    }
  };

  if (state.loading) {
    return html`<h1 class="trace-title">Trace ${traceId}</h1><p class="loading">Loading…</p>`;
  }
  if (state.error) {
    return html`<h1 class="trace-title">Trace ${traceId}</h1>
      <div class="error-box" role="alert">${state.error.message}</div>`;
  }
  if (state.missing) {
    return html`<h1 class="trace-title">Trace ${traceId}</h1>
      <p class="empty">No trace with this id is stored.</p>`;
  }
  const timeline = state.timeline;
  const row = timeline.rows.find((r) => r.key === selected);
  return html`
    <h1 class="trace-title">Trace <span class="id">${traceId}</span></h1>
    <p class="summary">
      <span class="row-count">${timeline.rows.length}</span> segments and subsegments ·
      started ${formatTime(timeline.start)} UTC · ${formatDuration(timeline.end - timeline.start)}
    </p>
    <div class=${`trace-layout${row ? ' with-detail' : ''}`}>
      <ol class="timeline" ref=${list} aria-label="Timeline">
        ${timeline.rows.map((r) => html`
          <${TimelineRow} key=${r.key} row=${r} timeline=${timeline} selected=${r.key === selected}
                          onSelect=${setSelected} onKeyDown=${onKeyDown} />`)}
      </ol>
      ${row && html`<${DetailPanel} row=${row} onClose=${() => setSelected(null)} />`}
    </div>
    <${TraceMap} traceId=${traceId} navigate=${navigate} />`;
}
