// /ui/groups: the groups (name, filter), each with its trace count per minute over the last hour;
// create, edit and delete, with the filter expression checked as it is typed.
import {useEffect, useRef, useState} from 'preact/hooks';
import uPlot from 'uplot';

import {callApi, callCloudWatch} from '../api.js';
import {caretLines} from '../filter_error.js';
import {groupCountQuery, minuteSeries} from '../group_counts.js';
import {html} from '../html.js';

const kCheckDelayMs = 250;
const kMaxGroupPages = 10;

async function listGroups(signal) {
  const groups = [];
  let token = '';
  for (let page = 0; page < kMaxGroupPages; page++) {
    const answer = await callApi('/Groups', token ? {NextToken: token} : {}, signal);
    groups.push(...(answer.Groups || []));
    token = answer.NextToken || '';
    if (!token) {
      break;
    }
  }
  return groups;
}

// Parses `filter` through the API, over an empty time range (no trace is read): null if valid,
// else the ApiError.
async function checkFilter(filter, signal) {
  try {
    await callApi('/TraceSummaries', {StartTime: 0, EndTime: 1, FilterExpression: filter}, signal);
    return null;
  } catch (error) {
    if (error.name === 'AbortError') {
      throw error;
    }
    return error;
  }
}

function CountChart({group}) {
  const box = useRef(null);
  const [total, setTotal] = useState(null);
  useEffect(() => {
    const controller = new AbortController();
    let chart = null;
    const now = Date.now() / 1000;
    const query = groupCountQuery(group, now - 3600, now);
    callCloudWatch('GetMetricData', query, controller.signal).then((answer) => {
      const data = minuteSeries(answer, query);
      setTotal(data[1].reduce((a, b) => a + b, 0));
      chart = new uPlot({
        width: Math.max(Math.min(box.current.clientWidth, 600), 200), height: 90,
        legend: {show: false}, cursor: {show: true},
        axes: [{size: 24, font: '10px sans-serif'}, {size: 44, font: '10px sans-serif'}],
        series: [{}, {label: 'traces', stroke: '#1d4e89', fill: 'rgba(29,78,137,0.15)',
                      paths: uPlot.paths.stepped({align: 1})}],
        scales: {y: {range: (u, min, max) => [0, Math.max(max, 1)]}},
      }, data, box.current);
    }, () => setTotal(null));
    return () => {
      controller.abort();
      if (chart) {
        chart.destroy();
      }
    };
  }, [group]);
  return html`<div class="group-chart">
    <div class="chart-box" ref=${box} aria-hidden="true"></div>
    <span class="chart-total">${total === null ? '' : `${total} traces in the last hour`}</span>
  </div>`;
}

function GroupForm({initial, onDone, onCancel}) {
  const [name, setName] = useState(initial ? initial.GroupName : '');
  const [filter, setFilter] = useState(initial ? initial.FilterExpression || '' : '');
  const [check, setCheck] = useState({state: 'idle'});
  const [saveError, setSaveError] = useState(null);
  useEffect(() => {
    if (!filter.trim()) {
      setCheck({state: 'idle'});
      return undefined;
    }
    const controller = new AbortController();
    setCheck({state: 'checking'});
    const timer = setTimeout(() => {
      checkFilter(filter, controller.signal).then(
          (error) => setCheck(error ? {state: 'invalid', error} : {state: 'valid'}), () => {});
    }, kCheckDelayMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [filter]);
  const submit = async (event) => {
    event.preventDefault();
    setSaveError(null);
    const body = {GroupName: name.trim()};
    if (filter.trim()) {
      body.FilterExpression = filter.trim();
    }
    try {
      await callApi(initial ? '/UpdateGroup' : '/CreateGroup', body);
      onDone();
    } catch (error) {
      setSaveError(error);
    }
  };
  const caret = check.state === 'invalid' && caretLines(filter, check.error.info.column);
  return html`
    <form class="group-form" onSubmit=${submit} aria-label=${initial ? 'Edit group' : 'New group'}>
      <label><span>Name</span>
        <input name="group-name" type="text" value=${name} maxlength="32" required
               disabled=${Boolean(initial)} onInput=${(e) => setName(e.currentTarget.value)} />
      </label>
      <label class="filter-label"><span>Filter expression</span>
        <input name="group-filter" type="text" value=${filter} spellcheck="false"
               autocomplete="off" onInput=${(e) => setFilter(e.currentTarget.value)} />
      </label>
      <div class=${`filter-check check-${check.state}`} aria-live="polite">
        ${check.state === 'checking' && 'Checking…'}
        ${check.state === 'valid' && 'Valid filter expression'}
        ${check.state === 'invalid' && html`<span class="error-message">${check.error.message}</span>
          ${caret && html`<pre class="caret">${`${caret.text}\n${caret.caret}`}</pre>`}`}
      </div>
      ${saveError && html`<div class="error-box" role="alert">${saveError.message}</div>`}
      <div class="form-buttons">
        <button type="submit" disabled=${check.state === 'invalid' || !name.trim()}>
          ${initial ? 'Save' : 'Create group'}</button>
        <button type="button" onClick=${onCancel}>Cancel</button>
      </div>
    </form>`;
}

export function GroupsPage() {
  const [result, setResult] = useState({loading: true});
  const [editing, setEditing] = useState(null);  // null, 'new' or a group.
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    listGroups(controller.signal).then((groups) => setResult({groups}), (error) => {
      if (error.name !== 'AbortError') {
        setResult({error});
      }
    });
    return () => controller.abort();
  }, [version]);
  const reload = () => {
    setEditing(null);
    setVersion(version + 1);
  };
  const remove = async (group) => {
    if (!window.confirm(`Delete the group ${group.GroupName}?`)) {
      return;
    }
    try {
      await callApi('/DeleteGroup', {GroupName: group.GroupName});
      reload();
    } catch (error) {
      setResult({...result, error});
    }
  };
  return html`
    <h1>Groups</h1>
    ${editing === null && html`
      <p><button type="button" class="primary" onClick=${() => setEditing('new')}>New group</button></p>`}
    ${editing !== null && html`
      <${GroupForm} key=${editing === 'new' ? 'new' : editing.GroupName}
                    initial=${editing === 'new' ? null : editing} onDone=${reload}
                    onCancel=${() => setEditing(null)} />`}
    ${result.error && html`<div class="error-box" role="alert">${result.error.message}</div>`}
    ${result.loading && html`<p class="loading">Loading…</p>`}
    ${result.groups && result.groups.length === 0 && html`<p class="empty">No groups yet.</p>`}
    ${result.groups && result.groups.length > 0 && html`
      <ul class="groups">
        ${result.groups.map((g) => html`
          <li key=${g.GroupName} class="group" data-group=${g.GroupName}>
            <div class="group-head">
              <a class="group-name" href=${`/ui/traces?group=${encodeURIComponent(g.GroupName)}`}>
                ${g.GroupName}</a>
              <code class="group-filter">${g.FilterExpression || '(every trace)'}</code>
            </div>
            <${CountChart} group=${g.GroupName} />
            <div class="form-buttons">
              <button type="button" onClick=${() => setEditing(g)}>Edit</button>
              <button type="button" onClick=${() => remove(g)}>Delete</button>
            </div>
          </li>`)}
      </ul>`}`;
}
