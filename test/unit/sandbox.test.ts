import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import * as fc from 'fast-check';
import {
  DEFAULT_HELP_TEXT,
  FaultySandbox,
  UNKNOWN_SMSID_ANSWER,
  type SandboxAccount,
  type SandboxOptions,
} from '../../src/sandbox/faults';
import { formatGatewayTime } from '../../src/gateway/time';
import { statusAt, statusTimeline, priceFor, smsRemainCount } from '../../src/sandbox/rules';

const CREDS = { username: 'sandbox', password: 'sandbox' };
const START = Date.UTC(2026, 0, 2, 3, 4, 5); // 20260102030405

interface Answer {
  status: number;
  body: string;
  contentType: string | null;
}

/** GET with URLSearchParams encoding (spaces as '+', like a form). */
async function get(gw: FaultySandbox, route: string, params: Record<string, string> = {}): Promise<Answer> {
  const query = new URLSearchParams(params).toString();
  const res = await fetch(`${gw.url}${route}${query ? `?${query}` : ''}`);
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') };
}

/** GET with a raw, unnormalised request target and the body as bytes. */
function rawGet(gw: FaultySandbox, target: string, method = 'GET'): Promise<{ status: number; body: Buffer; contentType?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: gw.port, path: target, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: res.headers['content-type'] }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const send = (gw: FaultySandbox, params: Record<string, string>): Promise<Answer> =>
  get(gw, '/sendsms/', { ...CREDS, destination: '393391234567', sender: 'Test', message: 'Hello', ...params });
const status = (gw: FaultySandbox, smsId: string | number, creds = CREDS): Promise<Answer> =>
  get(gw, '/smsstatus/', { ...creds, SMSId: String(smsId) });
const balance = (gw: FaultySandbox, params: Record<string, string> = {}): Promise<Answer> =>
  get(gw, '/account-balance/', { ...CREDS, ...params });

function idOf(answer: string): number {
  const m = /^OK ID:(\d+)$/.exec(answer);
  assert.ok(m, `not an OK answer: ${answer}`);
  return Number(m[1]);
}

describe('SandboxGateway', () => {
  let gw: FaultySandbox;
  let now: number;
  const clock = { now: () => now };
  const open: FaultySandbox[] = [];

  async function start(opts: SandboxOptions = {}): Promise<FaultySandbox> {
    const g = await FaultySandbox.start({ clock, ...opts });
    open.push(g);
    return g;
  }

  beforeEach(async () => {
    now = START;
    gw = await start();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((g) => g.close()));
  });

  describe('routes', () => {
    it('listens on 127.0.0.1 with a free port', () => {
      assert.match(gw.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(gw.port > 0);
      assert.equal(gw.url, `http://127.0.0.1:${gw.port}`);
    });

    it('answers /help with the usage text, no credentials needed', async () => {
      for (const route of ['/help', '/help/']) {
        const a = await get(gw, route);
        assert.equal(a.status, 200);
        assert.equal(a.contentType, 'text/plain; charset=utf-8');
        assert.equal(a.body, DEFAULT_HELP_TEXT);
        for (const word of ['/sendsms/', '/smsstatus/', '/account-balance/', 'SMSId', 'countryprefix', 'pricecat']) {
          assert.ok(a.body.includes(word), word);
        }
      }
    });

    it('uses the helpText option', async () => {
      const custom = await start({ helpText: 'custom help' });
      assert.equal((await get(custom, '/help')).body, 'custom help');
    });

    it('sends through /sendsms/, /sendsms and /webservice/sms/sendSMSHTTP.php', async () => {
      const ids: number[] = [];
      for (const route of ['/sendsms/', '/sendsms', '/webservice/sms/sendSMSHTTP.php']) {
        const a = await get(gw, route, { ...CREDS, destination: '393391234567', sender: 'Test', message: 'Hi' });
        assert.equal(a.status, 200);
        ids.push(idOf(a.body));
      }
      assert.ok(ids[0] >= 1000);
      assert.deepEqual(ids, [ids[0], ids[0] + 1, ids[0] + 2]);
      assert.equal(gw.requestCount('send'), 3);
    });

    it('answers an unknown path with 404 and methods other than GET and POST with 405', async () => {
      const missing = await rawGet(gw, '/nope?username=sandbox');
      assert.equal(missing.status, 404);
      assert.match(missing.body.toString(), /^Not found/);
      const put = await rawGet(gw, '/sendsms/?username=sandbox', 'PUT');
      assert.equal(put.status, 405);
      const getOnly = await start({ acceptPost: false });
      const post = await rawGet(getOnly, '/sendsms/?username=sandbox', 'POST');
      assert.equal(post.status, 405);
      assert.equal(gw.messages.length + getOnly.messages.length, 0);
      assert.deepEqual(gw.requests.map((r) => r.command), ['unknown', 'send']);
    });

    it('logs every request with the password redacted and the clock time', async () => {
      now = START + 42;
      await send(gw, {});
      await balance(gw);
      assert.equal(gw.requestCount(), 2);
      assert.equal(gw.requestCount('balance'), 1);
      assert.equal(gw.requestCount('status'), 0);
      assert.deepEqual(gw.requests[0], {
        command: 'send',
        method: 'GET',
        path: '/sendsms',
        charset: 'utf-8',
        query: { username: 'sandbox', password: '***', destination: '393391234567', sender: 'Test', message: 'Hello' },
        rawMessage: 'Hello',
        at: START + 42,
      });
      assert.ok(!JSON.stringify(gw.requests).includes('password":"sandbox'));
    });
  });

  describe('authentication', () => {
    const routes: Array<[string, Record<string, string>]> = [
      ['/sendsms/', { destination: '393391234567', sender: 'Test', message: 'Hi' }],
      ['/smsstatus/', { SMSId: '1' }],
      ['/account-balance/', {}],
    ];
    for (const [route, extra] of routes) {
      it(`checks 1001, 1002, 1012, 1038 in order on ${route}`, async () => {
        const cases: Array<[Record<string, string>, string]> = [
          [{}, 'Error: 1001 - No username given'],
          [{ password: 'sandbox' }, 'Error: 1001 - No username given'],
          [{ username: 'sandbox' }, 'Error: 1002 - No password given'],
          [{ username: 'sandbox', password: 'wrong' }, 'Error: 1012 - Authendication failure: username and/or password mismatch'],
          [{ username: 'nobody', password: 'sandbox' }, 'Error: 1012 - Authendication failure: username and/or password mismatch'],
        ];
        for (const [creds, expected] of cases) {
          const a = await get(gw, route, { ...creds, ...extra });
          assert.equal(a.status, 200);
          assert.equal(a.body, expected, JSON.stringify(creds));
        }
        gw.account('sandbox')!.disabled = true;
        assert.equal((await get(gw, route, { ...CREDS, ...extra })).body, 'Error: 1038 - User is disabled');
        assert.equal((await get(gw, route, { username: 'sandbox', password: 'x', ...extra })).body.slice(0, 11), 'Error: 1012');
      });
    }

    it('uses the accounts given, copied so the options can be reused', async () => {
      const accounts: SandboxAccount[] = [
        { username: 'alice', password: 'a-pass', balance: 1 },
        { username: 'bob', password: 'b pass+&=', balance: 2 },
      ];
      const g = await start({ accounts });
      assert.equal((await get(g, '/account-balance/', CREDS)).body.slice(0, 11), 'Error: 1012');
      assert.equal((await get(g, '/account-balance/', { username: 'bob', password: 'b pass+&=' })).body, 'Status: 1000 - Balance:2.00|SmsRemainCount:-9999');
      await get(g, '/sendsms/', { username: 'alice', password: 'a-pass', destination: '393391234567', sender: 'A', message: 'x' });
      assert.equal(g.account('alice')!.balance, 0.945);
      assert.equal(accounts[0].balance, 1);
      assert.equal(g.account('carol'), undefined);
    });
  });

  describe('send validation', () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no destination', { destination: '' }, 'Error: 1003 - No destination number given'],
      ['blank destination', { destination: '  ' }, 'Error: 1003 - No destination number given'],
      ['leading +', { destination: '+393391234567' }, 'Error: 1005 - Invalid destination number'],
      ['leading 00', { destination: '00393391234567' }, 'Error: 1005 - Invalid destination number'],
      ['letters', { destination: '39339123456a' }, 'Error: 1005 - Invalid destination number'],
      ['too short', { destination: '1234567' }, 'Error: 1005 - Invalid destination number'],
      ['too long', { destination: '1234567890123456' }, 'Error: 1005 - Invalid destination number'],
      ['no sender', { sender: '' }, 'Error: 1008 - No sender name or number given'],
      ['long sender', { sender: 'InviosmartSM' }, 'Error: 1006 - Alphanumeric sender longer than accepted'],
      ['digits-only sender', { sender: '3391234567' }, 'Error: 1016 - Not enough alphanumeric characters in sender'],
      ['bad sender character', { sender: 'Caffè' }, 'Error: 1021 - Invalid characters in sender'],
      ['empty text', { message: '' }, 'Error: 1011 - No SMS text given'],
      ['text over 612', { message: 'a'.repeat(613) }, 'Error: 1029 - Message longer than 612 characters (4 SMS)'],
      ['extension chars over 612 septets', { message: '€'.repeat(307) }, 'Error: 1029 - Message longer than 612 characters (4 SMS)'],
      ['bad pricecat', { pricecat: '7' }, 'Error: 1028 - No valid parameters given'],
      // The documented order: destination before sender before text.
      ['destination first', { destination: 'x', sender: '', message: '' }, 'Error: 1005 - Invalid destination number'],
      ['sender before text', { sender: '', message: '' }, 'Error: 1008 - No sender name or number given'],
    ];
    for (const [name, params, expected] of cases) {
      it(`${name} → ${expected.slice(0, 11)}`, async () => {
        const a = await send(gw, params);
        assert.equal(a.status, 200);
        assert.equal(a.body, expected);
        assert.equal(gw.messages.length, 0);
        assert.equal(gw.account('sandbox')!.balance, 25);
      });
    }

    it('accepts exactly 612 characters, the pricecat flag and the sandbox sender rules', async () => {
      idOf((await send(gw, { message: 'a'.repeat(612) })).body);
      idOf((await send(gw, { pricecat: '1', sender: 'B&B-Roma' })).body);
      idOf((await send(gw, { pricecat: '0', sender: 'Shop(IT)<1>' })).body);
      assert.deepEqual(gw.messages.map((m) => [m.parts, m.pricecat, m.sender]), [[4, 0, 'Test'], [1, 1, 'B&B-Roma'], [1, 0, 'Shop(IT)<1>']]);
    });

    it('answers 1013 when the balance is zero, before looking at destinations', async () => {
      gw.account('sandbox')!.balance = 0;
      assert.equal((await send(gw, {})).body, 'Error: 1013 - No credits available for user');
      assert.equal((await send(gw, { destination: '393391234567.447700900123' })).body, 'Error: 1013 - No credits available for user');
    });

    it('answers 1018 when this destination costs more than the balance, charging nothing', async () => {
      gw.account('sandbox')!.balance = 0.1;
      assert.equal((await send(gw, { message: 'a'.repeat(161) })).body, 'Error: 1018 - Not enough credits for that destination');
      assert.equal(gw.account('sandbox')!.balance, 0.1);
      // 0.1 pays one 1-part SMS to Italy (0.055) but not a second one.
      const a = await send(gw, { destination: '393391234567.393391234568' });
      assert.match(a.body, /^OK ID:\d+\|Error: 1018 - Not enough credits for that destination$/);
      assert.equal(gw.account('sandbox')!.balance, 0.045);
      // ...but it still pays a cheaper US one.
      assert.match((await send(gw, { destination: '12025550123' })).body, /^OK ID:\d+$/);
      assert.equal(gw.account('sandbox')!.balance, 0.005);
    });

    it('answers per destination, joined with |, in order', async () => {
      const a = await send(gw, { destination: '393391234567.12.447700900123..+3912345678' });
      const parts = a.body.split('|');
      assert.equal(parts.length, 5);
      const first = idOf(parts[0]);
      assert.equal(parts[1], 'Error: 1005 - Invalid destination number');
      assert.equal(idOf(parts[2]), first + 1);
      assert.equal(parts[3], 'Error: 1003 - No destination number given');
      assert.equal(parts[4], 'Error: 1005 - Invalid destination number');
      assert.deepEqual(gw.messages.map((m) => m.destination), ['393391234567', '447700900123']);
      assert.equal(gw.account('sandbox')!.balance, 24.875);
    });

    it('answers 1005 per destination when none is valid', async () => {
      assert.equal((await send(gw, { destination: '12.34', sender: '' })).body, 'Error: 1005 - Invalid destination number|Error: 1005 - Invalid destination number');
    });

    it('receives UTF-8 text intact, with + as space and %2B as plus', async () => {
      const text = 'Caffè ☕ 𝄞 Ελλάδα + 1€ {ok}\nriga 2';
      idOf((await send(gw, { message: text })).body);
      assert.equal(gw.messages[0].message, text);
      // encodeURIComponent-style encoding arrives the same.
      const target = `/sendsms/?username=sandbox&password=sandbox&destination=393391234567&sender=Test&message=${encodeURIComponent(text)}`;
      idOf((await rawGet(gw, target)).body.toString());
      assert.equal(gw.messages[1].message, text);
      idOf((await rawGet(gw, '/sendsms/?username=sandbox&password=sandbox&destination=393391234567&sender=My-Shop&message=a+b%2Bc')).body.toString());
      assert.equal(gw.messages[2].message, 'a b+c');
      assert.equal((await rawGet(gw, '/sendsms/?username=sandbox&password=sandbox&destination=393391234567&sender=My+Shop&message=a')).body.toString(),
        'Error: 1021 - Invalid characters in sender', "'+' is a space, and a space is not in the platform's sender set");
    });

    it('answers 1028 for malformed percent-encoding instead of failing', async () => {
      for (const target of [
        '/sendsms/?username=sandbox&password=sandbox&destination=393391234567&sender=Test&message=%E0%A4%A',
        '/sendsms/?username=sandbox&password=sandbox&destination=393391234567&sender=Test&message=caff%E8',
        '/smsstatus/?username=%&password=sandbox&SMSId=1',
        '/account-balance/?%ZZ',
      ]) {
        const a = await rawGet(gw, target);
        assert.equal(a.status, 200);
        assert.equal(a.body.toString(), 'Error: 1028 - No valid parameters given', target);
      }
      assert.equal(gw.messages.length, 0);
    });
  });

  describe('charging', () => {
    const cases: Array<[string, string, number, number]> = [
      // [destination, message, parts, charge]
      ['393391234567', 'a'.repeat(160), 1, 0.055],
      ['393391234567', 'a'.repeat(161), 2, 0.11],
      ['393391234567', 'a'.repeat(306), 2, 0.11],
      ['393391234567', 'a'.repeat(307), 3, 0.165],
      ['393391234567', '€'.repeat(80), 1, 0.055],
      ['393391234567', '€'.repeat(80) + '.', 2, 0.11],
      ['393391234567', 'ж'.repeat(70), 1, 0.055],
      ['393391234567', 'ж'.repeat(71), 2, 0.11],
      ['393391234567', 'ж'.repeat(134), 2, 0.11],
      ['393391234567', 'ж'.repeat(135), 3, 0.165],
      ['393391234567', '😀'.repeat(36), 2, 0.11],
      ['306912345678', 'hi', 1, 0.06],
      ['447700900123', 'hi', 1, 0.07],
      ['12025550123', 'hi', 1, 0.04],
      ['4915112345678', 'hi', 1, 0.09],
      ['4915112345678', 'a'.repeat(612), 4, 0.36],
    ];
    for (const [destination, message, parts, charge] of cases) {
      it(`${message.length} × '${[...message][0]}' to ${destination}: ${parts} part(s), ${charge} EUR`, async () => {
        const id = idOf((await send(gw, { destination, message })).body);
        assert.equal(gw.account('sandbox')!.balance, Math.round((25 - charge) * 10000) / 10000);
        const line = (await status(gw, id)).body.split(':');
        assert.equal(line[5], String(parts));
        assert.equal(line[6], String(charge));
      });
    }

    it('picks the longest matching price prefix', async () => {
      const prices = { '39': 0.05, '393': 0.08, '': 0.2 };
      const g = await start({ accounts: [{ ...CREDS, balance: 10, prices }] });
      await get(g, '/sendsms/', { ...CREDS, destination: '393391234567.390612345678.4915112345678', sender: 'T', message: 'x' });
      assert.deepEqual(g.messages.map((m) => m.charge), [0.08, 0.05, 0.2]);
      assert.equal(priceFor('4915112345678'), 0.09);
      assert.equal(priceFor('12025550123'), 0.04);
    });

    it('keeps the balance exact over many charges', async () => {
      for (let i = 0; i < 20; i++) await send(gw, {});
      assert.equal(gw.account('sandbox')!.balance, 23.9);
      assert.equal((await balance(gw)).body, 'Status: 1000 - Balance:23.90|SmsRemainCount:-9999');
    });
  });

  describe('balance', () => {
    it('answers -9999 without countryprefix and floor(balance / price) with it', async () => {
      assert.equal((await balance(gw)).body, 'Status: 1000 - Balance:25.00|SmsRemainCount:-9999');
      assert.equal((await balance(gw, { countryprefix: '' })).body, 'Status: 1000 - Balance:25.00|SmsRemainCount:-9999');
      const expected: Array<[string, number]> = [['39', 454], ['44', 357], ['1', 625], ['30', 416], ['49', 277]];
      for (const [prefix, count] of expected) {
        assert.equal((await balance(gw, { countryprefix: prefix })).body, `Status: 1000 - Balance:25.00|SmsRemainCount:${count}`, prefix);
      }
      await send(gw, { message: 'a'.repeat(161) }); // 0.11
      assert.equal((await balance(gw, { countryprefix: '39' })).body, 'Status: 1000 - Balance:24.89|SmsRemainCount:452');
      assert.equal(smsRemainCount(0.11, 0.055), 2); // exact, not 1.9999…
    });

    it('rounds the balance to cents and counts 0 when empty', async () => {
      gw.account('sandbox')!.balance = 0.045;
      assert.equal((await balance(gw, { countryprefix: '39' })).body, 'Status: 1000 - Balance:0.05|SmsRemainCount:0');
    });

    it('answers 1028 for a countryprefix that is not a prefix', async () => {
      for (const countryprefix of ['abc', '+39', '0039', '12345']) {
        assert.equal((await balance(gw, { countryprefix })).body, 'Error: 1028 - No valid parameters given', countryprefix);
      }
    });
  });

  describe('status', () => {
    it('answers 1027 without SMSId, 1028 for a non-numeric one, and a documented error for unknown ids', async () => {
      assert.equal((await get(gw, '/smsstatus/', CREDS)).body, 'Error: 1027 - No SMS ID given');
      assert.equal((await status(gw, '')).body, 'Error: 1027 - No SMS ID given');
      for (const bad of ['abc', '12a', '-5', '1.5', ' 12']) {
        assert.equal((await status(gw, bad)).body, 'Error: 1028 - No valid parameters given', bad);
      }
      assert.equal((await status(gw, 1)).body, UNKNOWN_SMSID_ANSWER);
      assert.equal(UNKNOWN_SMSID_ANSWER, 'Error: 1028 - No valid parameters given: unknown SMSId');
    });

    it("treats another user's id as unknown", async () => {
      const g = await start({ accounts: [{ ...CREDS, balance: 5 }, { username: 'other', password: 'pw', balance: 5 }] });
      const id = idOf((await get(g, '/sendsms/', { username: 'other', password: 'pw', destination: '393391234567', sender: 'O', message: 'x' })).body);
      assert.equal((await get(g, '/smsstatus/', { ...CREDS, SMSId: String(id) })).body, UNKNOWN_SMSID_ANSWER);
      assert.match((await get(g, '/smsstatus/', { username: 'other', password: 'pw', SMSId: String(id) })).body, new RegExp(`^${id}:`));
    });

    it('moves Queued → Queued on SMSC → Delivered on the manual clock', async () => {
      const id = idOf((await send(gw, {})).body);
      const at = async (ms: number): Promise<string> => {
        now = START + ms;
        return (await status(gw, id)).body;
      };
      assert.equal(await at(0), `${id}:20260102030405:393391234567:00000000000000:1:1:0.055`);
      assert.equal(await at(999), `${id}:20260102030405:393391234567:00000000000000:1:1:0.055`);
      assert.equal(await at(1000), `${id}:20260102030405:393391234567:20260102030406:2:1:0.055`);
      assert.equal(await at(2999), `${id}:20260102030405:393391234567:20260102030406:2:1:0.055`);
      assert.equal(await at(3000), `${id}:20260102030405:393391234567:20260102030408:2048:1:0.055`);
      assert.equal(await at(86_400_000), `${id}:20260102030405:393391234567:20260102030408:2048:1:0.055`);
    });

    const outcomes: Array<[string, number[]]> = [
      // statuses at 0 s, 1 s, 3 s, 6 s, 1 day
      ['393391234500', [1, 2, 32, 32, 32]],
      ['393391234501', [1, 2, 128, 128, 128]],
      ['393391234502', [1, 2, 64, 64, 64]],
      ['393391234503', [1, 2, 8, 8, 8]],
      ['393391234504', [1, 2, 16, 2048, 2048]],
      ['393391234505', [1, 2, 4, 2048, 2048]],
      ['393391234506', [1, 2, 256, 256, 256]],
      ['393391234507', [1, 2, 512, 512, 512]],
      ['393391234508', [1, 2, 1024, 1024, 1024]],
      ['393391234509', [1, 2, 16384, 32768, 32768]],
      ['393391234510', [1, 2, 2048, 2048, 2048]],
      ['393391234599', [1, 2, 2048, 2048, 2048]],
    ];
    for (const [destination, expected] of outcomes) {
      it(`${destination.slice(-2)} ends as ${expected[4]}`, async () => {
        const id = idOf((await send(gw, { destination })).body);
        const seen: number[] = [];
        for (const ms of [0, 1000, 3000, 6000, 86_400_000]) {
          now = START + ms;
          seen.push(Number((await status(gw, id)).body.split(':')[4]));
        }
        assert.deepEqual(seen, expected);
      });
    }

    it('reports the time of the last change for the temporarily-unavailable retry', async () => {
      const id = idOf((await send(gw, { destination: '393391234504' })).body);
      now = START + 6000;
      assert.equal((await status(gw, id)).body.split(':')[3], '20260102030411');
    });

    it('divides the timeline by timeScale', async () => {
      const fast = await start({ timeScale: 10 });
      const id = idOf((await get(fast, '/sendsms/', { ...CREDS, destination: '393391234504', sender: 'T', message: 'x' })).body);
      const statusNow = async (): Promise<string> => (await get(fast, '/smsstatus/', { ...CREDS, SMSId: String(id) })).body.split(':')[4];
      now = START + 99;
      assert.equal(await statusNow(), '1');
      now = START + 100;
      assert.equal(await statusNow(), '2');
      now = START + 300;
      assert.equal(await statusNow(), '16');
      now = START + 600;
      assert.equal(await statusNow(), '2048');
      assert.deepEqual(statusTimeline('393391234504', 10).map((s) => s.atMs), [0, 100, 300, 600]);
    });

    it('advance() moves the default real-time clock', async () => {
      const real = await FaultySandbox.start();
      open.push(real);
      const id = idOf((await get(real, '/sendsms/', { ...CREDS, destination: '393391234567', sender: 'T', message: 'x' })).body);
      assert.equal((await get(real, '/smsstatus/', { ...CREDS, SMSId: String(id) })).body.split(':')[4], '1');
      real.advance(3000);
      const fields = (await get(real, '/smsstatus/', { ...CREDS, SMSId: String(id) })).body.split(':');
      assert.equal(fields[4], '2048');
      assert.ok(Math.abs(Date.parse(`${fields[1].replace(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/, '$1-$2-$3T$4:$5:$6Z')}`) - Date.now()) < 5000);
    });

    it('advance() adds to an injected clock too', async () => {
      const id = idOf((await send(gw, {})).body);
      gw.advance(1000);
      assert.equal((await status(gw, id)).body.split(':')[4], '2');
      assert.equal(gw.requests.at(-1)!.at, START + 1000);
    });

    it('exports the same rules it applies', () => {
      assert.deepEqual(statusAt('393391234567', 500), { status: 1 });
      assert.deepEqual(statusAt('393391234567', 1500), { status: 2, changedAtMs: 1000 });
      assert.deepEqual(statusAt('393391234500', 1e9), { status: 32, changedAtMs: 3000 });
      assert.equal(formatGatewayTime(new Date(START)), '20260102030405');
    });
  });

  describe('faults', () => {
    it('latency delays the answer, sums up and counts down', async () => {
      gw.injectFault({ fault: { kind: 'latency', ms: 120 }, times: 1 });
      gw.injectFault({ fault: { kind: 'latency', ms: 80 }, command: 'balance', times: 1 });
      let t0 = performance.now();
      assert.match((await balance(gw)).body, /^Status: 1000/);
      assert.ok(performance.now() - t0 >= 190, 'both latencies applied');
      t0 = performance.now();
      await balance(gw);
      assert.ok(performance.now() - t0 < 150, 'latency used up');
    });

    it('http answers the status and body without processing', async () => {
      gw.injectFault({ fault: { kind: 'http', status: 503, body: 'Service Unavailable' }, command: 'send', times: 1 });
      gw.injectFault({ fault: { kind: 'http', status: 500 }, command: 'balance', times: 1 });
      const a = await send(gw, {});
      assert.deepEqual([a.status, a.body], [503, 'Service Unavailable']);
      assert.deepEqual([(await balance(gw)).status, (await get(gw, '/help')).status], [500, 200]);
      assert.equal(gw.messages.length, 0);
      assert.equal(gw.account('sandbox')!.balance, 25);
      assert.throws(() => gw.injectFault({ fault: { kind: 'http', status: 42 } }), RangeError);
    });

    it('resetBeforeRead drops the connection with no side effect', async () => {
      gw.injectFault({ fault: { kind: 'resetBeforeRead' }, command: 'send', times: 1 });
      await assert.rejects(send(gw, {}));
      assert.equal(gw.requestCount('send'), 1);
      assert.equal(gw.messages.length, 0);
      assert.equal(gw.account('sandbox')!.balance, 25);
      idOf((await send(gw, {})).body);
    });

    it('resetAfterRead sends and charges, then drops the connection', async () => {
      gw.injectFault({ fault: { kind: 'resetAfterRead' }, command: 'send', times: 1 });
      await assert.rejects(send(gw, {}));
      assert.equal(gw.messages.length, 1);
      assert.equal(gw.account('sandbox')!.balance, 24.945);
      // The SMS exists: its status can be asked.
      assert.match((await status(gw, gw.messages[0].smsId)).body, /^\d+:\d{14}:393391234567:/);
    });

    it('hang processes, never answers, and close() ends it promptly', async () => {
      const g = await start();
      g.injectFault({ fault: { kind: 'hang' }, command: 'send' });
      const pending = send(g, {});
      pending.catch(() => undefined);
      for (let i = 0; i < 200 && g.messages.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(g.messages.length, 1);
      const t0 = performance.now();
      await g.close();
      assert.ok(performance.now() - t0 < 1000);
      await assert.rejects(pending);
    });

    it('html answers a 200 HTML page', async () => {
      gw.injectFault({ fault: { kind: 'html' }, times: 1 });
      const a = await send(gw, {});
      assert.equal(a.status, 200);
      assert.equal(a.contentType, 'text/html; charset=utf-8');
      assert.match(a.body, /^<!DOCTYPE html>/);
      assert.equal(gw.messages.length, 0);
    });

    it('garbage answers bytes that are not UTF-8 text', async () => {
      gw.injectFault({ fault: { kind: 'garbage' }, times: 1 });
      const a = await rawGet(gw, '/account-balance/?username=sandbox&password=sandbox');
      assert.equal(a.status, 200);
      assert.ok(a.body.length > 0);
      assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(a.body));
    });

    it('empty answers 200 with no body', async () => {
      gw.injectFault({ fault: { kind: 'empty' }, command: 'status', times: 1 });
      const a = await status(gw, 1);
      assert.deepEqual([a.status, a.body], [200, '']);
    });

    it('truncatedStatus cuts a status line after its 3rd field', async () => {
      const id = idOf((await send(gw, {})).body);
      gw.injectFault({ fault: { kind: 'truncatedStatus' }, command: 'status', times: 1 });
      assert.equal((await status(gw, id)).body, `${id}:20260102030405:393391234567`);
      assert.equal((await status(gw, id)).body.split(':').length, 7);
    });

    it('error1031 answers the 1031 line without processing', async () => {
      gw.injectFault({ fault: { kind: 'error1031' }, command: 'send' });
      for (let i = 0; i < 3; i++) {
        assert.equal((await send(gw, {})).body, 'Error: 1031 - Service temporarily unavailable, try again in a few minutes');
      }
      assert.equal(gw.messages.length, 0);
      assert.match((await balance(gw)).body, /^Status: 1000/); // other commands are not affected
      gw.clearFaults();
      idOf((await send(gw, {})).body);
    });

    it('times counts down per matching request', async () => {
      gw.injectFault({ fault: { kind: 'error1031' }, times: 2 });
      assert.match((await balance(gw)).body, /^Error: 1031/);
      assert.match((await send(gw, {})).body, /^Error: 1031/);
      assert.match((await balance(gw)).body, /^Status: 1000/);
      assert.throws(() => gw.injectFault({ fault: { kind: 'empty' }, times: 0 }), RangeError);
    });
  });

  it('close() resolves with keep-alive connections open and can be called twice', async () => {
    const g = await FaultySandbox.start();
    await get(g, '/help');
    await Promise.all([g.close(), g.close()]);
    await assert.rejects(fetch(`${g.url}/help`));
  });

  it('survives random query strings with one-line answers', async () => {
    const keys = ['username', 'password', 'destination', 'sender', 'message', 'pricecat', 'SMSId', 'countryprefix', '__proto__', 'constructor'];
    const byte = (b: number): string => `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    // Printable ASCII stays as is except the characters that shape a query; everything else goes as bytes.
    const encode = (s: string): string =>
      [...Buffer.from(s, 'utf8')].map((b) => (b > 0x20 && b < 0x7f && !'%&=#?+'.includes(String.fromCharCode(b)) ? String.fromCharCode(b) : byte(b))).join('');
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 20 }).map(encode),
      fc.constantFrom('%', '%G1', '%FF', '%C3', '%E2%82', '+', '%2B', '=', '&', '.', '..', 'sandbox', '393391234567', '1000', '39'),
      fc.stringMatching(/^[0-9.]{0,20}$/),
    );
    const pair = fc.tuple(fc.oneof(fc.constantFrom(...keys), piece), fc.array(piece, { maxLength: 3 }).map((a) => a.join('')));
    const route = fc.constantFrom('/sendsms/', '/sendsms', '/webservice/sms/sendSMSHTTP.php', '/smsstatus/', '/account-balance/');
    const withCreds = fc.boolean();
    const oneLine = /^(OK ID:\d+|Error: \d{4} - [^|\r\n]+)(\|(OK ID:\d+|Error: \d{4} - [^|\r\n]+))*$|^Status: 1000 - Balance:\d+\.\d\d\|SmsRemainCount:-?\d+$|^\d+:\d{14}:\d+:\d{14}:\d+:\d+:[\d.]+$/;
    await fc.assert(
      fc.asyncProperty(route, fc.array(pair, { maxLength: 8 }), withCreds, async (r, pairs, creds) => {
        const query = [...(creds ? ['username=sandbox', 'password=sandbox'] : []), ...pairs.map(([k, v]) => `${k}=${v}`)].join('&');
        const a = await rawGet(gw, `${r}?${query}`);
        assert.equal(a.status, 200);
        assert.match(a.contentType ?? '', /^text\/plain/);
        assert.match(a.body.toString('utf8'), oneLine);
      }),
      { numRuns: 300 },
    );
    assert.equal((await get(gw, '/help')).status, 200);
  });

  describe('cli', () => {
    const bundle = path.resolve(__dirname, '../../../dist/sandbox.js');

    it('prints its URL, serves, and exits 0 on SIGTERM', async function () {
      assert.ok(existsSync(bundle), `${bundle} is built by scripts/build.mjs`);
      const child = spawn(process.execPath, [bundle, '--port', '0', '--username', 'u1', '--password', 'p w', '--balance', '7.5', '--time-scale', '5'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        let out = '';
        const url = await new Promise<string>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
            if (m && out.includes('\n', m.index + m[0].length - 1)) resolve(m[1]);
          });
          child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
        });
        assert.match(out, /username: u1 {2}password: p w {2}balance: 7\.50 EUR/);
        const res = await fetch(`${url}/account-balance/?username=u1&password=p%20w&countryprefix=39`);
        assert.equal(await res.text(), 'Status: 1000 - Balance:7.50|SmsRemainCount:136');
        // 'close' waits for stdout to drain, so the request log line is in `out` by then.
        const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
        child.kill('SIGTERM');
        assert.equal(await exited, 0);
        assert.match(out, /balance username=u1&password=\*\*\*&countryprefix=39/);
        assert.ok(!out.includes('password=p')); // the log line never carries the password
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('rejects bad flags with a one-line usage and exit code 2', async () => {
      for (const args of [['--bogus'], ['--port', 'abc'], ['--balance', '-1'], ['--time-scale', '0'], ['extra']]) {
        const child = spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
        assert.equal(code, 2, args.join(' '));
        assert.equal(err.trimEnd().split('\n').length, 1, err);
        assert.match(err, /usage: sandbox/);
      }
    });
  });
});

describe('sandbox: adopting messages of an earlier sandbox', () => {
  it('answers the status of an adopted message and never reuses its id', async () => {
    const gw = await FaultySandbox.start({ port: 0 });
    try {
      const submittedAt = Date.now() - 60_000;
      const adopted = gw.adopt([
        { smsId: 999_999, username: 'sandbox', destination: '393331234567', sender: 'Test', message: 'hi', pricecat: 0, parts: 1, charge: 0.055, submittedAt },
      ]);
      assert.equal(adopted, 1);
      assert.equal(gw.adopt([{ ...gw.messages[0] }]), 0, 'an id already known is not adopted twice');
      const status = await (await fetch(`${gw.url}/smsstatus/?SMSId=999999&username=sandbox&password=sandbox`)).text();
      assert.match(status, /^999999:\d{14}:393331234567:\d{14}:2048:1:0\.055$/);
      const sent = await (await fetch(`${gw.url}/sendsms/?username=sandbox&password=sandbox&destination=393331234567&sender=Test&message=x`)).text();
      assert.equal(sent, 'OK ID:1000000');
      assert.equal(gw.account('sandbox')?.balance, 25 - 0.055, 'adopting charges nothing; the new send is charged once');
    } finally {
      await gw.close();
    }
  });
});
