// Mutants of src/gateway/proxy.ts the rest of the suite let through (issue #10 item 11; docs/TESTING.md): the
// settings and environment a proxy is read from, no_proxy's spellings, the key that decides when connections are
// remade, and the dispatcher's certificates and its close/destroy. Connections go to servers on 127.0.0.1 only.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { request, type Dispatcher } from 'undici';
import { bypassesProxy, createDispatcher, pemCertificates, proxyFor, proxyKey, resolveProxy, type DispatcherOptions } from '../../src/gateway/proxy';
import type { ProxyOptions } from '../../src/gateway/types';
import { startForwardProxy, testTls } from '../shared/forwardProxy';

// out/test/unit/ → the repository root
const root = path.resolve(__dirname, '..', '..', '..');
const COMMON: DispatcherOptions = { connect: { timeout: 5_000 }, headersTimeout: 5_000, bodyTimeout: 5_000, maxResponseSize: 1 << 20 };
const base = { rejectUnauthorized: true, systemCertificates: true };

describe('mutants: gateway proxy.ts', () => {
  describe('resolveProxy: what the settings and environment give', () => {
    it('gives exactly the options it read, nothing more (each setting alone)', () => {
      assert.deepEqual(resolveProxy({ proxy: 'http://corp:3128' }, {}), { url: 'http://corp:3128', ...base });
      // Without any proxy, https targets are marked direct ('') as an unset https_proxy leaves them.
      const none = { httpsUrl: '', ...base };
      assert.deepEqual(resolveProxy({}, {}), none, 'certificates alone still need options');
      assert.deepEqual(resolveProxy({ strictSSL: false }, {}), { ...none, rejectUnauthorized: false });
      assert.deepEqual(resolveProxy({ strictSSL: 'no' }, {}), none, 'only false turns the check off');
      assert.deepEqual(resolveProxy({ systemCertificates: 'no' }, {}), none, 'only false leaves the system store out');
      assert.deepEqual(resolveProxy({ proxy: 'http://corp:3128', systemCertificates: false }, {}), { url: 'http://corp:3128', rejectUnauthorized: true, systemCertificates: false });
      assert.deepEqual(resolveProxy({ authorization: '  Negotiate xyz  ' }, {}), { ...none, authorization: 'Negotiate xyz' });
      assert.deepEqual(resolveProxy({ authorization: '   ' }, {}), none, 'a blank authorization is none');
      assert.deepEqual(resolveProxy({ noProxy: 'a.example' }, {}), { ...none, noProxy: ['a.example'] });
    });

    it('from the environment: http_proxy for http targets, https targets direct unless https_proxy or all_proxy names one', () => {
      assert.deepEqual(resolveProxy({}, { http_proxy: 'http://plain:1' }), { url: 'http://plain:1', httpsUrl: '', ...base });
      assert.deepEqual(resolveProxy({}, { https_proxy: 'http://secure:2' }), { httpsUrl: 'http://secure:2', ...base });
      assert.deepEqual(resolveProxy({}, { http_proxy: 'http://same:1', https_proxy: 'http://same:1' }), { url: 'http://same:1', ...base });
      assert.deepEqual(resolveProxy({}, { ALL_PROXY: 'http://every:3' }), { url: 'http://every:3', ...base });
      assert.deepEqual(resolveProxy({}, { all_proxy: 'http://every:3', http_proxy: 'http://plain:1' }), { url: 'http://plain:1', httpsUrl: 'http://every:3', ...base });
      assert.deepEqual(resolveProxy({}, { all_proxy: 'http://every:3', https_proxy: 'http://secure:2' }), { url: 'http://every:3', httpsUrl: 'http://secure:2', ...base });
      // Without proxies and without the system store there is nothing to do.
      assert.equal(resolveProxy({ systemCertificates: false }, { http_proxy: '  ' }), undefined);
      assert.deepEqual(resolveProxy({ systemCertificates: false }, { https_proxy: 'http://secure:2' }), { httpsUrl: 'http://secure:2', rejectUnauthorized: true, systemCertificates: false });
      assert.deepEqual(resolveProxy({ systemCertificates: false }, { http_proxy: 'http://plain:1' }), { url: 'http://plain:1', httpsUrl: '', rejectUnauthorized: true, systemCertificates: false });
    });

    it('reads the lower-case variable before the upper-case one, and skips a blank one', () => {
      const env = { http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:1', https_proxy: 'http://lower:2', HTTPS_PROXY: 'http://upper:2', all_proxy: 'http://lower:3', ALL_PROXY: 'http://upper:3' };
      assert.deepEqual(resolveProxy({}, env), { url: 'http://lower:1', httpsUrl: 'http://lower:2', ...base });
      assert.deepEqual(resolveProxy({}, { http_proxy: ' ', HTTP_PROXY: 'http://upper:1' })?.url, 'http://upper:1');
      assert.deepEqual(resolveProxy({}, { all_proxy: 'http://lower:3', ALL_PROXY: 'http://upper:3' })?.url, 'http://lower:3');
      assert.deepEqual(resolveProxy({}, { no_proxy: 'lower.example', NO_PROXY: 'upper.example' })?.noProxy, ['lower.example']);
      assert.deepEqual(resolveProxy({}, { no_proxy: '', NO_PROXY: 'upper.example' })?.noProxy, ['upper.example']);
    });

    it('a proxy address: any http(s) scheme in any case is kept as written, a bare host gets http://, anything else is refused', () => {
      assert.equal(resolveProxy({ proxy: 'https://corp:8443' }, {})?.url, 'https://corp:8443');
      assert.equal(resolveProxy({ proxy: 'HTTP://Corp:3128' }, {})?.url, 'HTTP://Corp:3128');
      assert.equal(resolveProxy({ proxy: '  corp:3128  ' }, {})?.url, 'http://corp:3128');
      assert.equal(resolveProxy({ proxy: 'corp' }, {})?.url, 'http://corp');
      for (const refused of ['ftp://corp:21', 'socks5h://corp:1080', 'socks4a://corp:1080', 'http://bad host:1', '://corp:1']) {
        assert.equal(resolveProxy({ proxy: refused }, {})?.url, undefined, refused);
      }
      // A scheme is letters first, then letters, digits, + . - (RFC 3986): "1http://" is no scheme.
      assert.equal(resolveProxy({ proxy: 'x-y.z+1://corp:1' }, {})?.url, undefined, 'a scheme, just not http');
      assert.equal(resolveProxy({}, { http_proxy: 'gopher://old:70' })?.url, undefined);
      assert.equal(resolveProxy({}, { http_proxy: 'corp:8080/path?x=1' })?.url, 'http://corp:8080/path?x=1');
    });

    it("http.proxy set wins: the environment's https_proxy is not read at all", () => {
      assert.deepEqual(resolveProxy({ proxy: 'http://corp:3128' }, { https_proxy: 'http://env:2', all_proxy: 'http://env:3' }), { url: 'http://corp:3128', ...base });
      // An unusable http.proxy falls back to the environment.
      assert.deepEqual(resolveProxy({ proxy: 'socks5://s:1' }, { https_proxy: 'http://env:2' }), { httpsUrl: 'http://env:2', ...base });
      assert.deepEqual(resolveProxy({ proxy: 42 }, { http_proxy: 'http://env:1' })?.url, 'http://env:1');
    });
  });

  describe('no_proxy lists', () => {
    it('http.noProxy and no_proxy are split on commas and any white space, lower-cased, blanks dropped, settings first', () => {
      const p = resolveProxy({ noProxy: ['A.example, B.example', ' C.example\tD.example\n', ''] }, { no_proxy: 'E.EXAMPLE,,F.example  G.example' });
      assert.deepEqual(p?.noProxy, ['a.example', 'b.example', 'c.example', 'd.example', 'e.example', 'f.example', 'g.example']);
      assert.deepEqual(resolveProxy({ noProxy: ' , \t' }, { no_proxy: ' ,, ' })?.noProxy, undefined, 'only separators: no list');
      assert.deepEqual(resolveProxy({ noProxy: [42, 'x.example', null, { host: 'y' }] }, {})?.noProxy, ['x.example'], 'non-text entries are skipped');
      assert.deepEqual(resolveProxy({ noProxy: 'One.Example' }, {})?.noProxy, ['one.example']);
    });

    it('a host:port entry matches that port only; a target without a port has its scheme’s default (80, 443)', () => {
      assert.equal(bypassesProxy(new URL('https://gw.example/'), ['gw.example:443']), true);
      assert.equal(bypassesProxy(new URL('http://gw.example/'), ['gw.example:443']), false);
      assert.equal(bypassesProxy(new URL('http://gw.example/'), ['gw.example:80']), true);
      assert.equal(bypassesProxy(new URL('https://gw.example/'), ['gw.example:80']), false);
      assert.equal(bypassesProxy(new URL('http://gw.example:8080/'), ['gw.example:80']), false);
      assert.equal(bypassesProxy(new URL('http://gw.example:8080/'), ['gw.example']), true, 'no port in the entry: any port');
      assert.equal(bypassesProxy(new URL('http://api.gw.example:81/'), ['.gw.example:81']), true);
      assert.equal(bypassesProxy(new URL('http://api.gw.example:82/'), ['*.gw.example:81']), false);
    });

    it('bracketed IPv6 entries, with and without a port; an IPv6 target never matches a name', () => {
      assert.equal(bypassesProxy(new URL('http://[::1]:9/'), ['[::1]:9']), true);
      assert.equal(bypassesProxy(new URL('http://[::1]:9/'), ['[::1]:10']), false);
      assert.equal(bypassesProxy(new URL('http://[::1]/'), ['[::1]:80']), true);
      assert.equal(bypassesProxy(new URL('http://[::1]:9/'), ['[::1]']), true);
      assert.equal(bypassesProxy(new URL('http://[::1]:9/'), ['::1']), true, 'without brackets the address is the host');
      assert.equal(bypassesProxy(new URL('http://[fe80::2]/'), ['[::1]']), false);
      assert.equal(bypassesProxy(new URL('http://[::1]/'), ['1']), false, 'a suffix of an address is not a subdomain');
    });

    it('only a leading "." or "*." is a wildcard; an entry is a whole name or a whole trailing label run', () => {
      assert.equal(bypassesProxy(new URL('http://lan/'), ['.lan']), true, 'the domain itself too');
      assert.equal(bypassesProxy(new URL('http://a.b.lan/'), ['*.lan']), true);
      assert.equal(bypassesProxy(new URL('http://xlan/'), ['.lan']), false);
      assert.equal(bypassesProxy(new URL('http://xlan/'), ['lan']), false);
      assert.equal(bypassesProxy(new URL('http://a.lan/'), ['a*lan']), false);
      assert.equal(bypassesProxy(new URL('http://ab.example/'), ['b.example']), false);
      assert.equal(bypassesProxy(new URL('http://a.example/'), ['a.exampl']), false);
      assert.equal(bypassesProxy(new URL('http://a.example/'), ['.a.example']), true);
      assert.equal(bypassesProxy(new URL('http://x.a.example/'), ['a.example.']), false);
      assert.equal(bypassesProxy(new URL('http://a.example/'), []), false);
      assert.equal(bypassesProxy(new URL('http://a.example/'), ['b.example', '*']), true, '* anywhere in the list');
      assert.equal(bypassesProxy(new URL('http://a.example/'), ['**']), false, 'only a lone * is "everything"');
    });

    it('proxyFor: https targets use httpsUrl, falling back to url only when httpsUrl is absent ("" is direct)', () => {
      const https1 = new URL('https://a.example/');
      const http1 = new URL('http://a.example/');
      assert.equal(proxyFor(https1, { url: 'http://u:1', httpsUrl: 'http://s:2' }), 'http://s:2');
      assert.equal(proxyFor(https1, { url: 'http://u:1' }), 'http://u:1');
      assert.equal(proxyFor(https1, { url: 'http://u:1', httpsUrl: '' }), undefined);
      assert.equal(proxyFor(http1, { url: 'http://u:1', httpsUrl: 'http://s:2' }), 'http://u:1');
      assert.equal(proxyFor(http1, { httpsUrl: 'http://s:2' }), undefined);
      assert.equal(proxyFor(http1, { url: 'http://u:1', noProxy: ['a.example'] }), undefined);
      assert.equal(proxyFor(http1, { url: 'http://u:1', noProxy: ['b.example'] }), 'http://u:1');
      assert.equal(proxyFor(http1, undefined), undefined);
    });
  });

  describe('proxyKey: a change that shapes connections changes the key, and nothing else does', () => {
    it('each field counts; defaults and equal values give the same key', () => {
      const p: ProxyOptions = { url: 'http://a:1', httpsUrl: 'http://b:2', noProxy: ['x'], authorization: 'Basic q', rejectUnauthorized: true, systemCertificates: true };
      assert.equal(proxyKey(undefined), '');
      assert.notEqual(proxyKey({}), '', 'options without a proxy still differ from none');
      assert.equal(proxyKey(p), proxyKey({ ...p, noProxy: ['x'] }));
      assert.equal(proxyKey({ ...p, rejectUnauthorized: undefined }), proxyKey(p), 'undefined checks certificates, as true does');
      assert.equal(proxyKey({ ...p, systemCertificates: undefined }), proxyKey({ ...p, systemCertificates: false }));
      const changed: ProxyOptions[] = [
        { ...p, url: 'http://a:9' }, { ...p, httpsUrl: 'http://b:9' }, { ...p, noProxy: ['y'] }, { ...p, authorization: 'Basic r' },
        { ...p, rejectUnauthorized: false }, { ...p, systemCertificates: false },
      ];
      const keys = new Set([proxyKey(p), ...changed.map(proxyKey)]);
      assert.equal(keys.size, changed.length + 1, 'every change is seen');
    });
  });

  describe('createDispatcher', () => {
    const tlsFiles = testTls(root);
    let server: https.Server;
    let target: string;
    const dispatchers: Dispatcher[] = [];
    before(async () => {
      server = https.createServer({ cert: tlsFiles.cert, key: tlsFiles.key }, (_req, res) => res.end('hello'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      target = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterEach(async () => {
      await Promise.all(dispatchers.splice(0).map((d) => d.destroy()));
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    });
    const make = (p: ProxyOptions | undefined, loadSystem: () => string[]): Dispatcher => {
      const d = createDispatcher(COMMON, p, loadSystem);
      dispatchers.push(d);
      return d;
    };
    const fetchText = async (d: Dispatcher): Promise<string> => (await request(target, { dispatcher: d })).body.text();

    it('direct: trusts the system certificates loadSystem gives, only when systemCertificates is on', async () => {
      const system = (): string[] => pemCertificates(tlsFiles.ca);
      assert.equal(await fetchText(make({ systemCertificates: true }, system)), 'hello');
      await assert.rejects(fetchText(make({ systemCertificates: false }, system)), /certificate/i);
      await assert.rejects(fetchText(make(undefined, system)), /certificate/i);
      await assert.rejects(fetchText(make({ systemCertificates: true }, () => [])), /certificate/i, 'an empty store adds nothing');
    });

    it('without a proxy URL the dispatcher is the direct agent itself; with one, a router that still goes direct for noProxy', async () => {
      const { Agent } = await import('undici');
      assert.ok(make({ systemCertificates: true }, () => []) instanceof Agent);
      assert.ok(make({ httpsUrl: '', systemCertificates: true }, () => []) instanceof Agent);
      const proxied = make({ httpsUrl: 'http://127.0.0.1:9', noProxy: ['127.0.0.1'], systemCertificates: true }, () => pemCertificates(tlsFiles.ca));
      assert.ok(!(proxied instanceof Agent));
      assert.equal(await fetchText(proxied), 'hello', 'direct, trusting the system store');
    });

    it('through a proxy, the tunnel trusts the system store too', async () => {
      const proxy = await startForwardProxy();
      try {
        const system = (): string[] => pemCertificates(tlsFiles.ca);
        assert.equal(await fetchText(make({ url: proxy.url, systemCertificates: true }, system)), 'hello');
        assert.deepEqual(proxy.requests.map((r) => r.method), ['CONNECT']);
        await assert.rejects(fetchText(make({ url: proxy.url, systemCertificates: false }, system)), /certificate/i);
        // http.proxyStrictSSL off: the target's certificate is not checked either.
        assert.equal(await fetchText(make({ url: proxy.url, rejectUnauthorized: false, systemCertificates: false }, system)), 'hello');
      } finally {
        await proxy.close();
      }
    });

    it('the router reuses one agent per proxy, and close/destroy end every agent it made, with a callback or a promise', async () => {
      const plain = http.createServer((_req, res) => res.end('plain'));
      await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
      const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/`;
      const proxy = await startForwardProxy();
      try {
        const p: ProxyOptions = { url: proxy.url, systemCertificates: false };
        for (const how of ['promise', 'callback', 'destroy', 'destroy-callback', 'destroy-error-callback'] as const) {
          const d = createDispatcher(COMMON, p, () => []);
          assert.equal(await (await request(plainUrl, { dispatcher: d })).body.text(), 'plain');
          assert.equal(await (await request(plainUrl, { dispatcher: d })).body.text(), 'plain');
          if (how === 'promise') assert.equal(await d.close(), undefined);
          else if (how === 'callback') await new Promise<void>((r) => d.close(() => r()));
          else if (how === 'destroy') assert.equal(await d.destroy(), undefined);
          else if (how === 'destroy-callback') await new Promise<void>((r) => d.destroy(() => r()));
          else await new Promise<void>((r) => d.destroy(new Error('going'), () => r()));
          await assert.rejects(request(plainUrl, { dispatcher: d }), /destroyed|closed/i, how);
        }
        assert.equal(proxy.requests.length, 10, 'every request went through the proxy');
      } finally {
        await proxy.close();
        plain.closeAllConnections();
        await new Promise<void>((r) => plain.close(() => r()));
      }
    });
  });
});
