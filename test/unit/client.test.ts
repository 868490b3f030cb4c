import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayClient } from '../../src/gateway/client';
import { GatewayError } from '../../src/gateway/errors';
import { FaultySandbox } from '../../src/sandbox/faults';
import type { CallEvent, Credentials, GatewayClientOptions, GatewayErrorKind } from '../../src/gateway/types';

// A password with every character class that needs encoding, so a leak in any spelling shows.
const PASSWORD = 'S3cr€t pw&=/x';
const creds: Credentials = { username: 'tester', password: PASSWORD };
const LEAKS = [PASSWORD, encodeURIComponent(PASSWORD), encodeURIComponent(PASSWORD).replace(/%20/g, '+'), 'S3cr'];

const fast: GatewayClientOptions = {
  connectTimeoutMs: 1000,
  headersTimeoutMs: 300,
  bodyTimeoutMs: 300,
  retryBaseDelayMs: 1,
  retryMaxDelayMs: 5,
};

async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GatewayError, `expected a GatewayError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

async function failsWith(p: Promise<unknown>, kind: GatewayErrorKind, code?: number): Promise<GatewayError> {
  const e = await rejection(p);
  assert.equal(e.kind, kind, e.message);
  if (code !== undefined) assert.equal(e.code, code);
  return e;
}

function assertNoLeak(label: string, text: string): void {
  for (const leak of LEAKS) assert.ok(!text.includes(leak), `${label} leaks the password: ${text}`);
}

function assertErrorClean(e: GatewayError, events: CallEvent[]): void {
  assertNoLeak('message', e.message);
  assertNoLeak('gatewayText', e.gatewayText);
  assertNoLeak('explanation', e.explanation);
  assertNoLeak('stack', e.stack ?? '');
  assertNoLeak('json', JSON.stringify(e));
  for (const ev of events) assertNoLeak('event', JSON.stringify(ev));
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the condition holds (the server saw a request), so tests do not race on fixed sleeps. */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) assert.fail('condition not reached in time');
    await delay(5);
  }
}

/** A bare node:http server on 127.0.0.1 for what the sandbox cannot do; counts requests and peak concurrency. */
interface TestServer {
  url: string;
  port: number;
  /** Raw request URLs as received. */
  urls: string[];
  maxInFlight: number;
  close(): Promise<void>;
}

async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  let inFlight = 0;
  const state = { urls: [] as string[], maxInFlight: 0 };
  const server = http.createServer((req, res) => {
    state.urls.push(req.url ?? '');
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get urls() { return state.urls; },
    get maxInFlight() { return state.maxInFlight; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function text(res: http.ServerResponse, body: string, status = 200, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const s = await startServer(() => undefined);
  await s.close();
  return s.port;
}

describe('GatewayClient', function () {
  this.timeout(10_000);

  describe('against the sandbox gateway', () => {
    let sb: FaultySandbox;
    /**
     * Instead of a pause before "no second request": the send already settled, so a retry would have been
     * sent before it; one more call that the sandbox must see proves the counts are up to date.
     */
    const laterRequestSeen = async (): Promise<void> => {
      const before = sb.requestCount('balance');
      await client.balance(creds);
      assert.equal(sb.requestCount('balance'), before + 1, 'the later call reached the sandbox');
    };
    let client: GatewayClient;
    let events: CallEvent[];

    beforeEach(async () => {
      sb = await FaultySandbox.start({ accounts: [{ username: 'tester', password: PASSWORD, balance: 10, prices: { '39': 0.05 } }] });
      events = [];
      client = new GatewayClient({ ...fast, baseUrl: `${sb.url}/`, onCall: (e) => events.push(e) });
    });

    afterEach(async () => {
      await client.close();
      await sb.close();
    });

    it('help returns the usage text', async () => {
      const help = await client.help();
      assert.match(help, /SANDBOX/);
      assert.equal(events.length, 1);
      assert.deepEqual([events[0]?.command, events[0]?.url, events[0]?.outcome], ['help', `${sb.url}/help`, 'ok']);
    });

    it('sends UTF-8 text intact to one destination', async () => {
      const r = await client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'Caffè €5 ✓', pricecat: 1 });
      const item = r.items[0];
      assert.ok(item?.ok);
      const sms = sb.messages[0];
      assert.equal(sms?.smsId, item.smsId);
      assert.deepEqual([sms?.destination, sms?.sender, sms?.message, sms?.pricecat], ['393331234567', 'Shop', 'Caffè €5 ✓', 1]);
      assert.equal(events[0]?.summary, `OK ID:${item.smsId}`);
      assert.match(events[0]?.url ?? '', /password=\*\*\*&/);
    });

    it('sends to several destinations in one request and matches the ids in order', async () => {
      const destinations = ['393331234567', '393331234568', '447700900123'];
      const r = await client.send(creds, { destinations, sender: 'Shop', message: 'hi' });
      assert.equal(sb.requestCount('send'), 1);
      assert.deepEqual(r.items.map((i) => (i.ok ? [i.destination, i.smsId] : undefined)),
        sb.messages.map((m) => [m.destination, m.smsId]));
      assert.deepEqual(sb.messages.map((m) => m.destination), destinations);
    });

    it('gives per-destination results for a mixed answer', async () => {
      const r = await client.send(creds, { destinations: ['393331234567', '12'], sender: 'Shop', message: 'hi' });
      const [good, bad] = r.items;
      assert.ok(good?.ok && good.destination === '393331234567');
      assert.ok(bad && !bad.ok && bad.destination === '12');
      assert.deepEqual([bad.error.kind, bad.error.code, bad.error.outcomeUnknown], ['gateway', 1005, false]);
      assert.match(r.raw, /^OK ID:\d+\|Error: 1005/);
    });

    it('reads the status of a sent message as it progresses', async () => {
      const r = await client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' });
      const item = r.items[0];
      assert.ok(item?.ok);
      const early = await client.status(creds, item.smsId);
      assert.equal(early.smsId, item.smsId);
      assert.equal(early.destination, '393331234567');
      assert.equal(early.status.final, false);
      assert.equal(early.charge, 0.05);
      assert.ok(early.submittedOn.date instanceof Date);
      sb.advance(60_000);
      const late = await client.status(creds, item.smsId);
      assert.deepEqual([late.status.label, late.status.statusClass, late.status.final], ['Delivered', 'delivered', true]);
      assert.ok(late.deliveredOn.date instanceof Date);
    });

    it('reads the balance, with and without a country prefix', async () => {
      assert.deepEqual(await client.balance(creds), { balance: 10, raw: 'Status: 1000 - Balance:10.00|SmsRemainCount:-9999' });
      const it39 = await client.balance(creds, '39');
      assert.deepEqual([it39.balance, it39.smsRemainCount, it39.countryprefix], [10, 200, '39']);
    });

    it('reports a wrong password as 1012, once, with no password in sight', async () => {
      const e = await failsWith(client.balance({ username: 'tester', password: 'wrong-password' }), 'gateway', 1012);
      assert.equal(e.retryable, false);
      assert.equal(sb.requestCount('balance'), 1);
      assert.match(e.explanation, /password/);
      assert.ok(!JSON.stringify(events).includes('wrong-password'));
    });

    it('retries status on 1031 and succeeds after', async () => {
      const r = await client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' });
      assert.ok(r.items[0]?.ok);
      events.length = 0;
      sb.injectFault({ fault: { kind: 'error1031' }, command: 'status', times: 2 });
      const report = await client.status(creds, r.items[0].smsId);
      assert.equal(report.smsId, r.items[0].smsId);
      assert.equal(sb.requestCount('status'), 3);
      assert.deepEqual(events.map((e) => [e.attempt, e.outcome, e.summary.split(':')[0]]),
        [[1, 'error', 'Error 1031'], [2, 'error', 'Error 1031'], [3, 'ok', String(report.smsId)]]);
    });

    it('retries balance on HTTP 503 and succeeds after', async () => {
      sb.injectFault({ fault: { kind: 'http', status: 503, body: 'Service Unavailable' }, command: 'balance', times: 1 });
      assert.equal((await client.balance(creds)).balance, 10);
      assert.equal(sb.requestCount('balance'), 2);
      assert.equal(events[0]?.summary, 'HTTP 503');
    });

    it('gives up after maxRetries', async () => {
      sb.injectFault({ fault: { kind: 'error1031' }, command: 'balance' });
      const e = await failsWith(client.balance(creds), 'gateway', 1031);
      assert.equal(e.retryable, true);
      assert.equal(sb.requestCount('balance'), 3);
    });

    it('never retries a send on 1031', async () => {
      sb.injectFault({ fault: { kind: 'error1031' }, command: 'send', times: 1 });
      const e = await failsWith(client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' }), 'gateway', 1031);
      assert.equal(e.outcomeUnknown, false);
      assert.equal(sb.requestCount('send'), 1);
      assert.equal(sb.messages.length, 0);
    });

    it('never retries a send on HTTP 503, whose outcome is unknown', async () => {
      sb.injectFault({ fault: { kind: 'http', status: 503 }, command: 'send', times: 1 });
      const e = await failsWith(client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' }), 'http', 503);
      assert.deepEqual([e.outcomeUnknown, e.retryable], [true, false]);
      assert.equal(sb.requestCount('send'), 1);
    });

    it('reports a send that timed out as outcome unknown, after exactly one request', async () => {
      sb.injectFault({ fault: { kind: 'hang' }, command: 'send' });
      const e = await failsWith(client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' }), 'timeout');
      assert.deepEqual([e.outcomeUnknown, e.retryable], [true, false]);
      await laterRequestSeen();
      assert.equal(sb.requestCount('send'), 1);
      // The sandbox took the message before it hung: exactly the ambiguity outcomeUnknown describes.
      assert.equal(sb.messages.length, 1);
      assert.match(events[0]?.summary ?? '', /timeout \(outcome unknown\)/);
      assertErrorClean(e, events);
    });

    it('retries a status that timed out, then reports a retryable time-out', async () => {
      client.updateOptions({ maxRetries: 1 });
      sb.injectFault({ fault: { kind: 'hang' }, command: 'status' });
      const e = await failsWith(client.status(creds, 1234), 'timeout');
      assert.deepEqual([e.retryable, e.outcomeUnknown], [true, false]);
      assert.equal(sb.requestCount('status'), 2);
    });

    it('times out on latency longer than the headers time-out', async () => {
      // undici checks this time-out on a coarse timer (up to ~1 s late), so the latency leaves it room.
      sb.injectFault({ fault: { kind: 'latency', ms: 2500 }, command: 'help', times: 1 });
      client.updateOptions({ maxRetries: 0 });
      await failsWith(client.help(), 'timeout');
    });

    for (const kind of ['html', 'empty', 'garbage'] as const) {
      it(`turns a ${kind} answer into a malformed error without retrying`, async () => {
        sb.injectFault({ fault: { kind }, command: 'balance', times: 1 });
        const e = await failsWith(client.balance(creds), 'malformed');
        assert.equal(sb.requestCount('balance'), 1);
        assert.ok(e.gatewayText.length > 0);
        if (kind === 'html') assert.match(e.gatewayText, /^HTML page/);
        if (kind === 'empty') assert.match(e.gatewayText, /empty/);
      });
    }

    it('turns a truncated status line into a malformed error that keeps it', async () => {
      const r = await client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' });
      assert.ok(r.items[0]?.ok);
      sb.injectFault({ fault: { kind: 'truncatedStatus' }, command: 'status', times: 1 });
      const e = await failsWith(client.status(creds, r.items[0].smsId), 'malformed');
      assert.match(e.gatewayText, new RegExp(`^${r.items[0].smsId}:\\d{14}:393331234567$`));
    });

    it('a malformed send answer leaves the outcome unknown', async () => {
      sb.injectFault({ fault: { kind: 'empty' }, command: 'send', times: 1 });
      const e = await failsWith(client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' }), 'malformed');
      assert.equal(e.outcomeUnknown, true);
    });

    for (const fault of ['resetBeforeRead', 'resetAfterRead'] as const) {
      it(`${fault}: a send is not retried and its outcome is unknown`, async () => {
        sb.injectFault({ fault: { kind: fault }, command: 'send', times: 1 });
        const e = await failsWith(client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' }), 'network');
        assert.deepEqual([e.outcomeUnknown, e.retryable], [true, false]);
        await laterRequestSeen();
        assert.equal(sb.requestCount('send'), 1);
        assertErrorClean(e, events);
      });

      it(`${fault}: balance is retried and succeeds`, async () => {
        sb.injectFault({ fault: { kind: fault }, command: 'balance', times: 1 });
        assert.equal((await client.balance(creds)).balance, 10);
        assert.equal(sb.requestCount('balance'), 2);
        assert.deepEqual(events.map((e) => e.outcome), ['error', 'ok']);
      });
    }

    it('cancels a send in flight: aborted, outcome unknown, one request', async () => {
      sb.injectFault({ fault: { kind: 'hang' }, command: 'send' });
      client.updateOptions({ headersTimeoutMs: 5000 });
      const ac = new AbortController();
      const started = Date.now();
      const call = client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' }, { signal: ac.signal });
      await until(() => sb.requestCount('send') === 1);
      ac.abort();
      const e = await failsWith(call, 'aborted');
      assert.ok(Date.now() - started < 2000, 'the abort must not wait for the time-out');
      assert.deepEqual([e.outcomeUnknown, e.retryable], [true, false]);
      assert.equal(sb.requestCount('send'), 1);
    });

    it('cancels a status in flight without retrying it', async () => {
      sb.injectFault({ fault: { kind: 'hang' }, command: 'status' });
      client.updateOptions({ headersTimeoutMs: 5000 });
      const ac = new AbortController();
      const call = client.status(creds, 99, { signal: ac.signal });
      await until(() => sb.requestCount('status') === 1);
      ac.abort();
      const e = await failsWith(call, 'aborted');
      assert.equal(e.outcomeUnknown, false);
      assert.equal(sb.requestCount('status'), 1);
    });

    it('does not call at all with an already aborted signal', async () => {
      const ac = new AbortController();
      ac.abort();
      await failsWith(client.balance(creds, undefined, { signal: ac.signal }), 'aborted');
      assert.equal(sb.requestCount(), 0);
    });
  });

  describe('against a local HTTP server', () => {
    const servers: TestServer[] = [];
    const clients: GatewayClient[] = [];
    async function server(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
      const s = await startServer(handler);
      servers.push(s);
      return s;
    }
    function newClient(options: GatewayClientOptions): GatewayClient {
      const c = new GatewayClient({ ...fast, ...options });
      clients.push(c);
      return c;
    }
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await Promise.all(servers.splice(0).map((s) => s.close()));
    });

    it('builds every URL as documented, percent-encoding each value as UTF-8', async () => {
      const s = await server((req, res) => {
        if (req.url?.startsWith('/sendsms/')) return text(res, 'OK ID:1|OK ID:2');
        if (req.url?.startsWith('/smsstatus/')) return text(res, '7:20240101120000:393331234567::1:1:0');
        if (req.url?.startsWith('/account-balance/')) return text(res, 'Status: 1000 - Balance:1|SmsRemainCount:20');
        return text(res, 'usage');
      });
      const c = newClient({ baseUrl: `${s.url}//` });
      await c.help();
      await c.send(creds, { destinations: ['393331234567', '393331234568'], sender: 'My Shop', message: 'Caffè €5 ✓ & more?', pricecat: 0 });
      await c.status(creds, 7);
      await c.balance(creds, '39');
      await c.balance(creds);
      const pw = encodeURIComponent(PASSWORD);
      assert.equal(pw, 'S3cr%E2%82%ACt%20pw%26%3D%2Fx');
      assert.deepEqual(s.urls, [
        '/help',
        `/sendsms/?username=tester&password=${pw}&destination=393331234567.393331234568&sender=My%20Shop` +
          '&message=Caff%C3%A8%20%E2%82%AC5%20%E2%9C%93%20%26%20more%3F&pricecat=0',
        `/smsstatus/?SMSId=7&username=tester&password=${pw}`,
        `/account-balance/?username=tester&password=${pw}&countryprefix=39`,
        `/account-balance/?username=tester&password=${pw}`,
      ]);
    });

    it('sends to the sendUrl override with the same parameters (GET when asked)', async () => {
      const s = await server((_req, res) => text(res, 'OK ID:77'));
      const c = newClient({ baseUrl: 'http://127.0.0.1:1', sendUrl: `${s.url}/webservice/sms/sendSMSHTTP.php`, sendMethod: 'GET' });
      const r = await c.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'a b' });
      assert.ok(r.items[0]?.ok && r.items[0].smsId === 77);
      assert.equal(s.urls[0], `/webservice/sms/sendSMSHTTP.php?username=tester&password=${encodeURIComponent(PASSWORD)}` +
        '&destination=393331234567&sender=Shop&message=a%20b');
    });

    it('connection refused: retryable, not outcome unknown, reads retried and sends not', async () => {
      const port = await closedPort();
      const events: CallEvent[] = [];
      const c = newClient({ baseUrl: `http://127.0.0.1:${port}`, onCall: (e) => events.push(e) });
      const st = await failsWith(c.status(creds, 5), 'network');
      assert.deepEqual([st.retryable, st.outcomeUnknown], [true, false]);
      assert.equal(events.length, 3);
      const send = await failsWith(c.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' }), 'network');
      assert.deepEqual([send.retryable, send.outcomeUnknown], [true, false]);
      assert.match(send.explanation, /nothing was sent/);
      assert.equal(events.length, 4);
      assertErrorClean(send, events);
    });

    it('keeps at most maxConcurrency requests in flight across all commands', async () => {
      const s = await server((req, res) => {
        setTimeout(() => {
          if (req.url?.startsWith('/account-balance/')) text(res, 'Status: 1000 - Balance:1|SmsRemainCount:-9999');
          else if (req.url?.startsWith('/sendsms/')) text(res, 'OK ID:3');
          else text(res, 'usage');
        }, 30);
      });
      const c = newClient({ baseUrl: s.url, maxConcurrency: 3 });
      const calls = Array.from({ length: 12 }, (_, i) =>
        i % 3 === 0 ? c.help() : i % 3 === 1 ? c.balance(creds) : c.send(creds, { destinations: ['393331234567'], sender: 'S', message: 'm' }));
      await Promise.all(calls);
      assert.equal(s.urls.length, 12);
      assert.equal(s.maxInFlight, 3);
    });

    it('defaults to 4 requests in flight', async () => {
      const s = await server((_req, res) => setTimeout(() => text(res, 'usage'), 30));
      const c = newClient({ baseUrl: s.url });
      await Promise.all(Array.from({ length: 10 }, () => c.help()));
      assert.equal(s.maxInFlight, 4);
    });

    it('a call cancelled while waiting for a slot never reaches the server', async () => {
      const s = await server(() => undefined);
      const c = newClient({ baseUrl: s.url, maxConcurrency: 1, headersTimeoutMs: 5000 });
      const holder = new AbortController();
      const first = c.help({ signal: holder.signal }).catch((e: unknown) => e);
      const ac = new AbortController();
      const second = c.send(creds, { destinations: ['393331234567'], sender: 'S', message: 'm' }, { signal: ac.signal });
      await until(() => s.urls.length === 1);
      await delay(20);
      ac.abort();
      const e = await failsWith(second, 'aborted');
      assert.equal(e.outcomeUnknown, false, 'nothing was sent');
      assert.equal(s.urls.length, 1);
      holder.abort();
      assert.equal(((await first) as GatewayError).kind, 'aborted');
    });

    it('close() cuts calls still hanging after a short grace', async () => {
      const s = await server(() => undefined);
      const c = newClient({ baseUrl: s.url, headersTimeoutMs: 20_000 });
      const pending = rejection(c.send(creds, { destinations: ['393331234567'], sender: 'S', message: 'm' }));
      await until(() => s.urls.length === 1);
      const started = Date.now();
      await c.close();
      assert.ok(Date.now() - started < 3000);
      const e = await pending;
      assert.deepEqual([e.kind, e.outcomeUnknown], ['aborted', true], 'the request went out before the cut');
    });

    it('never lets the password out, even when the gateway echoes it', async () => {
      const s = await server((req, res) => {
        if (req.url?.startsWith('/account-balance/')) return text(res, `Error: 1012 - Authentication failure for ${req.url}`);
        if (req.url?.startsWith('/smsstatus/')) return text(res, `Internal error ${decodeURIComponent(req.url)}`, 500);
        if (req.url?.startsWith('/help')) return text(res, '', 302, { location: `${s.url}/other?password=${encodeURIComponent(PASSWORD)}` });
        return text(res, `OK ID:5|Error: 1005 - ${decodeURIComponent(req.url ?? '')}`);
      });
      const events: CallEvent[] = [];
      const c = newClient({ baseUrl: s.url, maxRetries: 0, onCall: (e) => events.push(e) });
      const bal = await failsWith(c.balance(creds), 'gateway', 1012);
      assert.match(bal.gatewayText, /password=\*\*\*/);
      assertErrorClean(bal, events);
      const st = await failsWith(c.status(creds, 5), 'http', 500);
      assertErrorClean(st, events);
      const help = await failsWith(c.help(), 'http', 302);
      assert.match(help.gatewayText, /redirect to .*password=\*\*\*/);
      assertErrorClean(help, events);
      const sent = await c.send(creds, { destinations: ['393331234567', '393331234568'], sender: 'S', message: 'm' });
      const bad = sent.items[1];
      assert.ok(bad && !bad.ok);
      assertNoLeak('item error', JSON.stringify(bad));
      assert.ok(events.every((e) => e.command === 'help' || e.url.includes('password=***')));
      assert.equal(events.length, 4);
    });

    it('decodes an answer in the charset the server declares', async () => {
      const s = await server((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' });
        res.end(Buffer.from('Error: 1009 - Carattere non valido: è', 'latin1'));
      });
      const c = newClient({ baseUrl: s.url });
      const e = await failsWith(c.send(creds, { destinations: ['393331234567'], sender: 'S', message: 'm' }), 'gateway', 1009);
      assert.equal(e.gatewayText, 'Error: 1009 - Carattere non valido: è');
    });

    it('goes through an HTTP proxy when one is set', async () => {
      const target = await server((_req, res) => text(res, 'Status: 1000 - Balance:3.50|SmsRemainCount:-9999'));
      const seenByProxy: string[] = [];
      const proxy = await server((req, res) => {
        seenByProxy.push(req.url ?? '');
        const upstream = new URL(req.url ?? '');
        const out = http.request({ host: upstream.hostname, port: upstream.port, path: `${upstream.pathname}${upstream.search}`, method: req.method }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        out.on('error', () => text(res, 'proxy error', 502));
        out.end();
      });
      const c = newClient({ baseUrl: target.url, proxy: { url: proxy.url } });
      assert.equal((await c.balance(creds)).balance, 3.5);
      assert.equal(seenByProxy.length, 1);
      assert.ok(seenByProxy[0]?.startsWith(`${target.url}/account-balance/?username=tester`));
      // Dropping the proxy goes direct again.
      c.updateOptions({ proxy: undefined });
      await c.balance(creds);
      assert.equal(seenByProxy.length, 1);
      assert.equal(target.urls.length, 2);
    });

    it('follows updateOptions and refuses calls after close', async () => {
      const a = await server((_req, res) => text(res, 'A'));
      const b = await server((_req, res) => text(res, 'B'));
      const c = newClient({ baseUrl: a.url });
      assert.equal(await c.help(), 'A');
      c.updateOptions({ baseUrl: b.url });
      assert.equal(await c.help(), 'B');
      await c.close();
      await failsWith(c.help(), 'config');
      assert.equal(b.urls.length, 1);
    });

    it('turns a body time-out into a time-out error', async () => {
      const s = await server((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '40' });
        res.write('OK ID:');
      });
      const c = newClient({ baseUrl: s.url, bodyTimeoutMs: 150 });
      const e = await failsWith(c.send(creds, { destinations: ['393331234567'], sender: 'S', message: 'm' }), 'timeout');
      assert.equal(e.outcomeUnknown, true);
      assert.equal(s.urls.length, 1);
    });

    describe('checks input before any request', () => {
      let s: TestServer;
      let c: GatewayClient;
      beforeEach(async () => {
        s = await server((_req, res) => text(res, 'OK ID:1'));
        c = newClient({ baseUrl: s.url });
      });
      afterEach(() => assert.equal(s.urls.length, 0, 'nothing may reach the gateway'));

      for (const smsId of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
        it(`rejects SMS id ${smsId}`, async () => {
          await failsWith(c.status(creds, smsId), 'config');
        });
      }
      const badSends: Array<[string, Parameters<GatewayClient['send']>[1]]> = [
        ['no destination', { destinations: [], sender: 'S', message: 'm' }],
        ['an empty destination', { destinations: [''], sender: 'S', message: 'm' }],
        ['a destination with +', { destinations: ['+393331234567'], sender: 'S', message: 'm' }],
        ['a destination with the joiner', { destinations: ['39333.1234567'], sender: 'S', message: 'm' }],
        ['no sender', { destinations: ['393331234567'], sender: ' ', message: 'm' }],
        ['no message', { destinations: ['393331234567'], sender: 'S', message: '' }],
        ['a lone surrogate', { destinations: ['393331234567'], sender: 'S', message: 'x\ud800' }],
      ];
      for (const [name, req] of badSends) {
        it(`rejects a send with ${name}`, async () => {
          await failsWith(c.send(creds, req), 'config');
        });
      }
      it('rejects empty credentials and a bad country prefix', async () => {
        await failsWith(c.balance({ username: '', password: 'x' }), 'config');
        await failsWith(c.balance({ username: 'u', password: '' }), 'config');
        await failsWith(c.balance(creds, '+39'), 'config');
      });
      it('rejects a base URL that is not http(s)', async () => {
        c.updateOptions({ baseUrl: 'ftp://example.com' });
        await failsWith(c.help(), 'config');
        c.updateOptions({ baseUrl: 'not a url' });
        await failsWith(c.help(), 'config');
      });
    });
  });
});
