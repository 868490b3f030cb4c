// src/gateway/proxy.ts: which requests go through a proxy and with which credentials and certificates. The routing
// tests run the GatewayClient against real sandbox gateways through a real forward proxy (test/shared/forwardProxy.ts),
// all on 127.0.0.1, and read the proxy's own record of what passed through it.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { GatewayClient } from '../../src/gateway/client';
import { GatewayError } from '../../src/gateway/errors';
import { bypassesProxy, pemCertificates, proxyCredentials, proxyFor, resolveProxy, systemCertificates, withoutProxy } from '../../src/gateway/proxy';
import type { GatewayClientOptions, ProxyOptions } from '../../src/gateway/types';
import { DEFAULT_ACCOUNT, SandboxGateway } from '../../src/sandbox/server';
import { startForwardProxy, testTls, type ForwardProxy } from '../shared/forwardProxy';

// out/test/unit/ → the repository root
const root = path.resolve(__dirname, '..', '..', '..');
const creds = { username: DEFAULT_ACCOUNT.username, password: DEFAULT_ACCOUNT.password };
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Proxy resolution (src/gateway/proxy.ts)', () => {
  it('http.proxy is used for every target and wins over the environment', () => {
    const p = resolveProxy({ proxy: 'http://corp:3128' }, { http_proxy: 'http://env:1', https_proxy: 'http://env:2' });
    assert.equal(proxyFor(new URL('http://gw.example/x'), p), 'http://corp:3128');
    assert.equal(proxyFor(new URL('https://gw.example/x'), p), 'http://corp:3128');
  });

  it('without http.proxy, https_proxy serves https targets and http_proxy http ones; either alone leaves the other direct', () => {
    const both = resolveProxy({}, { http_proxy: 'http://plain:1', HTTPS_PROXY: 'http://secure:2' });
    assert.equal(proxyFor(new URL('http://a.example'), both), 'http://plain:1');
    assert.equal(proxyFor(new URL('https://a.example'), both), 'http://secure:2');
    const httpOnly = resolveProxy({ proxy: '' }, { HTTP_PROXY: 'plain:1' });
    assert.equal(proxyFor(new URL('http://a.example'), httpOnly), 'http://plain:1', 'a bare host:port means http://');
    assert.equal(proxyFor(new URL('https://a.example'), httpOnly), undefined);
    const httpsOnly = resolveProxy({}, { https_proxy: 'http://secure:2' });
    assert.equal(proxyFor(new URL('http://a.example'), httpsOnly), undefined);
    assert.equal(proxyFor(new URL('https://a.example'), httpsOnly), 'http://secure:2');
    const all = resolveProxy({}, { all_proxy: 'http://every:3' });
    assert.equal(proxyFor(new URL('https://a.example'), all), 'http://every:3');
  });

  it("http.proxySupport 'off' turns every proxy off, from the settings and the environment alike", () => {
    const p = resolveProxy({ proxy: 'http://corp:3128', support: 'off' }, { https_proxy: 'http://env:2', http_proxy: 'http://env:1' });
    assert.equal(proxyFor(new URL('http://a.example'), p), undefined);
    assert.equal(proxyFor(new URL('https://a.example'), p), undefined);
    assert.equal(p?.systemCertificates, true, 'the certificates still count');
    assert.equal(proxyFor(new URL('http://a.example'), resolveProxy({ proxy: 'http://corp:3128', support: 'override' }, {})), 'http://corp:3128');
  });

  it('http.noProxy and no_proxy: hosts, subdomains, wildcards, ports, IPv6 and *', () => {
    const p = resolveProxy(
      { proxy: 'http://corp:3128', noProxy: ['internal.example', '*.lan', '127.0.0.1:8080'] },
      { no_proxy: '.corp.example, [::1], 10.0.0.1' },
    );
    const via = (u: string): string | undefined => proxyFor(new URL(u), p);
    assert.equal(via('http://internal.example/'), undefined);
    assert.equal(via('http://api.internal.example/'), undefined, 'subdomains too');
    assert.equal(via('http://notinternal.example/'), 'http://corp:3128', 'a suffix is not a subdomain');
    assert.equal(via('http://printer.lan/'), undefined);
    assert.equal(via('http://x.corp.example/'), undefined);
    assert.equal(via('http://127.0.0.1:8080/'), undefined);
    assert.equal(via('http://127.0.0.1:8081/'), 'http://corp:3128', 'another port');
    assert.equal(via('http://[::1]:9/'), undefined);
    assert.equal(via('https://10.0.0.1/'), undefined);
    assert.equal(via('http://INTERNAL.example/'), undefined, 'case-insensitive');
    assert.equal(via('http://httpapi.inviosmart.it/'), 'http://corp:3128');
    assert.equal(bypassesProxy(new URL('http://anything.example'), ['*']), true);
    assert.equal(bypassesProxy(new URL('http://anything.example'), undefined), false);
  });

  it('credentials: http.proxyAuthorization wins over the URL; the URL loses its user and password either way', () => {
    assert.deepEqual(proxyCredentials('http://u%40corp:p%3Ass@proxy:3128'), { uri: 'http://proxy:3128/', token: basic('u@corp', 'p:ss') });
    assert.deepEqual(proxyCredentials('http://u:p@proxy:3128', 'Negotiate abc'), { uri: 'http://proxy:3128/', token: 'Negotiate abc' });
    assert.deepEqual(proxyCredentials('http://proxy:3128'), { uri: 'http://proxy:3128/' });
    assert.deepEqual(proxyCredentials('http://onlyuser@proxy:3128'), { uri: 'http://proxy:3128/', token: basic('onlyuser', '') });
  });

  it('bad values never throw: a broken proxy URL or a noProxy of the wrong type is ignored', () => {
    const p = resolveProxy({ proxy: 'http://exa mple:99', noProxy: 42, strictSSL: 'yes', authorization: 7 }, {});
    assert.equal(p?.url, undefined);
    assert.equal(p?.noProxy, undefined);
    assert.equal(p?.authorization, undefined);
    assert.equal(resolveProxy({ proxy: 'socks5://s:1080', systemCertificates: false }, {}), undefined, 'only http(s) proxies');
    assert.equal(resolveProxy({ systemCertificates: false }, {}), undefined, 'nothing to do');
    assert.deepEqual(withoutProxy(resolveProxy({ proxy: 'http://p:1', noProxy: ['x'] }, {})), { rejectUnauthorized: true, systemCertificates: true });
    assert.equal(withoutProxy(resolveProxy({ proxy: 'http://p:1', systemCertificates: false }, {})), undefined);
  });

  it('system certificates: SSL_CERT_FILE, else the first bundle that exists, else Node’s own store (22.15+)', () => {
    const { caFile } = testTls(root);
    assert.equal(systemCertificates({ env: { SSL_CERT_FILE: caFile }, nodeStore: () => ['from node'] }).length, 1);
    assert.deepEqual(systemCertificates({ env: {}, bundles: ['/nonexistent/a.pem', caFile], nodeStore: undefined }), pemCertificates(testTls(root).ca));
    assert.deepEqual(systemCertificates({ env: {}, nodeStore: () => ['from node'] }), ['from node']);
    assert.deepEqual(systemCertificates({ env: {}, bundles: ['/nonexistent/a.pem'], nodeStore: undefined }), []);
    assert.deepEqual(systemCertificates({ env: {}, bundles: [root], nodeStore: undefined }), [], 'a folder is not a bundle');
  });
});

describe('Proxy routing through a real forward proxy (GatewayClient)', function () {
  this.timeout(20_000);
  let proxy: ForwardProxy;
  let a: SandboxGateway;
  let b: SandboxGateway;
  const clients: GatewayClient[] = [];
  const client = (o: GatewayClientOptions): GatewayClient => {
    const c = new GatewayClient({ maxRetries: 0, connectTimeoutMs: 5_000, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000, ...o });
    clients.push(c);
    return c;
  };
  const through = (s: SandboxGateway): string[] => proxy.requests.filter((r) => r.target.includes(`:${s.port}`)).map((r) => `${r.method} ${r.target}`);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await proxy?.close();
    await a?.close();
    await b?.close();
  });

  async function start(proxyOptions: Parameters<typeof startForwardProxy>[0] = {}): Promise<void> {
    proxy = await startForwardProxy(proxyOptions);
    a = await SandboxGateway.start();
    b = await SandboxGateway.start();
  }

  it('sends what noProxy names directly and the rest through the proxy', async () => {
    await start();
    const p = resolveProxy({ proxy: proxy.url, noProxy: [`127.0.0.1:${b.port}`] }, {});
    const c = client({ baseUrl: a.url, sendUrl: `${b.url}/sendsms/`, proxy: p });
    await c.balance(creds);
    const sent = await c.send(creds, { destinations: ['393391234567'], sender: 'Test', message: 'via no proxy' });
    assert.ok(sent.items[0].ok);
    assert.equal(through(a).length, 1, JSON.stringify(proxy.requests));
    assert.match(through(a)[0], new RegExp(`^GET http://127\\.0\\.0\\.1:${a.port}/account-balance/`));
    assert.deepEqual(through(b), [], 'the send went direct');
    assert.equal(b.messages.length, 1, 'and arrived');
  });

  it('uses http_proxy from the environment when http.proxy is empty, and no_proxy from it', async () => {
    await start();
    const p = resolveProxy({ proxy: '' }, { http_proxy: proxy.url, no_proxy: `127.0.0.1:${b.port}` });
    await client({ baseUrl: a.url, proxy: p }).balance(creds);
    await client({ baseUrl: b.url, proxy: p }).balance(creds);
    assert.equal(through(a).length, 1);
    assert.deepEqual(through(b), []);
    // https_proxy alone leaves http targets direct.
    const before = proxy.requests.length;
    await client({ baseUrl: a.url, proxy: resolveProxy({}, { https_proxy: proxy.url }) }).balance(creds);
    assert.equal(proxy.requests.length, before);
  });

  it('sends the credentials from the proxy URL, and http.proxyAuthorization instead when set', async () => {
    await start({ credentials: basic('corp user', 's3cr:t') });
    const withUrl = resolveProxy({ proxy: proxy.url.replace('http://', 'http://corp%20user:s3cr%3At@') }, {});
    const report = await client({ baseUrl: a.url, proxy: withUrl }).balance(creds);
    assert.equal(report.balance, DEFAULT_ACCOUNT.balance);
    assert.equal(proxy.requests.at(-1)?.proxyAuthorization, basic('corp user', 's3cr:t'));

    await client({ baseUrl: a.url, proxy: resolveProxy({ proxy: proxy.url, authorization: basic('corp user', 's3cr:t') }, {}) }).balance(creds);
    assert.equal(proxy.requests.at(-1)?.proxyAuthorization, basic('corp user', 's3cr:t'));

    const wrong = resolveProxy({ proxy: proxy.url.replace('http://', 'http://corp%20user:wrong@') }, {});
    await assert.rejects(client({ baseUrl: a.url, proxy: wrong }).balance(creds), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      // undici reports the proxy's 407 as an error of its own, not as an HTTP answer.
      assert.match(e.gatewayText, /407/);
      assert.match(e.explanation, /proxy/);
      assert.equal(e.outcomeUnknown, false);
      assert.doesNotMatch(`${e.message} ${e.gatewayText} ${e.explanation}`, /wrong/, 'the proxy password is not in the error');
      return true;
    });
  });

  it('tunnels https targets with CONNECT', async () => {
    await start();
    // Nothing answers TLS at the sandbox's port, so the request fails, but only after the proxy opened the tunnel.
    const p = resolveProxy({ proxy: proxy.url, systemCertificates: false }, {});
    await assert.rejects(client({ baseUrl: `https://127.0.0.1:${a.port}`, proxy: p }).balance(creds));
    assert.deepEqual(proxy.requests.map((r) => `${r.method} ${r.target}`), [`CONNECT 127.0.0.1:${a.port}`]);
  });

  describe('a TLS-inspecting proxy whose root only the operating system trusts', () => {
    const saved = process.env.SSL_CERT_FILE;
    afterEach(() => {
      if (saved === undefined) delete process.env.SSL_CERT_FILE;
      else process.env.SSL_CERT_FILE = saved;
    });

    it('fails the certificate check without the system certificates, and passes with them', async () => {
      const tlsFiles = testTls(root);
      await start({ inspect: { cert: tlsFiles.cert, key: tlsFiles.key } });
      // The system bundle (as OpenSSL's SSL_CERT_FILE names it) holds the proxy's root.
      process.env.SSL_CERT_FILE = tlsFiles.caFile;
      const baseUrl = `https://127.0.0.1:${a.port}`;

      const without: ProxyOptions | undefined = resolveProxy({ proxy: proxy.url, systemCertificates: false }, {});
      await assert.rejects(client({ baseUrl, proxy: without }).balance(creds), (e: unknown) => {
        assert.ok(e instanceof GatewayError);
        assert.equal(e.kind, 'network');
        assert.match(e.explanation, /certificate/);
        return true;
      });
      assert.equal(proxy.requests.filter((r) => r.inspected).length, 0);

      const report = await client({ baseUrl, proxy: resolveProxy({ proxy: proxy.url }, {}) }).balance(creds);
      assert.equal(report.balance, DEFAULT_ACCOUNT.balance);
      const inspected = proxy.requests.filter((r) => r.inspected);
      assert.equal(inspected.length, 1);
      assert.match(inspected[0].target, new RegExp(`^https://127\\.0\\.0\\.1:${a.port}/account-balance/`));

      // http.proxyStrictSSL off also gets through (without checking anything).
      await client({ baseUrl, proxy: resolveProxy({ proxy: proxy.url, strictSSL: false, systemCertificates: false }, {}) }).balance(creds);
      assert.equal(proxy.requests.filter((r) => r.inspected).length, 2);
    });
  });

  it('a settings change to noProxy moves the next request off the proxy (updateOptions)', async () => {
    await start();
    const c = client({ baseUrl: a.url, proxy: resolveProxy({ proxy: proxy.url }, {}) });
    await c.balance(creds);
    c.updateOptions({ proxy: resolveProxy({ proxy: proxy.url, noProxy: ['127.0.0.1'] }, {}) });
    await c.balance(creds);
    assert.equal(through(a).length, 1);
  });
});
