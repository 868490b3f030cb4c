// Mutants of src/gateway/proxy.ts the rest of the suite let through (issue #10 item 11; docs/TESTING.md): the
// settings and environment a proxy is read from, no_proxy's spellings, the key that decides when connections are
// remade, the proxy secrets, the system certificates, and the dispatcher's certificates and its router. Connections
// go to servers on 127.0.0.1 only.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { request, type Dispatcher } from 'undici';
import {
  bypassesProxy, createDispatcher, pemCertificates, proxyFor, proxyKey, proxySecrets, resolveProxy, systemCertificates, withoutProxy, type DispatcherOptions,
} from '../../src/gateway/proxy';
import type { ProxyOptions } from '../../src/gateway/types';
import { startForwardProxy, testTls, type ForwardProxy } from '../shared/forwardProxy';

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

    it('a scheme counts only at the start: a bare host whose query holds a URL still gets http://', () => {
      assert.equal(resolveProxy({ proxy: 'corp:3128/?from=https://intranet' }, {})?.url, 'http://corp:3128/?from=https://intranet');
      assert.equal(resolveProxy({}, { https_proxy: 'corp:3128/pac?u=http://x' })?.httpsUrl, 'http://corp:3128/pac?u=http://x');
    });

    it('withoutProxy: no options give none; otherwise only the proxy parts go', () => {
      assert.equal(withoutProxy(undefined), undefined);
      const p: ProxyOptions = { url: 'http://a:1', httpsUrl: '', noProxy: ['x'], authorization: 'Basic q', rejectUnauthorized: false, systemCertificates: true };
      assert.deepEqual(withoutProxy(p), { rejectUnauthorized: false, systemCertificates: true });
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

    it('an entry is a name, name:port, [address] or [address]:port as a whole: other spellings match nothing', () => {
      assert.equal(bypassesProxy(new URL('http://[::1]/'), ['[::1]/128']), false, 'no CIDR after the brackets');
      assert.equal(bypassesProxy(new URL('http://[::1]/'), ['x[::1]']), false, 'no text before the brackets');
      assert.equal(bypassesProxy(new URL('http://gw.example:8080/'), ['gw.example:8080-8090']), false, 'no port ranges');
      assert.equal(bypassesProxy(new URL('http://gw.example/'), ['gw.example:80/']), false, 'nothing after the port');
      // Unbracketed, an IPv6 address's last group is no port: fe80::1:80 is not the host "1" on port 80.
      assert.equal(bypassesProxy(new URL('http://10.0.0.1/'), ['fe80::1:80']), false);
      assert.equal(bypassesProxy(new URL('http://b/'), ['a:b:80']), false);
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

  describe('proxySecrets: the spellings of the proxy credentials an answer may quote', () => {
    const b64 = (text: string): string => Buffer.from(text).toString('base64');

    it('a Basic http.proxyAuthorization: the value, its token, the decoded user:password and the password after the first colon', () => {
      const token = b64('corp:s3cr:t');
      assert.deepEqual(proxySecrets({ authorization: `Basic ${token}` }), [`Basic ${token}`, token, 'corp:s3cr:t', 's3cr:t']);
      // The scheme may be followed by any run of white space.
      assert.deepEqual(proxySecrets({ authorization: `Basic  ${token}` }), [`Basic  ${token}`, token, 'corp:s3cr:t', 's3cr:t']);
    });

    it('only a value that starts with Basic is decoded: a Digest value whose realm says "Basic" is not', () => {
      const digest = 'Digest username="corp", realm="Basic area", nonce="n0"';
      assert.deepEqual(proxySecrets({ authorization: digest }), [digest, 'username="corp", realm="Basic area", nonce="n0"']);
    });
  });

  describe('systemCertificates', () => {
    it("SSL_CERT_FILE names the bundle even where Node reads the store itself: the file's certificates, not the store's", () => {
      const { ca, caFile } = testTls(root);
      assert.deepEqual(systemCertificates({ env: { SSL_CERT_FILE: caFile }, nodeStore: () => ['from node'] }), pemCertificates(ca));
      assert.deepEqual(systemCertificates({ env: { SSL_CERT_FILE: ' ' }, nodeStore: () => ['from node'] }), ['from node'], 'a blank variable names nothing');
    });

    it('a bundle without certificates gives none', () => {
      assert.deepEqual(pemCertificates('# no certificates here\n'), []);
    });

    it("Node's store is asked for the system's certificates", () => {
      const asked: string[] = [];
      const nodeStore = (type: 'system'): string[] => {
        asked.push(type);
        return ['from node'];
      };
      assert.deepEqual(systemCertificates({ env: {}, bundles: [], nodeStore }), ['from node']);
      assert.deepEqual(asked, ['system']);
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

  // routerClass makes the router's class once and keeps it in a module variable, so in a process that already
  // made a proxied dispatcher the class these tests would see is the one made then. Each test loads its own copy of
  // proxy.ts (the shared one stays in require's cache for the other tests) and sees the class made from scratch.
  describe('the router: dispatch, close and destroy (a fresh copy of proxy.ts per test)', () => {
    type ProxyModule = { createDispatcher: typeof createDispatcher; SYSTEM_BUNDLES: readonly string[] };
    const freshProxyModule = (): ProxyModule => {
      const id = require.resolve('../../src/gateway/proxy');
      const shared = require.cache[id];
      delete require.cache[id];
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(id) as ProxyModule;
      } finally {
        require.cache[id] = shared;
      }
    };
    // `direct` is in noProxy; `remote` is reached through the forward proxy, so the router holds both kinds of agent.
    // GET /hold on either is answered only when the test ends.
    let direct: http.Server;
    let remote: http.Server;
    let directUrl: string;
    let remoteUrl: string;
    let proxy: ForwardProxy;
    const held: http.ServerResponse[] = [];
    let reached: () => void = () => undefined;
    const answer = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      if (req.url !== '/hold') {
        res.end('plain');
        return;
      }
      held.push(res);
      reached();
    };
    const listen = async (server: http.Server): Promise<string> => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    };
    const dispatchers: Dispatcher[] = [];

    before(async () => {
      direct = http.createServer(answer);
      remote = http.createServer(answer);
      directUrl = await listen(direct);
      remoteUrl = await listen(remote);
      proxy = await startForwardProxy();
    });
    afterEach(async () => {
      for (const res of held.splice(0)) res.end('late');
      await Promise.all(dispatchers.splice(0).map((d) => d.destroy()));
    });
    after(async () => {
      await proxy.close();
      for (const server of [direct, remote]) {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });

    const make = (): Dispatcher => {
      const p: ProxyOptions = { url: proxy.url, noProxy: [new URL(directUrl).host], systemCertificates: false };
      const d = freshProxyModule().createDispatcher(COMMON, p, () => []);
      dispatchers.push(d);
      return d;
    };
    const get = async (d: Dispatcher, url: string): Promise<string> => (await request(url, { dispatcher: d })).body.text();
    /** Both agents in use: one request through the proxy, one direct. */
    const used = async (d: Dispatcher): Promise<void> => {
      assert.equal(await get(d, remoteUrl), 'plain');
      assert.equal(await get(d, directUrl), 'plain');
    };
    /** A direct GET /hold, once the server has it: what it ends with (its answer's status, or the error). */
    const waiting = async (d: Dispatcher): Promise<{ outcome: Promise<unknown> }> => {
      const arrived = new Promise<void>((r) => (reached = r));
      const outcome = request(`${directUrl}hold`, { dispatcher: d }).then((r) => r.statusCode, (e: unknown) => e);
      await arrived;
      return { outcome };
    };
    /** Every agent refuses new requests. */
    const ended = async (d: Dispatcher, how: RegExp): Promise<void> => {
      for (const url of [remoteUrl, directUrl]) await assert.rejects(request(url, { dispatcher: d }), how, url);
    };
    /** The promise callbacks already due have run. */
    const settled = (): Promise<void> => new Promise((r) => setImmediate(r));

    // A copy loaded here makes its module-level values anew too: the bundles systemCertificates reads on Node 20.
    it('a fresh copy looks for the system bundle where Debian, Fedora, openSUSE and macOS keep it, in that order', () => {
      const bundles = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/ssl/cert.pem'];
      assert.deepEqual(freshProxyModule().SYSTEM_BUNDLES, bundles);
    });

    it('dispatch hands the request to the agent the route picks and gives back that agent’s answer (true: not busy)', async () => {
      const d = make();
      const seen = proxy.requests.length;
      // What the router's dispatch returns, as undici's own request() calls it.
      const answers: boolean[] = [];
      const recorded = d.compose((dispatch) => (options, handler) => {
        const answer = dispatch(options, handler);
        answers.push(answer);
        return answer;
      });
      for (const url of [remoteUrl, directUrl]) {
        const body = get(recorded, url);
        assert.deepEqual(answers.splice(0), [true], url);
        assert.equal(await body, 'plain', url);
      }
      assert.deepEqual(proxy.requests.slice(seen).map((r) => `${r.method} ${r.target}`), [`GET ${remoteUrl}`], 'only the remote one went through the proxy');
    });

    it('close() gives a promise that settles once every agent is closed; close(callback) gives none and calls back', async () => {
      const d = make();
      await used(d);
      const closing = d.close();
      assert.ok(closing instanceof Promise, 'a promise without a callback');
      assert.equal(await closing, undefined);
      await ended(d, /closed|destroyed/i);

      const e = make();
      await used(e);
      let callback!: () => void;
      const calledBack = new Promise<void>((r) => (callback = r));
      assert.equal(e.close(() => callback()), undefined, 'no promise with a callback');
      await calledBack;
      await ended(e, /closed|destroyed/i);
    });

    it('destroy(err) gives a promise; every agent is destroyed and a request still waiting fails with err itself', async () => {
      const d = make();
      await used(d);
      const { outcome } = await waiting(d);
      const err = new Error('going');
      const destroying = d.destroy(err);
      assert.ok(destroying instanceof Promise, 'a promise without a callback');
      assert.equal(await destroying, undefined);
      await ended(d, /destroyed/i);
      assert.equal(await outcome, err);
    });

    it('destroy(callback) and destroy(err, callback) give no promise and call back exactly once', async () => {
      for (const err of [undefined, new Error('going')]) {
        const d = make();
        await used(d);
        const { outcome } = await waiting(d);
        let calls = 0;
        const callback = (): void => {
          calls += 1;
        };
        assert.equal(err ? d.destroy(err, callback) : d.destroy(callback), undefined, 'no promise with a callback');
        const result = await outcome;
        if (err) assert.equal(result, err);
        else assert.equal((result as { code?: string }).code, 'UND_ERR_DESTROYED');
        await ended(d, /destroyed/i);
        // A second destroy settles only after every agent has finished the first, and so has called back.
        assert.equal(await d.destroy(), undefined);
        await settled();
        assert.equal(calls, 1, err ? 'destroy(err, callback)' : 'destroy(callback)');
      }
    });
  });
});
