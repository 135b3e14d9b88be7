// The console's entry point: a small router over location.pathname (the server answers every
// /ui/... path with this app), links inside /ui/ handled without reloading the page.
import 'uplot/dist/uPlot.min.css';
import './style.css';

import {render} from 'preact';
import {useEffect, useState} from 'preact/hooks';

import {html} from './html.js';
import {Layout} from './pages/layout.js';
import {TracePage} from './pages/trace_page.js';
import {TracesPage} from './pages/traces_page.js';

let navigations = 0;  // Counts arrivals, so searching again for the same URL runs it again.

function currentLocation() {
  navigations += 1;
  return {path: window.location.pathname, search: window.location.search, visit: navigations};
}

function navigate(url) {
  window.history.pushState(null, '', url);
  window.dispatchEvent(new Event('xrayd:navigate'));
  window.scrollTo(0, 0);
}

// A page whose module (and its libraries) loads on first use.
function Lazy({load, ...props}) {
  const [component, setComponent] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    load().then((c) => setComponent(() => c), setError);
  }, [load]);
  if (error) {
    return html`<div class="error-box" role="alert">This page failed to load: ${error.message}</div>`;
  }
  return component ? html`<${component} ...${props} />` : html`<p class="loading">Loading…</p>`;
}

const loadMapPage = () => import('./pages/map_page.js').then((m) => m.MapPage);
const loadGroupsPage = () => import('./pages/groups_page.js').then((m) => m.GroupsPage);
const loadTailPage = () => import('./pages/tail_page.js').then((m) => m.TailPage);

function Page({location}) {
  const {path, search} = location;
  if (path === '/ui/traces' || path === '/ui/traces/') {
    return html`<${TracesPage} search=${search} visit=${location.visit} navigate=${navigate} />`;
  }
  if (path === '/ui/map' || path === '/ui/map/') {
    return html`<${Lazy} load=${loadMapPage} search=${search} navigate=${navigate} />`;
  }
  if (path === '/ui/groups' || path === '/ui/groups/') {
    return html`<${Lazy} load=${loadGroupsPage} />`;
  }
  if (path === '/ui/tail' || path === '/ui/tail/') {
    return html`<${Lazy} load=${loadTailPage} search=${search} navigate=${navigate} />`;
  }
  const trace = /^\/ui\/traces\/([^/]+)$/.exec(path);
  if (trace) {
    return html`<${TracePage} traceId=${decodeURIComponent(trace[1])} navigate=${navigate} />`;
  }
  return html`<h1>Not found</h1><p>No console page at <code>${path}</code>.
    <a href="/ui/traces">Traces</a></p>`;
}

function App() {
  const [location, setLocation] = useState(currentLocation());
  useEffect(() => {
    const update = () => setLocation(currentLocation());
    window.addEventListener('popstate', update);
    window.addEventListener('xrayd:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('xrayd:navigate', update);
    };
  }, []);
  useEffect(() => {
    document.title = `xrayd · ${location.path.replace(/^\/ui\//, '')}`;
  }, [location.path]);
  return html`<${Layout} path=${location.path}><${Page} location=${location} /><//>`;
}

// Same-origin links under /ui/ change the page in place (modifier keys keep the browser's way).
document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
      event.shiftKey || event.altKey || link.target) {
    return;
  }
  const url = new URL(link.href, window.location.href);
  if (url.origin === window.location.origin && url.pathname.startsWith('/ui/')) {
    event.preventDefault();
    navigate(url.pathname + url.search);
  }
});

render(html`<${App} />`, document.getElementById('app'));
