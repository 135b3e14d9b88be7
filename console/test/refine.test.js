import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {addTerm, quoteString, refinePanels} from '../src/refine.js';

const kSummaries = [
  {ServiceIds: [{Name: 'web'}, {Name: 'db'}, {Name: 'web'}, {Name: 'c', Type: 'client'}],
   Users: [{UserName: 'bob'}], Http: {HttpURL: 'http://h/a', HttpStatus: 500},
   FaultRootCauses: [{Services: [{EntityPath: [{Name: 'web', Exceptions: []},
                                               {Name: 'db', Exceptions: [{Name: 'Boom'}]}]}]}]},
  {ServiceIds: [{Name: 'web'}], Http: {HttpURL: 'http://h/"b"', HttpStatus: 200},
   ErrorRootCauses: [{Services: [{EntityPath: [{Name: 'web', Exceptions: [{Name: 'Boom'}]}]}]}]},
];

describe('refine', () => {
  it('counts each value once per trace, most common first', () => {
    const panels = Object.fromEntries(refinePanels(kSummaries).map((p) => [p.title, p.items]));
    assert.deepEqual(panels.Services.map((i) => [i.label, i.count]), [['web', 2], ['db', 1]]);
    assert.deepEqual(panels.Users, [{label: 'bob', term: 'user = "bob"', count: 1}]);
    assert.deepEqual(panels['HTTP status'].map((i) => i.term).sort(),
                     ['http.status = 200', 'http.status = 500']);
    assert.equal(panels.URLs.find((i) => i.label === 'http://h/"b"').term,
                 'http.url = "http://h/\\"b\\""');
    assert.deepEqual(panels['Root-cause exceptions'].map((i) => i.term).sort(), [
      'rootcause.error.exception { name = "Boom" }',
      'rootcause.fault.exception { name = "Boom" }',
    ]);
  });

  it('leaves out empty panels', () => {
    assert.deepEqual(refinePanels([]), []);
    assert.deepEqual(refinePanels([{ServiceIds: [{Name: 'x'}]}]).map((p) => p.title), ['Services']);
  });

  it('adds a term with AND', () => {
    assert.equal(addTerm('', 'fault'), 'fault');
    assert.equal(addTerm(' service("a") ', 'fault'), 'service("a") AND fault');
    assert.equal(quoteString('a\\b"c'), '"a\\\\b\\"c"');
  });
});
