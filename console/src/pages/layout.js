// The frame of every page: the header with the navigation, then the page.
import {html} from '../html.js';

const kSections = [['/ui/traces', 'Traces'], ['/ui/map', 'Service map'],
                   ['/ui/groups', 'Groups'], ['/ui/tail', 'Live tail']];

export function Layout({path, children}) {
  return html`
    <header class="top">
      <a class="brand" href="/ui/traces">xrayd</a>
      <nav aria-label="Sections">
        ${kSections.map(([href, label]) => html`
          <a href=${href} aria-current=${path.startsWith(href) ? 'page' : undefined}>${label}</a>`)}
      </nav>
    </header>
    <main id="main">${children}</main>`;
}
