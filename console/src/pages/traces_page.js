// /ui/traces: the filter bar (X-Ray filter language, time range, group), charts with brushes,
// refine-by panels, then the matching traces newest first, a page of the API's at a time.
import {useEffect, useLayoutEffect, useMemo, useRef, useState} from 'preact/hooks';

import {callApi} from '../api.js';
import {addPage, histogram, histogramOver, responseTimeTerm, startGathering, timeRange} from
    '../charts.js';
import {caretLines} from '../filter_error.js';
import {formatDuration, formatTime} from '../format.js';
import {html} from '../html.js';
import {addTerm, refinePanels} from '../refine.js';
import {readSummaryPage} from '../summary_pages.js';
import {newestFirst, rowMarks, summaryToRow} from '../trace_rows.js';
import {effectiveFilter, kRanges, readState, timeWindow, writeState} from '../url_state.js';

function FilterBar({state, groups, navigate}) {
  const [filter, setFilter] = useState(state.filter);
  const [range, setRange] = useState(state.start !== null ? 'custom' : state.since);
  const [group, setGroup] = useState(state.group);
  useEffect(() => {
    setFilter(state.filter);
    setRange(state.start !== null ? 'custom' : state.since);
    setGroup(state.group);
  }, [state.filter, state.since, state.start, state.end, state.group]);
  const submit = (event) => {
    event.preventDefault();
    const custom = range === 'custom';
    navigate(`/ui/traces${writeState({
      filter: filter.trim(),
      since: custom ? state.since : range,
      start: custom ? state.start : null,
      end: custom ? state.end : null,
      group,
    })}`);
  };
  return html`
    <form class="filter-bar" onSubmit=${submit} role="search">
      <label class="filter-label">
        <span>Filter expression</span>
        <input name="filter" type="text" value=${filter} spellcheck="false" autocomplete="off"
               placeholder='service("web") AND responsetime > 1'
               onInput=${(e) => setFilter(e.currentTarget.value)} />
      </label>
      <label>
        <span>Time range</span>
        <select name="since" value=${range} onChange=${(e) => setRange(e.currentTarget.value)}>
          ${kRanges.map((r) => html`<option value=${r}>last ${r}</option>`)}
          ${state.start !== null && html`<option value="custom">
            ${formatTime(state.start)} – ${formatTime(state.end)}</option>`}
        </select>
      </label>
      <label>
        <span>Group</span>
        <select name="group" value=${group} onChange=${(e) => setGroup(e.currentTarget.value)}>
          <option value="">(all traces)</option>
          ${groups.map((g) => html`<option value=${g}>${g}</option>`)}
        </select>
      </label>
      <button type="submit">Search</button>
    </form>`;
}

function ErrorBox({error, filter}) {
  const caret = error.info && caretLines(filter, error.info.column);
  return html`
    <div class="error-box" role="alert">
      <strong>${error.info && error.info.type ? error.info.type : 'Error'}</strong>
      <span class="error-message">${error.message}</span>
      ${caret && html`<pre class="caret" aria-label="where">${`${caret.text}\n${caret.caret}`}</pre>`}
    </div>`;
}

// What this page's traces have in common; a value narrows the filter to it.
function RefinePanels({summaries, state, navigate}) {
  const panels = refinePanels(summaries);
  if (!panels.length) {
    return null;
  }
  const refine = (term) =>
    navigate(`/ui/traces${writeState({...state, filter: addTerm(state.filter, term)})}`);
  return html`
    <section class="refine" aria-label="Refine by">
      ${panels.map((panel) => html`
        <div class="refine-panel">
          <h2>${panel.title}</h2>
          <ul>
            ${panel.items.map((item) => html`
              <li><button type="button" class="refine-item" data-term=${item.term}
                          title=${item.term} onClick=${() => refine(item.term)}>
                <span class="refine-label">${item.label}</span>
                <span class="refine-count">${item.count}</span>
              </button></li>`)}
          </ul>
        </div>`)}
    </section>`;
}

const kBins = 24;
// Pages of TraceSummaries (100 traces each) the charts read over the time range; beyond, they say
// they are partial.
const kChartPages = 20;

// A bar chart (uPlot, loaded with the first chart) whose horizontal drag calls onBrush(lo, hi)
// in x units.
function BrushChart({label, data, time, onBrush}) {
  const box = useRef(null);
  useEffect(() => {
    let chart = null;
    let cancelled = false;
    import('uplot').then(({default: uPlot}) => {
      if (cancelled || !box.current) {
        return;
      }
      chart = new uPlot({
        width: Math.max(Math.min(box.current.clientWidth, 560), 200), height: 120,
        legend: {show: false},
        scales: {x: {time}, y: {range: (u, min, max) => [0, Math.max(max, 1)]}},
        cursor: {drag: {x: true, y: false, setScale: false}},
        series: [{}, {stroke: '#1d4e89', fill: 'rgba(29,78,137,0.35)', points: {show: false},
                      paths: uPlot.paths.bars({size: [0.9, 64]})}],
        axes: [time ? {size: 28, font: '10px sans-serif'}
                    : {size: 28, font: '10px sans-serif',
                       values: (u, values) => values.map((v) => formatDuration(v))},
               {size: 36, font: '10px sans-serif'}],
        hooks: {setSelect: [(u) => {
          if (u.select.width > 2) {
            onBrush(u.posToVal(u.select.left, 'x'), u.posToVal(u.select.left + u.select.width, 'x'));
          }
        }]},
      }, data, box.current);
    });
    return () => {
      cancelled = true;
      if (chart) {
        chart.destroy();
      }
    };
  }, [data]);
  return html`<figure class="brush-chart">
    <figcaption>${label}</figcaption>
    <div class="chart-box" ref=${box}></div>
  </figure>`;
}

// Response-time histogram and trace count over time of the search's traces over its whole time
// range (`gathered`: as many pages as the page read, see kChartPages); a drag over the first adds
// a responsetime range to the filter, over the second sets the time range. Drawn from the first
// page, then again once every page is read.
function Charts({gathered, span, state, navigate}) {
  const done = !gathered.next;
  const points = done || gathered.pages === 1 ? gathered.points : null;
  const [drawn, setDrawn] = useState(gathered.points);
  if (points && points !== drawn) {
    setDrawn(points);
  }
  const series = useMemo(() => {
    const times = histogram(drawn.map((p) => p.rt), kBins);
    const starts = histogramOver(drawn.map((p) => p.start), kBins, span.start, span.end);
    const centres = (h) => h.counts.map((_, i) => (h.edges[i] + h.edges[i + 1]) / 2);
    return {
      responseTimes: [centres(times), times.counts],
      counts: [centres(starts), starts.counts],
      total: starts.counts.reduce((a, b) => a + b, 0),
    };
  }, [drawn, span.start, span.end]);
  if (!drawn.length) {
    return null;
  }
  const byResponseTime = (lo, hi) => navigate(`/ui/traces${writeState({
    ...state, filter: addTerm(state.filter, responseTimeTerm(lo, hi))})}`);
  const byTime = (lo, hi) => navigate(`/ui/traces${writeState({...state, ...timeRange(lo, hi)})}`);
  let coverage = `${series.total} traces in the time range`;
  if (!done) {
    coverage = `${series.total} traces so far, reading more…`;
  } else if (gathered.partial) {
    coverage = `Partial: the first ${series.total} traces of the time range (more were left ` +
               'unread); narrow the range or the filter for complete charts';
  }
  return html`<div class="charts-wrap">
    <p class=${`chart-coverage${gathered.partial ? ' partial' : ''}`} data-total=${series.total}
       data-done=${done && drawn === gathered.points ? 'true' : 'false'}
       data-partial=${gathered.partial ? 'true' : 'false'} data-start=${span.start}
       data-end=${span.end}>${coverage}</p>
    <div class="charts">
      <${BrushChart} label="Response time (drag to filter)" data=${series.responseTimes}
                     time=${false} onBrush=${byResponseTime} />
      <${BrushChart} label="Traces over time (drag to zoom)" data=${series.counts} time=${true}
                     onBrush=${byTime} />
    </div>
  </div>`;
}

function Marks({row}) {
  const marks = rowMarks(row);
  return html`${marks.map((m) => html`<span class=${`mark mark-${m}`}>${m}</span>`)}
    ${row.partial && html`<span class="mark mark-partial">partial</span>`}`;
}

function TraceTable({rows}) {
  if (!rows.length) {
    return html`<p class="empty">No traces match in this time range.</p>`;
  }
  return html`
    <div class="table-wrap">
      <table class="traces">
        <thead><tr>
          <th scope="col">Trace ID</th><th scope="col">Start (UTC)</th>
          <th scope="col">Method and URL</th><th scope="col">Status</th>
          <th scope="col">Response time</th><th scope="col">Duration</th>
          <th scope="col">Services</th><th scope="col">Annotations</th><th scope="col">Marks</th>
        </tr></thead>
        <tbody>
          ${rows.map((row) => html`
            <tr key=${row.id} data-trace-id=${row.id}>
              <td class="id" data-label="Trace ID">
                <a href=${`/ui/traces/${encodeURIComponent(row.id)}`}>${row.id}</a></td>
              <td class="nowrap" data-label="Start (UTC)">${formatTime(row.start)}</td>
              <td class="url" data-label="Method and URL">${row.method} ${row.url}</td>
              <td data-label="Status">${row.status ?? ''}</td>
              <td class="num" data-label="Response time">${formatDuration(row.responseTime)}</td>
              <td class="num" data-label="Duration">${formatDuration(row.duration)}</td>
              <td data-label="Services">${row.services.join(', ')}</td>
              <td class="annotations" data-label="Annotations">${row.annotations.join(', ')}</td>
              <td data-label="Marks"><${Marks} row=${row} /></td>
            </tr>`)}
        </tbody>
      </table>
    </div>`;
}

export function TracesPage({search, visit, navigate}) {
  const state = readState(search);
  const [groups, setGroups] = useState(null);  // [{GroupName, FilterExpression}] once loaded.
  // The pages of one search: its time range, fixed when the search starts (a NextToken belongs
  // to one range), and the NextToken of each page seen ('' = the first).
  const [paging, setPaging] = useState(() => ({
    visit, span: timeWindow(state, Date.now() / 1000), tokens: [''], index: 0}));
  const [result, setResult] = useState({loading: true});
  // The charts' summaries of the whole range, gathered from the first page on (kChartPages).
  const [gathered, setGathered] = useState(null);

  useEffect(() => {
    callApi('/Groups', {}).then((answer) => setGroups(answer.Groups || []), () => setGroups([]));
  }, []);
  const current = paging.visit === visit
      ? paging : {visit, span: timeWindow(state, Date.now() / 1000), tokens: [''], index: 0};
  if (current !== paging) {
    setPaging(current);
  }
  const {span, tokens, index: pageIndex} = current;
  // A group applies as its filter: the search waits for the groups when one is named.
  const waiting = Boolean(state.group) && groups === null;
  const group = state.group && groups ? groups.find((g) => g.GroupName === state.group) : null;
  // A layout effect: the search starts as the page is first rendered, not a frame later (an
  // effect waits for the next paint), which is the head start the newest rows need.
  useLayoutEffect(() => {
    if (waiting) {
      return undefined;
    }
    if (state.group && !group) {
      setResult({loading: false, error: {message: `There is no group named ${state.group}.`}});
      return undefined;
    }
    const controller = new AbortController();
    const body = {StartTime: span.start, EndTime: span.end, Sampling: false};
    const filter = effectiveFilter(state.filter, group ? group.FilterExpression : '');
    if (filter) {
      body.FilterExpression = filter;
    }
    const key = JSON.stringify(body);  // The search, whichever page of it is shown.
    const first = {...body};
    if (tokens[pageIndex]) {
      body.NextToken = tokens[pageIndex];
    }
    setResult((previous) => ({...previous, loading: true}));
    const call = (request) => callApi('/TraceSummaries', request, controller.signal);
    readSummaryPage(call, body).then(
        (answer) => {
          if (!body.NextToken) {
            setGathered((g) => (g && g.key === key ? g
                                                    : {key, body: first, ...startGathering(answer)}));
          }
          setResult({
            loading: false,
            key,
            rows: newestFirst((answer.TraceSummaries || []).map(summaryToRow)),
            summaries: answer.TraceSummaries || [],
            filter: body.FilterExpression || '',
            next: answer.NextToken || '',
            processed: answer.TracesProcessedCount,
          });
        },
        (error) => {
          if (error.name !== 'AbortError') {
            setResult({loading: false, error});
          }
        });
    return () => controller.abort();
  }, [current, waiting]);

  // The rest of the range for the charts, one page at a time, at most kChartPages in all.
  useEffect(() => {
    if (!gathered || !gathered.next) {
      return undefined;
    }
    const controller = new AbortController();
    callApi('/TraceSummaries', {...gathered.body, NextToken: gathered.next}, controller.signal)
        .then((answer) => setGathered((g) => (g && g.key === gathered.key
            ? {...g, ...addPage(g, answer, kChartPages)} : g)),
        (error) => {
          if (error.name !== 'AbortError') {
            setGathered((g) => (g && g.key === gathered.key ? {...g, next: '', partial: true} : g));
          }
        });
    return () => controller.abort();
  }, [gathered]);

  const next = () => setPaging({...current, tokens: [...tokens.slice(0, pageIndex + 1), result.next],
                                index: pageIndex + 1});
  const previous = () => setPaging({...current, index: pageIndex - 1});
  return html`
    <h1>Traces</h1>
    <${FilterBar} state=${state} groups=${(groups || []).map((g) => String(g.GroupName))}
                  navigate=${navigate} />
    ${result.error && html`<${ErrorBox} error=${result.error} filter=${state.filter} />`}
    ${result.rows && html`
      <p class="summary" aria-live="polite" data-filter=${result.loading ? null : result.filter}>
        <span class="count">${result.rows.length}</span> traces on page ${pageIndex + 1}
        ${result.loading ? ' (loading…)' : ''}
      </p>
      ${gathered && gathered.key === result.key && html`<${Charts} key=${gathered.key} gathered=${gathered} span=${span}
                                    state=${state} navigate=${navigate} />`}
      <${RefinePanels} summaries=${result.summaries} state=${state} navigate=${navigate} />
      <${TraceTable} rows=${result.rows} />
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled=${pageIndex === 0}
                onClick=${previous}>Newer</button>
        <button type="button" disabled=${!result.next} onClick=${next}>Older</button>
      </nav>`}
    ${!result.rows && !result.error && html`<p class="loading">Loading…</p>`}`;
}
