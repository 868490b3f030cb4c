// Every class of gateway answer through every command: help, send (with its history entry), status
// (through the poller, entry untouched), balance, and the bulk sender's stop rule. Real client, real
// sandbox on 127.0.0.1 answering with the fault or the exact body of each class.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { GatewayClient } from '../../src/gateway/client';
import { GATEWAY_ERROR_CODES, GatewayError } from '../../src/gateway/errors';
import { formatStatusLine } from '../../src/gateway/protocol';
import type { Credentials, GatewayCommand, GatewayErrorKind } from '../../src/gateway/types';
import { dispatchSend } from '../../src/history/dispatch';
import { StatusPoller } from '../../src/history/poller';
import { HistoryStore } from '../../src/history/store';
import * as path from 'node:path';
import { BatchStore } from '../../src/bulk/batchStore';
import { runBatch, stopsBatch } from '../../src/bulk/runner';
import { newBatch, plannedRows } from './bulkFixtures';
import { FaultySandbox, type SandboxFault } from '../../src/sandbox/faults';
import { draft, removeDir, tempDir } from './fixtures/historyHelpers';

const creds: Credentials = { username: 'sandbox', password: 'sandbox' };
const FAST = { connectTimeoutMs: 2000, headersTimeoutMs: 400, bodyTimeoutMs: 400, maxRetries: 0 };

type Target = 'sandbox' | 'dns' | 'refused';

interface AnswerClass {
  name: string;
  /** What the sandbox does, per command (the request's SMSId given for status lines). */
  fault?: (command: GatewayCommand, smsId: number) => SandboxFault;
  target?: Target;
  commands: readonly GatewayCommand[];
  kind?: GatewayErrorKind;
  code?: number;
  /** For a send: must the outcome be unknown (true), known failed (false), or as the code table says (undefined)? */
  sendUnknown?: boolean;
}

const body = (text: string): SandboxFault => ({ kind: 'http', status: 200, body: text });
const ALL: readonly GatewayCommand[] = ['help', 'send', 'status', 'balance'];
const DATA: readonly GatewayCommand[] = ['send', 'status', 'balance'];

function statusLineFor(smsId: number, status: number | string, extra = ''): string {
  return formatStatusLine({ smsId, submittedOn: '20300101120000', destination: '393401234567', deliveredOn: '', status: status as number, quantity: 1, charge: '0.055' }) + extra;
}

const CLASSES: AnswerClass[] = [
  ...GATEWAY_ERROR_CODES.map((c): AnswerClass => ({
    name: `${c.form}: ${c.code}`,
    fault: () => body(`${c.form}: ${c.code} - ${c.text}`),
    commands: ALL,
    kind: 'gateway',
    code: c.code,
    sendUnknown: c.outcomeUnknown,
  })),
  { name: 'an undocumented code (Error: 1099)', fault: () => body('Error: 1099 - Something new'), commands: ALL, kind: 'gateway', code: 1099, sendUnknown: false },
  // The protocol lists un-numbered one-line failures for send (`Internal Error.`): refusals, so failed.
  { name: 'an un-numbered error', fault: () => body('Internal Error.'), commands: DATA, kind: 'unnumbered', sendUnknown: false },
  { name: 'an un-numbered "please retry"', fault: () => body('System error. Please retry...'), commands: DATA, kind: 'unnumbered', sendUnknown: false },
  { name: 'a text no command expects', fault: () => body('Welcome to our gateway'), commands: DATA, kind: 'unnumbered' },
  { name: 'an HTML page', fault: () => ({ kind: 'html' }), commands: ALL, kind: 'malformed', sendUnknown: true },
  { name: 'an empty body', fault: () => ({ kind: 'empty' }), commands: ALL, kind: 'malformed', sendUnknown: true },
  { name: 'binary garbage', fault: () => ({ kind: 'garbage' }), commands: ALL, kind: 'malformed', sendUnknown: true },
  { name: 'a truncated line', fault: () => ({ kind: 'truncatedStatus' }), commands: DATA, kind: 'malformed', sendUnknown: true },
  {
    // A balance answer with extra `|Name:value` fields is the platform's newer form and is read (protocol.test.ts).
    name: 'extra fields',
    fault: (command, smsId) => body(command === 'send' ? `OK ID:${smsId}:7` : statusLineFor(smsId, 2048, ':9')),
    commands: ['send', 'status'],
    kind: 'malformed',
    sendUnknown: true,
  },
  { name: 'a non-numeric status number', fault: (_c, smsId) => body(statusLineFor(smsId, 'DELIVRD')), commands: ['status'], kind: 'malformed' },
  { name: 'two lines', fault: () => body('OK ID:1\nOK ID:2'), commands: DATA, kind: 'malformed', sendUnknown: true },
  { name: 'HTTP 404', fault: () => ({ kind: 'http', status: 404 }), commands: ALL, kind: 'http', code: 404, sendUnknown: false },
  { name: 'HTTP 429', fault: () => ({ kind: 'http', status: 429 }), commands: ALL, kind: 'http', code: 429, sendUnknown: false },
  { name: 'HTTP 500', fault: () => ({ kind: 'http', status: 500, body: '' }), commands: ALL, kind: 'http', code: 500, sendUnknown: true },
  { name: 'HTTP 502 with an HTML page', fault: () => ({ kind: 'http', status: 502, body: '<html><body>Bad gateway</body></html>' }), commands: ALL, kind: 'http', code: 502, sendUnknown: true },
  { name: 'HTTP 301 redirect', fault: () => ({ kind: 'http', status: 301 }), commands: ALL, kind: 'http', code: 301, sendUnknown: false },
  { name: 'reset before the request is read', fault: () => ({ kind: 'resetBeforeRead' }), commands: ALL, kind: 'network', sendUnknown: true },
  { name: 'reset after the request is read', fault: () => ({ kind: 'resetAfterRead' }), commands: ALL, kind: 'network', sendUnknown: true },
  { name: 'a time-out (no answer)', fault: () => ({ kind: 'hang' }), commands: ALL, kind: 'timeout', sendUnknown: true },
  { name: 'DNS failure (.invalid)', target: 'dns', commands: ALL, kind: 'network', sendUnknown: false },
  { name: 'connection refused', target: 'refused', commands: ALL, kind: 'network', sendUnknown: false },
];

/** A 127.0.0.1 port with nothing listening: bound, noted, closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function checkError(e: unknown, c: AnswerClass, command: GatewayCommand): GatewayError {
  assert.ok(e instanceof GatewayError, `${c.name} / ${command}: expected a GatewayError, got ${String(e)}`);
  assert.equal(e.command, command);
  if (c.kind) assert.equal(e.kind, c.kind, `${c.name} / ${command}: ${e.kind} ${e.message}`);
  if (c.code !== undefined) assert.equal(e.code, c.code, `${c.name} / ${command}`);
  assert.ok(e.explanation.trim().length >= 20, `${c.name} / ${command}: explanation "${e.explanation}"`);
  assert.ok(e.gatewayText.trim() !== '', `${c.name} / ${command}: no gateway text`);
  // Plain language: no stack frames, no undici internals as the whole story.
  assert.doesNotMatch(e.explanation, /\bat [\w.]+ \(|UND_ERR|undefined|\[object/, `${c.name} / ${command}: ${e.explanation}`);
  if (command !== 'send') assert.equal(e.outcomeUnknown, false, `${c.name}: only a send can be of unknown outcome`);
  return e;
}

describe('Answer-class matrix: every gateway answer through every command', function () {
  this.timeout(120_000);
  let sandbox: FaultySandbox;
  let dir: string;
  let store: HistoryStore;
  let refusedUrl: string;
  let smsId: number;
  const figures = { cases: 0 };

  before(async () => {
    sandbox = await FaultySandbox.start();
    refusedUrl = `http://127.0.0.1:${await closedPort()}`;
    const warmup = new GatewayClient({ baseUrl: sandbox.url, ...FAST });
    const sent = await warmup.send(creds, { destinations: ['393401234567'], sender: 'Inviosmart', message: 'seed' });
    await warmup.close();
    assert.ok(sent.items[0].ok);
    smsId = sent.items[0].smsId;
  });
  after(async () => {
    await sandbox.close();
    if (process.env.INVIOSMART_FIGURES) console.log(`answer-class cases: ${figures.cases}`);
  });
  beforeEach(async () => {
    dir = tempDir();
    store = await HistoryStore.open(dir);
  });
  afterEach(async () => {
    sandbox.clearFaults();
    await store.close();
    removeDir(dir);
  });

  function clientFor(c: AnswerClass): GatewayClient {
    const baseUrl = c.target === 'dns' ? 'http://inviosmart.invalid' : c.target === 'refused' ? refusedUrl : sandbox.url;
    return new GatewayClient({ baseUrl, ...FAST });
  }

  for (const c of CLASSES) {
    describe(c.name, () => {
      for (const command of c.commands) {
        it(`${command}: a typed GatewayError with a plain explanation${command === 'send' ? ', entry failed or unknown, one request' : command === 'status' ? ', entry unchanged' : ''}`, async () => {
          figures.cases++;
          const client = clientFor(c);
          if (c.fault) sandbox.injectFault({ fault: c.fault(command, smsId), command });
          const before = sandbox.requestCount(command);
          try {
            if (command === 'help' || command === 'balance') {
              const e = await (command === 'help' ? client.help() : client.balance(creds, '39')).then(() => undefined, (x: unknown) => x);
              checkError(e, c, command);
            } else if (command === 'send') {
              const out = await dispatchSend(store, { client, credentials: creds, account: 'acct', sandbox: true }, { destinations: ['393401234567'], sender: 'Inviosmart', message: 'matrix' }, 1);
              const e = checkError(out.error, c, command);
              if (c.sendUnknown !== undefined) assert.equal(e.outcomeUnknown, c.sendUnknown, `${c.name}: outcomeUnknown`);
              const entry = store.get(out.entries[0].key);
              // 1022 "awaiting cost confirmation" is held by the gateway: neither failed nor unknown.
              assert.equal(entry?.state, e.kind === 'gateway' && e.code === 1022 ? 'held' : e.outcomeUnknown ? 'unknown' : 'failed');
              assert.equal(entry?.error?.kind, e.kind);
              assert.equal(entry?.error?.explanation, e.explanation);
              // Never re-sent by the client, whatever the class.
              if (!c.target) assert.equal(sandbox.requestCount('send') - before, 1);
            } else {
              const entry = await store.record(draft(1, { smsId, state: 'sent' }));
              const snapshot = structuredClone(store.get(entry.key));
              const errors: unknown[] = [];
              const poller = new StatusPoller({ store, checkStatus: (en, signal) => client.status(creds, en.smsId!, { signal }), onError: (_e, err) => errors.push(err) });
              poller.start();
              await poller.refreshNow([entry.key]);
              poller.dispose();
              assert.equal(errors.length, 1, `${c.name}: one failed check`);
              checkError(errors[0], c, command);
              assert.deepEqual(store.get(entry.key), snapshot, `${c.name}: the entry changed`);
            }
          } finally {
            sandbox.clearFaults();
            await client.close();
          }
        });
      }
    });
  }

  it('an unknown status number is kept as "unknown status N", never final, and polling goes on', async () => {
    figures.cases++;
    const client = new GatewayClient({ baseUrl: sandbox.url, ...FAST });
    const entry = await store.record(draft(1, { smsId, state: 'sent' }));
    sandbox.injectFault({ fault: body(statusLineFor(smsId, 99999)), command: 'status', times: 1 });
    const poller = new StatusPoller({ store, checkStatus: (en, signal) => client.status(creds, en.smsId!, { signal }) });
    try {
      poller.start();
      await poller.refreshNow([entry.key]);
      const after = store.get(entry.key);
      assert.equal(after?.state, 'sent');
      assert.equal(after?.status?.label, 'unknown status 99999');
      assert.equal(after?.status?.final, false);
      assert.ok(store.pending().some((e) => e.key === entry.key), 'still pending: asked again later');
    } finally {
      poller.dispose();
      await client.close();
    }
  });

  it('the bulk sender stops on every class that a retry or the next row cannot fix, and on unknown outcomes', () => {
    for (const c of GATEWAY_ERROR_CODES) {
      const stop = stopsBatch({ kind: 'gateway', code: c.code, outcomeUnknown: c.outcomeUnknown });
      // Credentials, credit and a disabled account fail every following row the same way.
      if ([1001, 1002, 1012, 1013, 1014, 1031, 1038].includes(c.code)) assert.equal(stop, true, `code ${c.code} must stop the batch`);
    }
    for (const kind of ['config'] as const) assert.equal(stopsBatch({ kind, outcomeUnknown: false }), true, kind);
  });

  // The bulk sender over the real client: one row per class (every class that is not a documented
  // code, plus the codes with a special rule). Its row ends unknown exactly when the outcome is unknown.
  describe('through the bulk sender', () => {
    const special = new Set([1012, 1013, 1026, 1031, 1005]);
    const bulkClasses = CLASSES.filter((c) => c.commands.includes('send') && (c.code === undefined || c.code > 1043 || special.has(c.code)));
    for (const c of bulkClasses) {
      it(`${c.name}: the row ends ${c.sendUnknown === true ? 'unknown' : c.sendUnknown === false ? 'failed' : 'failed or unknown'}, one request, with the reason kept`, async () => {
        figures.cases++;
        const client = clientFor(c);
        const batches = new BatchStore(path.join(dir, 'batches'), { durable: false });
        const h = await batches.create(newBatch(plannedRows(1), { sandbox: true, account: 'sandbox', sender: 'Inviosmart' }));
        if (c.fault) sandbox.injectFault({ fault: c.fault('send', smsId), command: 'send' });
        const before = sandbox.requestCount('send');
        try {
          const summary = await runBatch(h, { history: store, send: (req) => client.send(creds, req) }, { concurrency: 1, maxPerSecond: 0 });
          const entry = store.all().find((e) => e.batchId === h.batchId);
          assert.ok(entry, 'the row has a history entry');
          assert.ok(entry.state === 'failed' || entry.state === 'unknown', `row state ${entry.state}`);
          if (c.sendUnknown !== undefined) assert.equal(entry.state, c.sendUnknown ? 'unknown' : 'failed');
          assert.equal(summary.run.unknown + summary.run.failed, 1);
          const problem = entry.state === 'unknown' ? summary.unknown[0] : summary.failures[0];
          assert.ok(problem && problem.reason.trim() !== '', 'the report says why');
          assert.ok(entry.error && entry.error.explanation.trim().length >= 20, 'the entry keeps the explanation');
          if (!c.target) assert.equal(sandbox.requestCount('send') - before, 1, 'one request, never repeated');
        } finally {
          sandbox.clearFaults();
          await h.close();
          await client.close();
        }
      });
    }
  });
});
