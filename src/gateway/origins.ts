// Which hosts an account's password may go to: the origins it was signed in and checked against
// (docs/PROTOCOL.md, "Endpoints"). Any extension can edit the user's settings, so a changed address
// must never receive a stored password until a sign-in has checked it.
import { ENDPOINT_SETS } from './endpoints';
import { proxyFor } from './proxy';
import type { ProxyOptions } from './types';

/** The documented gateway origins: what an account saved before origins were recorded is bound to. */
export const DOCUMENTED_ORIGINS: readonly string[] = Object.freeze(Object.values(ENDPOINT_SETS).map((s) => s.origin));

/** `scheme://host:port` of a URL; the text itself when it is not a URL (it then matches nothing bound). */
export function originOf(url: string): string {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? url : origin;
  } catch {
    return url;
  }
}

/**
 * Who can read credentials sent to `url`: its origin, and the proxy on the way when it can read them too (a
 * plain-http target, or TLS checks off with http.proxyStrictSSL false), written `http://proxy:3128 (proxy)`.
 */
export function readersOf(url: string, proxy: ProxyOptions | undefined): string[] {
  const readers = [originOf(url)];
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return readers;
  }
  const via = proxyFor(target, proxy);
  if (via && (target.protocol === 'http:' || proxy?.rejectUnauthorized === false)) readers.push(`${originOf(via)} (proxy)`);
  return readers;
}

/** The distinct readers (see readersOf) of the addresses that receive credentials, in a stable order. */
export function credentialOrigins(urls: Readonly<Record<string, string>>, proxy?: ProxyOptions): string[] {
  return [...new Set(Object.values(urls).flatMap((u) => readersOf(u, proxy)))].sort();
}

/** The origins in `current` that the account was not checked against (empty: all is as signed in). */
export function unboundOrigins(bound: readonly string[] | undefined, current: readonly string[]): string[] {
  const allowed = bound ?? DOCUMENTED_ORIGINS;
  return current.filter((o) => !allowed.includes(o));
}
