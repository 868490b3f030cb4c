// A gateway failure reads in the user's language: every explanation is a catalogue sentence the UI
// words again at display time, from the code of a numbered answer or from the English text the
// history kept (also for entries written before the catalogue existed).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { englishL10n, type L10n } from '../../src/gateway/l10n';
import { escapeMarkdown } from '../../src/common/markdown';
import { GatewayClient } from '../../src/gateway/client';
import { GATEWAY_ERROR_CODES, GatewayError, toGatewayError } from '../../src/gateway/errors';
import { EXPLAINED_CODES } from '../../src/gateway/explanations';
import { explanationMessages, wordExplanation } from '../../src/gateway/messages';
import { httpError, parseSendAnswer, parseStatusAnswer } from '../../src/gateway/protocol';
import type { HistoryEntry } from '../../src/history/types';
import { tooltipMarkdown, WallClock } from '../../src/views/entryPresentation';

const root = path.resolve(__dirname, '..', '..', '..');
const bundle = JSON.parse(readFileSync(path.join(root, 'l10n', 'bundle.l10n.it.json'), 'utf8')) as Record<string, string>;

/** What VS Code does with the Italian bundle: look the English text up, fill in {0}, {1}… */
const italian: L10n = {
  language: 'it',
  t: (message, ...args) => englishL10n.t(bundle[message] ?? `<untranslated: ${message}>`, ...args),
};

function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GatewayError);
    return e;
  }
  throw new Error('nothing was thrown');
}

describe('Gateway explanations in the user language', () => {
  it('every documented code has its own Italian sentence, and the English one is what the error keeps', () => {
    assert.deepEqual(EXPLAINED_CODES, GATEWAY_ERROR_CODES.map((c) => c.code));
    const seen = new Set<string>();
    for (const c of GATEWAY_ERROR_CODES) {
      const stored = { kind: 'gateway', code: c.code, explanation: c.explanation };
      assert.equal(wordExplanation(stored), c.explanation, `${c.code} in English`);
      const it = wordExplanation(stored, italian);
      assert.doesNotMatch(it, /untranslated|\{\d\}/, String(c.code));
      assert.notEqual(it, c.explanation, String(c.code));
      assert.ok(!seen.has(it), `${c.code} shares its Italian with another code`);
      seen.add(it);
    }
  });

  it('a numbered answer is worded from its code, even when the stored English is an older wording', () => {
    const old = { kind: 'gateway', code: 1013, gatewayText: 'Error: 1013 - No credits', explanation: 'No credit. Top up.' };
    assert.equal(wordExplanation(old, italian), "L'account non ha più credito. Ricarica l'account sul sito Inviosmart, poi invia di nuovo.");
    const unlisted = { kind: 'gateway', code: 1099, explanation: 'whatever was stored' };
    assert.match(wordExplanation(unlisted, italian), /^Il gateway ha risposto con il codice 1099, che la sua documentazione non elenca\./);
  });

  it('failures on the way are found again from their English text', () => {
    const refused = toGatewayError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 'send');
    assert.equal(
      wordExplanation(refused.toInfo(), italian),
      "Il gateway ha rifiutato la connessione; non è stato inviato nulla. Controlla l'URL di base e la rete, poi riprova.",
    );
    const lost = toGatewayError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'send', { dispatched: true });
    assert.match(wordExplanation(lost, italian), /^La connessione si è interrotta dopo che la richiesta era partita: l'SMS potrebbe/);
  });

  it("the client's own refusals (before anything is sent) are catalogue sentences too", async () => {
    // A real client; each refusal happens before any request, so no gateway is needed.
    const client = new GatewayClient({ baseUrl: 'http://127.0.0.1:9/?x=1' });
    const refusal = async (call: Promise<unknown>): Promise<GatewayError> => {
      const e = await call.then(() => undefined, (err: unknown) => err);
      assert.ok(e instanceof GatewayError && e.kind === 'config', `a config refusal, got ${String(e)}`);
      return e;
    };
    try {
      const noUser = await refusal(client.balance({ username: '', password: 'x' }));
      assert.equal(wordExplanation(noUser, italian), "Imposta il nome utente dell'account.");
      const query = await refusal(client.balance({ username: 'u', password: 'p' }));
      assert.match(wordExplanation(query, italian), /^Imposta come URL di base solo l'indirizzo del gateway, per esempio https?:\/\/\S+$/);
      assert.ok(!/Set the|for example/.test(wordExplanation(query, italian)), 'no English left');
    } finally {
      await client.close();
    }
  });

  it('a sentence with a trailing "may have been sent" and sentences with numbers are worded whole', () => {
    const trouble = httpError('send', 503, 'busy');
    assert.deepEqual(explanationMessages(trouble)?.map((m) => m.id), ['httpTrouble', 'maybeSent']);
    assert.equal(
      wordExplanation(trouble, italian),
      "Il gateway (o un proxy intermedio) ha dei problemi. Riprova tra qualche minuto. L'SMS potrebbe essere stato inviato oppure no: controlla prima di inviare di nuovo.",
    );
    const oneId = thrown(() => parseSendAnswer('OK ID: 123', ['393331234567', '393331234568', '393331234569']));
    assert.equal(oneId.kind, 'malformed');
    assert.match(wordExplanation(oneId, italian), /^Il gateway ha restituito un solo ID del messaggio per 3 destinatari\. L'SMS potrebbe essere stato inviato oppure no: controllane lo stato/);
    const other = thrown(() => parseStatusAnswer('77:20240101120000:393331234567:20240101120005:2048:1:0.055', 76));
    assert.equal(wordExplanation(other, italian), "Il gateway ha risposto sull'SMS 77 quando gli era stato chiesto dell'SMS 76.");
  });

  it('a text the catalogue does not know is shown as it is', () => {
    const own = { kind: 'config', explanation: 'Not sent: something only this build says.' };
    assert.equal(explanationMessages(own), undefined);
    assert.equal(wordExplanation(own, italian), own.explanation);
  });

  it('the tooltip of a failed message explains it in Italian, with the charge in euro written the Italian way', () => {
    const failed: HistoryEntry = {
      key: 'k1', destination: '393391234567', sender: 'Acme', text: 'Ciao', account: 'acct', state: 'failed',
      createdAt: '2024-03-10T12:00:00.000Z', updatedAt: '2024-03-10T12:00:00.000Z', parts: 1, rev: 1, charge: 0.055,
      error: { kind: 'gateway', code: 1013, gatewayText: 'Error: 1013 - No credits available for user', explanation: 'The account has no credit left. Top up the account on the Inviosmart website, then send again.' },
    };
    const src = tooltipMarkdown(failed, { l10n: italian, clock: new WallClock('UTC'), locale: 'it' });
    assert.ok(src.includes(escapeMarkdown("L'account non ha più credito. Ricarica l'account sul sito Inviosmart, poi invia di nuovo.")), src);
    assert.ok(!src.includes('no credit left'), src);
    assert.match(src.replace(/\s/g, ' '), /0\\,055 €/);
  });
});
