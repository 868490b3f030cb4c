// Bad input, table-driven, where pure functions decide: every bad destination, sender, message, CSV
// row and setting value through every path that takes it. Each gets a message that says what to fix,
// and nothing reaches the gateway (requests counted at a real sandbox on 127.0.0.1).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import { BatchStore } from '../../src/bulk/batchStore';
import { readCsv } from '../../src/bulk/csv';
import { planBatch } from '../../src/bulk/plan';
import { isBlocked, prepareRows } from '../../src/bulk/prepare';
import { runBatch } from '../../src/bulk/runner';
import { BulkError } from '../../src/bulk/errors';
import { parseTemplate, renderTemplate, templateProblem } from '../../src/bulk/template';
import { GatewayClient } from '../../src/gateway/client';
import { GatewayError } from '../../src/gateway/errors';
import { analyzeText, MAX_MESSAGE_LENGTH } from '../../src/gateway/smsText';
import type { Credentials, GatewayClientOptions, GatewayCommand } from '../../src/gateway/types';
import { normalizeDestination, parseDestinationList, validateDestination, validateSender } from '../../src/gateway/validation';
import { StatusPoller, type PollerClock } from '../../src/history/poller';
import { HistoryStore } from '../../src/history/store';
import { SandboxGateway } from '../../src/sandbox/server';
import { newBatch, removeDir, tempDir } from './bulkFixtures';

const creds: Credentials = { username: 'sandbox', password: 'sandbox' };
const GOOD = { destination: '393401234567', sender: 'Inviosmart', message: 'hello' };

/** A reason that tells the user what to do: a sentence with a hint, not a code or a stack. */
function assertSaysWhatToFix(reason: string | undefined, label: string): void {
  assert.ok(reason && reason.trim().length >= 12, `${label}: no usable reason (${String(reason)})`);
  assert.doesNotMatch(reason, /undefined|NaN|\[object|at \w+ \(/, `${label}: ${reason}`);
}

const BAD_DESTINATIONS: Array<{ input: string; why: RegExp }> = [
  { input: '', why: /empty|enter/i },
  { input: '   ', why: /empty|enter/i },
  { input: 'abc', why: /contains 'a'/ },
  { input: '+', why: /no digits/ },
  { input: '--', why: /no digits/ },
  { input: '12', why: /too short/ },
  { input: '+39 12', why: /too short/ },
  { input: '1234567890123456', why: /too long/ },
  { input: '+0 340 1234567', why: /never starts with 0/ },
  { input: '00 0340 1234567', why: /never starts with 0/ },
  { input: '39 340+1234567', why: /'\+' may only come first/ },
  { input: '+39 340 123 456 7x', why: /contains 'x'/ },
  { input: '٣٩٣٤٠١٢٣٤٥٦٧', why: /contains/ }, // Arabic-Indic digits
  { input: '３９３４０１２３４５６７', why: /contains/ }, // full-width digits
  { input: '393401234567\u0000', why: /contains/ },
  { input: '📱393401234567', why: /contains/ },
  { input: '=HYPERLINK("x")', why: /contains/ },
];

const BAD_SENDERS: Array<{ input: string; code: number }> = [
  { input: '', code: 1008 },
  { input: '   ', code: 1008 },
  { input: 'TwelveChars1', code: 1006 },
  { input: 'Ñandú', code: 1021 },
  { input: 'A\nB', code: 1021 },
  { input: '<b>x</b>', code: 1021 },
  { input: 'Shop😀', code: 1021 },
  { input: '12345', code: 1016 },
  { input: '---', code: 1016 },
];

describe('Bad-input matrix', function () {
  this.timeout(60_000);
  let sandbox: SandboxGateway;
  let client: GatewayClient;

  before(async () => {
    sandbox = await SandboxGateway.start();
    client = new GatewayClient({ baseUrl: sandbox.url, maxRetries: 0 });
  });
  after(async () => {
    await client.close();
    await sandbox.close();
  });

  async function configError(p: Promise<unknown>, label: string): Promise<GatewayError> {
    const e = await p.then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof GatewayError, `${label}: expected a GatewayError, got ${String(e)}`);
    assert.equal(e.kind, 'config', `${label}: ${e.message}`);
    assertSaysWhatToFix(e.explanation, label);
    return e;
  }

  describe('destination', () => {
    for (const { input, why } of BAD_DESTINATIONS) {
      it(`${JSON.stringify(input)}: refused by the send prompt, the CSV row check and the client, with a reason; nothing sent`, async () => {
        const before = sandbox.requestCount();
        // Send command: the prompt's validator and the final check both use parseDestinationList.
        const listed = parseDestinationList(input, '39');
        assert.equal(listed.valid.length, 0, `${input} was accepted as ${listed.valid.join()}`);
        if (input.trim() !== '') {
          assert.equal(listed.invalid.length, 1);
          assert.match(listed.invalid[0].reason, why);
          assertSaysWhatToFix(listed.invalid[0].reason, input);
        }
        // Without a default country the number is no more acceptable.
        assert.equal(normalizeDestination(input).ok, false);
        // Bulk: the same value in a CSV row blocks that row, with the same kind of reason.
        const table = readCsv(`phone,name\n"${input.replace(/"/g, '""')}",Ann\n`);
        const [row] = prepareRows(table, { destinationColumn: 'phone', template: 'Hi {{name}}', defaultCountry: '39' });
        assert.ok(isBlocked(row), `CSV row with ${JSON.stringify(input)} not blocked`);
        const issue = row.issues.find((i) => i.kind === 'invalid-number' || i.kind === 'blank-row');
        assertSaysWhatToFix(issue?.detail === 'every field is empty' ? `${issue.detail}: fill in the row` : issue?.detail, `csv ${input}`);
        // The client refuses anything but digits before any request.
        const raw = input.replace(/\s/g, '');
        if (!/^\d+$/.test(raw)) await configError(client.send(creds, { destinations: [raw], sender: GOOD.sender, message: GOOD.message }), `client ${input}`);
        assert.equal(sandbox.requestCount() - before, 0, 'a request reached the gateway');
      });
    }

    it('a list with one bad number among good ones: the send command refuses the whole list, naming the bad one', () => {
      const listed = parseDestinationList('+39 340 1234567, 12, +39 340 7654321', '39');
      assert.equal(listed.invalid.length, 1);
      assert.equal(listed.invalid[0].input, '12');
    });
  });

  describe('sender', () => {
    for (const { input, code } of BAD_SENDERS) {
      it(`${JSON.stringify(input)}: refused locally with the code the gateway would give (${code}) and a reason`, async () => {
        const check = validateSender(input);
        assert.equal(check.ok, false);
        if (!check.ok) {
          assert.equal(check.code, code);
          assertSaysWhatToFix(check.reason, input);
        }
        // The local rule and the gateway's agree: what we refuse, the sandbox refuses with the same code.
        if (input.trim() !== '') {
          const e = await client.send(creds, { destinations: [GOOD.destination], sender: input, message: GOOD.message }).then(() => undefined, (x: unknown) => x);
          assert.ok(e instanceof GatewayError && e.code === code, `sandbox answered ${String(e)}`);
        } else {
          await configError(client.send(creds, { destinations: [GOOD.destination], sender: input, message: GOOD.message }), 'client sender');
        }
      });
    }
  });

  describe('message', () => {
    // A lone surrogate cannot come out of a decoded CSV file (the decoder makes it U+FFFD): client only.
    const cases: Array<{ name: string; text: string; clientRefuses: boolean; tooLong?: boolean; csv?: false }> = [
      { name: 'empty', text: '', clientRefuses: true },
      { name: 'a lone surrogate', text: 'broken \ud800 text', clientRefuses: true, csv: false },
      { name: `${MAX_MESSAGE_LENGTH + 1} characters`, text: 'x'.repeat(MAX_MESSAGE_LENGTH + 1), clientRefuses: false, tooLong: true },
      { name: '307 euro signs (2 septets each)', text: '€'.repeat(307), clientRefuses: false, tooLong: true },
      { name: '613 UCS-2 characters', text: 'ж'.repeat(613), clientRefuses: false, tooLong: true },
    ];
    for (const c of cases) {
      it(`${c.name}: refused before any request (client or length rule); a CSV row with it is blocked`, async () => {
        const before = sandbox.requestCount();
        if (c.clientRefuses) await configError(client.send(creds, { destinations: [GOOD.destination], sender: GOOD.sender, message: c.text }), c.name);
        if (c.tooLong) assert.ok(analyzeText(c.text).characters > MAX_MESSAGE_LENGTH, 'the length rule sees it as too long');
        assert.equal(sandbox.requestCount() - before, 0);
        if (c.csv === false) return;
        const table = readCsv(`phone,text\n393401234567,"${c.text}"\n`);
        const [row] = prepareRows(table, { destinationColumn: 'phone', template: '{{text}}', defaultCountry: '39' });
        assert.ok(isBlocked(row), `${c.name}: CSV row not blocked (${row.issues.map((i) => i.kind).join()})`);
        for (const issue of row.issues) assertSaysWhatToFix(`${issue.kind}: ${issue.detail}`, c.name);
      });
    }

    it('a template naming a column the file does not have says which columns exist', () => {
      const problem = templateProblem('Hi {{nmae}}', ['phone', 'name']);
      assertSaysWhatToFix(problem, 'template');
      assert.match(problem ?? '', /nmae/);
    });
  });

  describe('CSV rows through the bulk sender', () => {
    it('only good rows are sent: bad rows are skipped with their reasons, and the sandbox sees one SMS per good row', async () => {
      const dir = tempDir('inviosmart-badinput-');
      const history = await HistoryStore.open(path.join(dir, 'history'), { durable: false, watch: false });
      const store = new BatchStore(path.join(dir, 'batches'), { durable: false });
      try {
        const csv = [
          'phone,name',
          '+39 340 1111111,Ann', // good
          'abc,Bob',
          ',',
          '12,Cy',
          '+39 340 2222222,', // empty placeholder: skipped unless included
          '00 0340 3333333,Dee',
          '+39 340 4444444,Eve', // good
          '+39 340 1111111,Ann again', // duplicate: skipped
        ].join('\n');
        const prepared = prepareRows(readCsv(csv), { destinationColumn: 'phone', template: 'Hi {{name}}', defaultCountry: '39' });
        const plan = planBatch(prepared);
        assert.deepEqual(plan.rows.map((r) => r.destination), ['393401111111', '393404444444']);
        assert.equal(plan.skipped.length, 6);
        for (const s of plan.skipped) {
          assert.ok(s.issues.length > 0, `skipped row ${s.line} without a reason`);
          for (const issue of s.issues) assertSaysWhatToFix(`${issue.kind}: ${issue.detail}`, `line ${s.line}`);
        }
        const before = sandbox.requestCount('send');
        const messagesBefore = sandbox.messages.length;
        const h = await store.create(newBatch(plan.rows, { skipped: plan.skipped, sandbox: true, account: 'sandbox', sender: 'Inviosmart' }));
        try {
          const summary = await runBatch(h, { history, send: (req) => client.send(creds, req) }, { concurrency: 2, maxPerSecond: 0 });
          assert.equal(summary.run.sent, 2);
        } finally {
          await h.close();
        }
        assert.equal(sandbox.requestCount('send') - before, 2);
        assert.deepEqual(sandbox.messages.slice(messagesBefore).map((m) => m.destination).sort(), ['393401111111', '393404444444']);
        assert.equal(history.all().length, 2, 'skipped rows leave no history entry');
      } finally {
        await history.close();
        removeDir(dir);
      }
    });
  });

  describe('settings values', () => {
    const BAD_URLS = ['ftp://x', 'not a url', 'javascript:alert(1)', 'file:///etc/passwd', 'http://gw.example/?user=me', 'http://gw.example/#x', 'http//missing-colon'];
    const COMMANDS: GatewayCommand[] = ['help', 'send', 'status', 'balance'];
    const call = (c: GatewayClient, command: GatewayCommand): Promise<unknown> =>
      command === 'help' ? c.help() : command === 'send' ? c.send(creds, { destinations: [GOOD.destination], sender: GOOD.sender, message: GOOD.message })
        : command === 'status' ? c.status(creds, 1234) : c.balance(creds, '39');

    for (const url of BAD_URLS) {
      it(`baseUrl ${JSON.stringify(url)}: every command refuses it with a fix, no request`, async () => {
        const bad = new GatewayClient({ baseUrl: url, maxRetries: 0 });
        try {
          for (const command of COMMANDS) {
            const e = await configError(call(bad, command), `${url} ${command}`);
            assert.match(e.explanation, /http:\/\/ or https:\/\/|gateway address only/, `${url}: ${e.explanation}`);
          }
        } finally {
          await bad.close();
        }
      });
    }

    it('sendUrl "ftp://x" next to a good baseUrl: sends are refused before any request, the other commands still work', async () => {
      const c = new GatewayClient({ baseUrl: sandbox.url, sendUrl: 'ftp://x', maxRetries: 0 });
      try {
        const before = sandbox.requestCount('send');
        const e = await configError(call(c, 'send'), 'sendUrl');
        assert.match(e.gatewayText, /send URL/);
        assert.equal(sandbox.requestCount('send'), before);
        await c.balance(creds, '39');
      } finally {
        await c.close();
      }
    });

    for (const [name, value] of [['negative', -5], ['zero', 0], ['NaN', Number.NaN], ['Infinity', Number.POSITIVE_INFINITY]] as const) {
      it(`time-outs, concurrency and retries ${name}: the client falls back to its defaults and still works`, async () => {
        const opts: GatewayClientOptions = { baseUrl: sandbox.url, connectTimeoutMs: value, headersTimeoutMs: value, bodyTimeoutMs: value, maxConcurrency: value, maxRetries: value, retryBaseDelayMs: value };
        const c = new GatewayClient(opts);
        try {
          const r = await c.balance(creds, '39');
          assert.ok(r.balance >= 0);
        } finally {
          await c.close();
        }
      });
    }

    for (const country of ['abc', '+x', '0', '039', '12345', '3 9']) {
      it(`defaultCountry ${JSON.stringify(country)}: a national number is refused naming the setting; an international one still works`, () => {
        const national = normalizeDestination('340 123 4567', country);
        assert.equal(national.ok, false, `${country}: accepted as ${national.ok ? national.destination : ''}`);
        if (!national.ok) {
          assert.match(national.reason, /default country code/);
          assertSaysWhatToFix(national.reason, country);
        }
        const international = normalizeDestination('+39 340 123 4567', country);
        assert.deepEqual(international, { ok: true, destination: '393401234567' });
      });
    }

    for (const [name, value] of [['negative', -3], ['NaN', Number.NaN], ['zero', 0]] as const) {
      it(`poller maxConcurrency and base interval ${name}: a sane cap and schedule are used`, async () => {
        const dir = tempDir('inviosmart-badinput-');
        const t0 = Date.UTC(2030, 0, 1);
        let now = t0;
        const timers: Array<{ at: number; cb: () => void }> = [];
        const clock: PollerClock = {
          now: () => now,
          setTimeout: (cb, ms) => {
            const timer = { at: now + ms, cb };
            timers.push(timer);
            return timer;
          },
          clearTimeout: (h) => {
            const i = timers.indexOf(h as (typeof timers)[number]);
            if (i >= 0) timers.splice(i, 1);
          },
        };
        const store = await HistoryStore.open(dir, { clock, durable: false, watch: false, pollIntervalMs: 0 });
        let inFlight = 0;
        let maxInFlight = 0;
        let calls = 0;
        const release: Array<() => void> = [];
        const poller = new StatusPoller({
          store,
          clock,
          maxConcurrency: value,
          baseIntervalMs: value,
          checkStatus: async () => {
            calls++;
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await new Promise<void>((r) => release.push(r));
            inFlight--;
            throw new Error('stop here');
          },
        });
        try {
          for (let i = 0; i < 10; i++) await store.record({ destination: `3934000000${i}0`, sender: 'S', text: 't', account: 'a', parts: 1, smsId: 100 + i, state: 'sent' });
          poller.start();
          // Fire whatever is due within the default first interval.
          now = t0 + 5000;
          for (const timer of timers.splice(0).filter((x) => x.at <= now && Number.isFinite(x.at))) timer.cb();
          await new Promise((r) => setImmediate(r));
          assert.ok(timers.every((x) => Number.isFinite(x.at)), 'a timer was armed for NaN');
          assert.ok(calls >= 1, 'the poller checks at all');
          assert.ok(maxInFlight <= 4, `${maxInFlight} checks at once with maxConcurrency ${name}`);
        } finally {
          poller.dispose();
          release.forEach((r) => r());
          await store.close();
          removeDir(dir);
        }
      });
    }
  });

  // Fuzzing the input side: whatever a file, a template or a typed number holds, nothing that the
  // gateway would refuse (or that would break the request) is ever planned or accepted.
  describe('fuzzing the CSV, template and destination path', () => {
    const hostile = fc.constantFrom('', ' ', '"', ',', ';', '\t', '\n', '{{', '}}', '{{phone}}', '+', '00', '0', '٣', '３', '\u0000', '\u200b', '\ud800', '😀', '€', 'é', '=1+1', '<b>');
    const cell = fc.oneof(fc.string({ maxLength: 14 }), hostile, fc.stringMatching(/^[0-9 +()./-]{0,18}$/), fc.constant('+39 333 1234567'));
    const rows = fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 10 });
    const template = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom('name', 'phone', 'text', 'nope', ''), fc.oneof(fc.string({ maxLength: 8 }), hostile)).map(([a, n, b]) => `${a}{{${n}}}${b}`),
      fc.constant('x'.repeat(600) + '{{text}}'),
    );

    it('every planned row has a valid number and a sendable text; bad ones are reported, never planned', () => {
      fc.assert(
        fc.property(rows, template, (body, tpl) => {
          const csv = ['phone,name,text', ...body.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(','))].join('\n');
          let plan;
          try {
            plan = planBatch(prepareRows(readCsv(csv), { destinationColumn: 'phone', template: tpl, defaultCountry: '39' }), { includeDuplicates: true, includeEmptyPlaceholders: true });
          } catch (e) {
            assert.ok(e instanceof BulkError, `threw ${String(e)}`);
            assertSaysWhatToFix(e.message, 'bulk error');
            return;
          }
          for (const r of plan.rows) {
            assert.ok(validateDestination(r.destination).ok, `planned ${r.destination}`);
            assert.ok(r.text.trim() !== '', 'planned an empty text');
            assert.ok(analyzeText(r.text).characters <= MAX_MESSAGE_LENGTH, 'planned a text over 612');
            assert.doesNotThrow(() => encodeURIComponent(r.text), 'planned a text that cannot be encoded');
          }
          for (const s of plan.skipped) assert.ok(s.issues.length > 0);
        }),
        { numRuns: 300 },
      );
    });

    it('a template either parses (and renders every column it names) or is refused with what to fix', () => {
      const columns = ['phone', 'name', 'text'];
      fc.assert(
        fc.property(template, fc.array(fc.string({ maxLength: 10 }), { minLength: 3, maxLength: 3 }), (tpl, cells) => {
          const problem = templateProblem(tpl, columns);
          if (problem !== undefined) {
            assertSaysWhatToFix(problem, tpl);
            assert.throws(() => parseTemplate(tpl, columns), BulkError);
            return;
          }
          const rendered = renderTemplate(parseTemplate(tpl, columns), cells);
          // No placeholder for a known column survives rendering.
          for (const c of columns) assert.ok(!rendered.text.includes(`{{${c}}}`) || cells.some((x) => x.includes(`{{${c}}}`)) || tpl.split(`{{${c}}}`).length > 2, `{{${c}}} left in "${rendered.text}"`);
        }),
        { numRuns: 300 },
      );
    });

    it('a typed number is accepted only in wire form, and never by accident from another script\'s digits', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 24 }), cell), fc.oneof(fc.constant('39'), fc.constant(''), fc.string({ maxLength: 4 })), (input, country) => {
          const r = normalizeDestination(input, country);
          if (r.ok) {
            assert.match(r.destination, /^[1-9]\d{7,14}$/);
            assert.ok([...input].every((ch) => /[0-9+\s.\-()/]/.test(ch)), `accepted ${JSON.stringify(input)}`);
          } else {
            assertSaysWhatToFix(r.reason, input);
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});
