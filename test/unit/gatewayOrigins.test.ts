// An account's password goes only to the gateway origins it was signed in against: the pure rule, and the
// client's last check before each credentialed call (a real sandbox counts what reached it).
import * as assert from 'node:assert/strict';
import { GatewayClient } from '../../src/gateway/client';
import { GatewayError } from '../../src/gateway/errors';
import { DOCUMENTED_ORIGINS, credentialOrigins, originOf, readersOf, unboundOrigins } from '../../src/gateway/origins';
import { resolveProxy } from '../../src/gateway/proxy';
import { SandboxGateway } from '../../src/sandbox/server';
import type { Credentials, GatewayCommand } from '../../src/gateway/types';
import { startForwardProxy } from '../shared/forwardProxy';

const creds: Credentials = { username: 'tester', password: 'origin-canary-pw' };

describe('gateway origins an account is bound to', () => {
  it('takes scheme, host and port from each credentialed address', () => {
    assert.equal(originOf('https://www.inviosmart.it/webservice/sms/sendSMSHTTP.php'), 'https://www.inviosmart.it');
    assert.equal(originOf('http://127.0.0.1:8080/sendsms/?x=1'), 'http://127.0.0.1:8080');
    assert.equal(originOf('not a url'), 'not a url');
    assert.deepEqual(
      credentialOrigins({ send: 'https://evil.example/s', status: 'https://www.inviosmart.it/a', balance: 'https://www.inviosmart.it/b' }),
      ['https://evil.example', 'https://www.inviosmart.it'],
    );
  });

  it('names every configured origin the account was not checked against', () => {
    const bound = ['https://www.inviosmart.it'];
    assert.deepEqual(unboundOrigins(bound, ['https://www.inviosmart.it']), []);
    assert.deepEqual(unboundOrigins(bound, ['https://www.inviosmart.it', 'https://evil.example']), ['https://evil.example']);
    // A switch to the cleartext set is a change too: the password would then cross the network readable.
    assert.deepEqual(unboundOrigins(bound, ['http://httpapi.inviosmart.it']), ['http://httpapi.inviosmart.it']);
    // The same host on another scheme or port is another origin.
    assert.deepEqual(unboundOrigins(['https://www.inviosmart.it'], ['https://www.inviosmart.it:8443']), ['https://www.inviosmart.it:8443']);
  });

  it('binds an account saved before origins were recorded to the documented gateway only', () => {
    assert.deepEqual(unboundOrigins(undefined, [...DOCUMENTED_ORIGINS]), []);
    assert.deepEqual(unboundOrigins(undefined, ['http://127.0.0.1:9']), ['http://127.0.0.1:9']);
  });
});

describe('GatewayClient checkTarget', () => {
  let allowed: SandboxGateway;
  let other: SandboxGateway;

  before(async () => {
    allowed = await SandboxGateway.start({ port: 0, accounts: [{ username: creds.username, password: creds.password, balance: 5 }] });
    other = await SandboxGateway.start({ port: 0, accounts: [{ username: creds.username, password: creds.password, balance: 5 }] });
  });
  after(async () => {
    await allowed.close();
    await other.close();
  });

  function guarded(seen: Array<[GatewayCommand, string]>): GatewayClient {
    return new GatewayClient({
      baseUrl: allowed.url,
      maxRetries: 0,
      checkTarget: (command, url) => {
        seen.push([command, url]);
        if (originOf(url) !== originOf(allowed.url)) throw new Error(`refused ${command}`);
      },
    });
  }

  it('is asked before every send, status and balance call, never for help', async () => {
    const seen: Array<[GatewayCommand, string]> = [];
    const client = guarded(seen);
    try {
      await client.balance(creds);
      const sent = await client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' });
      const first = sent.items[0];
      assert.ok(first?.ok);
      await client.status(creds, first.smsId);
      await client.help();
      assert.deepEqual(seen.map(([c]) => c), ['balance', 'send', 'status']);
      assert.ok(seen.every(([, url]) => url.startsWith(allowed.url)));
    } finally {
      await client.close();
    }
  });

  it('a refusal sends nothing, and updateOptions cannot lift the check', async () => {
    const seen: Array<[GatewayCommand, string]> = [];
    const client = guarded(seen);
    try {
      client.updateOptions({ baseUrl: other.url, checkTarget: undefined });
      const before = other.requestCount();
      await assert.rejects(client.balance(creds), /refused balance/);
      await assert.rejects(client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' }), /refused send/);
      await assert.rejects(client.status(creds, 1), /refused status/);
      assert.equal(other.requestCount() - before, 0, 'a refused call reached the other host');
      assert.equal(seen.length, 3);
    } finally {
      await client.close();
    }
  });

  it('a GatewayError from the check reaches the caller as it is (a settings problem, nothing sent)', async () => {
    const client = new GatewayClient({
      baseUrl: other.url,
      checkTarget: (command) => {
        throw new GatewayError({ kind: 'config', command, gatewayText: 'not sent', explanation: 'moved', retryable: false, outcomeUnknown: false });
      },
    });
    try {
      const before = other.requestCount();
      await assert.rejects(client.send(creds, { destinations: ['393331234567'], sender: 'Shop', message: 'hi' }),
        (e: unknown) => e instanceof GatewayError && e.kind === 'config' && !e.outcomeUnknown && e.explanation === 'moved');
      assert.equal(other.requestCount() - before, 0);
    } finally {
      await client.close();
    }
  });
});

describe('a proxy that can read the credentials counts as a reader', () => {
  const proxy = resolveProxy({ proxy: 'http://corp:pw@proxy.local:3128', noProxy: 'direct.local' }, {});

  it('plain http through a proxy: the proxy reads everything; https through it with TLS checks: only the gateway', () => {
    assert.deepEqual(readersOf('http://httpapi.inviosmart.it/sendsms/', proxy), ['http://httpapi.inviosmart.it', 'http://proxy.local:3128 (proxy)']);
    assert.deepEqual(readersOf('https://www.inviosmart.it/webservice/sms/getSMSStatus.php', proxy), ['https://www.inviosmart.it']);
    assert.deepEqual(readersOf('http://direct.local/sendsms/', proxy), ['http://direct.local'], 'noProxy goes direct');
    assert.deepEqual(readersOf('http://httpapi.inviosmart.it/sendsms/', undefined), ['http://httpapi.inviosmart.it']);
  });

  it('https with http.proxyStrictSSL false: the proxy can read it too (it may present any certificate)', () => {
    const lax = resolveProxy({ proxy: 'http://proxy.local:3128', strictSSL: false }, {});
    assert.deepEqual(readersOf('https://www.inviosmart.it/x', lax), ['https://www.inviosmart.it', 'http://proxy.local:3128 (proxy)']);
  });

  it('a proxy set after sign-in is refused before anything reaches it (real forward proxy and sandbox)', async () => {
    const gateway = await SandboxGateway.start({ port: 0, accounts: [{ username: creds.username, password: creds.password, balance: 5 }] });
    const forward = await startForwardProxy();
    const bound = [originOf(gateway.url)];
    const client = new GatewayClient({
      baseUrl: gateway.url,
      maxRetries: 0,
      checkTarget: (command, _url, _c, readers) => {
        const unbound = unboundOrigins(bound, readers);
        if (unbound.length > 0) throw new Error(`refused ${command}: ${unbound.join(', ')}`);
      },
    });
    try {
      assert.equal((await client.balance(creds)).balance, 5);
      // 127.0.0.1 is not in noProxy here, so the request would go through the proxy in plain http.
      client.updateOptions({ proxy: resolveProxy({ proxy: forward.url }, {}) });
      assert.deepEqual(client.readers(), [originOf(gateway.url), `${forward.url} (proxy)`].sort());
      await assert.rejects(client.balance(creds), new RegExp(`refused balance: ${forward.url.replace(/[.]/g, '\\.')} \\(proxy\\)`));
      assert.equal(forward.requests.length, 0, 'the proxy saw a request');
      assert.equal(gateway.requestCount('balance'), 1);
    } finally {
      await client.close();
      await forward.close();
      await gateway.close();
    }
  });
});
