// Which proxy a gateway request goes through, and which certificates it trusts, from what VS Code users set:
// `http.proxy` (else the https_proxy / http_proxy environment variables), `http.noProxy` and no_proxy, credentials
// in the proxy URL or `http.proxyAuthorization`, `http.proxyStrictSSL`, and the operating system's certificate
// store (`http.systemCertificates`) for proxies that inspect TLS. Plain Node: no VS Code API here.
import { existsSync, readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import type { Dispatcher } from 'undici';
import type { ProxyOptions } from './types';

/** The settings and environment a ProxyOptions is resolved from (VS Code's names in the comments). */
export interface ProxySettings {
  /** http.proxy */
  proxy?: unknown;
  /** http.noProxy */
  noProxy?: unknown;
  /** http.proxyStrictSSL */
  strictSSL?: unknown;
  /** http.proxyAuthorization */
  authorization?: unknown;
  /** http.systemCertificates */
  systemCertificates?: unknown;
  /** http.proxySupport: 'off' turns proxies off for extensions. */
  support?: unknown;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** The first non-empty variable of `names` (lower case first, as curl reads them). */
function envValue(env: NodeJS.ProcessEnv, ...names: string[]): string {
  for (const name of names) {
    const v = text(env[name]);
    if (v) return v;
  }
  return '';
}

/** `host`, `.host`, `*.host`, `host:port`, `*`: split on commas and white space, as no_proxy is written. */
function noProxyList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return items
    .filter((x): x is string => typeof x === 'string')
    .flatMap((x) => x.split(/[\s,]+/))
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
}

/** A proxy address as undici wants it: a URL with a scheme (`proxy:3128` means http://proxy:3128). */
function proxyUrl(value: string): string | undefined {
  if (!value) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(withScheme);
    return url.protocol === 'http:' || url.protocol === 'https:' ? withScheme : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The proxy options for the gateway client: `http.proxy` for every request when set; otherwise https_proxy for
 * https:// targets and http_proxy for http:// ones (HTTPS_PROXY / HTTP_PROXY and all_proxy too). No proxy and no
 * extra certificates: undefined.
 */
export function resolveProxy(settings: ProxySettings, env: NodeJS.ProcessEnv = process.env): ProxyOptions | undefined {
  const off = settings.support === 'off';
  const configured = off ? undefined : proxyUrl(text(settings.proxy));
  let url = configured;
  let httpsUrl: string | undefined;
  if (!configured && !off) {
    const all = proxyUrl(envValue(env, 'all_proxy', 'ALL_PROXY'));
    url = proxyUrl(envValue(env, 'http_proxy', 'HTTP_PROXY')) ?? all;
    // '' sends https:// targets direct even when http_proxy is set, as curl does.
    httpsUrl = proxyUrl(envValue(env, 'https_proxy', 'HTTPS_PROXY')) ?? all ?? '';
  }
  const noProxy = [...noProxyList(settings.noProxy), ...noProxyList(envValue(env, 'no_proxy', 'NO_PROXY'))];
  const authorization = text(settings.authorization) || undefined;
  const systemCertificates = settings.systemCertificates !== false;
  if (!url && !httpsUrl && !systemCertificates) return undefined;
  return {
    ...(url ? { url } : {}),
    ...(httpsUrl !== undefined && httpsUrl !== url ? { httpsUrl } : {}),
    ...(noProxy.length ? { noProxy } : {}),
    ...(authorization ? { authorization } : {}),
    rejectUnauthorized: settings.strictSSL !== false,
    systemCertificates,
  };
}

/** The same options without any proxy (inviosmart.gateway.useProxy off): certificates still count. */
export function withoutProxy(p: ProxyOptions | undefined): ProxyOptions | undefined {
  if (!p) return undefined;
  const { url: _url, httpsUrl: _httpsUrl, noProxy: _noProxy, authorization: _authorization, ...rest } = p;
  return rest.systemCertificates ? rest : undefined;
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/** True when `target` matches a no_proxy entry: `*`, a host and its subdomains (`.host`, `*.host` too), `:port`. */
export function bypassesProxy(target: URL, noProxy: readonly string[] | undefined): boolean {
  if (!noProxy?.length) return false;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || defaultPort(target.protocol);
  return noProxy.some((raw) => {
    if (raw === '*') return true;
    let entry = raw;
    let entryPort: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      entry = bracketed[1];
      entryPort = bracketed[2];
    } else {
      const m = /^([^:]+):(\d+)$/.exec(entry);
      if (m) {
        entry = m[1];
        entryPort = m[2];
      }
    }
    if (entryPort && entryPort !== port) return false;
    entry = entry.replace(/^\*?\./, '');
    return host === entry || host.endsWith(`.${entry}`);
  });
}

/** The proxy URL a request to `target` goes through, or undefined to connect directly. */
export function proxyFor(target: URL, p: ProxyOptions | undefined): string | undefined {
  if (!p) return undefined;
  const chosen = target.protocol === 'https:' ? (p.httpsUrl ?? p.url) : p.url;
  if (!chosen) return undefined;
  return bypassesProxy(target, p.noProxy) ? undefined : chosen;
}

/**
 * The Proxy-Authorization value for `proxy`: `http.proxyAuthorization` when set, else Basic from the user and
 * password in the proxy URL; and the URL without them (undici must not add a second header of its own).
 */
export function proxyCredentials(proxy: string, authorization?: string): { uri: string; token?: string } {
  const url = new URL(proxy);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const uri = url.toString();
  if (authorization) return { uri, token: authorization };
  if (!user && !password) return { uri };
  return { uri, token: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/**
 * Every spelling of the proxy's own credentials a request can carry or an answer can echo: the URL's password as
 * written and decoded, `user:password`, the Proxy-Authorization value and its token without the scheme. The
 * client redacts them like the gateway password.
 */
export function proxySecrets(p: ProxyOptions | undefined): string[] {
  if (!p) return [];
  const out = new Set<string>();
  const add = (s: string | undefined): void => {
    if (s) out.add(s);
  };
  const fromAuthorization = (value: string | undefined): void => {
    add(value);
    add(value?.replace(/^\S+\s+/, ''));
    // Basic carries `user:password` in base64: a proxy may quote it decoded.
    const basic = value && /^Basic\s+(\S+)/i.exec(value);
    if (basic) {
      const pair = Buffer.from(basic[1], 'base64').toString('utf8');
      add(pair);
      add(pair.slice(pair.indexOf(':') + 1));
    }
  };
  fromAuthorization(p.authorization);
  for (const proxy of [p.url, p.httpsUrl]) {
    if (!proxy) continue;
    try {
      const url = new URL(proxy);
      if (!url.password) continue;
      add(url.password);
      const password = decodeURIComponent(url.password);
      add(password);
      add(`${decodeURIComponent(url.username)}:${password}`);
      fromAuthorization(proxyCredentials(proxy).token);
    } catch {
      // A URL that does not parse carries no credentials undici would send.
    }
  }
  return [...out];
}

/** Where Linux distributions and macOS keep the system's trusted certificates as one PEM file. */
export const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Arch, Alpine
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // macOS, Alpine
];

/** Splits a PEM bundle into its certificates. */
export function pemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

type GetCACertificates = (type: 'system') => string[];

/**
 * The operating system's trusted certificates. Node 22.15+ reads the store itself (tls.getCACertificates('system'),
 * also Windows' and macOS's keychains); Node 20 has no such call, so there it reads the PEM bundle named by
 * SSL_CERT_FILE, else the first of SYSTEM_BUNDLES that exists. Empty when none can be read.
 */
export function systemCertificates(
  { env = process.env, bundles = SYSTEM_BUNDLES, nodeStore = (tls as { getCACertificates?: GetCACertificates }).getCACertificates }:
    { env?: NodeJS.ProcessEnv; bundles?: readonly string[]; nodeStore?: GetCACertificates } = {},
): string[] {
  const fromFile = text(env.SSL_CERT_FILE);
  if (!fromFile && nodeStore) {
    try {
      return nodeStore('system');
    } catch {
      // fall back to the files
    }
  }
  for (const file of fromFile ? [fromFile] : bundles) {
    try {
      if (existsSync(file)) return pemCertificates(readFileSync(file, 'utf8'));
    } catch {
      // unreadable: try the next
    }
  }
  return [];
}

/** Node's own roots plus the system's (a `ca` option replaces Node's roots, so both are given). */
function trusted(p: ProxyOptions | undefined, loadSystem: () => string[]): string[] | undefined {
  if (!p?.systemCertificates) return undefined;
  const system = loadSystem();
  return system.length ? [...tls.rootCertificates, ...system] : undefined;
}

/** A stable text of everything in `p` that shapes connections: a change means new connections. */
export function proxyKey(p: ProxyOptions | undefined): string {
  if (!p) return '';
  return JSON.stringify([p.url, p.httpsUrl, p.noProxy, p.authorization, p.rejectUnauthorized !== false, !!p.systemCertificates]);
}

export interface DispatcherOptions {
  connect: { timeout: number };
  headersTimeout: number;
  bodyTimeout: number;
  maxResponseSize: number;
}

/**
 * The undici dispatcher for `p`: requests are routed per target to a direct Agent or to a ProxyAgent per proxy.
 * `loadSystem` reads the certificates (tests pass their own; by default systemCertificates()).
 */
export function createDispatcher(
  common: DispatcherOptions,
  p: ProxyOptions | undefined,
  loadSystem: () => string[] = systemCertificates,
): Dispatcher {
  // undici is loaded with the first request, not at activation (scripts/build.mjs keeps it in dist/undici.js).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const undici = require('undici') as typeof import('undici');
  const ca = trusted(p, loadSystem);
  const withCa = ca ? { ca } : {};
  // http.proxyStrictSSL is about the proxy: a direct connection is always verified.
  const direct = new undici.Agent({ ...common, connect: { ...common.connect, ...withCa } });
  const tlsOptions = { rejectUnauthorized: p?.rejectUnauthorized !== false, timeout: common.connect.timeout, ...withCa };
  if (!p?.url && !p?.httpsUrl) return direct;
  const proxies = new Map<string, Dispatcher>();
  const viaProxy = (proxy: string): Dispatcher => {
    let agent = proxies.get(proxy);
    if (!agent) {
      const { uri, token } = proxyCredentials(proxy, p.authorization);
      // proxyTunnel false: plain-http targets are forwarded as absolute-URI requests, as most proxies expect,
      // instead of a CONNECT to port 80 that many proxies refuse. https targets still tunnel.
      agent = new undici.ProxyAgent({ ...common, uri, ...(token ? { token } : {}), proxyTunnel: false, requestTls: tlsOptions, proxyTls: tlsOptions });
      proxies.set(proxy, agent);
    }
    return agent;
  };
  return new (routerClass(undici))((origin) => {
    const proxy = proxyFor(new URL(origin), p);
    return proxy ? viaProxy(proxy) : direct;
  }, () => [direct, ...proxies.values()]);
}

type Route = (origin: string) => Dispatcher;

let Router: (new (route: Route, all: () => Dispatcher[]) => Dispatcher) | undefined;

/** A dispatcher that hands each request to the one `route` picks for its origin; closing closes them all. */
function routerClass(undici: typeof import('undici')): new (route: Route, all: () => Dispatcher[]) => Dispatcher {
  Router ??= class extends undici.Dispatcher {
    constructor(
      private readonly route: Route,
      private readonly all: () => Dispatcher[],
    ) {
      super();
    }

    override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      return this.route(String(options.origin)).dispatch(options, handler);
    }

    override close(): Promise<void>;
    override close(callback: () => void): void;
    override close(callback?: () => void): Promise<void> | void {
      const done = Promise.all(this.all().map((d) => d.close())).then(() => undefined);
      if (!callback) return done;
      void done.then(callback, callback);
    }

    override destroy(): Promise<void>;
    override destroy(err: Error | null): Promise<void>;
    override destroy(callback: () => void): void;
    override destroy(err: Error | null, callback: () => void): void;
    override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
      const err = typeof a === 'function' ? null : (a ?? null);
      const callback = typeof a === 'function' ? a : b;
      const done = Promise.all(this.all().map((d) => d.destroy(err))).then(() => undefined);
      if (!callback) return done;
      void done.then(callback, callback);
    }
  };
  return Router;
}
