// Mutants of src/gateway/client.ts the rest of the suite let through (issue #10 item 11; docs/TESTING.md): the
// options a caller leaves out or gets wrong, the exact refusal (text and catalogue sentence) for each bad input,
// the headers a request carries, what the call log says, when connections are remade, and retries and close().
// Every request goes to a node:http server on 127.0.0.1; retry waits are made zero by the options, not by sleeping.
import * as assert from 'node:assert/strict';
import * as dc from 'node:diagnostics_channel';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { GatewayClient } from '../../src/gateway/client';
import { GatewayError } from '../../src/gateway/errors';
import { explanationMessages } from '../../src/gateway/messages';
import type { CallEvent, Credentials, GatewayClientOptions, GatewayCommand, SendRequest } from '../../src/gateway/types';

const creds: Credentials = { username: 'tester', password: 'pw-Zq81' };
const ONE = ['393331234567'];
const BALANCE = 'Status: 1000 - Balance:1.5|SmsRemainCount:20';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client's port of the connection the request came on. */
  port: number;
}

interface Server {
  url: string;
  seen: Seen[];
  /** TCP connections opened to the server so far. */
  connections: number;
  /** Of those, the ones closed so far (by either side). */
  closedConnections: number;
  /** Resolves once the condition holds, checked again at each request and each closed connection (no polling). */
  until(condition: () => boolean): Promise<void>;
  close(): Promise<void>;
}

/** `keepAliveMs`: how long the server keeps an idle connection (and tells the client so); Node's default is 5 s. */
async function startServer(answer: (s: Seen, res: http.ServerResponse) => void, keepAliveMs?: number): Promise<Server> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let closedConnections = 0;
  const waiters: Array<() => void> = [];
  const changed = (): void => {
    for (const check of waiters.splice(0)) check();
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('latin1'), port: req.socket.remotePort ?? 0 };
      seen.push(s);
      answer(s, res);
      changed();
    });
  });
  if (keepAliveMs !== undefined) server.keepAliveTimeout = keepAliveMs;
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closedConnections++;
      changed();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    get connections() { return connections; },
    get closedConnections() { return closedConnections; },
    until: (condition) => new Promise<void>((resolve) => {
      const check = (): void => {
        if (condition()) resolve();
        else waiters.push(check);
      };
      check();
    }),
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

function reply(res: http.ServerResponse, body: string, status = 200, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** The default answer of each path. */
function gateway(s: Seen, res: http.ServerResponse): void {
  if (s.url.includes('/account-balance/') || s.url.includes('getAccountBalance')) return reply(res, BALANCE);
  if (s.url.includes('/smsstatus/') || s.url.includes('getSMSStatus')) return reply(res, '7:20240101120000:393331234567:20240101120500:2048:1:0.05');
  if (s.url.includes('/sendsms/') || s.url.includes('sendSMSHTTP')) return reply(res, 'OK ID:9');
  return reply(res, 'usage text');
}

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  assert.ok(e instanceof GatewayError, `expected a GatewayError, got ${String(e)}`);
  return e;
}

/** The catalogue sentence an explanation is (what the UI words again in the user's language). */
const sentence = (e: GatewayError): string | undefined => explanationMessages(e)?.map((m) => m.id).join('+');

/** Fails when `p` has not settled within `ms`: a deadline for something that must happen, not a pause. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The global setTimeout, for a test to put its own clock in and take it out again. */
const timers = globalThis as unknown as { setTimeout: typeof setTimeout };

interface HeldTimer {
  ms: number;
  fire: () => void;
}

/**
 * Runs `start` with a clock that never rings by itself: every timer `start` sets while it runs (close()'s grace)
 * is held, to be fired by the test or never. What close() does before its grace is over is then all there is.
 */
function holdingTimers<T>(start: () => T): { value: T; held: HeldTimer[] } {
  const real = timers.setTimeout;
  const held: HeldTimer[] = [];
  const fake = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout => {
    held.push({ ms: ms ?? 0, fire: () => fn(...args) });
    // A real handle, so clearTimeout() takes it; it never keeps the process alive.
    return real(() => undefined, 3_600_000).unref();
  };
  timers.setTimeout = fake as unknown as typeof setTimeout;
  try {
    return { value: start(), held };
  } finally {
    timers.setTimeout = real;
  }
}

describe('mutants: gateway client.ts', function () {
  this.timeout(10_000);
  const servers: Server[] = [];
  const clients: GatewayClient[] = [];
  let s: Server;
  const server = async (answer: (seen: Seen, res: http.ServerResponse) => void = gateway, keepAliveMs?: number): Promise<Server> => {
    const made = await startServer(answer, keepAliveMs);
    servers.push(made);
    return made;
  };
  const client = (o: GatewayClientOptions = {}): GatewayClient => {
    const c = new GatewayClient({ baseUrl: s.url, maxRetries: 0, retryBaseDelayMs: 0, retryMaxDelayMs: 0, ...o });
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    s = await server();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((x) => x.close()));
  });

  describe('refusals before any request: the text and the sentence of each', () => {
    const cases: Array<[string, (c: GatewayClient) => Promise<unknown>, string, string]> = [
      ['a blank user name', (c) => c.balance({ username: '  ', password: 'p' }), 'No user name given.', 'configNoUsername'],
      ['a user name that is not text', (c) => c.balance({ username: 7, password: 'p' } as unknown as Credentials), 'No user name given.', 'configNoUsername'],
      ['no credentials at all', (c) => c.status(undefined as unknown as Credentials, 5), 'No user name given.', 'configNoUsername'],
      ['an empty password', (c) => c.status({ username: 'u', password: '' }, 5), 'No password given.', 'configNoPassword'],
      ['a password that is not text', (c) => c.balance({ username: 'u', password: 1 } as unknown as Credentials), 'No password given.', 'configNoPassword'],
      ['no destinations array', (c) => c.send(creds, { sender: 'S', message: 'm' } as never), 'No destination given.', 'configNoDestination'],
      ['a destination with a space', (c) => c.send(creds, { destinations: ['39 333'], sender: 'S', message: 'm' }), 'Invalid destination "39 333".', 'configBadDestination'],
      ['a destination that is a number', (c) => c.send(creds, { destinations: [393331234567 as unknown as string], sender: 'S', message: 'm' }), 'Invalid destination "393331234567".', 'configBadDestination'],
      ['a destination with letters after digits', (c) => c.send(creds, { destinations: ['39333x'], sender: 'S', message: 'm' }), 'Invalid destination "39333x".', 'configBadDestination'],
      ['a sender that is not text', (c) => c.send(creds, { destinations: ONE, sender: 5 as unknown as string, message: 'm' }), 'No sender given.', 'configNoSender'],
      ['a blank sender', (c) => c.send(creds, { destinations: ONE, sender: ' \t', message: 'm' }), 'No sender given.', 'configNoSender'],
      ['a message that is not text', (c) => c.send(creds, { destinations: ONE, sender: 'S', message: undefined as unknown as string }), 'No message text given.', 'configNoText'],
      ['pricecat 2', (c) => c.send(creds, { destinations: ONE, sender: 'S', message: 'm', pricecat: 2 as 0 }), 'Invalid pricecat 2.', 'configBadPricecat'],
      ['SMS id 0', (c) => c.status(creds, 0), 'Invalid SMS ID 0.', 'configBadSmsId'],
      ['SMS id -3', (c) => c.status(creds, -3), 'Invalid SMS ID -3.', 'configBadSmsId'],
      ['a five-digit country prefix', (c) => c.balance(creds, '12345'), 'Invalid country prefix "12345".', 'configBadCountryPrefix'],
      ['an empty country prefix', (c) => c.balance(creds, ''), 'Invalid country prefix "".', 'configBadCountryPrefix'],
      ['a country prefix with letters', (c) => c.balance(creds, '3a'), 'Invalid country prefix "3a".', 'configBadCountryPrefix'],
    ];
    for (const [name, call, text, id] of cases) {
      it(name, async () => {
        const e = await refusal(call(client()));
        assert.deepEqual([e.kind, e.gatewayText, sentence(e), e.retryable, e.outcomeUnknown], ['config', text, id, false, false]);
        assert.equal(s.seen.length, 0, 'nothing reached the gateway');
      });
    }

    it('a bad SMS id is refused before the credentials are looked at', async () => {
      const e = await refusal(client().status({ username: '', password: '' }, 0));
      assert.equal(sentence(e), 'configBadSmsId');
    });

    it('the credentials are checked before the destinations, the destinations before the sender', async () => {
      const c = client();
      assert.equal(sentence(await refusal(c.send({ username: '', password: 'p' }, { destinations: [], sender: '', message: '' }))), 'configNoUsername');
      assert.equal(sentence(await refusal(c.send(creds, { destinations: [], sender: '', message: '' }))), 'configNoDestination');
      assert.equal(sentence(await refusal(c.send(creds, { destinations: ['x'], sender: '', message: '' }))), 'configBadDestination');
      assert.equal(sentence(await refusal(c.send(creds, { destinations: ONE, sender: '', message: '' }))), 'configNoSender');
      assert.equal(sentence(await refusal(c.balance({ username: 'u', password: '' }, 'bad'))), 'configNoPassword');
    });

    it('a closed client refuses every command with its own sentence', async () => {
      const c = client();
      await c.close();
      for (const call of [() => c.help(), () => c.balance(creds), () => c.status(creds, 1), () => c.send(creds, { destinations: ONE, sender: 'S', message: 'm' })]) {
        const e = await refusal(call());
        assert.deepEqual([e.kind, e.gatewayText, sentence(e)], ['config', 'The gateway client is closed.', 'configClientClosed']);
      }
      assert.equal(s.seen.length, 0);
    });

    it('addresses: a base URL that is no URL, not http(s), or has a query or fragment; a send URL that is not http(s)', async () => {
      const at = async (o: GatewayClientOptions, call: (c: GatewayClient) => Promise<unknown> = (c) => c.balance(creds)): Promise<GatewayError> => refusal(call(client(o)));
      let e = await at({ baseUrl: 'no url here' });
      assert.deepEqual([e.kind, e.gatewayText, sentence(e)], ['config', 'The base URL "no url here" is not a URL.', 'configBaseUrlNotHttp']);
      e = await at({ baseUrl: 'ftp://gw.example' });
      assert.deepEqual([e.gatewayText, sentence(e)], ['The base URL "ftp://gw.example" is not http or https.', 'configBaseUrlNotHttp']);
      e = await at({ baseUrl: `${s.url}/?x=1` });
      assert.deepEqual([e.gatewayText, sentence(e)], [`The base URL "${s.url}/?x=1" has a query or fragment.`, 'configBaseUrlQuery']);
      e = await at({ baseUrl: `${s.url}/#top` });
      assert.equal(sentence(e), 'configBaseUrlQuery');
      const send = (c: GatewayClient): Promise<unknown> => c.send(creds, { destinations: ONE, sender: 'S', message: 'm' });
      e = await at({ sendUrl: 'mailto:gw@example.com' }, send);
      assert.deepEqual([e.gatewayText, sentence(e)], ['The send URL "mailto:gw@example.com" is not http or https.', 'configSendUrlNotHttp']);
      e = await at({ sendUrl: 'nothing' }, send);
      assert.deepEqual([e.gatewayText, sentence(e)], ['The send URL "nothing" is not a URL.', 'configSendUrlNotHttp']);
      // A send URL may carry a query of its own; only the base URL may not.
      assert.ok((await client({ sendUrl: `${s.url}/sendsms/?route=1` }).send(creds, { destinations: ONE, sender: 'S', message: 'm' })).items[0]?.ok);
      assert.equal(s.seen.at(-1)?.url.startsWith('/sendsms/?route=1&username=tester&'), true);
      // The password in a refused address is not repeated.
      e = await at({ baseUrl: 'ftp://u:hunter2secret@gw.example' });
      assert.ok(!e.gatewayText.includes('hunter2secret'), e.gatewayText);
      assert.equal(s.seen.length, 1);
    });

    it('what passes: pricecat 0 and 1, a one- to four-digit country prefix', async () => {
      const c = client();
      for (const pricecat of [0, 1] as const) await c.send(creds, { destinations: ONE, sender: 'S', message: 'm', pricecat });
      await c.balance(creds, '1');
      await c.balance(creds, '1234');
      assert.deepEqual(s.seen.map((x) => x.url.replace(/^.*?(pricecat=\d|countryprefix=\d+)?$/, '$1')), ['pricecat=0', 'pricecat=1', 'countryprefix=1', 'countryprefix=1234']);
    });
  });

  describe('options left out or out of range take their defaults', () => {
    it('maxRetries: 0 is one attempt, 1.9 is two, a negative or NaN value the default two retries', async () => {
      const busy = await server((_x, res) => reply(res, 'busy', 503));
      const attempts = async (maxRetries: number | undefined): Promise<number> => {
        const before = busy.seen.length;
        await refusal(client({ baseUrl: busy.url, maxRetries }).balance(creds));
        return busy.seen.length - before;
      };
      assert.equal(await attempts(0), 1);
      assert.equal(await attempts(1.9), 2);
      assert.equal(await attempts(-1), 3);
      assert.equal(await attempts(Number.NaN), 3);
      assert.equal(await attempts(undefined), 3);
      assert.equal(await attempts(Number.POSITIVE_INFINITY), 3);
    });

    it('a send is never retried, a 4xx never, a 5xx help/status/balance up to maxRetries', async () => {
      const busy = await server((x, res) => reply(res, 'nope', x.url.includes('help') ? 400 : 502));
      const events: CallEvent[] = [];
      const c = client({ baseUrl: busy.url, maxRetries: 2, onCall: (e) => events.push(e) });
      assert.equal((await refusal(c.send(creds, { destinations: ONE, sender: 'S', message: 'm' }))).code, 502);
      assert.equal((await refusal(c.help())).code, 400);
      assert.equal((await refusal(c.status(creds, 4))).code, 502);
      assert.deepEqual(events.map((e) => `${e.command}#${e.attempt} ${e.outcome} ${e.summary}`), [
        'send#1 error HTTP 502 (outcome unknown)', 'help#1 error HTTP 400', 'status#1 error HTTP 502', 'status#2 error HTTP 502', 'status#3 error HTTP 502',
      ]);
    });

    it('the wait before a retry is capped by retryMaxDelayMs, and a zero base waits nothing', async () => {
      // A minute of back-off would fail the test by its time-out; both settings make the wait zero.
      const busy = await server((_x, res) => reply(res, 'busy', 503));
      await refusal(client({ baseUrl: busy.url, maxRetries: 3, retryBaseDelayMs: 60_000, retryMaxDelayMs: 0 }).balance(creds));
      await refusal(client({ baseUrl: busy.url, maxRetries: 3, retryBaseDelayMs: 0, retryMaxDelayMs: 60_000 }).balance(creds));
      assert.equal(busy.seen.length, 8);
    });

    it('a cancel during the wait before a retry ends the call as aborted, without the retry', async () => {
      const busy = await server((_x, res) => reply(res, 'busy', 503));
      const ac = new AbortController();
      const c = client({ baseUrl: busy.url, maxRetries: 5, retryBaseDelayMs: 60_000, retryMaxDelayMs: 60_000, onCall: () => ac.abort() });
      const e = await refusal(c.status(creds, 3, { signal: ac.signal }));
      assert.deepEqual([e.kind, e.outcomeUnknown, sentence(e)], ['aborted', false, 'callCancelled']);
      assert.equal(busy.seen.length, 1);
    });

    it('closing the client during the wait before a retry stops the retries', async () => {
      const busy = await server((_x, res) => reply(res, 'busy', 503));
      const box: { c?: GatewayClient; closing?: Promise<void> } = {};
      box.c = client({ baseUrl: busy.url, maxRetries: 5, onCall: () => { box.closing ??= box.c?.close(); } });
      const e = await refusal(box.c.balance(creds));
      await box.closing;
      assert.equal(e.code, 503, 'the last answer, not a closed-client refusal');
      assert.equal(busy.seen.length, 1);
    });

    it('endpoints, charset, send method and time zone: unknown values fall back to the defaults', async () => {
      const c = client({ endpoints: 'ftp' as never, charset: 'utf-16' as never, sendMethod: 'PUT' as never, timeZone: 'Mars/Olympus' });
      assert.equal(c.endpoints, 'httpapi');
      assert.equal(c.sendCharset, 'utf-8');
      assert.equal(c.sendMethod, 'GET');
      const r = await c.status(creds, 7);
      assert.equal(r.submittedOn.date?.toISOString(), '2024-01-01T12:00:00.000Z', 'UTC');
      const rome = await client({ timeZone: 'Europe/Rome' }).status(creds, 7);
      assert.equal(rome.submittedOn.date?.toISOString(), '2024-01-01T11:00:00.000Z');
      const latin = client({ charset: 'iso-8859-1', sendMethod: 'POST', endpoints: 'webservice' });
      assert.deepEqual([latin.sendCharset, latin.sendMethod, latin.endpoints], ['iso-8859-1', 'POST', 'webservice']);
      const auto = client({ baseUrl: '  ', endpoints: 'webservice' });
      assert.deepEqual([auto.sendCharset, auto.sendMethod], ['iso-8859-1', 'POST'], 'the .php endpoint reads Latin-1 by POST');
      const utf8 = client({ charset: 'utf-8', endpoints: 'webservice' });
      assert.equal(utf8.sendCharset, 'utf-8');
      assert.equal(client({ sendMethod: 'GET', endpoints: 'webservice' }).sendMethod, 'GET');
    });

    it('addresses: a blank base URL is the endpoint set’s own, trailing slashes go, a blank send URL is none', () => {
      assert.deepEqual(client({ baseUrl: ' ', sendUrl: '  ' }).urls(), {
        send: 'http://httpapi.inviosmart.it/sendsms/', status: 'http://httpapi.inviosmart.it/smsstatus/', balance: 'http://httpapi.inviosmart.it/account-balance/',
      });
      assert.deepEqual(client({ baseUrl: ' https://gw.example/// ', endpoints: 'webservice', sendUrl: ' https://other.example/s.php ' }).urls(), {
        send: 'https://other.example/s.php', status: 'https://gw.example/webservice/sms/getSMSStatus.php', balance: 'https://gw.example/webservice/sms/getAccountBalance.php',
      });
      assert.deepEqual(client({ baseUrl: 'https://gw.example', proxy: { url: 'http://proxy.example:3128' } }).readers(), ['https://gw.example']);
      assert.deepEqual(client({ baseUrl: 'http://gw.example', proxy: { url: 'http://proxy.example:3128' } }).readers(), ['http://gw.example', 'http://proxy.example:3128 (proxy)']);
    });

    it('help goes to the base URL when one is set (and to the documented address only when none is)', async () => {
      assert.equal(await client({ baseUrl: `${s.url}/` }).help(), 'usage text');
      assert.deepEqual(s.seen.map((x) => x.url), ['/help']);
    });
  });

  describe('requests on the wire', () => {
    it('a GET carries accept and user-agent and no body type; a POST form says its charset', async () => {
      const c = client({ sendMethod: 'POST' });
      await c.send(creds, { destinations: ONE, sender: 'S', message: 'caffè' });
      await client({ sendMethod: 'POST', charset: 'iso-8859-1' }).send(creds, { destinations: ONE, sender: 'S', message: 'caffè' });
      await c.balance(creds);
      const [utf8, latin, get] = s.seen;
      assert.deepEqual([utf8?.method, utf8?.headers['content-type'], utf8?.headers.accept, utf8?.headers['user-agent']],
        ['POST', 'application/x-www-form-urlencoded; charset=UTF-8', 'text/plain, */*', 'inviosmart-sms-vscode']);
      assert.equal(utf8?.url, '/sendsms/', 'the form keeps the password out of the URL');
      assert.ok(utf8?.body.endsWith('&message=caff%C3%A8'), utf8?.body);
      assert.deepEqual([latin?.headers['content-type'], latin?.body.endsWith('&message=caff%E8')], ['application/x-www-form-urlencoded; charset=ISO-8859-1', true]);
      assert.deepEqual([get?.method, get?.headers['content-type'], get?.headers.accept, get?.headers['user-agent'], get?.body],
        ['GET', undefined, 'text/plain, */*', 'inviosmart-sms-vscode', '']);
    });

    it('checkTarget sees each credentialed call with its address, credentials and readers, and a throw stops it', async () => {
      const seen: string[] = [];
      const c = client({
        checkTarget: (command, url, credentials, readers) => {
          seen.push(`${command} ${url} ${credentials.username} ${readers.join(',')}`);
          if (command === 'status') throw new Error('not here');
        },
      });
      await c.balance(creds);
      await c.help();
      await assert.rejects(c.status(creds, 3), /not here/);
      // updateOptions cannot take the check away.
      c.updateOptions({ checkTarget: undefined });
      await assert.rejects(c.status(creds, 3), /not here/);
      assert.deepEqual(seen, [
        `balance ${s.url}/account-balance/ tester ${s.url}`, `status ${s.url}/smsstatus/ tester ${s.url}`, `status ${s.url}/smsstatus/ tester ${s.url}`,
      ]);
      assert.deepEqual(s.seen.map((x) => x.url.split('?')[0]), ['/account-balance/', '/help']);
    });
  });

  describe('the call log', () => {
    it('one event per attempt: command, redacted URL, attempt number, outcome and a one-line summary', async () => {
      const events: CallEvent[] = [];
      const c = client({ onCall: (e) => events.push(e) });
      await c.help();
      await c.balance(creds);
      await c.balance(creds, '39');
      await c.status(creds, 7);
      await c.send(creds, { destinations: ONE, sender: 'S', message: 'm' });
      assert.deepEqual(events.map((e) => [e.command, e.attempt, e.outcome, e.summary]), [
        ['help', 1, 'ok', 'help (10 chars)'],
        ['balance', 1, 'ok', 'Balance 1.5, 20 SMS'],
        ['balance', 1, 'ok', 'Balance 1.5, 20 SMS'],
        ['status', 1, 'ok', '7: Delivered'],
        ['send', 1, 'ok', 'OK ID:9'],
      ]);
      assert.equal(events[1]?.url, `${s.url}/account-balance/?username=tester&password=***`);
      assert.ok(events.every((e) => Number.isInteger(e.durationMs) && e.durationMs >= 0));
    });

    it('a balance without a count says so; a failing listener does not fail the call', async () => {
      const noCount = await server((_x, res) => reply(res, 'Status: 1000 - Balance:2|SmsRemainCount:-9999'));
      const events: CallEvent[] = [];
      const c = client({ baseUrl: noCount.url, onCall: (e) => { events.push(e); throw new Error('output channel gone'); } });
      assert.equal((await c.balance(creds)).balance, 2);
      assert.deepEqual(events.map((e) => e.summary), ['Balance 2']);
    });
  });

  describe('connections', () => {
    it('a change of the connect time-out or of the proxy retires the pooled connections: the next call opens a new one', async () => {
      const c = client();
      const usedBefore = async (): Promise<boolean> => {
        const ports = new Set(s.seen.map((x) => x.port));
        await c.balance(creds);
        return ports.has(s.seen.at(-1)?.port ?? -1);
      };
      for (let i = 0; i < 3; i++) await c.balance(creds);
      c.updateOptions({ connectTimeoutMs: 4_321 });
      assert.equal(await usedBefore(), false, 'connect time-out changed');
      await c.balance(creds);
      c.updateOptions({ proxy: { systemCertificates: true } });
      assert.equal(await usedBefore(), false, 'proxy options changed');
    });

    it('maxConcurrency from updateOptions takes effect for the next calls', async () => {
      let inFlight = 0;
      let peak = 0;
      const slow = await server((_x, res) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        setTimeout(() => {
          inFlight--;
          reply(res, BALANCE);
        }, 20);
      });
      const c = client({ baseUrl: slow.url, maxConcurrency: 4 });
      c.updateOptions({ maxConcurrency: 1 });
      await Promise.all(Array.from({ length: 4 }, () => c.balance(creds)));
      assert.equal(peak, 1);
    });

    it('close() lets a call in flight finish with its answer, then ends', async () => {
      let answer: (() => void) | undefined;
      const held = await server((_x, res) => { answer = () => reply(res, 'OK ID:41'); });
      const c = client({ baseUrl: held.url });
      const sent = c.send(creds, { destinations: ONE, sender: 'S', message: 'm' });
      while (held.seen.length === 0) await new Promise((r) => setImmediate(r));
      const closing = c.close();
      answer?.();
      const r = await sent;
      assert.ok(r.items[0]?.ok && r.items[0].smsId === 41, 'the answer arrived: the connection was not cut');
      await closing;
    });
  });

  describe('options left out altogether', () => {
    it('no options, or a base URL that is not text, is the httpapi set at its own address', () => {
      const own = {
        send: 'http://httpapi.inviosmart.it/sendsms/', status: 'http://httpapi.inviosmart.it/smsstatus/', balance: 'http://httpapi.inviosmart.it/account-balance/',
      };
      for (const o of [undefined, {}, { baseUrl: undefined }, { baseUrl: 42 as unknown as string }]) {
        const c = new GatewayClient(o);
        clients.push(c);
        assert.deepEqual(c.urls(), own, JSON.stringify(o));
      }
    });

    it('with no base URL a credentialed call is checked against the endpoint set’s own address, not refused', async () => {
      const targets: string[] = [];
      const stop = new Error('stopped before the network');
      const checkTarget = (command: GatewayCommand, url: string): void => {
        targets.push(`${command} ${url}`);
        throw stop;
      };
      await assert.rejects(client({ baseUrl: '', checkTarget }).balance(creds), (e) => e === stop);
      await assert.rejects(client({ baseUrl: ' ', endpoints: 'webservice', checkTarget }).status(creds, 5), (e) => e === stop);
      assert.deepEqual(targets, [
        'balance http://httpapi.inviosmart.it/account-balance/', 'status https://www.inviosmart.it/webservice/sms/getSMSStatus.php',
      ]);
    });

    it('help with no base URL goes to the documented http address on either endpoint set (seen by a local proxy)', async () => {
      const proxy = await server((_x, res) => reply(res, 'usage via the proxy'));
      const c = client({ baseUrl: '', endpoints: 'webservice', proxy: { url: proxy.url } });
      assert.equal(await c.help(), 'usage via the proxy');
      assert.deepEqual(proxy.seen.map((x) => x.url), ['http://httpapi.inviosmart.it/help']);
    });
  });

  describe('refusals name the command they refuse', () => {
    const broken = 'u\ud800';
    const cases: Array<[GatewayCommand, (c: GatewayClient) => Promise<unknown>, string]> = [
      ['send', (c) => c.send({ username: '', password: 'p' }, { destinations: ONE, sender: 'S', message: 'm' }), 'configNoUsername'],
      ['send', (c) => c.send(creds, { destinations: [], sender: 'S', message: 'm' }), 'configNoDestination'],
      ['send', (c) => c.send(creds, { destinations: ['12a'], sender: 'S', message: 'm' }), 'configBadDestination'],
      ['send', (c) => c.send(creds, { destinations: ONE, sender: '', message: 'm' }), 'configNoSender'],
      ['send', (c) => c.send(creds, { destinations: ONE, sender: 'S', message: '' }), 'configNoText'],
      ['send', (c) => c.send(creds, { destinations: ONE, sender: 'S', message: 'm', pricecat: 3 as 0 }), 'configBadPricecat'],
      ['send', (c) => c.send(creds, { destinations: ONE, sender: 'S', message: 'x\ud800' }), 'configBrokenCharacter'],
      ['status', (c) => c.status(creds, 0), 'configBadSmsId'],
      ['status', (c) => c.status({ username: 'u', password: '' }, 5), 'configNoPassword'],
      ['status', (c) => c.status({ username: broken, password: 'p' }, 5), 'configBrokenCharacter'],
      ['balance', (c) => c.balance({ username: '', password: 'p' }), 'configNoUsername'],
      ['balance', (c) => c.balance(creds, 'x'), 'configBadCountryPrefix'],
      ['balance', (c) => c.balance({ username: broken, password: 'p' }), 'configBrokenCharacter'],
    ];
    for (const [command, call, id] of cases) {
      it(`${command}: ${id}`, async () => {
        const e = await refusal(call(client()));
        assert.deepEqual([e.command, sentence(e), e.message.startsWith(`${command} failed: `)], [command, id, true], e.message);
        assert.equal(s.seen.length, 0);
      });
    }

    it('a request or credentials missing altogether are refused by the promise, never thrown at the caller', async () => {
      const c = client();
      const calls: Array<[string, () => Promise<unknown>, string]> = [
        ['send without a request', () => c.send(creds, undefined as unknown as SendRequest), 'configNoDestination'],
        ['send without credentials', () => c.send(undefined as unknown as Credentials, { destinations: ONE, sender: 'S', message: 'm' }), 'configNoUsername'],
        ['balance without credentials', () => c.balance(null as unknown as Credentials), 'configNoUsername'],
      ];
      for (const [name, call, id] of calls) {
        let p: Promise<unknown> = Promise.resolve();
        assert.doesNotThrow(() => { p = call(); }, name);
        assert.equal(sentence(await refusal(p)), id, name);
      }
      assert.equal(s.seen.length, 0);
    });

    it('a password the gateway echoes on an error page is masked, for every command that carries it', async () => {
      const echo = await server((_x, res) => reply(res, `Internal error for ${creds.username}/${creds.password}`, 500));
      const c = client({ baseUrl: echo.url });
      const errors = [
        await refusal(c.send(creds, { destinations: ONE, sender: 'S', message: 'm' })),
        await refusal(c.status(creds, 5)),
        await refusal(c.balance(creds)),
      ];
      assert.deepEqual(errors.map((e) => [e.command, e.gatewayText]), [
        ['send', 'HTTP 500: Internal error for tester/***'], ['status', 'HTTP 500: Internal error for tester/***'], ['balance', 'HTTP 500: Internal error for tester/***'],
      ]);
      for (const e of errors) assert.ok(!e.message.includes(creds.password) && !e.explanation.includes(creds.password), e.message);
    });
  });

  describe('before any request: closed and cancelled', () => {
    it('a closed client refuses before it checks the input or consults checkTarget', async () => {
      const consulted: string[] = [];
      const c = client({ checkTarget: (command) => { consulted.push(command); } });
      await c.close();
      const bad = await refusal(c.send(creds, { destinations: [], sender: 'S', message: 'm' }));
      const good = await refusal(c.balance(creds));
      assert.deepEqual([sentence(bad), sentence(good)], ['configClientClosed', 'configClientClosed']);
      assert.deepEqual(consulted, []);
    });

    it('a call cancelled before it starts is refused as cancelled before its input is checked, and logs no call', async () => {
      const consulted: string[] = [];
      const events: CallEvent[] = [];
      const c = client({ onCall: (e) => events.push(e), checkTarget: (command) => { consulted.push(command); } });
      const ac = new AbortController();
      ac.abort();
      const bad = await refusal(c.send(creds, { destinations: [], sender: 'S', message: 'm' }, { signal: ac.signal }));
      const good = await refusal(c.balance(creds, undefined, { signal: ac.signal }));
      assert.deepEqual([bad.kind, sentence(bad), bad.outcomeUnknown, good.kind, sentence(good)], ['aborted', 'callCancelled', false, 'aborted', 'callCancelled']);
      assert.deepEqual([consulted, events.length, s.seen.length], [[], 0, 0]);
    });
  });

  describe('the waits between retries', () => {
    it('each wait is a random share of a cap that doubles per attempt, up to retryMaxDelayMs', async () => {
      const busy = await server((_x, res) => reply(res, 'busy', 503));
      const c = client({ baseUrl: busy.url, maxRetries: 4, retryBaseDelayMs: 1_000, retryMaxDelayMs: 3_000 });
      const share = 1 / Math.PI;
      const waits: number[] = [];
      const realRandom = Math.random;
      const realSetTimeout = timers.setTimeout;
      // With that share every retry wait is a fractional number of ms, unlike any other timer: those are noted and
      // run at once, so the test knows each wait without spending it.
      const clock = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout => {
        const wait = typeof ms === 'number' && !Number.isInteger(ms) ? ms : undefined;
        if (wait !== undefined) waits.push(wait);
        return realSetTimeout(fn, wait === undefined ? ms : 0, ...args);
      };
      Math.random = () => share;
      timers.setTimeout = clock as unknown as typeof setTimeout;
      try {
        assert.equal((await refusal(c.balance(creds))).code, 503);
      } finally {
        Math.random = realRandom;
        timers.setTimeout = realSetTimeout;
      }
      assert.equal(busy.seen.length, 5);
      assert.deepEqual(waits, [1_000, 2_000, 3_000, 3_000].map((cap) => share * cap));
    });

    it('a cancel before a wait ends the call there: one attempt, one call event', async () => {
      const busy = await server((_x, res) => reply(res, 'busy', 503));
      const ac = new AbortController();
      const events: CallEvent[] = [];
      const c = client({ baseUrl: busy.url, maxRetries: 3, onCall: (e) => { events.push(e); ac.abort(); } });
      const e = await refusal(c.balance(creds, undefined, { signal: ac.signal }));
      assert.deepEqual([e.kind, sentence(e)], ['aborted', 'callCancelled']);
      assert.deepEqual(events.map((x) => `${x.attempt} ${x.outcome} ${x.summary}`), ['1 error HTTP 503']);
      assert.equal(busy.seen.length, 1);
    });
  });

  describe('answers and the call log', () => {
    it('an answer is read in the charset it declares, even when its bytes would also read as UTF-8', async () => {
      const latin = await server((_x, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' });
        res.end(Buffer.from('caffÃ¨', 'latin1'));
      });
      assert.equal(await client({ baseUrl: latin.url }).help(), 'caffÃ¨');
    });

    it('the duration in a call event is no longer than the call took', async () => {
      const events: CallEvent[] = [];
      const c = client({ onCall: (e) => events.push(e) });
      await c.balance(creds);
      const before = performance.now();
      await c.balance(creds);
      const took = performance.now() - before;
      const logged = events[1]?.durationMs ?? Number.NaN;
      assert.ok(logged >= 0 && logged <= Math.ceil(took), `${logged} ms logged, ${took} ms taken`);
    });
  });

  describe('pooled connections: kept, replaced, closed', () => {
    /** A server that answers each request only when the test says so: `answer[i]()` for the i-th request. */
    const holding = async (keepAliveMs?: number): Promise<{ srv: Server; answer: Array<() => void> }> => {
      const answer: Array<() => void> = [];
      const srv = await server((x, res) => answer.push(() => gateway(x, res)), keepAliveMs);
      return { srv, answer };
    };

    it('options that do not shape connections keep the pooled ones: later calls go over connections already open', async () => {
      const c = client();
      // undici may open a second connection for calls in a row (it checks an idle one before reusing it).
      for (const call of [() => c.balance(creds), () => c.help(), () => c.balance(creds), () => c.help()]) await call();
      const pooled = new Set(s.seen.map((x) => x.port));
      const opened = s.connections;
      c.updateOptions({ maxRetries: 1, headersTimeoutMs: 20_000, bodyTimeoutMs: 20_000, maxConcurrency: 2, timeZone: 'Europe/Rome', onCall: () => undefined });
      await c.status(creds, 7);
      await c.balance(creds);
      c.updateOptions({ connectTimeoutMs: 10_000, proxy: undefined });
      await c.balance(creds);
      await c.help();
      assert.deepEqual(s.seen.slice(4).map((x) => pooled.has(x.port)), [true, true, true, true], 'each later call on a pooled connection');
      assert.equal(s.connections, opened);
      assert.ok(opened < 4, `${opened} connections for 4 calls in a row`);
    });

    it('a connect time-out that is set is the one that counts (a TLS handshake that never completes)', async () => {
      const silent = net.createServer();
      const accepted = new Set<Socket>();
      silent.on('connection', (socket: Socket) => accepted.add(socket));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      try {
        const c = client({ baseUrl: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`, connectTimeoutMs: 200 });
        const e = await within(refusal(c.balance(creds)), 3_000, 'the connect time-out');
        assert.deepEqual([e.kind, sentence(e), e.outcomeUnknown], ['timeout', 'connectTimeout', false]);
        assert.equal(accepted.size, 1, 'the TCP connection was made; only the handshake hung');
      } finally {
        for (const socket of accepted) socket.destroy();
        await new Promise<void>((r) => silent.close(() => r()));
      }
    });

    it('an idle pool replaced by a new connect time-out is closed at once', async () => {
      const kept = await server(gateway, 60_000);
      const c = client({ baseUrl: kept.url });
      await c.balance(creds);
      c.updateOptions({ connectTimeoutMs: 4_321 });
      await within(kept.until(() => kept.closedConnections === 1), 2_000, 'the replaced connection closed');
      await c.balance(creds);
      assert.equal(kept.connections, 2);
    });

    it('a pool replaced while a call runs on it is closed when that call ends', async () => {
      const { srv, answer } = await holding(60_000);
      const c = client({ baseUrl: srv.url });
      const call = c.balance(creds);
      await srv.until(() => srv.seen.length === 1);
      c.updateOptions({ connectTimeoutMs: 4_321 });
      answer[0]?.();
      assert.equal((await call).balance, 1.5, 'the call kept its connection to the end');
      await within(srv.until(() => srv.closedConnections === 1), 2_000, 'the replaced connection closed after its call');
    });

    it('close() ends as soon as the last call in flight does, without waiting out its grace', async () => {
      const { srv, answer } = await holding();
      const c = client({ baseUrl: srv.url });
      const call = c.balance(creds);
      await srv.until(() => srv.seen.length === 1);
      const { value: closing, held } = holdingTimers(() => c.close());
      try {
        answer[0]?.();
        assert.equal((await call).balance, 1.5);
        await within(closing, 2_000, 'close() once the call ended');
      } finally {
        for (const t of held) t.fire();
      }
    });

    it('close() lets every call on the pool finish, not only the first to end', async () => {
      const { srv, answer } = await holding();
      const c = client({ baseUrl: srv.url });
      const first = c.balance(creds);
      await srv.until(() => srv.seen.length === 1);
      const second = c.status(creds, 7);
      await srv.until(() => srv.seen.length === 2);
      const { value: closing, held } = holdingTimers(() => c.close());
      try {
        answer[0]?.();
        assert.equal((await first).balance, 1.5);
        answer[1]?.();
        assert.equal((await second).smsId, 7, 'the second call got its answer: its connection was not cut');
        await within(closing, 2_000, 'close() once both calls ended');
      } finally {
        for (const t of held) t.fire();
      }
    });

    it('close() waits for the calls on a replaced pool and on the current one alike', async () => {
      const { srv, answer } = await holding();
      const c = client({ baseUrl: srv.url });
      const onOld = c.balance(creds);
      await srv.until(() => srv.seen.length === 1);
      c.updateOptions({ connectTimeoutMs: 4_321 });
      const onNew = c.status(creds, 7);
      await srv.until(() => srv.seen.length === 2);
      const { value: closing, held } = holdingTimers(() => c.close());
      try {
        answer[0]?.();
        assert.equal((await onOld).balance, 1.5);
        answer[1]?.();
        assert.equal((await onNew).smsId, 7, 'the call on the current pool was not cut when the old pool went idle');
        await within(closing, 2_000, 'close() once both calls ended');
      } finally {
        for (const t of held) t.fire();
      }
    });

    it('close() returns once the pooled connection is closed, not merely told to close', async () => {
      const opened: Socket[] = [];
      const onSocket = (message: unknown): void => {
        opened.push((message as { socket: Socket }).socket);
      };
      const c = client();
      dc.subscribe('net.client.socket', onSocket);
      try {
        await c.balance(creds);
      } finally {
        dc.unsubscribe('net.client.socket', onSocket);
      }
      assert.equal(opened.length, 1, 'one pooled connection');
      const socket = opened[0] as Socket;
      assert.equal(socket.destroyed, false);
      let closed = false;
      socket.on('close', () => { closed = true; });
      await c.close();
      assert.equal(closed, true);
    });

    it('a call still waiting for a slot when the client closes is refused, and never sent', async () => {
      let requests = 0;
      let answerFirst: (() => void) | undefined;
      const srv = await server((x, res) => {
        requests++;
        if (requests === 1) answerFirst = () => gateway(x, res);
        else gateway(x, res);
      });
      const c = client({ baseUrl: srv.url, maxConcurrency: 1 });
      const first = c.balance(creds);
      await srv.until(() => srv.seen.length === 1);
      const waiting = c.balance(creds, '39');
      const closing = c.close();
      answerFirst?.();
      assert.equal((await first).balance, 1.5);
      const e = await refusal(waiting);
      assert.deepEqual([e.kind, e.command, e.gatewayText, sentence(e)], ['config', 'balance', 'The gateway client is closed.', 'configClientClosed']);
      await closing;
      assert.equal(srv.seen.length, 1);
    });
  });
});
