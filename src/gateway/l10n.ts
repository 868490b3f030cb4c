// The part of `vscode.l10n` that plain-TypeScript code needs, so the core can word its sentences
// through the same bundle as the UI. Plain TypeScript.

/** What translates a message: `vscode.l10n` in the extension, `englishL10n` in tests and the sandbox. */
export interface L10n {
  t(message: string, ...args: Array<string | number | boolean>): string;
  /** The display language (`vscode.env.language`), for names Intl words (countries); English when absent. */
  readonly language?: string;
}

/**
 * English fallback with `{0}` placeholders, for tests and for code running outside VS Code. It reads
 * placeholders the way VS Code's formatter does (`{` up to the next `}`), so a message that VS Code
 * would leave unfilled (a literal `{{` before `{0}`) reads unfilled here too.
 */
export const englishL10n: L10n = {
  t: (message, ...args) =>
    args.length === 0 ? message : message.replace(/\{([^}]+)\}/g, (m, i: string) => (/^\d+$/.test(i) && Number(i) < args.length ? String(args[Number(i)]) : m)),
};
