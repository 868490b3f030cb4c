import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { GatewayError, GATEWAY_ERROR_CODES } from '../../src/gateway/errors';
import {
  MAX_GATEWAY_TEXT,
  STATUS_NUMBERS,
  formatStatusLine,
  parseBalanceAnswer,
  parseHelp,
  parseSendAnswer,
  parseStatusAnswer,
} from '../../src/gateway/protocol';
import { formatGatewayTime, parseGatewayTime } from '../../src/gateway/time';
import { redactText } from '../../src/gateway/redact';
import type { GatewayCommand } from '../../src/gateway/types';

const KINDS = new Set(['gateway', 'unnumbered', 'malformed', 'http', 'timeout', 'network', 'aborted', 'config']);

// Bodies close to real answers find more branches than uniform random text.
const nearMiss = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '\r\n', '<html>', 'OK ID:', 'OK ID:1|', '|', 'Status: 1000', 'Error:', 'Error: - x'),
  fc.tuple(fc.constantFrom('Error', 'Status', 'error', 'STATUS'), fc.integer({ min: 0, max: 99999 }), fc.string())
    .map(([w, c, t]) => `${w}: ${c} - ${t}`),
  fc.array(fc.oneof(fc.nat().map((n) => `OK ID:${n}`), fc.constantFrom('Error: 1005 - bad', 'Internal Error.', '', 'OK')), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join('|')),
  fc.array(fc.oneof(fc.nat().map(String), fc.string({ maxLength: 6 }), fc.constant('')), { minLength: 1, maxLength: 9 })
    .map((fields) => fields.join(':')),
  fc.tuple(fc.double({ noNaN: true }), fc.integer()).map(([b, n]) => `Status: 1000 - Balance:${b}|SmsRemainCount:${n}`),
  fc.tuple(fc.string(), fc.string()).map(([a, b]) => `${a}\n${b}`),
);

function parsers(destinationCount: number): Array<[GatewayCommand, (body: string) => unknown]> {
  const destinations = Array.from({ length: destinationCount }, (_, i) => `3933912345${i}`);
  return [
    ['help', parseHelp],
    ['send', (b) => parseSendAnswer(b, destinations)],
    ['status', (b) => parseStatusAnswer(b)],
    ['balance', (b) => parseBalanceAnswer(b)],
  ];
}

function checkError(e: unknown, command: GatewayCommand, body: string): void {
  assert.ok(e instanceof GatewayError, `threw something else: ${String(e)}`);
  assert.ok(KINDS.has(e.kind));
  assert.equal(e.command, command);
  assert.ok(e.gatewayText.length > 0);
  const trimmed = body.trim();
  if (trimmed === '') {
    assert.match(e.gatewayText, /empty/);
  } else if (trimmed.length <= MAX_GATEWAY_TEXT) {
    // A multi-destination answer throws only as a whole, so the whole text is there.
    assert.ok(e.gatewayText.includes(redactText(trimmed)), `${JSON.stringify(e.gatewayText)} lacks ${JSON.stringify(trimmed)}`);
  }
  assert.ok(!(e.retryable && e.outcomeUnknown), 'an unknown outcome is never safe to retry');
  if (e.outcomeUnknown) assert.equal(command, 'send');
}

describe('protocol properties', () => {
  it('every parser returns a typed result or throws a GatewayError that keeps the text', () => {
    fc.assert(
      fc.property(nearMiss, fc.integer({ min: 1, max: 4 }), (body, n) => {
        for (const [command, parse] of parsers(n)) {
          let result: unknown;
          try {
            result = parse(body);
          } catch (e) {
            checkError(e, command, body);
            continue;
          }
          assert.ok(result !== undefined && result !== null);
          if (command === 'send') {
            const r = result as ReturnType<typeof parseSendAnswer>;
            assert.equal(r.items.length, n);
            for (const item of r.items) {
              if (item.ok) assert.ok(Number.isSafeInteger(item.smsId) && item.smsId > 0);
              else assert.ok(KINDS.has(item.error.kind) && item.error.gatewayText.length > 0);
            }
          }
          if (command === 'status') {
            const r = result as ReturnType<typeof parseStatusAnswer>;
            assert.ok(Number.isInteger(r.smsId) && Number.isInteger(r.quantity) && Number.isFinite(r.charge));
            assert.ok(r.status.label.length > 0);
          }
          if (command === 'balance') {
            const r = result as ReturnType<typeof parseBalanceAnswer>;
            assert.ok(Number.isFinite(r.balance));
            assert.ok(r.smsRemainCount === undefined || r.smsRemainCount >= 0);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('every documented code round-trips through any command', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GATEWAY_ERROR_CODES), fc.string({ maxLength: 40 }), (info, tail) => {
        const text = `${info.form}: ${info.code} - ${tail}`;
        for (const [command, parse] of parsers(1)) {
          try {
            parse(text);
            assert.fail('an error code was taken for a success');
          } catch (e) {
            if (!(e instanceof GatewayError)) throw e;
            // Tails with control characters or line breaks are malformed, which is fine; otherwise the code wins.
            if (e.kind === 'gateway') assert.equal(e.code, info.code);
            checkError(e, command, text);
          }
        }
      }),
    );
  });

  const time = fc.date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(2099, 11, 31)), noInvalidDate: true })
    .map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000));

  it('gateway times round-trip', () => {
    fc.assert(fc.property(time, (d) => {
      const parsed = parseGatewayTime(formatGatewayTime(d));
      assert.equal(parsed.date?.getTime(), d.getTime());
    }));
  });

  it('valid status lines round-trip', () => {
    const field = fc.record({
      smsId: fc.integer({ min: 1, max: 2 ** 40 }),
      submittedOn: time.map(formatGatewayTime),
      destination: fc.stringMatching(/^\d{6,15}$/),
      deliveredOn: fc.oneof(time.map(formatGatewayTime), fc.constantFrom('', '00000000000000')),
      status: fc.oneof(fc.constantFrom(...STATUS_NUMBERS.map((s) => s.code)), fc.nat({ max: 1 << 20 })),
      quantity: fc.nat({ max: 10 }),
      charge: fc.tuple(fc.nat({ max: 999 }), fc.nat({ max: 999 })).map(([a, b]) => `${a}.${String(b).padStart(3, '0')}`),
    });
    fc.assert(fc.property(field, (f) => {
      const line = formatStatusLine(f);
      const r = parseStatusAnswer(`${line}\r\n`, f.smsId);
      assert.deepEqual(
        [r.smsId, r.submittedOn.raw, r.destination, r.deliveredOn.raw, r.status.code, r.quantity, r.charge],
        [f.smsId, f.submittedOn, f.destination, f.deliveredOn, f.status, f.quantity, Number(f.charge)],
      );
      assert.ok(r.submittedOn.date instanceof Date);
      assert.equal(r.deliveredOn.date === undefined, /^0*$/.test(f.deliveredOn));
      assert.equal(formatStatusLine({ ...r, submittedOn: r.submittedOn.raw, deliveredOn: r.deliveredOn.raw, status: r.status.code, charge: f.charge }), line);
    }));
  });

  it('send answers match ids to destinations in order', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 2 ** 50 }), { minLength: 1, maxLength: 8 }), (ids) => {
      const destinations = ids.map((_, i) => `39333000${i}`);
      const r = parseSendAnswer(ids.map((id) => `OK ID:${id}`).join('|'), destinations);
      assert.deepEqual(r.items.map((i) => (i.ok ? [i.destination, i.smsId] : null)), ids.map((id, i) => [destinations[i], id]));
    }));
  });

  it('balance answers round-trip', () => {
    fc.assert(fc.property(fc.nat({ max: 10 ** 7 }), fc.nat({ max: 99 }), fc.oneof(fc.nat(), fc.constant(-9999)), (euro, cents, count) => {
      const balance = `${euro}.${String(cents).padStart(2, '0')}`;
      const r = parseBalanceAnswer(`Status: 1000 - Balance:${balance}|SmsRemainCount:${count}`);
      assert.equal(r.balance, Number(balance));
      assert.equal(r.smsRemainCount, count === -9999 ? undefined : count);
    }));
  });
});
