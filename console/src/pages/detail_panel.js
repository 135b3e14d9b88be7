// The panel of the selected timeline row: overview, annotations, metadata, http, aws, sql, the
// exceptions with their stacks and the raw document. Every value is shown as text.
import {formatDuration, formatTime} from '../format.js';
import {html} from '../html.js';
import {exceptionsOf} from '../timeline.js';

function Json({value}) {
  return html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;
}

function Section({title, children}) {
  return html`<section class="detail-section"><h3>${title}</h3>${children}</section>`;
}

function KeyValues({entries}) {
  return html`
    <table class="kv">
      <tbody>
        ${entries.map(([key, value]) => html`
          <tr><th scope="row">${key}</th>
              <td>${typeof value === 'object' ? JSON.stringify(value) : String(value)}</td></tr>`)}
      </tbody>
    </table>`;
}

export function DetailPanel({row, onClose}) {
  const doc = row.doc;
  const exceptions = exceptionsOf(doc);
  const annotations = doc.annotations && typeof doc.annotations === 'object'
      ? Object.entries(doc.annotations) : [];
  const overview = [
    ['Name', row.name], ['Id', row.id], ['Kind', row.orphan ? `${row.kind} (orphan)` : row.kind],
    ['Start (UTC)', formatTime(row.start)],
    ['End (UTC)', row.inProgress ? 'in progress' : formatTime(row.end)],
    ['Duration', row.inProgress ? 'in progress' : formatDuration(row.end - row.start)],
  ];
  if (row.status !== null) {
    overview.push(['HTTP status', row.status]);
  }
  if (row.namespace) {
    overview.push(['Namespace', row.namespace]);
  }
  if (typeof doc.origin === 'string') {
    overview.push(['Origin', doc.origin]);
  }
  return html`
    <aside class="detail" aria-label="Selected segment">
      <div class="detail-head">
        <h2>${row.name}</h2>
        <button type="button" onClick=${onClose} aria-label="Close details">Close</button>
      </div>
      <${Section} title="Overview"><${KeyValues} entries=${overview} /><//>
      ${annotations.length > 0 && html`
        <${Section} title="Annotations"><${KeyValues} entries=${annotations} /><//>`}
      ${doc.metadata && html`<${Section} title="Metadata"><${Json} value=${doc.metadata} /><//>`}
      ${doc.http && html`<${Section} title="HTTP"><${Json} value=${doc.http} /><//>`}
      ${doc.aws && html`<${Section} title="AWS"><${Json} value=${doc.aws} /><//>`}
      ${doc.sql && html`<${Section} title="SQL"><${Json} value=${doc.sql} /><//>`}
      ${exceptions.length > 0 && html`
        <${Section} title="Exceptions">
          ${exceptions.map((e) => html`
            <div class="exception">
              <div><strong class="exception-type">${e.type || 'Exception'}</strong>
                ${e.remote ? ' (remote)' : ''}</div>
              <div class="exception-message">${e.message}</div>
              ${e.stack.length > 0 && html`<pre class="stack">${e.stack.join('\n')}</pre>`}
            </div>`)}
        <//>`}
      <details class="raw">
        <summary>Raw JSON</summary>
        <${Json} value=${doc} />
      </details>
    </aside>`;
}
