/**
 * Call and return claims (answer/relation-claims.ts): what blocks call and return, reading "`A` calls `B`" and
 * "`A` returns `X`" out of answers, whether the blocks read make them true, and the verb being written.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  blockRelations, relationClaims, relationClaimsTrue, relationInProgress, relationObjects, relationSlot, towardsRelation,
} from '../../extension/engine/answer/relation-claims';

const PY = [
  'db/compiler.py', 'SQLCompiler.__init__',
  'class SQLCompiler:',
  '    def __init__(self, query):',
  '        self.query = query',
  '        self.setup(query.clone())',
  '        if (query.low_mark):',
  '            re.search(PATTERN, str(query))',
  '    def as_sql(self):',
  '        return self.render(sql, params)  # the pair',
  '    def split(self):',
  '        return (first,',
  '                rest)',
].join('\n');
const TS = 'src/total.ts\ntotal\nexport function total(items: Item[]): number {\n  if (items.length === 0) return 0;\n  return sum(items.map((i) => i.price));\n}';

describe('call and return claims', () => {
  it('reads what a block calls (as written, without self., by its last part) and returns (whole expressions only)', () => {
    const py = blockRelations(PY);
    for (const callee of ['self.setup', 'setup', 'query.clone', 'clone', 're.search', 'search', 'str', 'self.render', 'render']) {
      assert.ok(py.calls.has(callee), callee);
    }
    for (const notCalled of ['__init__', 'as_sql', 'if', 'SQLCompiler']) assert.ok(!py.calls.has(notCalled), notCalled);
    assert.deepEqual([...py.returns], ['self.render(sql, params)'], 'the comment cut off; a return wrapped over lines is not quoted cut');
    assert.ok(py.defined.has('__init__') && py.defined.has('SQLCompiler'));
    const ts = blockRelations(TS);
    assert.ok(ts.calls.has('sum') && ts.calls.has('items.map') && ts.calls.has('map') && !ts.calls.has('total'));
    assert.deepEqual([...ts.returns].sort(), ['0', 'sum(items.map((i) => i.price))']);
  });

  it('finds what a name calls or returns in the blocks that define it, by its name, qualified name or call', () => {
    const blocks = [blockRelations(PY), blockRelations(TS)];
    assert.ok(relationObjects('__init__', 'calls', blocks).has('setup'));
    assert.ok(relationObjects('SQLCompiler.__init__', 'calls', blocks).has('re.search'));
    assert.ok(relationObjects('total(items)', 'returns', blocks).has('0'));
    assert.ok(!relationObjects('total', 'calls', blocks).has('setup'), 'not what another block calls');
    assert.equal(relationObjects('fetch_url', 'calls', blocks).size, 0, 'no block defines it');
  });

  it('reads the trained forms and scores the share the blocks make true', () => {
    assert.deepEqual(relationClaims('`__init__` [1] calls `setup` in `db/compiler.py` [1].'), [{ name: '__init__', verb: 'calls', object: 'setup' }]);
    assert.deepEqual(relationClaims('`run`; calls `piece.strip` [3].'), [{ name: 'run', verb: 'calls', object: 'piece.strip' }]);
    assert.deepEqual(relationClaims('`as_sql` returns `self.render(sql,  params)` [1].'),
      [{ name: 'as_sql', verb: 'returns', object: 'self.render(sql, params)' }]);
    assert.deepEqual(relationClaims('`f` in `a.py` [1] and it calls `g`.'), [], 'not the trained form');
    const blocks = [blockRelations(PY), blockRelations(TS)];
    assert.equal(relationClaimsTrue('`__init__` [1] calls `setup` [1].', blocks), 1);
    assert.equal(relationClaimsTrue('`__init__` [1] calls `sum` [2]. `as_sql` returns `self.render(sql, params)` [1].', blocks), 0.5,
      'sum is called by a block that does not define __init__');
    // A block is read whole: what one method of a class chunk calls counts for the others (too easily true, never
    // too hard).
    assert.equal(relationClaimsTrue('`__init__` [1] calls `render` [1].', blocks), 1);
    assert.equal(relationClaimsTrue('`__init__` in `db/compiler.py` [1].', blocks), null, 'no call or return claim');
  });

  it('tells the slot of an object and the verb being written', () => {
    assert.deepEqual(relationSlot('`__init__` [1] calls '), { name: '__init__', verb: 'calls' });
    assert.deepEqual(relationSlot('`as_sql`; returns '), { name: 'as_sql', verb: 'returns' });
    assert.equal(relationSlot('`as_sql` in '), null);
    assert.deepEqual(relationInProgress('`f` [1] cal'), { name: 'f', verb: 'calls', words: ' cal' });
    assert.deepEqual(relationInProgress('`f`; ret'), { name: 'f', verb: 'returns', words: ' ret' });
    assert.equal(relationInProgress('`f` ca'), null, 'not yet: two letters start many words');
    assert.equal(relationInProgress('`f` in'), null);
    assert.ok(towardsRelation('calls', ' call') && towardsRelation('calls', ' calls ') && !towardsRelation('calls', ' called'));
    assert.ok(towardsRelation('returns', ' return') && !towardsRelation('returns', ' retries'));
  });
});
