// The one password every suite signs in with, so scripts/leak-scan.mjs can look for it everywhere the
// runs left something (logs, history, globalState, exported files, DOM dumps, captured output).
// Distinctive enough never to occur by chance; '!' makes its form-encoded spelling (%21) differ from the raw one.

export const LEAK_CANARY = 'Canary-Pw-93xQ!z';
/** A second account's password, also looked for by the scan. */
export const LEAK_CANARY_2 = 'Canary-Pw-2nd-71kR!w';
