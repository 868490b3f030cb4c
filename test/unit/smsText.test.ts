import * as assert from 'node:assert/strict';
import {
  GSM7_BASIC_CHARS,
  GSM7_EXTENSION_CHARS,
  MAX_MESSAGE_LENGTH,
  analyzeText,
  gsm7Septets,
  isGsm7,
} from '../../src/gateway/smsText';

describe('smsText', () => {
  it('has the 127 characters of the GSM-7 basic set and the extension table', () => {
    assert.equal(new Set(GSM7_BASIC_CHARS).size, 127);
    assert.equal([...GSM7_BASIC_CHARS].length, 127);
    for (const ch of '^{}\\[~]|€') assert.ok(GSM7_EXTENSION_CHARS.includes(ch), ch);
    assert.equal(MAX_MESSAGE_LENGTH, 612);
  });

  it('treats the empty text as GSM-7 with 0 parts', () => {
    assert.deepEqual(analyzeText(''), {
      encoding: 'GSM-7',
      characters: 0,
      parts: 0,
      perPart: 160,
      remainingInPart: 160,
      ucs2Chars: [],
    });
  });

  const gsmBoundaries: Array<[number, number, number, number]> = [
    // [length, parts, perPart, remainingInPart]
    [1, 1, 160, 159],
    [160, 1, 160, 0],
    [161, 2, 153, 145],
    [306, 2, 153, 0],
    [307, 3, 153, 152],
    [459, 3, 153, 0],
    [460, 4, 153, 152],
    [612, 4, 153, 0],
    [613, 5, 153, 152],
  ];
  for (const [length, parts, perPart, remaining] of gsmBoundaries) {
    it(`GSM-7 text of ${length} characters is ${parts} part(s)`, () => {
      const a = analyzeText('a'.repeat(length));
      assert.equal(a.encoding, 'GSM-7');
      assert.equal(a.characters, length);
      assert.equal(a.parts, parts);
      assert.equal(a.perPart, perPart);
      assert.equal(a.remainingInPart, remaining);
    });
  }

  const ucs2Boundaries: Array<[number, number, number, number]> = [
    [1, 1, 70, 69],
    [70, 1, 70, 0],
    [71, 2, 67, 63],
    [134, 2, 67, 0],
    [135, 3, 67, 66],
  ];
  for (const [length, parts, perPart, remaining] of ucs2Boundaries) {
    it(`UCS-2 text of ${length} characters is ${parts} part(s)`, () => {
      const a = analyzeText('ж'.repeat(length));
      assert.equal(a.encoding, 'UCS-2');
      assert.equal(a.characters, length);
      assert.equal(a.parts, parts);
      assert.equal(a.perPart, perPart);
      assert.equal(a.remainingInPart, remaining);
      assert.deepEqual(a.ucs2Chars, ['ж']);
    });
  }

  it('counts extension-table characters as two septets', () => {
    for (const ch of '^{}\\[~]|€') {
      assert.equal(gsm7Septets(ch), 2, ch);
      assert.equal(analyzeText(ch).characters, 2, ch);
    }
    assert.equal(analyzeText('€'.repeat(80)).parts, 1);
    assert.equal(analyzeText('€'.repeat(80) + 'a').parts, 2);
    assert.equal(analyzeText('a'.repeat(159) + '{').characters, 161);
    assert.equal(analyzeText('a'.repeat(159) + '{').parts, 2);
    assert.equal(analyzeText('Price: 5€ [net]').encoding, 'GSM-7');
  });

  it('keeps accented letters of the basic set in GSM-7 and moves others to UCS-2', () => {
    assert.equal(analyzeText('àèéìòù ÄÖÑÜ ¿¡ £$¥ Ç').encoding, 'GSM-7');
    assert.equal(gsm7Septets('\n'), 1);
    assert.equal(gsm7Septets('\r'), 1);
    assert.equal(gsm7Septets('ç'), undefined); // only the capital Ç is in the basic set
    const a = analyzeText('Perché ça coûte?');
    assert.equal(a.encoding, 'UCS-2');
    assert.deepEqual(a.ucs2Chars, ['ç', 'û']);
    assert.equal(a.characters, 16);
  });

  it('counts an emoji as two UTF-16 code units and lists it once', () => {
    const one = analyzeText('😀');
    assert.equal(one.encoding, 'UCS-2');
    assert.equal(one.characters, 2);
    assert.deepEqual(one.ucs2Chars, ['😀']);
    assert.equal(analyzeText('😀'.repeat(35)).parts, 1);
    assert.equal(analyzeText('😀'.repeat(35) + 'a').parts, 2);
    assert.equal(analyzeText('😀'.repeat(67)).parts, 2); // 134 code units
    assert.equal(analyzeText('😀'.repeat(67) + 'a').parts, 3);
    assert.deepEqual(analyzeText('Ciao 😀 ж 😀 ж 👍🏽').ucs2Chars, ['😀', 'ж', '👍🏽']);
  });

  it('lists a decomposed accent together with its letter', () => {
    assert.deepEqual(analyzeText('Cafe\u0301').ucs2Chars, ['e\u0301']);
  });

  it('isGsm7 agrees with the encoding', () => {
    assert.equal(isGsm7('Hello {world} ~ €'), true);
    assert.equal(isGsm7('Hello ☕'), false);
    assert.equal(isGsm7(''), true);
  });
});
