// /ui/map: the service map of a time range (and group): cytoscape laid out by dagre, each node a
// pie of its ok/error/fault/throttle shares with its request count, each edge with its count and
// mean latency; a node opens its traces (service("name")), an edge its calls (edge("a", "b")).
// The same nodes and edges follow as tables, for keyboards and screen readers.
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import {useEffect, useRef, useState} from 'preact/hooks';

import {callApi} from '../api.js';
import {formatDuration} from '../format.js';
import {html} from '../html.js';
import {edgeFilter, graphModel, nodeFilter, percent} from '../service_map.js';
import {kRanges, readState, timeWindow, writeState} from '../url_state.js';

cytoscape.use(dagre);

// Cytoscape adds a <style> element unless one with this id exists; the CSP forbids inline
// styles, so a placeholder stands in and style.css carries its one rule.
function preventInlineStylesheet() {
  const id = '__________cytoscape_stylesheet';
  if (!document.getElementById(id)) {
    const placeholder = document.createElement('meta');
    placeholder.id = id;
    document.head.appendChild(placeholder);
  }
}

const kColours = {ok: '#2da44e', error: '#d4a72c', fault: '#cf222e', throttle: '#8250df'};
const kMaxPages = 10;

function tracesLink(filter, state) {
  return `/ui/traces${writeState({...state, filter})}`;
}

// The graph of `model`; `small` for the trace page's map.
export function Graph({model, state, navigate, small}) {
  const container = useRef(null);
  useEffect(() => {
    preventInlineStylesheet();
    const elements = [
      ...model.nodes.map((n) => ({data: {
        id: n.id, label: n.client ? 'client' : `${n.name}\n${n.total} req`,
        ok: n.shares.ok * 100, error: n.shares.error * 100, fault: n.shares.fault * 100,
        throttle: n.shares.throttle * 100, client: n.client ? 1 : 0,
      }})),
      ...model.edges.map((e) => ({data: {
        id: e.id, source: e.source, target: e.target,
        label: `${e.total} · ${formatDuration(e.avgResponse)}`,
      }})),
    ];
    const cy = cytoscape({
      container: container.current,
      elements,
      wheelSensitivity: 0.3,
      maxZoom: 1.6,
      style: [
        {selector: 'node', style: {
          'label': 'data(label)', 'text-wrap': 'wrap', 'text-valign': 'bottom',
          'text-margin-y': 6, 'font-size': 11, 'width': 44, 'height': 44,
          'background-color': '#eaeef2', 'border-width': 1, 'border-color': '#8c959f',
          'pie-size': '100%',
          'pie-1-background-color': kColours.ok, 'pie-1-background-size': 'data(ok)',
          'pie-2-background-color': kColours.error, 'pie-2-background-size': 'data(error)',
          'pie-3-background-color': kColours.fault, 'pie-3-background-size': 'data(fault)',
          'pie-4-background-color': kColours.throttle, 'pie-4-background-size': 'data(throttle)',
        }},
        {selector: 'node[client = 1]', style: {'width': 24, 'height': 24}},
        {selector: 'edge', style: {
          'label': 'data(label)', 'font-size': 10, 'curve-style': 'bezier', 'width': 1.5,
          'target-arrow-shape': 'triangle', 'line-color': '#8c959f',
          'target-arrow-color': '#8c959f', 'text-background-color': '#fff',
          'text-background-opacity': 1, 'text-background-padding': 2,
        }},
      ],
    });
    // Where each service sits on screen (CSS pixels inside the canvas), for tests and tools.
    const layout = cy.layout({name: 'dagre', rankDir: 'LR', nodeSep: 40, rankSep: 120});
    layout.one('layoutstop', () => {
      const positions = {};
      cy.nodes().forEach((node) => {
        const found = model.nodes.find((n) => n.id === node.id());
        positions[found ? found.name : node.id()] = node.renderedPosition();
      });
      container.current.dataset.positions = JSON.stringify(positions);
    });
    layout.run();
    cy.on('tap', 'node', (event) => {
      const node = model.nodes.find((n) => n.id === event.target.id());
      if (node && !node.client) {
        setTimeout(() => navigate(tracesLink(nodeFilter(node), state)), 0);
      }
    });
    cy.on('tap', 'edge', (event) => {
      const edge = model.edges.find((e) => e.id === event.target.id());
      if (edge) {
        setTimeout(() => navigate(tracesLink(edgeFilter(edge), state)), 0);
      }
    });
    return () => cy.destroy();
  }, [model]);
  return html`<div class=${small ? 'map-canvas small' : 'map-canvas'} ref=${container} role="img"
                   aria-label="Service map; the tables below list the same nodes and edges"></div>`;
}

function Tables({model, state}) {
  const services = model.nodes.filter((n) => !n.client);
  return html`
    <h2>Services</h2>
    <div class="table-wrap">
      <table class="map-nodes">
        <thead><tr><th scope="col">Service</th><th scope="col">Type</th>
          <th scope="col">Requests</th><th scope="col">OK</th><th scope="col">Error</th>
          <th scope="col">Fault</th><th scope="col">Throttle</th>
          <th scope="col">Mean response</th></tr></thead>
        <tbody>${services.map((n) => html`
          <tr key=${n.id} data-service=${n.name}>
            <td><a href=${tracesLink(nodeFilter(n), state)}>${n.name}</a></td><td>${n.type}</td>
            <td class="num">${n.total}</td><td class="num">${percent(n.shares.ok)}</td>
            <td class="num">${percent(n.shares.error)}</td>
            <td class="num">${percent(n.shares.fault)}</td>
            <td class="num">${percent(n.shares.throttle)}</td>
            <td class="num">${formatDuration(n.avgResponse)}</td>
          </tr>`)}</tbody>
      </table>
    </div>
    <h2>Calls</h2>
    <div class="table-wrap">
      <table class="map-edges">
        <thead><tr><th scope="col">From</th><th scope="col">To</th>
          <th scope="col">Requests</th><th scope="col">Faults</th>
          <th scope="col">Mean latency</th></tr></thead>
        <tbody>${model.edges.map((e) => html`
          <tr key=${e.id}>
            <td>${e.sourceName}</td>
            <td><a href=${tracesLink(edgeFilter(e), state)}>${e.targetName}</a></td>
            <td class="num">${e.total}</td><td class="num">${e.fault}</td>
            <td class="num">${formatDuration(e.avgResponse)}</td>
          </tr>`)}</tbody>
      </table>
    </div>`;
}

export function MapPage({search, navigate}) {
  const state = readState(search);
  const [result, setResult] = useState({loading: true});
  useEffect(() => {
    const controller = new AbortController();
    const span = timeWindow(state, Date.now() / 1000);
    (async () => {
      const services = [];
      let token = '';
      for (let page = 0; page < kMaxPages; page++) {
        const body = {StartTime: span.start, EndTime: span.end};
        if (state.group) {
          body.GroupName = state.group;
        }
        if (token) {
          body.NextToken = token;
        }
        const answer = await callApi('/ServiceGraph', body, controller.signal);
        services.push(...(answer.Services || []));
        token = answer.NextToken || '';
        if (!token) {
          break;
        }
      }
      setResult({model: graphModel(services)});
    })().catch((error) => {
      if (error.name !== 'AbortError') {
        setResult({error});
      }
    });
    return () => controller.abort();
  }, [search]);
  const changeRange = (event) => {
    navigate(`/ui/map${writeState({...state, start: null, end: null,
                                   since: event.currentTarget.value, filter: ''})}`);
  };
  return html`
    <h1>Service map</h1>
    <form class="filter-bar" onSubmit=${(e) => e.preventDefault()}>
      <label><span>Time range</span>
        <select name="since" value=${state.since} onChange=${changeRange}>
          ${kRanges.map((r) => html`<option value=${r}>last ${r}</option>`)}
        </select>
      </label>
    </form>
    ${result.error && html`<div class="error-box" role="alert">${result.error.message}</div>`}
    ${result.loading && html`<p class="loading">Loading…</p>`}
    ${result.model && result.model.nodes.length === 0 &&
      html`<p class="empty">No services in this time range.</p>`}
    ${result.model && result.model.nodes.length > 0 && html`
      <${Graph} model=${result.model} state=${state} navigate=${navigate} />
      <${Tables} model=${result.model} state=${state} />`}`;
}
