// Which hosts an account's password may go to: the origins it was signed in and checked against
// (docs/PROTOCOL.md, "Endpoints"). Any extension can edit the user's settings, so a changed address
// must never receive a stored password until a sign-in has checked it.
import { ENDPOINT_SETS } from './endpoints';

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

/** The distinct origins of the addresses that receive credentials, in a stable order. */
export function credentialOrigins(urls: Readonly<Record<string, string>>): string[] {
  return [...new Set(Object.values(urls).map(originOf))].sort();
}

/** The origins in `current` that the account was not checked against (empty: all is as signed in). */
export function unboundOrigins(bound: readonly string[] | undefined, current: readonly string[]): string[] {
  const allowed = bound ?? DOCUMENTED_ORIGINS;
  return current.filter((o) => !allowed.includes(o));
}
