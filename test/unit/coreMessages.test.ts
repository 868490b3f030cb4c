// The core's message catalogue: every sentence has an Italian translation with its placeholders,
// and the UI's wording of a refusal is in the user's language, country names included.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { englishL10n, type L10n } from '../../src/gateway/l10n';
import { CoreMessages, wordMessage, type CoreMessage, type CoreMessageId } from '../../src/gateway/messages';
import { normalizeDestination, parseDestinationList, validateSender } from '../../src/gateway/validation';
import { readCsv } from '../../src/bulk/csv';
import { BulkError } from '../../src/bulk/errors';
import { templateProblem } from '../../src/bulk/template';

const root = path.resolve(__dirname, '..', '..', '..');
const bundle = JSON.parse(readFileSync(path.join(root, 'l10n', 'bundle.l10n.it.json'), 'utf8')) as Record<string, string>;

/** What VS Code does with the Italian bundle: look the English text up, fill in {0}, {1}… */
const italian: L10n = {
  language: 'it',
  t: (message, ...args) => englishL10n.t(bundle[message] ?? `<untranslated: ${message}>`, ...args),
};

/** Sample arguments for each entry: its arity decides, a country code where the entry names one. */
function sampleArgs(id: CoreMessageId): unknown[] {
  const arity = CoreMessages[id].length - 1;
  if (id.startsWith('plan')) return ['IT', '39', 7].slice(0, arity);
  return [7, 8, 15].slice(0, arity).map((n) => (id.endsWith('Character') || id === 'numberBadDefaultCountry' ? 'x' : n));
}

describe('Core message catalogue', () => {
  const ids = Object.keys(CoreMessages) as CoreMessageId[];

  it('has entries (the walk below is not silently empty)', () => {
    assert.ok(ids.length >= 30, `${ids.length} entries`);
  });

  for (const id of ids) {
    it(`${id}: every text it asks for has an Italian translation, and the Italian reads differently`, () => {
      const asked: string[] = [];
      const recording: L10n = { language: 'en', t: (m, ...a) => (asked.push(m), englishL10n.t(m, ...a)) };
      const message = { id, args: sampleArgs(id) } as unknown as CoreMessage;
      const english = wordMessage(message, recording);
      assert.ok(asked.length > 0, 'the entry words its text through l10n.t');
      for (const text of asked) assert.equal(typeof bundle[text], 'string', `no Italian for ${JSON.stringify(text)}`);
      const inItalian = wordMessage(message, italian);
      assert.doesNotMatch(inItalian, /untranslated|\{\d\}/);
      // Only a format with no words of its own ('{0}') may read the same.
      const formatOnly = asked.every((text) => !/\p{L}/u.test(text.replace(/\{\d+\}/g, '')));
      if (!formatOnly) assert.notEqual(inItalian, english);
    });
  }

  it('a refused number reads in Italian in the Italian UI, with the country named in Italian', () => {
    const landline = normalizeDestination('+39 06 1234 5678');
    assert.equal(landline.ok, false);
    if (landline.ok) return;
    assert.match(landline.reason, /landline number in Italy \(\+39\)/);
    assert.equal(wordMessage(landline.message, italian), 'un numero fisso in Italia (+39): i numeri fissi non ricevono SMS; usa un numero di cellulare');
  });

  it('the English reason is the catalogue sentence worded in English', () => {
    const inputs = ['', 'abc', '+39 339+1234567', '123', '00039 123', '+0 123', '0612345678'];
    for (const input of inputs) {
      const r = normalizeDestination(input);
      assert.equal(r.ok, false, input);
      if (!r.ok) assert.equal(r.reason, wordMessage(r.message), input);
    }
    for (const sender of ['', 'A sender name', 'Shop_1', '123456789012', '1234']) {
      const s = validateSender(sender);
      assert.equal(s.ok, false, sender);
      if (!s.ok) assert.equal(s.reason, wordMessage(s.message), sender);
    }
    const list = parseDestinationList('abc, 12');
    assert.deepEqual(list.invalid.map((i) => wordMessage(i.message, italian)), [
      "contiene 'a': usa solo cifre, spazi, '-', '.', '/', parentesi e un '+' iniziale",
      'troppo corto: 2 cifre con il prefisso internazionale, ne servono da 8 a 15',
    ]);
  });

  it('a CSV file or template the bulk send refuses is worded in Italian, the English kept as the message', () => {
    const refusal = (fn: () => unknown): BulkError => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof BulkError);
        return e;
      }
      assert.fail('nothing was refused');
    };
    const unclosed = refusal(() => readCsv('phone,name\n393331234567,"Anna\n'));
    assert.equal(unclosed.code, 'csv-invalid');
    assert.equal(unclosed.message, 'A quoted field is never closed: a closing " is missing before the end of the file.');
    assert.ok(unclosed.sentence);
    assert.equal(wordMessage(unclosed.sentence, italian), 'Un campo tra virgolette non viene mai chiuso: manca un " di chiusura prima della fine del file.');
    const headerOnly = refusal(() => readCsv('phone,name\n'));
    assert.equal(headerOnly.line, 2);
    assert.equal(wordMessage(headerOnly.sentence!, italian), "Il file ha un'intestazione ma nessuna riga.");
    assert.equal(templateProblem('Ciao {{nome}}', ['phone', 'name'], italian), 'Nessuna colonna di nome "nome". Colonne: {{phone}} {{name}}');
    assert.equal(templateProblem('Ciao {{nome}}', ['phone', 'name']), 'No column named "nome". Columns: {{phone}} {{name}}');
  });
});
