/**
 * Locator claims (answer/locator-claims.ts): reading "`name` in `path` [n]" out of answers, the slot a partial
 * answer is in, and whether a claim is true of the blocks an answer cites.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  awaitsPath, claimHolds, locatorClaims, locatorClaimsTrue, locatorWordsAllow, markerSlot, namesPath, pathSlot,
} from '../../extension/engine/answer/locator-claims';

const block = (n: number, path: string, names: string[]) => ({ n, path, has: (x: string) => names.includes(x) });

describe('locator claims', () => {
  it('reads each trained locator form, with or without its marker', () => {
    assert.deepEqual(locatorClaims('`App.open_resource` in `app.py` [1].'), [{ name: 'App.open_resource', path: 'app.py', marker: 1 }]);
    assert.deepEqual(locatorClaims('`dumps` is defined in `json/provider.py` [2]; `x` is a method of `C` in `c.py`'), [
      { name: 'dumps', path: 'json/provider.py', marker: 2 },
      { name: 'C', path: 'c.py', marker: null },
    ]);
    // "calls `t` in `p`": the name located is the span nearest before " in ".
    assert.deepEqual(locatorClaims('`f` [1] calls `g` in `b.py` [2].'), [{ name: 'g', path: 'b.py', marker: 2 }]);
  });

  it('reads no claim where " in " does not join two spans, nor from an unclosed span', () => {
    assert.deepEqual(locatorClaims('`f` returns `None` [1].'), []);
    assert.deepEqual(locatorClaims('`f`, in short, `g`'), []);
    assert.deepEqual(locatorClaims('`f` in `app'), []);
    assert.deepEqual(locatorClaims('no code at all'), []);
  });

  it('names a path by the whole of it or by a part cut at a slash', () => {
    assert.ok(namesPath('json/tag.py', 'json/tag.py') && namesPath('tag.py', 'json/tag.py'));
    assert.ok(!namesPath('ag.py', 'json/tag.py') && !namesPath('', 'a.py') && !namesPath('logging.py', 'app.py'));
    assert.ok(namesPath('tag.py', 'json\\tag.py'), 'a Windows separator');
  });

  it('knows when an answer stops where a claim still needs its path', () => {
    for (const text of ['`f` in', '`f` in ', '`f` is defined in', '`g` [1] calls `f` in']) assert.ok(awaitsPath(text), text);
    for (const text of ['`f` in `a.py` [1].', 'It is in', '`f` in `a', '`f` in a loop', '`f` [1].']) assert.ok(!awaitsPath(text), text);
  });

  it("lets a claim's \" in\" go on only to its path, or into a longer word", () => {
    for (const [text, ch] of [['`f` in', ' '], ['`f` in', 'h'], ['`f` in ', '`'], ['`f` is defined in ', '`'], ['It is in', '['], ['`f` [1] in', '_']]) {
      assert.ok(locatorWordsAllow(text, ch), `${text} + ${ch}`);
    }
    for (const [text, ch] of [['`f` in', '['], ['`f` in', '_'], ['`f` in', '.'], ['`f` in ', '['], ['`f` in ', 't'], ['`f` is defined in ', ' ']]) {
      assert.ok(!locatorWordsAllow(text, ch), `${text} + ${ch}`);
    }
  });

  it('finds the slot a partial answer is in', () => {
    assert.deepEqual(pathSlot('`App.open_resource` in '), { name: 'App.open_resource' });
    assert.deepEqual(pathSlot('`x` is a method of `C` in '), { name: 'C' });
    assert.equal(pathSlot('`x` returns '), null);
    assert.equal(pathSlot('in '), null, 'no name before it');
    assert.equal(pathSlot('`x` in `y'), null, 'inside a span');
    assert.deepEqual(markerSlot('`f` in `app.py` '), { name: 'f', path: 'app.py' });
    assert.deepEqual(markerSlot('`f` in `app.py`'), { name: 'f', path: 'app.py' });
    assert.equal(markerSlot('`f` returns `None` '), null);
    assert.equal(markerSlot('`f` in `app.py`, '), null);
  });

  it('a claim holds when the cited block is in the file named and holds the name', () => {
    const app = block(1, 'src/flask/app.py', ['Flask', 'open_resource']);
    assert.ok(claimHolds({ name: 'Flask', path: 'app.py' }, app));
    assert.ok(!claimHolds({ name: 'Flask', path: 'logging.py' }, app), 'another file');
    assert.ok(!claimHolds({ name: 'Logger', path: 'app.py' }, app), 'a name the block does not hold');
  });

  it('scores the share of true claims against the block each marker cites', () => {
    const cited = [block(2, 'app.py', ['Flask']), block(1, 'logging.py', ['Logger'])];
    assert.equal(locatorClaimsTrue('`Flask` in `app.py` [2].', cited), 1);
    assert.equal(locatorClaimsTrue('`Flask` in `app.py` [1].', cited), 0, 'the marker cites the other block');
    assert.equal(locatorClaimsTrue('`Logger` in `logging.py` [1]; `Logger` in `app.py` [2].', cited), 0.5);
    assert.equal(locatorClaimsTrue('`Logger` in `logging.py`', cited), 1, 'no marker: any cited block');
    assert.equal(locatorClaimsTrue('`Flask` in `app.py` [3].', cited), 0, 'a marker no citation has');
    assert.equal(locatorClaimsTrue('`Flask` returns `None` [2].', cited), null, 'no claim');
  });
});
