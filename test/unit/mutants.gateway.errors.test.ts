// Mutants of src/gateway/errors.ts the rest of the suite let through (issue #10 item 11; docs/TESTING.md): which
// sentence each transport failure gets (the one the UI words again in the user's language), what counts as "nothing
// was sent", how the failure's text is put together, and the GatewayError's own fields.
import * as assert from 'node:assert/strict';
import {
  describeGatewayCode, gatewayCodeError, GatewayError, GATEWAY_ERROR_CODES, isMissingTwin, toGatewayError,
} from '../../src/gateway/errors';
import { explanationMessages } from '../../src/gateway/messages';
import { httpError, malformedError } from '../../src/gateway/protocol';
import { coreMessage } from '../../src/gateway/messages';
import type { GatewayCommand, GatewayErrorKind } from '../../src/gateway/types';

const err = (code: unknown, message = 'failed'): Error => Object.assign(new Error(message), { code });
const sentence = (e: GatewayError): string | undefined => explanationMessages(e)?.map((m) => m.id).join('+');

describe('mutants: gateway errors.ts', () => {
  describe('toGatewayError: the class, the sentence and the retry rule of each failure', () => {
    // code, command, dispatched → kind, sentence, retryable, outcomeUnknown
    const cases: Array<[string, GatewayCommand, boolean, GatewayErrorKind, string, boolean, boolean]> = [
      ['UND_ERR_HEADERS_TIMEOUT', 'send', true, 'timeout', 'callTimeoutAfterSend', false, true],
      ['UND_ERR_HEADERS_TIMEOUT', 'send', false, 'timeout', 'callTimeout', true, false],
      ['UND_ERR_BODY_TIMEOUT', 'status', true, 'timeout', 'callTimeout', true, false],
      ['UND_ERR_CONNECT_TIMEOUT', 'send', true, 'timeout', 'connectTimeout', true, false],
      ['CERT_HAS_EXPIRED', 'send', true, 'network', 'certificateFailed', false, false],
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'balance', true, 'network', 'certificateFailed', false, false],
      ['ERR_SSL_WRONG_VERSION_NUMBER', 'balance', true, 'network', 'certificateFailed', false, false],
      ['SELF_SIGNED_CERT_IN_CHAIN', 'help', true, 'network', 'certificateFailed', false, false],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'help', true, 'network', 'certificateFailed', false, false],
      ['HOSTNAME_MISMATCH', 'help', true, 'network', 'certificateFailed', false, false],
      ['UND_ERR_PRX_TLS', 'help', true, 'network', 'certificateFailed', false, false],
      ['ECONNREFUSED', 'send', true, 'network', 'connectionRefused', true, false],
      ['EHOSTUNREACH', 'send', true, 'network', 'gatewayUnreachable', true, false],
      ['ENETUNREACH', 'status', false, 'network', 'gatewayUnreachable', true, false],
      ['EAI_AGAIN', 'status', false, 'network', 'gatewayUnreachable', true, false],
      ['EADDRNOTAVAIL', 'status', false, 'network', 'gatewayUnreachable', true, false],
      ['EHOSTDOWN', 'status', false, 'network', 'gatewayUnreachable', true, false],
      ['ENETDOWN', 'status', false, 'network', 'gatewayUnreachable', true, false],
      ['ENOTFOUND', 'status', false, 'network', 'gatewayUnreachable', false, false],
      ['EAI_FAIL', 'status', false, 'network', 'gatewayUnreachable', false, false],
      ['EAI_NODATA', 'send', true, 'network', 'gatewayUnreachable', false, false],
      ['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'send', true, 'malformed', 'answerTooLong', false, true],
      ['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'send', false, 'malformed', 'answerTooLong', false, true],
      ['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'balance', true, 'malformed', 'answerTooLong', false, false],
      ['UND_ERR_CLOSED', 'send', true, 'aborted', 'clientClosedAfterSend', false, true],
      ['UND_ERR_DESTROYED', 'send', false, 'aborted', 'clientClosed', false, false],
      ['UND_ERR_DESTROYED', 'status', true, 'aborted', 'clientClosed', false, false],
      ['UND_ERR_INVALID_ARG', 'send', true, 'config', 'requestUnbuildable', false, false],
      ['ERR_INVALID_URL', 'balance', false, 'config', 'requestUnbuildable', false, false],
      ['ECONNRESET', 'send', true, 'network', 'connectionBrokeAfterSend', false, true],
      ['ECONNRESET', 'send', false, 'network', 'connectionBroke', true, false],
      ['EPIPE', 'balance', true, 'network', 'connectionBroke', true, false],
    ];
    for (const [code, command, dispatched, kind, id, retryable, outcomeUnknown] of cases) {
      it(`${code} on ${command}${dispatched ? ' after the request went out' : ''}`, () => {
        const g = toGatewayError(err(code), command, { dispatched });
        assert.deepEqual([g.kind, sentence(g), g.retryable, g.outcomeUnknown, g.command, g.code], [kind, id, retryable, outcomeUnknown, command, undefined]);
      });
    }

    it('a cancel wins over the code; after the send went out it leaves the outcome unknown', () => {
      const g = toGatewayError(err('ECONNREFUSED'), 'send', { dispatched: true, aborted: true });
      assert.deepEqual([g.kind, sentence(g), g.retryable, g.outcomeUnknown], ['aborted', 'callCancelledAfterSend', false, true]);
      const before = toGatewayError(err('UND_ERR_HEADERS_TIMEOUT'), 'send', { aborted: true });
      assert.deepEqual([before.kind, sentence(before), before.outcomeUnknown], ['aborted', 'callCancelled', false]);
      const status = toGatewayError(err('ECONNRESET'), 'status', { dispatched: true, aborted: true });
      assert.deepEqual([sentence(status), status.outcomeUnknown], ['callCancelled', false]);
    });

    it('an abort by undici is a refused proxy tunnel only when undici says "Proxy response"', () => {
      const tunnel = toGatewayError(err('UND_ERR_ABORTED', 'Proxy response (407) !== 200 when HTTP Tunneling'), 'send', { dispatched: true });
      assert.deepEqual([tunnel.kind, sentence(tunnel), tunnel.retryable, tunnel.outcomeUnknown], ['network', 'proxyRefused', false, false]);
      const other = toGatewayError(err('UND_ERR_ABORTED', 'Request aborted; Proxy response later'), 'send', { dispatched: true });
      assert.deepEqual([other.kind, sentence(other), other.outcomeUnknown], ['network', 'connectionBrokeAfterSend', true]);
    });

    it('the text is the message, with the code added when the message does not hold it; the secrets are removed', () => {
      assert.equal(toGatewayError(err('ECONNRESET', 'socket hang up'), 'help').gatewayText, 'socket hang up (ECONNRESET)');
      assert.equal(toGatewayError(err('ECONNRESET', 'read ECONNRESET'), 'help').gatewayText, 'read ECONNRESET');
      assert.equal(toGatewayError(err(undefined, 'plain'), 'help').gatewayText, 'plain');
      assert.equal(toGatewayError(err('', 'empty code'), 'help').gatewayText, 'empty code');
      assert.equal(toGatewayError(err(42, 'number code'), 'help').gatewayText, 'number code');
      const g = toGatewayError(err('ECONNRESET', 'failed for pw Hx-77-secret'), 'status', { secrets: ['Hx-77-secret'] });
      assert.equal(g.gatewayText, 'failed for pw *** (ECONNRESET)');
      assert.equal(g.message, 'status failed: failed for pw *** (ECONNRESET)');
    });

    it('the code is looked for on the error, its causes and the first of its attempts, at most five levels down', () => {
      const chain = (depth: number): unknown => {
        let e: unknown = err('ECONNREFUSED');
        for (let i = 0; i < depth; i++) e = new Error(`level ${i}`, { cause: e });
        return e;
      };
      assert.equal(sentence(toGatewayError(chain(4), 'status')), 'connectionRefused');
      assert.equal(sentence(toGatewayError(chain(5), 'status')), 'connectionBroke', 'the sixth level is not read');
      const attempts = new AggregateError([err('ETIMEDOUT'), err('ECONNREFUSED')], 'all failed');
      assert.equal(toGatewayError(attempts, 'status').gatewayText, 'all failed (ETIMEDOUT)');
      assert.equal(toGatewayError(new AggregateError([], 'none'), 'status').gatewayText, 'none');
      // Attempts without a code: the search goes on to the cause.
      const noCodes = Object.assign(new AggregateError([new Error('a')], 'outer'), { cause: err('ECONNREFUSED') });
      assert.equal(sentence(toGatewayError(noCodes, 'status')), 'connectionRefused');
      // An error's own code comes before its attempts'.
      const own = Object.assign(new AggregateError([err('ECONNREFUSED')], 'own'), { code: 'ENOTFOUND' });
      assert.equal(toGatewayError(own, 'status').gatewayText, 'own (ENOTFOUND)');
    });

    it('things that are not errors: an Error without a message is named, an object is written as JSON, else as text', () => {
      assert.equal(toGatewayError(Object.assign(new Error(''), { name: 'SocketError' }), 'help').gatewayText, 'SocketError');
      assert.equal(toGatewayError({ reason: 'x' }, 'help').gatewayText, '{"reason":"x"}');
      assert.equal(toGatewayError(12, 'help').gatewayText, '12');
      assert.equal(toGatewayError(undefined, 'help').gatewayText, 'undefined');
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      assert.equal(toGatewayError(circular, 'help').gatewayText, '[object Object]');
      assert.equal(toGatewayError(() => 1, 'help').gatewayText, '() => 1');
      assert.equal(toGatewayError('', 'help').gatewayText, '(no text)');
    });

    it('a GatewayError passes through: the same one without secrets, a redacted copy with them', () => {
      const original = httpError('balance', 503, 'busy');
      assert.equal(toGatewayError(original, 'send', { secrets: [] }), original);
      const copy = toGatewayError(original, 'send', { secrets: ['busy'] });
      assert.notEqual(copy, original);
      assert.deepEqual([copy.command, copy.code, copy.gatewayText, copy.retryable], ['balance', 503, 'HTTP 503: ***', true]);
    });
  });

  describe('GatewayError', () => {
    it('its message, name and fields; a retryable error whose outcome is unknown is not retryable', () => {
      const e = new GatewayError({ kind: 'http', command: 'send', code: 500, gatewayText: 'HTTP 500', explanation: 'x', retryable: true, outcomeUnknown: true });
      assert.deepEqual([e.message, e.name, e.retryable, e.outcomeUnknown, e.held], ['send failed: HTTP 500', 'GatewayError', false, true, false]);
      assert.ok(e instanceof Error);
      const plain = new GatewayError({ kind: 'network', command: 'help', gatewayText: '', explanation: 'y', retryable: true, outcomeUnknown: false });
      assert.deepEqual([plain.gatewayText, plain.message, plain.retryable], ['(no text)', 'help failed: (no text)', true]);
    });

    it('toInfo gives plain data: code and held only when present', () => {
      const held = gatewayCodeError('send', 1022, 'Status: 1022 - Awaiting cost confirmation');
      assert.deepEqual(held.toInfo(), {
        kind: 'gateway', command: 'send', code: 1022, gatewayText: 'Status: 1022 - Awaiting cost confirmation',
        explanation: held.explanation, retryable: false, outcomeUnknown: false, held: true,
      });
      const plain = new GatewayError({ kind: 'network', command: 'help', gatewayText: 't', explanation: 'e', retryable: true, outcomeUnknown: false, held: false });
      assert.deepEqual(plain.toInfo(), { kind: 'network', command: 'help', gatewayText: 't', explanation: 'e', retryable: true, outcomeUnknown: false });
      const zero = new GatewayError({ kind: 'http', command: 'help', code: 0, gatewayText: 't', explanation: 'e', retryable: false, outcomeUnknown: false });
      assert.equal(zero.toInfo().code, 0, 'a code of 0 is still a code');
    });

    it('redacted: the texts and the explanation lose the secrets; no secrets gives the same error', () => {
      const e = new GatewayError({ kind: 'http', command: 'status', code: 500, gatewayText: 'said Qk-secret-5', explanation: 'for Qk-secret-5', retryable: true, outcomeUnknown: false });
      assert.equal(e.redacted(), e);
      assert.equal(e.redacted([]), e);
      const r = e.redacted(['Qk-secret-5']);
      assert.deepEqual([r.gatewayText, r.explanation, r.code, r.kind, r.retryable], ['said ***', 'for ***', 500, 'http', true]);
    });
  });

  describe('numbered answers', () => {
    it('retry, unknown outcome and held follow the code table, the last two only for a send', () => {
      const flags = (command: GatewayCommand, code: number): boolean[] => {
        const g = gatewayCodeError(command, code, `Error: ${code} - x`);
        return [g.retryable, g.outcomeUnknown, g.held];
      };
      assert.deepEqual(flags('status', 1031), [true, false, false]);
      assert.deepEqual(flags('send', 1032), [true, false, false]);
      assert.deepEqual(flags('send', 1026), [false, true, false]);
      assert.deepEqual(flags('balance', 1026), [false, false, false]);
      assert.deepEqual(flags('send', 1022), [false, false, true]);
      assert.deepEqual(flags('status', 1022), [false, false, false]);
      assert.deepEqual(flags('send', 1012), [false, false, false]);
      assert.deepEqual(flags('send', 9999), [false, false, false], 'an undocumented code');
      const g = gatewayCodeError('status', 1031, 'Error: 1031 - later');
      assert.deepEqual([g.kind, g.code, g.gatewayText, sentence(g)], ['gateway', 1031, 'Error: 1031 - later', 'gatewayCode']);
    });

    it('the code table: 1001..1043 in order, each with its text, form and flags', () => {
      const codes = GATEWAY_ERROR_CODES.map((c) => c.code);
      assert.deepEqual(codes, [...codes].sort((a, b) => a - b));
      assert.equal(codes[0], 1001);
      assert.equal(codes.at(-1), 1043);
      assert.deepEqual(GATEWAY_ERROR_CODES.filter((c) => c.form === 'Status').map((c) => c.code), [1022, 1023, 1024, 1025, 1026]);
      assert.deepEqual(GATEWAY_ERROR_CODES.filter((c) => c.retryable).map((c) => c.code), [1031, 1032]);
      assert.deepEqual(GATEWAY_ERROR_CODES.filter((c) => c.held).map((c) => c.code), [1022]);
      assert.deepEqual(GATEWAY_ERROR_CODES.filter((c) => c.outcomeUnknown).map((c) => c.code), [1026]);
      assert.equal(describeGatewayCode(1012)?.text, 'Authentication failure: username and/or password mismatch');
      assert.equal(describeGatewayCode(1030), undefined);
      assert.ok(GATEWAY_ERROR_CODES.every((c) => c.text !== '' && c.explanation !== ''));
    });

    it('isMissingTwin: a 404 or an HTML page, nothing else', () => {
      assert.equal(isMissingTwin(httpError('status', 404, 'Not Found')), true);
      assert.equal(isMissingTwin(httpError('status', 405, 'Not allowed')), false);
      assert.equal(isMissingTwin(malformedError('balance', 'HTML page instead of a gateway answer: <html>', coreMessage('answerHtml'))), true);
      assert.equal(isMissingTwin(malformedError('balance', 'an answer with HTML page in it', coreMessage('answerHtml'))), false);
      assert.equal(isMissingTwin(gatewayCodeError('balance', 404, 'Error: 404 - x')), false, 'a gateway code 404 is not an HTTP 404');
      assert.equal(isMissingTwin(Object.assign(new Error('HTML page'), { kind: 'http', code: 404 })), false, 'only a GatewayError');
    });
  });
});
