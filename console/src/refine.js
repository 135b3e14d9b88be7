// Refine-by panels: what the traces of a result page have in common (services, users, URLs, HTTP
// statuses, root-cause exceptions), each with its count and the filter term that selects it. Pure.

const kTopItems = 8;

// A filter-language string literal: "text" with \ and " escaped.
export function quoteString(text) {
  return `"${String(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// `filter` narrowed by `term` (AND), or the term alone.
export function addTerm(filter, term) {
  const own = (filter || '').trim();
  return own ? `${own} AND ${term}` : term;
}

function counter() {
  const counts = new Map();
  return {
    add(label, term) {
      const seen = counts.get(term);
      counts.set(term, {label, term, count: (seen ? seen.count : 0) + 1});
    },
    top() {
      return [...counts.values()]
          .sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
          .slice(0, kTopItems);
    },
  };
}

// Each distinct value counts once per trace.
function addOnce(panel, seen, label, term) {
  if (!seen.has(term)) {
    seen.add(term);
    panel.add(label, term);
  }
}

// [{title, items: [{label, count, term}]}] for `summaries` (TraceSummaries), panels with no item
// left out.
export function refinePanels(summaries) {
  const services = counter();
  const users = counter();
  const urls = counter();
  const statuses = counter();
  const exceptions = counter();
  for (const summary of summaries || []) {
    const seen = new Set();
    for (const service of summary.ServiceIds || []) {
      if (service.Name && service.Type !== 'client') {
        addOnce(services, seen, String(service.Name), `service(${quoteString(service.Name)})`);
      }
    }
    for (const user of summary.Users || []) {
      if (user.UserName) {
        addOnce(users, seen, String(user.UserName), `user = ${quoteString(user.UserName)}`);
      }
    }
    const http = summary.Http || {};
    if (http.HttpURL) {
      addOnce(urls, seen, String(http.HttpURL), `http.url = ${quoteString(http.HttpURL)}`);
    }
    if (Number.isInteger(http.HttpStatus)) {
      addOnce(statuses, seen, String(http.HttpStatus), `http.status = ${http.HttpStatus}`);
    }
    for (const [kind, causes] of [['fault', summary.FaultRootCauses],
                                  ['error', summary.ErrorRootCauses]]) {
      for (const cause of causes || []) {
        for (const service of cause.Services || []) {
          for (const entity of service.EntityPath || []) {
            for (const exception of entity.Exceptions || []) {
              if (exception.Name) {
                addOnce(exceptions, seen, `${exception.Name} (${kind})`,
                        `rootcause.${kind}.exception { name = ${quoteString(exception.Name)} }`);
              }
            }
          }
        }
      }
    }
  }
  return [
    {title: 'Services', items: services.top()},
    {title: 'Users', items: users.top()},
    {title: 'URLs', items: urls.top()},
    {title: 'HTTP status', items: statuses.top()},
    {title: 'Root-cause exceptions', items: exceptions.top()},
  ].filter((panel) => panel.items.length > 0);
}
