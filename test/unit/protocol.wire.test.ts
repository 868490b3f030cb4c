// What goes over the wire, client against the real sandbox in each of its modes (docs/PROTOCOL.md):
// endpoint sets, character sets, POST, answers in Latin-1, LC balance, every status, provider-local
// times, 414, held 1022, the platform's texts and sender set, and the sandbox's Host check and log bound.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import {
  charsetForSendUrl,
  ENDPOINT_SETS,
  isCleartextUrl,
  methodForSendUrl,
  percentDecode,
  percentEncode,
  transliterateLatin1,
  unrepresentableChars,
} from '../../src/gateway/endpoints';
import { decodeBody, GatewayClient } from '../../src/gateway/client';
import { GatewayError } from '../../src/gateway/errors';
import { httpError, parseBalanceAnswer, parseSendAnswer } from '../../src/gateway/protocol';
import { formatGatewayTime, parseGatewayTime } from '../../src/gateway/time';
import type { Credentials, GatewayClientOptions } from '../../src/gateway/types';
import { FaultySandbox, type SandboxOptions } from '../../src/sandbox/faults';
import { parseCliArgs } from '../../src/sandbox/cli';

const creds: Credentials = { username: 'sandbox', password: 'sandbox' };
const WINTER = Date.UTC(2026, 0, 2, 3, 4, 5);
const SUMMER = Date.UTC(2026, 6, 2, 3, 4, 5);
const ITALIAN = 'àèìòù €';

async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GatewayError, String(e));
    return e;
  }
  assert.fail('expected the call to fail');
}

describe('Endpoints and character sets (pure)', () => {
  it('each send endpoint has its character set and method', () => {
    assert.equal(charsetForSendUrl('https://www.inviosmart.it/webservice/sms/sendSMSHTTP.php'), 'iso-8859-1');
    assert.equal(charsetForSendUrl('https://www.inviosmart.it/webservice/sms/sendSMSHTTPUTF8.php'), 'utf-8');
    assert.equal(charsetForSendUrl('http://httpapi.inviosmart.it/sendsms/'), 'utf-8');
    assert.equal(methodForSendUrl('https://www.inviosmart.it/webservice/sms/sendSMSHTTP.php'), 'POST');
    assert.equal(methodForSendUrl('http://httpapi.inviosmart.it/sendsms/'), 'GET');
    assert.equal(ENDPOINT_SETS.webservice.origin, 'https://www.inviosmart.it');
  });

  it('percent-encodes the Latin-1 bytes, and refuses what Latin-1 cannot carry', () => {
    assert.equal(percentEncode('àèìòù a-b', 'iso-8859-1'), '%E0%E8%EC%F2%F9%20a-b');
    assert.equal(percentEncode('àè', 'utf-8'), '%C3%A0%C3%A8');
    assert.equal(percentEncode(ITALIAN, 'iso-8859-1'), undefined);
    assert.equal(percentDecode('%E0%E8+x', 'iso-8859-1'), 'àè x');
    assert.equal(percentDecode('%C3%A8', 'iso-8859-1'), 'Ã¨', 'UTF-8 bytes read as Latin-1: the garbling the setting prevents');
    assert.equal(percentDecode('%E8', 'utf-8'), undefined);
  });

  it('lists the unrepresentable characters once each, emoji whole, and transliterates what has a stand-in', () => {
    assert.deepEqual(unrepresentableChars(`${ITALIAN} ☕ € 👍🏽`, 'iso-8859-1'), ['€', '☕', '👍🏽']);
    assert.deepEqual(unrepresentableChars(`${ITALIAN} ☕`, 'utf-8'), []);
    const t = transliterateLatin1('Costa 5€ – “ok” ł ő ☕');
    assert.equal(t.text, 'Costa 5EUR - "ok" l o ☕');
    assert.deepEqual(t.replaced.map((r) => `${r.from}→${r.to}`), ['€→EUR', '–→-', '“→"', '”→"', 'ł→l', 'ő→o']);
    assert.deepEqual(t.left, ['☕']);
  });

  it('cleartext means plain http off this machine', () => {
    assert.equal(isCleartextUrl('http://httpapi.inviosmart.it'), true);
    assert.equal(isCleartextUrl('https://www.inviosmart.it'), false);
    assert.equal(isCleartextUrl('http://127.0.0.1:8080'), false);
    assert.equal(isCleartextUrl('http://localhost:1'), false);
  });

  it('reads an answer by its Content-Type charset, and invalid UTF-8 as Latin-1', () => {
    const latin1 = Buffer.from('Errore: è', 'latin1');
    assert.equal(decodeBody(latin1, 'text/plain; charset=ISO-8859-1'), 'Errore: è');
    assert.equal(decodeBody(latin1, 'text/plain'), 'Errore: è');
    assert.equal(decodeBody(latin1, 'text/plain; charset=utf-8'), 'Errore: è', 'a wrong label does not garble it');
    assert.equal(decodeBody(Buffer.from('Errore: è €', 'utf8'), undefined), 'Errore: è €');
  });

  it('reads provider-local times in Europe/Rome, winter and summer, and writes them back', () => {
    assert.equal(parseGatewayTime('20260102040405', 'Europe/Rome').date?.getTime(), WINTER);
    assert.equal(parseGatewayTime('20260702050405', 'Europe/Rome').date?.getTime(), SUMMER);
    assert.equal(parseGatewayTime('20260102030405').date?.getTime(), WINTER, 'UTC stays the default');
    assert.equal(formatGatewayTime(new Date(SUMMER), 'Europe/Rome'), '20260702050405');
    assert.equal(parseGatewayTime('00000000000000', 'Europe/Rome').date, undefined);
  });

  it('1022 inside a multi-destination answer marks that destination held; 414 on status is not about numbers', () => {
    const r = parseSendAnswer("OK ID:5|Status: 1022 - Awaiting cost confirmation, SMS did't sent yet.", ['391', '392']);
    const held = r.items[1];
    assert.ok(held && !held.ok);
    assert.deepEqual([held.error.code, held.error.held, held.error.retryable, held.error.outcomeUnknown], [1022, true, false, false]);
    assert.equal(r.items[0]?.ok, true);
    assert.doesNotMatch(httpError('status', 414, '').explanation, /numbers/);
  });

  it('balance accepts the newer extra fields and reads the low-cost count', () => {
    const r = parseBalanceAnswer('Status: 1000 - Balance:12.50|SmsRemainCount:227|LCSmsRemainCount:284', '39');
    assert.deepEqual([r.balance, r.smsRemainCount, r.lcSmsRemainCount], [12.5, 227, 284]);
    const other = parseBalanceAnswer('Status: 1000 - Balance:1.00|SmsRemainCount:-9999|LCSmsRemainCount:-9999|Bonus:3');
    assert.deepEqual([other.smsRemainCount, other.lcSmsRemainCount], [undefined, undefined]);
    assert.throws(() => parseBalanceAnswer('Status: 1000 - Balance:1.00|SmsRemainCount:5|LCSmsRemainCount:x'),
      (e: unknown) => e instanceof GatewayError && e.kind === 'malformed' && /low-cost/.test(e.explanation));
  });
});

describe('Client against the sandbox, mode by mode', function () {
  this.timeout(20_000);
  let now = WINTER;
  const clock = { now: () => now };
  const open: Array<{ close(): Promise<void> }> = [];

  async function rig(sandbox: SandboxOptions = {}, client: GatewayClientOptions = {}): Promise<{ gw: FaultySandbox; c: GatewayClient }> {
    const gw = await FaultySandbox.start({ clock, ...sandbox });
    const c = new GatewayClient({ baseUrl: gw.url, endpoints: 'webservice', retryBaseDelayMs: 1, retryMaxDelayMs: 2, ...client });
    open.push(c, gw);
    return { gw, c };
  }

  beforeEach(() => {
    now = WINTER;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((x) => x.close()));
  });

  it('webservice set: POST to sendSMSHTTP.php with Latin-1 bytes, the password in no URL; status and balance on their .php twins', async () => {
    const { gw, c } = await rig();
    assert.equal(c.sendCharset, 'iso-8859-1');
    assert.equal(c.sendMethod, 'POST');
    const r = await c.send(creds, { destinations: ['393391234567'], sender: 'Shop(IT)', message: 'àèìòù EUR' });
    assert.ok(r.items[0]?.ok);
    const sent = gw.requests.at(-1)!;
    assert.deepEqual([sent.method, sent.path, sent.charset], ['POST', '/webservice/sms/sendSMSHTTP.php', 'iso-8859-1']);
    assert.equal(sent.rawMessage, '%E0%E8%EC%F2%F9%20EUR', 'one byte per accented letter');
    assert.equal(gw.messages[0]?.message, 'àèìòù EUR');
    assert.equal(gw.messages[0]?.sender, 'Shop(IT)');
    const st = await c.status(creds, r.items[0].ok ? r.items[0].smsId : 0);
    assert.equal(st.status.code, 1);
    const b = await c.balance(creds, '39');
    assert.ok(b.balance > 0);
    assert.deepEqual(gw.requests.map((q) => `${q.method} ${q.path}`), [
      'POST /webservice/sms/sendSMSHTTP.php', 'GET /webservice/sms/getSMSStatus.php', 'GET /webservice/sms/getAccountBalance.php',
    ]);
  });

  it('Latin-1: a character it cannot carry stops the send before any request, naming it', async () => {
    const { gw, c } = await rig();
    const e = await rejection(c.send(creds, { destinations: ['393391234567'], sender: 'Shop', message: ITALIAN }));
    assert.equal(e.kind, 'config');
    assert.match(e.gatewayText, /ISO-8859-1.*: €$/);
    assert.equal(e.outcomeUnknown, false);
    assert.equal(gw.requestCount(), 0);
  });

  it('httpapi set: GET /sendsms/ with UTF-8 bytes, € and all', async () => {
    const { gw, c } = await rig({}, { endpoints: 'httpapi' });
    assert.deepEqual([c.sendCharset, c.sendMethod], ['utf-8', 'GET']);
    await c.send(creds, { destinations: ['393391234567'], sender: 'Shop', message: ITALIAN });
    const sent = gw.requests.at(-1)!;
    assert.deepEqual([sent.method, sent.path], ['GET', '/sendsms']);
    assert.equal(sent.rawMessage, '%C3%A0%C3%A8%C3%AC%C3%B2%C3%B9%20%E2%82%AC');
    assert.equal(gw.messages[0]?.message, ITALIAN);
  });

  it('charset setting utf-8 on the webservice set sends UTF-8 bytes (the UTF8.php twin reads them intact)', async () => {
    const { gw, c } = await rig({}, { charset: 'utf-8', sendUrl: '' });
    const utf8 = new GatewayClient({ baseUrl: gw.url, sendUrl: `${gw.url}/webservice/sms/sendSMSHTTPUTF8.php` });
    open.push(utf8);
    assert.equal(utf8.sendCharset, 'utf-8');
    await utf8.send(creds, { destinations: ['393391234567'], sender: 'Shop', message: ITALIAN });
    assert.equal(gw.messages[0]?.message, ITALIAN);
    // The same bytes to the Latin-1 endpoint arrive garbled: why the charset must follow the endpoint.
    assert.equal(c.sendCharset, 'utf-8');
    await c.send(creds, { destinations: ['393391234567'], sender: 'Shop', message: 'è' });
    assert.equal(gw.messages[1]?.message, 'Ã¨');
  });

  it('a sandbox switched to Latin-1 everywhere reads a Latin-1 client on the httpapi path', async () => {
    const { gw, c } = await rig({ charset: 'iso-8859-1' }, { endpoints: 'httpapi', charset: 'iso-8859-1' });
    await c.send(creds, { destinations: ['393391234567'], sender: 'Shop', message: 'perché' });
    assert.equal(gw.messages[0]?.message, 'perché');
    assert.equal(gw.requests[0]?.rawMessage, 'perch%E9');
  });

  it('sendMethod GET on the webservice set puts the form in the query; a GET-only sandbox refuses POST with 405, nothing sent', async () => {
    const { gw, c } = await rig({ acceptPost: false }, { sendMethod: 'GET' });
    await c.send(creds, { destinations: ['393391234567'], sender: 'Shop', message: 'hi' });
    assert.equal(gw.requests[0]?.method, 'GET');
    const post = new GatewayClient({ baseUrl: gw.url, endpoints: 'webservice' });
    open.push(post);
    const e = await rejection(post.send(creds, { destinations: ['393391234567'], sender: 'Shop', message: 'hi' }));
    assert.deepEqual([e.kind, e.code, e.outcomeUnknown], ['http', 405, false]);
    assert.equal(gw.messages.length, 1);
  });

  it('LC balance switch: the low-cost count is read; without it there is none', async () => {
    const { c: lc } = await rig({ lowCostBalance: true });
    const withLc = await lc.balance(creds, '39');
    assert.ok(withLc.lcSmsRemainCount !== undefined && withLc.smsRemainCount !== undefined && withLc.lcSmsRemainCount > withLc.smsRemainCount);
    const { c: plain } = await rig();
    assert.equal((await plain.balance(creds, '39')).lcSmsRemainCount, undefined);
  });

  it('Europe/Rome switch: a client told the zone reads the true instant; one reading UTC is an hour off', async () => {
    for (const at of [WINTER, SUMMER]) {
      now = at;
      const { c } = await rig({ timeZone: 'Europe/Rome' }, { timeZone: 'Europe/Rome' });
      const r = await c.send(creds, { destinations: ['393391234567'], sender: 'Shop', message: 'hi' });
      const id = r.items[0]?.ok ? r.items[0].smsId : 0;
      assert.equal((await c.status(creds, id)).submittedOn.date?.getTime(), at);
      const utc = new GatewayClient({ baseUrl: c.urls().send.replace(/\/webservice.*$/, ''), endpoints: 'webservice' });
      open.push(utc);
      const offset = at === WINTER ? 3_600_000 : 7_200_000;
      assert.equal((await utc.status(creds, id)).submittedOn.date?.getTime(), at + offset);
    }
  });

  it('414 switch: hundreds of numbers in one GET are refused as too many numbers, nothing sent; POST carries them', async () => {
    const { gw, c } = await rig({}, { endpoints: 'httpapi' });
    const many = Array.from({ length: 700 }, (_, i) => `3933${String(1000000 + i)}`);
    const e = await rejection(c.send(creds, { destinations: many, sender: 'Shop', message: 'hi' }));
    assert.deepEqual([e.kind, e.code, e.outcomeUnknown, e.retryable], ['http', 414, false, false]);
    assert.match(e.explanation, /Too many numbers in one request/);
    assert.equal(gw.messages.length, 0);
    const post = new GatewayClient({ baseUrl: gw.url, endpoints: 'webservice' });
    open.push(post);
    const r = await post.send(creds, { destinations: many.slice(0, 300), sender: 'Shop', message: 'hi' });
    assert.equal(r.items.filter((i) => i.ok).length, 300);
    const off = await rig({ maxRequestLine: 0 }, { endpoints: 'httpapi' });
    assert.equal((await off.c.send(creds, { destinations: many.slice(0, 700), sender: 'Shop', message: 'hi' })).items.length, 700);
  });

  it('every documented status is reachable and decoded: 4, 256, 512, 1024, 16384, 32768', async () => {
    const { gw, c } = await rig();
    const endings = ['05', '06', '07', '08', '09'];
    const r = await c.send(creds, { destinations: endings.map((e) => `3933912345${e}`), sender: 'Shop', message: 'hi' });
    const ids = r.items.map((i) => (i.ok ? i.smsId : 0));
    const at = async (ms: number): Promise<Array<[number, boolean]>> => {
      now = WINTER + ms;
      return Promise.all(ids.map(async (id) => {
        const s = await c.status(creds, id);
        return [s.status.code, s.status.final] as [number, boolean];
      }));
    };
    assert.deepEqual(await at(3000), [[4, false], [256, true], [512, true], [1024, true], [16384, false]]);
    assert.deepEqual((await at(6000)).map(([code]) => code), [2048, 256, 512, 1024, 32768]);
    assert.ok(gw.requestCount('status') >= 10);
  });

  it("answers with the platform's own texts: 'Authendication' is still 1012", async () => {
    const { c } = await rig();
    const e = await rejection(c.balance({ username: 'sandbox', password: 'wrong' }));
    assert.deepEqual([e.kind, e.code], ['gateway', 1012]);
    assert.match(e.gatewayText, /^Error: 1012 - Authendication failure/);
  });

  it('1022 (cost confirmation) is held: not retryable, not unknown, and says the website would send it', async () => {
    const { gw, c } = await rig({ costConfirmationAbove: 0.01 });
    const e = await rejection(c.send(creds, { destinations: ['393391234567'], sender: 'Shop', message: 'hi' }));
    assert.deepEqual([e.code, e.held, e.retryable, e.outcomeUnknown], [1022, true, false, false]);
    assert.match(e.gatewayText, /did't sent yet\.$/);
    assert.match(e.explanation, /confirming it there sends it/);
    assert.equal(e.toInfo().held, true);
    assert.equal(gw.messages.length, 0);
  });

  it('sender set: Shop(IT) passes, a 12-digit numeric sender is 1007, My_Name is 1021', async () => {
    const { c } = await rig();
    assert.ok((await c.send(creds, { destinations: ['393391234567'], sender: 'Shop(IT)', message: 'hi' })).items[0]?.ok);
    assert.equal((await rejection(c.send(creds, { destinations: ['393391234567'], sender: '393391234567', message: 'hi' }))).code, 1007);
    assert.equal((await rejection(c.send(creds, { destinations: ['393391234567'], sender: 'My_Name', message: 'hi' }))).code, 1021);
  });

  it('a Latin-1 refusal stays a refusal, labelled or not', async () => {
    for (const label of [true, false]) {
      const { gw, c } = await rig();
      gw.injectFault({ fault: { kind: 'text', body: 'Error: 1009 - Il messaggio contiene un carattere non valido: è', charset: 'iso-8859-1', label }, times: 1 });
      const e = await rejection(c.send(creds, { destinations: ['393391234567'], sender: 'Shop', message: 'hi' }));
      assert.deepEqual([e.kind, e.code, e.outcomeUnknown], ['gateway', 1009, false], `label ${label}`);
      assert.match(e.gatewayText, /valido: è$/);
      gw.injectFault({ fault: { kind: 'text', body: 'Errore interno, riprova più tardi.', charset: 'iso-8859-1', label }, times: 1 });
      const u = await rejection(c.balance(creds));
      assert.equal(u.kind, 'unnumbered');
      assert.match(u.gatewayText, /più tardi\.$/);
    }
  });

  it('the sandbox answers only a loopback Host and Origin (DNS rebinding), sending nothing otherwise', async () => {
    const { gw } = await rig();
    const ask = (headers: Record<string, string>): Promise<number> => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: gw.port, path: '/sendsms/?username=sandbox&password=sandbox&destination=393391234567&sender=Shop&message=x', headers, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(await ask({ host: 'attacker.example' }), 403);
    assert.equal(await ask({ host: `attacker.example:${gw.port}` }), 403);
    assert.equal(await ask({ host: `127.0.0.1:${gw.port}`, origin: 'http://attacker.example' }), 403);
    assert.equal(gw.messages.length, 0);
    assert.equal(await ask({ host: `localhost:${gw.port}` }), 200);
    assert.equal(await ask({ host: `127.0.0.1:${gw.port}`, origin: `http://127.0.0.1:${gw.port}` }), 200);
    assert.equal(gw.messages.length, 2);
  });

  it('the request log is bounded; the counts are not', async () => {
    const { gw, c } = await rig({ maxLoggedRequests: 5 });
    for (let i = 0; i < 8; i++) await c.balance(creds);
    assert.equal(gw.requests.length, 5);
    assert.equal(gw.requestCount(), 8);
    assert.equal(gw.requestCount('balance'), 8);
  });
});

describe('Sandbox CLI switches', () => {
  it('reads every switch', () => {
    const o = parseCliArgs(['--charset', 'iso-8859-1', '--get-only', '--lc-balance', '--time-zone', 'Europe/Rome', '--max-request-line', '0', '--cost-confirmation-above', '2']);
    assert.ok(o !== 'help');
    assert.deepEqual([o.charset, o.acceptPost, o.lowCostBalance, o.timeZone, o.maxRequestLine, o.costConfirmationAbove], ['iso-8859-1', false, true, 'Europe/Rome', 0, 2]);
    const d = parseCliArgs([]);
    assert.ok(d !== 'help');
    assert.deepEqual([d.charset, d.acceptPost, d.lowCostBalance, d.timeZone, d.maxRequestLine], ['by-path', true, false, 'UTC', 8192]);
  });

  it('refuses bad values with the flag named', () => {
    assert.throws(() => parseCliArgs(['--charset', 'koi8-r']), /--charset/);
    assert.throws(() => parseCliArgs(['--time-zone', 'Mars/Olympus']), /--time-zone/);
    assert.throws(() => parseCliArgs(['--max-request-line', '-1']), /--max-request-line/);
  });
});
