/**
 * The form of an answer (answer/answer-form.ts): the faults the evaluation's `well_formed` column counts, read on
 * answers the shipped bundle gave, and the word tests grounded decoding uses to prevent them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answerFormFaults, codeLikeWord, firstInWordOk, firstWordAfterName, listAwaitsItem, openParen, saysSomething,
} from '../../extension/engine/answer/answer-form';

describe('answer form', () => {
  it('passes the trained forms', () => {
    for (const a of [
      '`DefaultJSONProvider` in `json/provider.py` [1].',
      '`SessionInterface` [1].',
      '`__init__`, `click.secho` in `cli.py` [5].',
      '`OFTString` inherits from `Field` in `contrib/gis/gdal/field.py` [1].',
      '`A` [2] derives from `B`, `C` [1].',
      '`load` is defined in `a/b.py` [1]; `save` is a method of `Repo` in `repo.py` [2].',
      '`MockRequest.get_full_url` in the given file [1].',
      'No code was found for this; the closest files are listed.',
    ]) assert.deepEqual(answerFormFaults(a), [], a);
  });

  it('names answers that say nothing', () => {
    assert.deepEqual(answerFormFaults(''), ['says-nothing']);
    assert.deepEqual(answerFormFaults('[1].'), ['says-nothing']);
    assert.ok(!saysSomething(' [1] [2].') && saysSomething('`x` [1]') && saysSomething('It is'));
  });

  it('names junk words outside backticks, as the shipped bundle wrote them', () => {
    for (const a of [
      '`TestCaseFunction` inherate',
      '`_format` inherate_',
      '`SessionRedirectMixin.should_strip_auth` inher',
      '`Bugs` inherybabel.check_or`x` in `a.py` [1].',
      '`BaseDatabaseWrapper` in_in_in_in',
      '`_` inherlyUsed from `x`',
      '`__init__`; calls _is_module_module`T` [1].',
      "`_add_script_prefix` inherated'gated'gated to `x`",
      '`_`, `_pytest.config` inoled, and return a method of `Features` in `a.py` [1].',
      '`X` [1] inrides',
    ]) assert.ok(answerFormFaults(a).includes('junk-word'), a);
    assert.deepEqual(answerFormFaults('`X` inherited `Y` [1].'), [], 'an English word the verb\'s letters begin is a word');
  });

  it('names claims left without what they need', () => {
    for (const a of ['`Field` in [1].', '`Field` in', '`f` in `a.py` [1]; `g` in.', '`M` inherits [1].', '`M` inherits from [1].',
      '`f` in `a.py` [1] calls', '`f` returns [1].', '`f` calls.']) {
      assert.deepEqual(answerFormFaults(a), ['half-claim'], a);
    }
  });

  it('names punctuation that closes or lists nothing', () => {
    for (const a of ['`run`) [1].', '`Skip`, [1].', '`was_modified_since`,', '`a`; [2].', '`f` in `a.py` [1] [1].']) {
      assert.deepEqual(answerFormFaults(a), ['loose-punctuation'], a);
    }
    for (const a of ['`a`, `b` [1].', '`f` (in `a.py` [1]).', '`f(x)` [1].', '`f` [1] calls `g` [2].']) assert.deepEqual(answerFormFaults(a), [], a);
    assert.ok(openParen('`f` (see `g') && !openParen('`f` (see `g`)') && !openParen('`f(x`'));
    assert.ok(listAwaitsItem('`a`, ') && listAwaitsItem('`a`;') && !listAwaitsItem('`a`, `b`') && !listAwaitsItem('`a` in'));
  });

  it('reads words as code or as words, a prefix at a time', () => {
    for (const w of ['in', 'inherits', 'from', '[1].', '(see', 'built-in', '42', 'defined,', 'a/b_c.py', '']) assert.ok(!codeLikeWord(w), w);
    for (const w of ['in_', 'inher.g', 'inherlyU', "it's", 'v2', 'inher.get_...)']) assert.ok(codeLikeWord(w), w);
  });

  it('reads the first word after a name', () => {
    assert.equal(firstWordAfterName('`A` [2] inh'), 'inh');
    assert.equal(firstWordAfterName('`A` in '), null, 'past the first word');
    assert.equal(firstWordAfterName('`A'), null, 'inside a span');
    for (const w of ['in', 'inh', 'inherits', 'calls', 'is', 'inherited']) assert.ok(firstInWordOk(w), w);
    for (const w of ['ino', 'inoled', 'inprinter', 'instr']) assert.ok(!firstInWordOk(w), w);
  });
});
