// Small checks on unknown values, shared by the host, the core and the webview bundle.
// Plain TypeScript: no 'vscode', no Node modules, so every part of the extension may import it.

/** An object (not null) whose fields can be read one by one, e.g. a parsed JSON document or a message. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The `code` of a thrown Node error (`ENOSPC`, `EPERM`…), or undefined when it has none. */
export function errCode(err: unknown): string | undefined {
  if (!isRecord(err)) return undefined;
  const code = err.code;
  return typeof code === 'string' ? code : undefined;
}

/** `text` as a regular expression that matches it literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
