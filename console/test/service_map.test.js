import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {edgeFilter, graphModel, nodeFilter, percent} from '../src/service_map.js';

const kStats = (ok, errorOther, throttle, fault, time) => ({
  OkCount: ok, ErrorStatistics: {ThrottleCount: throttle, OtherCount: errorOther,
                                 TotalCount: errorOther + throttle},
  FaultStatistics: {OtherCount: fault, TotalCount: fault},
  TotalCount: ok + errorOther + throttle + fault, TotalResponseTime: time,
});

const kServices = [
  {ReferenceId: 0, Name: 'web', Type: 'AWS::EC2::Instance', SummaryStatistics: kStats(6, 1, 1, 2, 5),
   Edges: [{ReferenceId: 1, SummaryStatistics: kStats(3, 0, 0, 1, 2)},
           {ReferenceId: 9, SummaryStatistics: kStats(1, 0, 0, 0, 1)}]},
  {ReferenceId: 1, Name: 'db "main"', Type: 'remote', SummaryStatistics: kStats(4, 0, 0, 0, 0.4),
   Edges: []},
  {ReferenceId: 2, Name: 'client', Type: 'client', Edges: [{ReferenceId: 0, SummaryStatistics: kStats(10, 0, 0, 0, 5)}]},
];

describe('service_map', () => {
  it('computes counts and shares per node', () => {
    const {nodes} = graphModel(kServices);
    const web = nodes.find((n) => n.name === 'web');
    assert.equal(web.total, 10);
    assert.deepEqual(web.shares, {ok: 0.6, error: 0.1, fault: 0.2, throttle: 0.1});
    assert.equal(web.avgResponse, 0.5);
    assert.equal(nodes.find((n) => n.id === '2').client, true);
  });

  it('keeps edges between known nodes, with counts and mean latency', () => {
    const {edges} = graphModel(kServices);
    assert.deepEqual(edges.map((e) => [e.sourceName, e.targetName, e.total, e.avgResponse]),
                     [['web', 'db "main"', 4, 0.5], ['client', 'web', 10, 0.5]]);
  });

  it('builds quoted filters for a node and an edge', () => {
    const {nodes, edges} = graphModel(kServices);
    assert.equal(nodeFilter(nodes[0]), 'service("web")');
    assert.equal(edgeFilter(edges[0]), 'edge("web", "db \\"main\\"")');
    assert.equal(percent(0.256), '26%');
  });
});
