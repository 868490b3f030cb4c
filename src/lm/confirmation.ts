// Whether a tool that spends must ask the user itself. Chat shows a tool's confirmation messages
// inline; outside chat (another extension calling vscode.lm.invokeTool without a chat token) VS
// Code 1.139 shows them as a modal dialog. That is checked here only for 1.139 and later, so on
// every older declared version the tool asks on its own before anything is sent.

/** The first VS Code version where the outside-chat confirmation was seen shown and honoured. */
export const OUTSIDE_CHAT_CONFIRMATION_SINCE = '1.139.0';

/** Compares dotted versions by their numbers ("1.96.2" < "1.139.0"); a suffix like "-insider" is ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[-+]/)[0].split('.').map((n) => Number.parseInt(n, 10) || 0);
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * True when `invoke` must ask the user itself: no confirmation was prepared for this exact input
 * (prepareInvocation was skipped or failed), or the call came from outside chat on a version
 * older than the one known to show the confirmation there.
 */
export function mustAskItself(vscodeVersion: string, inChat: boolean, confirmationPrepared: boolean): boolean {
  if (!confirmationPrepared) return true;
  if (inChat) return false;
  return compareVersions(vscodeVersion, OUTSIDE_CHAT_CONFIRMATION_SINCE) < 0;
}
