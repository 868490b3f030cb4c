// What the default log shows of a message: masked numbers and the text's length, never more.
import * as assert from 'node:assert/strict';
import { maskCallUrl, maskNumber, maskNumbersIn } from '../../src/common/privacy';

describe('Log privacy (masking)', () => {
  it('masks a number as +CC NNN *** **NN, whatever the country code length', () => {
    assert.equal(maskNumber('393391234567'), '+39 339 *** **67');
    assert.equal(maskNumber('+39 339 123 4567'), '+39 339 *** **67');
    assert.equal(maskNumber('12025550123'), '+1 202 *** **23');
    assert.equal(maskNumber('3538612345678'), '+353 861 *** **78');
    assert.equal(maskNumber('12345'), '***45');
  });

  it('a send URL keeps the command and sender, masks every destination and gives the text only as its length', () => {
    const url = 'http://127.0.0.1:4010/sendsms.php?username=acme&password=***&destination=393391234567.393401234599&sender=Acme&message=Ciao%20Maria%2C%20il%20codice%20%C3%A8%20123';
    const masked = maskCallUrl(url);
    assert.equal(masked, 'http://127.0.0.1:4010/sendsms.php?username=acme&password=***&destination=+39 339 *** **67.+39 340 *** **99&sender=Acme&message=<27 characters>');
    for (const leak of ['393391234567', '393401234599', 'Maria', 'codice', '3391234']) assert.ok(!masked.includes(leak), leak);
  });

  it('counts characters, not UTF-16 units or bytes, in the text length', () => {
    assert.match(maskCallUrl('http://h/s?message=%F0%9F%98%80%20ok&destination=393391234567'), /message=<4 characters>/);
  });

  it('masks numbers echoed in free text (a gateway error, a config error), with or without +, spaces or %2B', () => {
    assert.equal(maskNumbersIn('Invalid destination "393391234567".'), 'Invalid destination "+39 339 *** **67".');
    assert.equal(maskNumbersIn('to +39 339 123 4567 failed'), 'to +39 339 *** **67 failed');
    assert.equal(maskNumbersIn('destination=%2B393391234567'), 'destination=+39 339 *** **67');
    assert.equal(maskNumbersIn('393391234567.393401234599'), '+39 339 *** **67.+39 340 *** **99');
  });

  it('leaves SMS IDs, amounts, durations and short codes alone', () => {
    const line = 'send ok in 123 ms (attempt 1): OK ID:48213|Error 1005 — balance 12.345, 4242 SMS';
    assert.equal(maskNumbersIn(line), line);
  });

  it('a URL without a query is masked as free text; a broken percent-escape does not throw', () => {
    assert.equal(maskCallUrl('http://h/393391234567'), 'http://h/+39 339 *** **67');
    assert.match(maskCallUrl('http://h/s?message=%E0%A4%A&destination=393391234567'), /message=<\d+ characters>&destination=\+39 339 \*\*\* \*\*67/);
  });
});
