/**
 * The names a question gives for code, and finding them as whole words in a chunk (abstention's second signal).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { namedCode, namesIn } from '../../extension/engine/answer/named-code';

describe('namedCode', () => {
  it('takes identifier-shaped words, backticked names and calls', () => {
    assert.deepEqual(namedCode('How does the OFTInteger class coordinate the _bit64 attribute with the as_int() method?'),
      ['OFTInteger', '_bit64', 'as_int']);
    assert.deepEqual(namedCode('Where is the line-wrapping logic implemented in the ReprFuncArgs class?'), ['ReprFuncArgs']);
    assert.deepEqual(namedCode('How should the `isnosetest` method be refactored?'), ['isnosetest']);
    assert.deepEqual(namedCode('Why does clean( raise ValueError in forms.URLField?'), ['clean', 'ValueError', 'URLField']);
    assert.deepEqual(namedCode('Does `ResizeHandle.detach_widget` call isNoseTest?'), ['ResizeHandle', 'detach_widget', 'isNoseTest']);
  });

  it('takes no plain word, no short name and no bare dunder: a question in words names nothing', () => {
    assert.deepEqual(namedCode('Which function checks for Saturday or Sunday? What is Django\'s ORM for?'), []);
    assert.deepEqual(namedCode('What does __init__ set, and what does `get` or run() return?'), []);
    assert.deepEqual(namedCode(''), []);
  });

  it('lists each name once, in first-seen order', () => {
    assert.deepEqual(namedCode('`parse_args` calls parse_args and then `ArgParser`, parse_args again'), ['parse_args', 'ArgParser']);
  });
});

describe('namesIn', () => {
  const code = 'def as_int(self, is_64=False):\n    return self._bit64 and OFTInteger(value)\n';

  it('finds a name as a whole word, case-sensitive', () => {
    assert.deepEqual(namesIn(['as_int', '_bit64', 'OFTInteger'], code), ['as_int', '_bit64', 'OFTInteger']);
    assert.deepEqual(namesIn(['oftinteger', 'AS_INT'], code), []);
  });

  it('does not find a name inside a longer identifier, and treats regex characters in a name literally', () => {
    assert.deepEqual(namesIn(['bit64', 'OFTInt', 'is_6', 'value'], code), ['value']);
    assert.deepEqual(namesIn(['$scope', 'a.b'], 'x = $scope + a_b'), ['$scope']);
  });
});
