// A proxy's own credentials (in http.proxy's URL or http.proxyAuthorization) must never reach an error or the
// log, even when a hostile or broken proxy echoes them back in its answer. The "proxy" is a real HTTP server on
// 127.0.0.1 that answers every request with a page quoting the Proxy-Authorization header it received.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayClient } from '../../src/gateway/client';
import { GatewayError } from '../../src/gateway/errors';
import { proxySecrets, resolveProxy } from '../../src/gateway/proxy';
import { redactText } from '../../src/gateway/redact';
import type { CallEvent } from '../../src/gateway/types';

const USER = 'corp';
const PASS = 'pa@ss/w0rd';
const TOKEN = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;

describe('proxy credentials are redacted like the gateway password', () => {
  let server: http.Server;
  let proxyUrl: string;

  before(async () => {
    server = http.createServer((req, res) => {
      const auth = String(req.headers['proxy-authorization'] ?? '');
      const decoded = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString('utf8');
      req.resume();
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`Bad gateway. You sent Proxy-Authorization: ${auth} (${decoded}) as ${JSON.stringify(decoded)}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('proxySecrets names the URL password (as written and decoded), the Basic token and http.proxyAuthorization', () => {
    const secrets = proxySecrets(resolveProxy({ proxy: `http://${USER}:${encodeURIComponent(PASS)}@proxy.local:3128` }, {}));
    for (const s of [PASS, encodeURIComponent(PASS), TOKEN]) assert.ok(secrets.includes(s), `missing ${s}`);
    assert.ok(proxySecrets(resolveProxy({ proxy: 'http://proxy.local:3128', authorization: 'Bearer abc.def' }, {})).includes('abc.def'));
    assert.deepEqual(proxySecrets(undefined), []);
    assert.deepEqual(proxySecrets(resolveProxy({ proxy: 'http://proxy.local:3128' }, {})), []);
  });

  it('a URL password holding @ is masked whole (userinfo ends at the last @)', () => {
    assert.equal(redactText('via http://corp:p@ss@proxy.local:3128 failed'), 'via http://corp:***@proxy.local:3128 failed');
  });

  for (const how of ['in the proxy URL', 'in http.proxyAuthorization'] as const) {
    it(`an answer echoing the credentials ${how}: the error and the log keep none of them`, async () => {
      const events: CallEvent[] = [];
      const proxy = how === 'in the proxy URL'
        ? resolveProxy({ proxy: proxyUrl.replace('http://', `http://${USER}:${encodeURIComponent(PASS)}@`) }, {})
        : resolveProxy({ proxy: proxyUrl, authorization: TOKEN }, {});
      const client = new GatewayClient({ baseUrl: 'http://127.0.0.1:9', proxy, maxRetries: 0, onCall: (e) => events.push(e) });
      try {
        const err = await client.balance({ username: 'tester', password: 'gateway-pw' }).then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof GatewayError, String(err));
        const seen = [err.message, err.gatewayText, err.explanation, JSON.stringify(err.toInfo()), JSON.stringify(events)].join('\n');
        assert.match(seen, /Proxy-Authorization/, 'the proxy answer reached the error (else this test proves nothing)');
        const leaks = [PASS, encodeURIComponent(PASS), TOKEN, TOKEN.slice('Basic '.length), `${USER}:${PASS}`];
        for (const leak of leaks) assert.ok(!seen.includes(leak), `leaked ${leak}: ${seen}`);
      } finally {
        await client.close();
      }
    });
  }
});
