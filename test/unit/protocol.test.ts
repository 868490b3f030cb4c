import * as assert from 'node:assert/strict';
import {
  GATEWAY_ERROR_CODES,
  GatewayError,
  describeGatewayCode,
  toGatewayError,
} from '../../src/gateway/errors';
import {
  MAX_GATEWAY_TEXT,
  STATUS_NUMBERS,
  decodeStatus,
  httpError,
  parseBalanceAnswer,
  parseErrorLine,
  parseHelp,
  parseSendAnswer,
  parseStatusAnswer,
} from '../../src/gateway/protocol';
import { EXPLAINED_CODES } from '../../src/gateway/explanations';
import { formatGatewayTime, parseGatewayTime } from '../../src/gateway/time';
import type { GatewayCommand, GatewayErrorKind } from '../../src/gateway/types';

const COMMANDS: GatewayCommand[] = ['help', 'send', 'status', 'balance'];

/** Runs fn, expecting a GatewayError, and returns it. */
function failure(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GatewayError, `expected a GatewayError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the parser to throw');
}

function expectKind(fn: () => unknown, kind: GatewayErrorKind, code?: number): GatewayError {
  const e = failure(fn);
  assert.equal(e.kind, kind, e.message);
  assert.equal(e.code, code);
  return e;
}

/** Any command's parser, for answers that every command treats the same way. */
function parseAs(command: GatewayCommand, body: string): unknown {
  switch (command) {
    case 'help': return parseHelp(body);
    case 'send': return parseSendAnswer(body, ['393391234567']);
    case 'status': return parseStatusAnswer(body);
    case 'balance': return parseBalanceAnswer(body);
  }
}

describe('protocol', () => {
  describe('status numbers', () => {
    const expected: Array<[number, string, string, boolean]> = [
      [1, 'Queued', 'queued', false],
      [2, 'Queued on SMSC', 'queued', false],
      [4, 'Waiting validation', 'queued', false],
      [8, 'Unknown subscriber', 'failed', true],
      [16, 'Temporarily unavailable', 'pending', false],
      [32, 'Pending', 'pending', false],
      [64, 'Undelivered', 'failed', true],
      [128, 'Expired', 'failed', true],
      [256, 'Not delivered to SMSC', 'failed', true],
      [512, 'Error', 'failed', true],
      [1024, 'Unknown error', 'failed', true],
      [2048, 'Delivered', 'delivered', true],
      [16384, 'HLR sent', 'lookup', false],
      [32768, 'HLR completed', 'lookup', true],
    ];
    for (const [code, label, statusClass, final] of expected) {
      it(`decodes ${code} as ${label}`, () => {
        assert.deepEqual(decodeStatus(code), { code, label, statusClass, final });
      });
    }

    it('lists exactly the documented numbers', () => {
      assert.deepEqual(STATUS_NUMBERS.map((s) => s.code), expected.map((e) => e[0]));
    });

    for (const code of [0, 3, 4096, 8192, 65536, 123456]) {
      it(`keeps undocumented number ${code} as "unknown status ${code}", not final`, () => {
        assert.deepEqual(decodeStatus(code), { code, label: `unknown status ${code}`, statusClass: 'unknown', final: false });
      });
    }
  });

  describe('timestamps', () => {
    it('reads YYYYMMDDHHmmSS as UTC wall-clock and keeps the raw text', () => {
      assert.deepEqual(parseGatewayTime('20101212152514'), { raw: '20101212152514', date: new Date(Date.UTC(2010, 11, 12, 15, 25, 14)) });
    });
    for (const raw of ['', '00000000000000', '20100231120000', '20101212256000', '2010121215251', '201012121525140', 'abcdabcdabcdab']) {
      it(`gives no Date for "${raw}" but keeps it`, () => {
        assert.deepEqual(parseGatewayTime(raw), { raw });
      });
    }
    it('formats a Date back to the same text', () => {
      assert.equal(formatGatewayTime(new Date(Date.UTC(2024, 0, 5, 7, 8, 9))), '20240105070809');
    });
  });

  describe('error codes table', () => {
    // Every code in the protocol doc's "Error answers" table.
    const documented = [
      1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015, 1016, 1017,
      1018, 1019, 1020, 1021, 1022, 1023, 1024, 1025, 1026, 1027, 1028, 1029, 1031, 1032, 1033, 1036, 1038,
      1039, 1040, 1041, 1042, 1043,
    ];

    it('has every documented code, once, in order', () => {
      assert.deepEqual(GATEWAY_ERROR_CODES.map((c) => c.code), documented);
    });

    it('marks only 1031 and 1032 retryable, only 1022..1026 as Status answers', () => {
      assert.deepEqual(GATEWAY_ERROR_CODES.filter((c) => c.retryable).map((c) => c.code), [1031, 1032]);
      assert.deepEqual(GATEWAY_ERROR_CODES.filter((c) => c.form === 'Status').map((c) => c.code), [1022, 1023, 1024, 1025, 1026]);
    });

    it('gives every code a text and its own explanation with a fix (what happened. what to try.)', () => {
      assert.deepEqual(EXPLAINED_CODES, documented, 'the catalogue explains exactly the documented codes');
      for (const c of GATEWAY_ERROR_CODES) {
        assert.ok(c.text.length > 5, String(c.code));
        assert.match(c.explanation, /^[A-Z].{10,}[.;:] [A-Z].{10,}\.$/, String(c.code));
        assert.doesNotMatch(c.explanation, /does not list/, String(c.code));
        assert.equal(describeGatewayCode(c.code), c);
      }
      assert.equal(describeGatewayCode(1030), undefined);
    });

    for (const info of GATEWAY_ERROR_CODES) {
      for (const command of COMMANDS) {
        const body = `${info.form}: ${info.code} - ${info.text}\r\n`;
        it(`parses "${info.form}: ${info.code}" on ${command}`, () => {
          const e = expectKind(() => parseAs(command, body), 'gateway', info.code);
          assert.equal(e.command, command);
          assert.equal(e.gatewayText, body.trim());
          assert.equal(e.explanation, info.explanation);
          assert.equal(e.retryable, info.retryable);
          // Only 1026 on a send may have gone out: batch queued, no id to track.
          assert.equal(e.outcomeUnknown, command === 'send' && info.code === 1026);
          assert.ok(e.message.includes(body.trim()));
        });
      }
    }

    it('accepts the Error: form for a Status code and an error without text', () => {
      assert.equal(failure(() => parseBalanceAnswer('Error: 1025')).code, 1025);
      assert.equal(failure(() => parseBalanceAnswer('Status: 1025 - Error while checking')).code, 1025);
    });

    it('keeps an undocumented code as a gateway error with its text', () => {
      const e = expectKind(() => parseStatusAnswer('Error: 1099 - Something new'), 'gateway', 1099);
      assert.equal(e.gatewayText, 'Error: 1099 - Something new');
      assert.match(e.explanation, /1099/);
      assert.equal(e.retryable, false);
    });

    it('parseErrorLine ignores a success status and plain text', () => {
      assert.equal(parseErrorLine('Status: 1000 - Balance:1|SmsRemainCount:2', 'balance'), undefined);
      assert.equal(parseErrorLine('OK ID:12', 'send'), undefined);
      assert.equal(parseErrorLine('Error: 1012 - x', 'send')?.code, 1012);
    });
  });

  describe('help', () => {
    it('returns the usage text, several lines included', () => {
      assert.equal(parseHelp('Usage:\n  /sendsms/?username=..\n  /smsstatus/?SMSId=..\n'), 'Usage:\n  /sendsms/?username=..\n  /smsstatus/?SMSId=..');
    });
    it('throws a numbered error and keeps all its text', () => {
      const e = expectKind(() => parseHelp('Error: 1031 - Service temporarily unavailable\nmore'), 'gateway', 1031);
      assert.equal(e.gatewayText, 'Error: 1031 - Service temporarily unavailable\nmore');
      assert.equal(e.retryable, true);
    });
  });

  describe('send answers', () => {
    it('reads OK ID for one destination', () => {
      assert.deepEqual(parseSendAnswer('OK ID:1234\n', ['393391234567']), {
        items: [{ destination: '393391234567', ok: true, smsId: 1234, raw: 'OK ID:1234' }],
        raw: 'OK ID:1234\n',
      });
    });

    it('matches several OK IDs to the destinations in order', () => {
      const r = parseSendAnswer('OK ID:1234|OK ID:1235|OK ID:1236', ['391', '392', '393']);
      assert.deepEqual(r.items.map((i) => (i.ok ? [i.destination, i.smsId] : [])), [['391', 1234], ['392', 1235], ['393', 1236]]);
    });

    it('gives per-destination results for a mixed answer', () => {
      const r = parseSendAnswer('OK ID:5|Error: 1005 - Invalid destination number|Internal Error.', ['391', '392', '393']);
      assert.equal(r.items.length, 3);
      const [a, b, c] = r.items;
      assert.ok(a?.ok && a.smsId === 5 && a.destination === '391');
      assert.ok(b && !b.ok && b.destination === '392');
      assert.deepEqual(
        { kind: b.error.kind, code: b.error.code, text: b.error.gatewayText, unknown: b.error.outcomeUnknown },
        { kind: 'gateway', code: 1005, text: 'Error: 1005 - Invalid destination number', unknown: false },
      );
      assert.equal(b.raw, 'Error: 1005 - Invalid destination number');
      assert.ok(c && !c.ok && c.error.kind === 'unnumbered' && c.error.gatewayText === 'Internal Error.');
      assert.ok(!(b.error instanceof Error), 'per-item errors are plain data');
    });

    it('throws when one error line answers a multi-destination request', () => {
      const e = expectKind(() => parseSendAnswer('Error: 1013 - No credits available for user', ['391', '392']), 'gateway', 1013);
      assert.equal(e.outcomeUnknown, false);
    });

    it('throws a single destination\'s error', () => {
      expectKind(() => parseSendAnswer('Error: 1012 - Authentication failure', ['391']), 'gateway', 1012);
    });

    for (const [code, unknown] of [[1022, false], [1023, false], [1024, false], [1025, false], [1026, true]] as const) {
      it(`treats "Status: ${code}" on a send as not a success${unknown ? ', outcome unknown' : ''}`, () => {
        const e = expectKind(() => parseSendAnswer(`Status: ${code} - x`, ['391']), 'gateway', code);
        assert.equal(e.outcomeUnknown, unknown);
        assert.equal(e.retryable, false);
      });
    }

    it('1026 batch queued: not retryable, outcome unknown, tells the user not to re-send', () => {
      const e = failure(() => parseSendAnswer('Status: 1026 - Batch queued, about to be transmitted', ['391', '392']));
      assert.equal(e.outcomeUnknown, true);
      assert.match(e.explanation, /Do not send it again/);
    });

    for (const text of ['Internal Error.', 'Invalid destination or Destination not covered.']) {
      it(`keeps the un-numbered failure "${text}"`, () => {
        const e = expectKind(() => parseSendAnswer(`${text}\n`, ['391']), 'unnumbered');
        assert.equal(e.gatewayText, text);
        assert.equal(e.retryable, false);
        assert.equal(e.outcomeUnknown, false);
      });
    }

    it('marks "System error. Please retry..." as retryable', () => {
      assert.equal(expectKind(() => parseSendAnswer('System error. Please retry...', ['391']), 'unnumbered').retryable, true);
    });

    const ambiguous: Array<[string, string, string[]]> = [
      ['a truncated OK', 'OK ID:', ['391']],
      ['OK ID:0', 'OK ID:0', ['391']],
      ['one OK for two destinations', 'OK ID:7', ['391', '392']],
      ['two answers for three destinations', 'OK ID:7|OK ID:8', ['391', '392', '393']],
      ['three answers for two destinations', 'OK ID:7|OK ID:8|OK ID:9', ['391', '392']],
      ['a success status where an id was expected', 'Status: 1000 - ok', ['391']],
    ];
    for (const [name, body, dests] of ambiguous) {
      it(`reports ${name} as malformed with the outcome unknown`, () => {
        const e = expectKind(() => parseSendAnswer(body, dests), 'malformed');
        assert.equal(e.outcomeUnknown, true);
        assert.equal(e.retryable, false);
        assert.equal(e.gatewayText, body);
      });
    }

    it('marks a truncated part of a multi-destination answer per item', () => {
      const r = parseSendAnswer('OK ID:7|OK ID', ['391', '392']);
      const second = r.items[1];
      assert.ok(second && !second.ok);
      assert.equal(second.error.kind, 'malformed');
      assert.equal(second.error.outcomeUnknown, true);
    });
  });

  describe('status answers', () => {
    it('parses the documented example exactly', () => {
      const body = '2345:20101212152514:306912345678:20101212152519:2048:1:0.057';
      assert.deepEqual(parseStatusAnswer(body, 2345), {
        smsId: 2345,
        submittedOn: { raw: '20101212152514', date: new Date(Date.UTC(2010, 11, 12, 15, 25, 14)) },
        destination: '306912345678',
        deliveredOn: { raw: '20101212152519', date: new Date(Date.UTC(2010, 11, 12, 15, 25, 19)) },
        status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true },
        quantity: 1,
        charge: 0.057,
        raw: body,
      });
    });

    for (const delivered of ['', '00000000000000']) {
      it(`has no DeliveredOn date while it is "${delivered}"`, () => {
        const r = parseStatusAnswer(`9:20240101120000:393391234567:${delivered}:1:1:0`);
        assert.deepEqual(r.deliveredOn, { raw: delivered });
        assert.equal(r.status.label, 'Queued');
        assert.equal(r.charge, 0);
      });
    }

    it('keeps an unknown status number', () => {
      const r = parseStatusAnswer('9:20240101120000:39333:20240101120001:4096:2:0.1');
      assert.deepEqual(r.status, { code: 4096, label: 'unknown status 4096', statusClass: 'unknown', final: false });
      assert.equal(r.quantity, 2);
    });

    const broken: Array<[string, string]> = [
      ['6 fields (truncated)', '2345:20101212152514:306912345678:20101212152519:2048:1'],
      ['cut in the middle', '2345:20101212152514:3069'],
      ['8 fields', '2345:20101212152514:306912345678:20101212152519:2048:1:0.057:x'],
      ['an empty charge', '2345:20101212152514:306912345678:20101212152519:2048:1:'],
      ['a text status', '2345:20101212152514:306912345678:20101212152519:Delivered:1:0.057'],
      ['a decimal quantity', '2345:20101212152514:306912345678:20101212152519:2048:1.5:0.057'],
      ['letters in a time', '2345:2010121215251x:306912345678:20101212152519:2048:1:0.057'],
      ['two lines', '2345:20101212152514:306912345678:20101212152519:2048:1:0.057\n2346:1:2:3:4:5:6'],
      ['a success status', 'Status: 1000 - ok'],
    ];
    for (const [name, body] of broken) {
      it(`reports ${name} as malformed, keeping the text`, () => {
        const e = expectKind(() => parseStatusAnswer(body), 'malformed');
        assert.equal(e.gatewayText, body);
        assert.equal(e.outcomeUnknown, false);
      });
    }

    it('reports an answer about another SMS as malformed', () => {
      expectKind(() => parseStatusAnswer('2346:20101212152514:306912345678:20101212152519:2048:1:0.057', 2345), 'malformed');
    });

    it('keeps an un-numbered status failure', () => {
      assert.equal(expectKind(() => parseStatusAnswer('SMS not found'), 'unnumbered').gatewayText, 'SMS not found');
    });
  });

  describe('balance answers', () => {
    it('parses the documented example', () => {
      assert.deepEqual(parseBalanceAnswer('Status: 1000 - Balance:112.24|SmsRemainCount:2877', '39'), {
        balance: 112.24, smsRemainCount: 2877, countryprefix: '39', raw: 'Status: 1000 - Balance:112.24|SmsRemainCount:2877',
      });
    });
    it('gives no count for -9999 ("not asked")', () => {
      assert.deepEqual(parseBalanceAnswer('Status: 1000 - Balance:5|SmsRemainCount:-9999\r\n'), {
        balance: 5, raw: 'Status: 1000 - Balance:5|SmsRemainCount:-9999\r\n',
      });
    });
    it('keeps a zero count and a zero balance', () => {
      const r = parseBalanceAnswer('Status: 1000 - Balance:0.00|SmsRemainCount:0');
      assert.equal(r.balance, 0);
      assert.equal(r.smsRemainCount, 0);
    });
    for (const body of ['Status: 1000 - Balance:112.24', 'Status: 1000 - Balance:112.24|SmsRemainCount:', 'Status: 1000', 'Balance:112.24|SmsRemainCount:2877']) {
      it(`reports "${body}" as malformed`, () => {
        assert.equal(expectKind(() => parseBalanceAnswer(body), 'malformed').gatewayText, body);
      });
    }
  });

  describe('answers that are not gateway answers', () => {
    for (const command of COMMANDS) {
      it(`${command}: empty body is malformed with a clear description`, () => {
        for (const body of ['', '  \r\n']) {
          const e = expectKind(() => parseAs(command, body), 'malformed');
          assert.match(e.gatewayText, /empty/);
          assert.equal(e.outcomeUnknown, command === 'send');
        }
      });
      it(`${command}: an HTML page is malformed and its text kept`, () => {
        const page = '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>';
        const e = expectKind(() => parseAs(command, page), 'malformed');
        assert.ok(e.gatewayText.includes(page));
        assert.match(e.explanation, /HTML/);
        expectKind(() => parseAs(command, 'Login required <html>x</html>'), 'malformed');
      });
      it(`${command}: binary garbage is malformed`, () => {
        expectKind(() => parseAs(command, '\u0000\u0001\u00ff\ufffd'), 'malformed');
      });
      it(`${command}: a huge body is cut in the error`, () => {
        const e = expectKind(() => parseAs(command, `<p>${'x'.repeat(5000)}</p>`), 'malformed');
        assert.ok(e.gatewayText.length < MAX_GATEWAY_TEXT + 100);
        assert.ok(e.gatewayText.endsWith('…'));
      });
    }
  });

  describe('httpError', () => {
    it('5xx on a read is retryable', () => {
      const e = httpError('status', 503, 'Service Unavailable\n');
      assert.deepEqual([e.kind, e.code, e.retryable, e.outcomeUnknown, e.gatewayText], ['http', 503, true, false, 'HTTP 503: Service Unavailable']);
    });
    it('5xx on a send may have gone out: outcome unknown, not retryable', () => {
      const e = httpError('send', 502, '');
      assert.deepEqual([e.retryable, e.outcomeUnknown, e.gatewayText], [false, true, 'HTTP 502 with an empty body']);
    });
    it('404 is final; a redirect names its target', () => {
      assert.equal(httpError('balance', 404, 'nope').retryable, false);
      const r = httpError('help', 301, '', 'https://httpapi.inviosmart.it/help');
      assert.match(r.gatewayText, /redirect to https:\/\/httpapi\.inviosmart\.it\/help/);
      assert.match(r.explanation, /base URL/);
    });
  });

  describe('toGatewayError', () => {
    const err = (code: string, message = code): Error => Object.assign(new Error(message), { code });

    it('passes a GatewayError through, redacting secrets', () => {
      const original = httpError('status', 500, 'pw=hunter22 leaked');
      assert.equal(toGatewayError(original, 'status'), original);
      assert.equal(toGatewayError(original, 'status', { secrets: ['hunter22'] }).gatewayText, 'HTTP 500: pw=*** leaked');
    });

    const cases: Array<[string, Error, GatewayCommand, boolean, GatewayErrorKind, boolean, boolean]> = [
      // name, error, command, dispatched, kind, retryable, outcomeUnknown
      ['refused send', err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'), 'send', true, 'network', true, false],
      ['DNS failure send', err('ENOTFOUND', 'getaddrinfo ENOTFOUND nowhere'), 'send', true, 'network', false, false],
      ['connect time-out send', err('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'), 'send', true, 'timeout', true, false],
      ['headers time-out send', err('UND_ERR_HEADERS_TIMEOUT'), 'send', true, 'timeout', false, true],
      ['headers time-out status', err('UND_ERR_HEADERS_TIMEOUT'), 'status', true, 'timeout', true, false],
      ['body time-out send', err('UND_ERR_BODY_TIMEOUT'), 'send', true, 'timeout', false, true],
      ['reset send', err('ECONNRESET', 'read ECONNRESET'), 'send', true, 'network', false, true],
      ['other side closed balance', err('UND_ERR_SOCKET', 'other side closed'), 'balance', true, 'network', true, false],
      ['self-signed cert', err('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'help', true, 'network', false, false],
      ['proxy refused CONNECT', err('UND_ERR_ABORTED', 'Proxy response (407) !== 200 when HTTP Tunneling'), 'send', true, 'network', false, false],
      ['invalid argument', err('UND_ERR_INVALID_ARG'), 'help', false, 'config', false, false],
    ];
    for (const [name, e, command, dispatched, kind, retryable, outcomeUnknown] of cases) {
      it(`classes ${name}`, () => {
        const g = toGatewayError(e, command, { dispatched });
        assert.deepEqual([g.kind, g.retryable, g.outcomeUnknown], [kind, retryable, outcomeUnknown]);
        assert.ok(g.gatewayText.includes(e.message));
      });
    }

    it('finds the code on a cause or an AggregateError', () => {
      const wrapped = new Error('fetch failed', { cause: err('ECONNREFUSED') });
      assert.equal(toGatewayError(wrapped, 'status').retryable, true);
      const agg = Object.assign(new AggregateError([err('ECONNREFUSED')], 'all failed'), {});
      assert.match(toGatewayError(agg, 'send', { dispatched: true }).explanation, /refused/);
    });

    it('an abort after the send went out leaves the outcome unknown; before, it does not', () => {
      const reason = new DOMException('This operation was aborted', 'AbortError');
      const after = toGatewayError(reason, 'send', { dispatched: true, aborted: true });
      assert.deepEqual([after.kind, after.outcomeUnknown, after.retryable], ['aborted', true, false]);
      assert.equal(toGatewayError(reason, 'send', { dispatched: false, aborted: true }).outcomeUnknown, false);
    });

    it('handles things that are not errors', () => {
      assert.equal(toGatewayError('boom', 'help').gatewayText, 'boom');
      assert.equal(toGatewayError(undefined, 'help').kind, 'network');
      assert.ok(toGatewayError({ weird: true }, 'help').gatewayText.includes('weird'));
    });
  });
});
