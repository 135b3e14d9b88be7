// GetServiceGraph's services -> the nodes and edges the map and its table show, and the filter
// expressions a node or an edge opens. Pure.

function stats(summary) {
  const s = summary || {};
  const total = Number(s.TotalCount) || 0;
  const fault = Number(s.FaultStatistics && s.FaultStatistics.TotalCount) || 0;
  const throttle = Number(s.ErrorStatistics && s.ErrorStatistics.ThrottleCount) || 0;
  const errorTotal = Number(s.ErrorStatistics && s.ErrorStatistics.TotalCount) || 0;
  const error = Math.max(errorTotal - throttle, 0);
  const ok = Number(s.OkCount) || Math.max(total - fault - errorTotal, 0);
  const share = (n) => (total > 0 ? n / total : 0);
  return {
    total, ok, error, fault, throttle,
    shares: {ok: share(ok), error: share(error), fault: share(fault), throttle: share(throttle)},
    avgResponse: total > 0 && Number.isFinite(s.TotalResponseTime) ? s.TotalResponseTime / total
                                                                   : null,
  };
}

// {nodes, edges}: nodes {id, name, type, client, ...stats}; edges {id, source, target,
// sourceName, targetName, ...stats} (avgResponse is the edge's mean latency).
export function graphModel(services) {
  const nodes = [];
  const names = new Map();
  for (const service of services || []) {
    const id = String(service.ReferenceId);
    const client = !service.SummaryStatistics;
    const name = client ? 'client' : String(service.Name || (service.Names || [])[0] || id);
    names.set(id, name);
    nodes.push({id, name, type: service.Type ? String(service.Type) : '', client,
                ...stats(service.SummaryStatistics)});
  }
  const edges = [];
  for (const service of services || []) {
    for (const edge of service.Edges || []) {
      const source = String(service.ReferenceId);
      const target = String(edge.ReferenceId);
      if (!names.has(target)) {
        continue;
      }
      edges.push({id: `${source}->${target}`, source, target, sourceName: names.get(source),
                  targetName: names.get(target), ...stats(edge.SummaryStatistics)});
    }
  }
  return {nodes, edges};
}

function quote(text) {
  return `"${String(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// The filter a node opens: service("name").
export function nodeFilter(node) {
  return `service(${quote(node.name)})`;
}

// The filter an edge opens: edge("a", "b").
export function edgeFilter(edge) {
  return `edge(${quote(edge.sourceName)}, ${quote(edge.targetName)})`;
}

// "42%" for a share in [0, 1].
export function percent(share) {
  return `${Math.round(share * 100)}%`;
}
