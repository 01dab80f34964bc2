/**
 * Inheritance claims (answer/inheritance-claims.ts): the bases classes declare, reading "`A` inherits from `B`" and
 * "`A` derives from `B`" out of answers, and whether the blocks read make them true.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  basesOf, baseSlot, classBases, inheritanceClaims, inheritanceClaimsTrue, towardsVerbClaim, verbInProgress,
} from '../../extension/engine/answer/inheritance-claims';

const sorted = (s: Set<string> | undefined) => [...(s ?? [])].sort();

describe('inheritance claims', () => {
  it('reads the bases Python, TypeScript and Java classes declare, each also by its last dotted part', () => {
    const py = classBases('class Migration(migrations.Migration):\n    pass\nclass Meta(Base, metaclass=ABCMeta):\nclass Plain:\nclass O(object):');
    assert.deepEqual(sorted(py.get('Migration')), ['Migration', 'migrations.Migration']);
    assert.deepEqual(sorted(py.get('Meta')), ['Base'], 'a keyword argument is not a base');
    assert.ok(!py.has('Plain') && !py.has('O'), 'no bases, or only object');
    const ts = classBases('export class Store<T> extends Base<T> implements Disposable, Iterable<T> {');
    assert.deepEqual(sorted(ts.get('Store')), ['Base', 'Disposable', 'Iterable']);
    const java = classBases('public class Server extends net.AbstractServer implements Runnable {');
    assert.deepEqual(sorted(java.get('Server')), ['AbstractServer', 'Runnable', 'net.AbstractServer']);
    assert.deepEqual(sorted(classBases('class Gen(Generic[T], Base):').get('Gen')), ['Base', 'Generic']);
  });

  it('finds a class by its name, its qualified name or a call of it, over several blocks', () => {
    const maps = [classBases('class A(B):'), classBases('class A(C):\nclass D(E):')];
    assert.deepEqual(sorted(basesOf('A', maps)), ['B', 'C']);
    assert.deepEqual(sorted(basesOf('mod.A', maps)), ['B', 'C']);
    assert.deepEqual(sorted(basesOf('D(x)', maps)), ['E']);
    // Never the class itself, though its short name declares it: Django's class Migration(migrations.Migration).
    const django = [classBases('class Migration(migrations.Migration):')];
    assert.deepEqual(sorted(basesOf('Migration', django)), ['migrations.Migration']);
    assert.deepEqual(sorted(basesOf('migrations.Migration', django)), []);
    assert.equal(basesOf('f', maps).size, 0);
  });

  it('reads the trained forms and scores the share the blocks make true', () => {
    assert.deepEqual(inheritanceClaims('`A` [1] inherits from `B` in `b.py` [2].'), [{ name: 'A', base: 'B' }]);
    assert.deepEqual(inheritanceClaims('`A` derives from `B`, `C` [1].'), [{ name: 'A', base: 'B' }]);
    assert.deepEqual(inheritanceClaims('`A` inherits from'), []);
    const maps = [classBases('class A(B):')];
    assert.equal(inheritanceClaimsTrue('`A` inherits from `B` [1].', maps), 1);
    assert.equal(inheritanceClaimsTrue('`A` inherits from `B`; `B` inherits from `A`.', maps), 0.5);
    assert.equal(inheritanceClaimsTrue('`A` in `a.py` [1].', maps), null);
  });

  it('finds the slot a partial answer is in', () => {
    assert.equal(baseSlot('`A` [1] inherits from '), 'A');
    assert.equal(baseSlot('`A` derives from '), 'A');
    assert.equal(baseSlot('`A` in '), null);
  });

  it('follows an inheritance verb as it is written', () => {
    assert.deepEqual(verbInProgress('`A` inh'), { cls: 'A', words: ' inh' });
    assert.deepEqual(verbInProgress('`A` [2] derives fr'), { cls: 'A', words: ' derives fr' });
    assert.equal(verbInProgress('`A` in'), null, '" in" alone is a locator claim');
    assert.equal(verbInProgress('`A` calls'), null);
    assert.ok(towardsVerbClaim(' inher') && towardsVerbClaim(' inherits from ') && towardsVerbClaim(' d'));
    assert.ok(!towardsVerbClaim(' inherate') && !towardsVerbClaim(' inherits [') && !towardsVerbClaim(' inherits from `'));
  });
});
