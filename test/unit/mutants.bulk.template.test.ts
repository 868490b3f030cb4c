// Message templates' edges (issue #10 item 11; docs/TESTING.md, "Mutation testing"): the parts a template
// is cut into, where an error points, unknown names listed once, and rendering. Pure functions.
import * as assert from 'node:assert/strict';
import { BulkError } from '../../src/bulk/errors';
import { parseTemplate, renderTemplate, templateProblem } from '../../src/bulk/template';
import { coreMessage, wordMessage } from '../../src/gateway/messages';

function refused(source: string, columns: string[]): BulkError {
  try {
    parseTemplate(source, columns);
  } catch (e) {
    assert.ok(e instanceof BulkError);
    assert.equal(e.code, 'template-invalid');
    return e;
  }
  assert.fail(`expected ${source} to be refused`);
}

describe('mutants: bulk, templates', () => {
  const columns = ['Nome', 'phone', 'Codice '];

  it('cut into text and fields, with no empty text between or around placeholders', () => {
    assert.deepEqual(parseTemplate('{{Nome}}{{phone}}', columns).parts, [
      { kind: 'field', name: 'Nome', column: 0 },
      { kind: 'field', name: 'phone', column: 1 },
    ]);
    assert.deepEqual(parseTemplate('Ciao {{ nome }}!', columns).parts, [
      { kind: 'text', text: 'Ciao ' },
      { kind: 'field', name: 'Nome', column: 0 },
      { kind: 'text', text: '!' },
    ]);
    assert.deepEqual(parseTemplate('{ not one }', columns).parts, [{ kind: 'text', text: '{ not one }' }]);
  });

  it('each field once in the list of fields, in the order first used; a column with spaces around its name is found', () => {
    const t = parseTemplate('{{phone}} {{codice}} {{PHONE}} {{Nome}}', columns);
    assert.deepEqual(t.fields, ['phone', 'Codice ', 'Nome']);
    assert.equal(t.source, '{{phone}} {{codice}} {{PHONE}} {{Nome}}');
  });

  it('the errors say where, in the user\'s terms', () => {
    assert.equal(refused('   ', columns).message, wordMessage(coreMessage('templateEmpty')));
    assert.equal(refused('Hi {{Nome', columns).message, wordMessage(coreMessage('templateUnclosed', 4)));
    assert.equal(refused('Hi {{Nome}} {{ }}', columns).message, wordMessage(coreMessage('templateNotAColumn', '{{ }}', 13)));
    assert.equal(refused('{{a{b}}', columns).message, wordMessage(coreMessage('templateNotAColumn', '{{a{b}}', 1)));
  });

  it('unknown names are listed once each, with every column offered', () => {
    assert.equal(
      refused('{{x}} {{Nome}} {{x}} {{y}}', columns).message,
      wordMessage(coreMessage('templateUnknownColumns', '"x", "y"', '{{Nome}} {{phone}} {{Codice }}')),
    );
  });

  it('rendering: cells trimmed, a missing or blank cell named once among the empty ones', () => {
    const t = parseTemplate('{{Nome}}/{{phone}}/{{Nome}}/{{Codice}}', columns);
    assert.deepEqual(renderTemplate(t, ['  ', ' 333 ']), { text: '/333//', empty: ['Nome', 'Codice '] });
    assert.deepEqual(renderTemplate(t, ['A', 'B', 'C']), { text: 'A/B/A/C', empty: [] });
  });

  it('the problem while typing: none for a usable template, else the sentence in the language asked for', () => {
    assert.equal(templateProblem('Ciao {{Nome}}', columns), undefined);
    const italian = { t: (message: string, ...args: Array<string | number | boolean>) => `IT:${message}:${args.join('|')}` };
    assert.equal(templateProblem('', columns, italian), 'IT:The message template is empty.:');
  });
});
