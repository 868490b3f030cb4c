// Survivors of the Stryker run over src/gateway/protocol.ts and wire.ts (2026-12-02; docs/TESTING.md): the
// HTTP status classes, the cut of long gateway texts, the body checks, the numbered-answer parsing, the
// send segments, the status and balance fields, and the character set an answer is read in.
import * as assert from 'node:assert/strict';
import { GatewayError } from '../../src/gateway/errors';
import { coreMessage, wordMessage, type PlainMessageId } from '../../src/gateway/messages';
import {
  httpError, MAX_GATEWAY_TEXT, parseBalanceAnswer, parseErrorLine, parseSendAnswer, parseStatusAnswer,
} from '../../src/gateway/protocol';
import { decodeBody, queryString } from '../../src/gateway/wire';

const words = (id: PlainMessageId): string => wordMessage(coreMessage(id as never));

/** The GatewayError `fn` throws. */
function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GatewayError, `not a GatewayError: ${String(e)}`);
    return e;
  }
  assert.fail('nothing was thrown');
}

describe('mutants: gateway protocol and wire', () => {
  describe('httpError: each status class', () => {
    const cases: Array<[number, 'send' | 'status', PlainMessageId, boolean]> = [
      [300, 'status', 'httpRedirect', false],
      [302, 'status', 'httpRedirect', false],
      [399, 'status', 'httpRedirect', false],
      [400, 'status', 'httpError', false],
      [403, 'send', 'httpError', false],
      [404, 'status', 'httpNotRecognised', false],
      [405, 'send', 'httpNotRecognised', false],
      [407, 'status', 'httpProxyAuth', false],
      [408, 'status', 'httpTrouble', true],
      [414, 'send', 'httpTooManyNumbers', false],
      [414, 'status', 'httpRequestTooLong', false],
      [429, 'send', 'httpTrouble', true],
      [500, 'status', 'httpTrouble', true],
      [503, 'send', 'httpTrouble', true],
    ];
    for (const [status, command, why, retryable] of cases) {
      it(`${status} (${command}): ${why}, ${retryable ? '' : 'not '}retryable`, () => {
        const e = httpError(command, status, 'body');
        const unknown = command === 'send' && status >= 500;
        assert.equal(e.explanation, unknown ? `${words(why)} ${words('maybeSent')}` : words(why));
        assert.equal(e.retryable, retryable && !unknown, 'a send that may have gone out is never retried on its own');
        assert.equal(e.outcomeUnknown, unknown, 'only a send answered 5xx may have gone out');
        assert.equal(e.code, status);
        assert.equal(e.kind, 'http');
      });
    }

    it('says what came back: the body, a redirect target, or that it was empty', () => {
      assert.equal(httpError('status', 404, ' Not Found \n').gatewayText, 'HTTP 404: Not Found');
      assert.equal(httpError('status', 302, '', 'https://elsewhere.example/').gatewayText, 'HTTP 302 (redirect to https://elsewhere.example/) with an empty body');
      assert.equal(httpError('balance', 204, '   ').gatewayText, 'HTTP 204 with an empty body');
    });
  });

  it('a gateway text of exactly the limit is kept whole; one character more is cut, with an ellipsis', () => {
    const head = 'Error: 1005 - ';
    const exact = head + 'x'.repeat(MAX_GATEWAY_TEXT - head.length);
    assert.equal(parseErrorLine(exact, 'send')?.gatewayText, exact);
    const longer = `${exact}y`;
    assert.equal(parseErrorLine(longer, 'send')?.gatewayText, `${exact}…`);
  });

  it('a numbered line is read with spaces around it', () => {
    assert.equal(parseErrorLine('   Error: 1005 - bad number  ', 'send')?.code, 1005);
    assert.equal(parseErrorLine('\tStatus: 1013 - no credit ', 'send')?.code, 1013);
  });

  describe('the body checks', () => {
    it('an HTML tag with attributes anywhere in the answer is an HTML page', () => {
      for (const body of ['Service down <html lang="it">…</html>', 'Oops <html>x</html>']) {
        const e = thrown(() => parseSendAnswer(body, ['393391234567']));
        assert.equal(e.kind, 'malformed');
        assert.match(e.gatewayText, /^HTML page instead of a gateway answer/);
      }
    });

    it('a send answer on several lines is refused as such', () => {
      const e = thrown(() => parseSendAnswer('OK ID:1\nOK ID:2', ['393391234567', '393391234568']));
      assert.equal(e.kind, 'malformed');
      assert.ok(e.explanation.startsWith(words('answerSeveralLines')), e.explanation);
    });
  });

  describe('send segments', () => {
    it('per-number answers may have spaces around them', () => {
      const r = parseSendAnswer('OK ID:11 | OK ID:12', ['393391234567', '393391234568']);
      assert.deepEqual(r.items.map((i) => (i.ok ? i.smsId : 0)), [11, 12]);
    });

    it('an empty part of a multi-number answer says so', () => {
      const r = parseSendAnswer('OK ID:1||OK ID:3', ['393391234561', '393391234562', '393391234563']);
      const middle = r.items[1];
      assert.ok(!middle.ok);
      assert.equal(middle.error.kind, 'malformed');
      assert.equal(middle.error.gatewayText, '(empty part of a multi-destination answer)');
    });

    it('"Status: 1000" in any spacing is a success without its id; text that merely contains it or "OK" is not', () => {
      for (const raw of ['Status:1000', 'Status :  1000 - done', 'status: 1000']) {
        const e = thrown(() => parseSendAnswer(raw, ['393391234567']));
        assert.equal(e.kind, 'malformed', raw);
        assert.ok(e.explanation.startsWith(words('answerIncompleteSuccess')), `${raw}: ${e.explanation}`);
      }
      for (const raw of ['Note Status: 1000', 'NOT OK']) {
        const e = thrown(() => parseSendAnswer(raw, ['393391234567']));
        assert.equal(e.kind, 'unnumbered', raw);
      }
    });
  });

  describe('status answers', () => {
    it('an error whose text holds "digits:" is still the error', () => {
      const e = thrown(() => parseStatusAnswer('Error: 1027 - see field 1:2'));
      assert.equal(e.kind, 'gateway');
      assert.equal(e.code, 1027);
    });

    it('an id longer than 15 digits and a submitted time with a letter are unreadable, each in its words', () => {
      const id = thrown(() => parseStatusAnswer('1234567890123456:20261202101010:393391234567:20261202101020:2:1:0.05'));
      assert.ok(id.explanation.startsWith(words('answerStatusUnreadableId')), id.explanation);
      const submitted = thrown(() => parseStatusAnswer('12:2026120210a010:393391234567:20261202101020:2:1:0.05'));
      assert.ok(submitted.explanation.startsWith(words('answerStatusUnreadableSubmitted')), submitted.explanation);
    });
  });

  describe('balance answers', () => {
    it('reads the low-cost count, 0 included, and refuses one that is not a whole number', () => {
      assert.equal(parseBalanceAnswer('Status: 1000 - Balance:12.5|SmsRemainCount:200|LCSmsRemainCount:42').lcSmsRemainCount, 42);
      assert.equal(parseBalanceAnswer('Status: 1000 - Balance:12.5|SmsRemainCount:200|LCSmsRemainCount:0').lcSmsRemainCount, 0);
      assert.equal(parseBalanceAnswer('Status: 1000 - Balance:12.5|SmsRemainCount:200|LCSmsRemainCount:-9999').lcSmsRemainCount, undefined);
      for (const bad of ['x12', '12x']) {
        const e = thrown(() => parseBalanceAnswer(`Status: 1000 - Balance:12.5|SmsRemainCount:200|LCSmsRemainCount:${bad}`));
        assert.ok(e.explanation.startsWith(words('answerBalanceLowCost')), `${bad}: ${e.explanation}`);
      }
    });
  });

  describe('decodeBody: the character set an answer names', () => {
    const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
    it('Latin-1 names read byte for byte (0x80 is U+0080, not the euro sign of Windows-1252)', () => {
      for (const header of ['text/plain; charset=iso-8859-1', 'text/plain; charset = ISO-8859-1', 'text/plain; charset=latin1', 'text/plain; charset="latin-1"']) {
        assert.equal(decodeBody(bytes(0x80, 0x41), header), '\u0080A', header);
      }
      // Bytes valid as UTF-8 too: the named Latin-1 wins.
      assert.equal(decodeBody(bytes(0xc3, 0xa8), 'text/plain; charset = iso-8859-1'), 'Ã¨');
    });

    it('other names are read in their own character set; none means UTF-8', () => {
      assert.equal(decodeBody(bytes(0xa4), 'text/plain; charset=iso-8859-15'), '€');
      assert.equal(decodeBody(bytes(0xc3, 0xa8), 'text/plain'), 'è');
      assert.equal(decodeBody(bytes(0xc3, 0xa8), undefined), 'è');
    });
  });

  it('a lone surrogate in a value is refused in words', () => {
    const e = thrown(() => queryString('send', [['message', 'a\ud800b']]));
    assert.equal(e.kind, 'config');
    assert.match(e.gatewayText, /broken character \(a lone UTF-16 surrogate\)/);
  });
});
