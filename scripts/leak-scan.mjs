// Looks for the test password (test/shared/canary.ts) in everything the test runs left behind: code-server's
// state folders (output channel logs, history files, globalState's SQLite, exported files), test-results/
// (DOM and notification dumps, log copies) and the captured output of every step. The raw bytes are searched,
// in the spellings a password takes on its way out: as typed, percent-encoded, form-encoded, JSON-escaped, HTML-escaped,
// UTF-16 (the spellings src/gateway/redact.ts masks).
//   node scripts/leak-scan.mjs [dir or file ...]     (default: test-results/)
// Exits 1 when any is found. SecretStorage keeps the password encrypted in the browser profile, outside these.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The canaries, read from the one module that defines them (so the scan and the suites cannot drift). */
export function canaries() {
  const text = readFileSync(join(root, 'test', 'shared', 'canary.ts'), 'utf8');
  const found = [...text.matchAll(/^export const (LEAK_CANARY\w*) = '([^'\\]+)';$/gm)].map((m) => ({ name: m[1], value: m[2] }));
  if (found.length === 0) throw new Error('leak-scan: no LEAK_CANARY in test/shared/canary.ts');
  return found;
}

/** Every spelling of a secret worth looking for, as byte patterns with a label. */
export function spellings(secret) {
  const forms = new Map();
  const add = (label, s) => { if (!forms.has(s)) forms.set(s, label); };
  add('raw', secret);
  const encoded = encodeURIComponent(secret);
  add('percent-encoded', encoded);
  add('percent-encoded (lower hex)', encoded.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  add('form-encoded', new URLSearchParams({ v: secret }).toString().slice(2));
  add('form-encoded (!\'()~* too)', encoded.replace(/%20/g, '+').replace(/[!'()~*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  add('JSON-escaped', JSON.stringify(secret).slice(1, -1));
  add('JSON-escaped (\\u for every non-alphanumeric)', [...secret].map((c) => (/[A-Za-z0-9]/.test(c) ? c : [...c].map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''))).join(''));
  const html = (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c;
  add('HTML-escaped', [...secret].map(html).join(''));
  add('HTML decimal entities', [...secret].map((c) => (/[A-Za-z0-9]/.test(c) ? c : `&#${c.codePointAt(0)};`)).join(''));
  add('HTML hex entities', [...secret].map((c) => (/[A-Za-z0-9]/.test(c) ? c : `&#x${c.codePointAt(0).toString(16)};`)).join(''));
  const out = [...forms].map(([s, label]) => ({ label, bytes: Buffer.from(s, 'utf8') }));
  out.push({ label: 'UTF-16LE', bytes: Buffer.from(secret, 'utf16le') });
  return out;
}

function* files(path) {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (st.isSymbolicLink()) return;
  if (st.isFile()) {
    yield { path, size: st.size };
    return;
  }
  if (!st.isDirectory()) return;
  for (const name of readdirSync(path).sort()) yield* files(join(path, name));
}

/** What kind of place a file is, for the summary. */
function placeOf(file) {
  const f = file.replace(/\\/g, '/');
  if (/captured-output\//.test(f)) return 'captured test output';
  if (/test-results\/.*-dom-/.test(f)) return 'DOM, notification and browser-storage dumps';
  if (/test-results\//.test(f)) return 'test-results (screenshots, log copies)';
  if (/\/logs\/.*(output_logging|Inviosmart)/i.test(f) || /Inviosmart\.log$/.test(f)) return 'output channel logs';
  if (/state\.vscdb/.test(f)) return 'globalState (SQLite)';
  if (/globalStorage\/[^/]*inviosmart/i.test(f)) return 'history and extension storage';
  if (/\/logs\//.test(f) || /code-server\.log$/.test(f)) return 'workbench and server logs';
  if (/inviosmart-(export|bulk)-it-/.test(f)) return 'exported and imported files';
  if (/\.vscode\/settings\.json$|\/User\/settings\.json$/.test(f)) return 'settings files';
  return 'other state files (caches, extension copies)';
}

/**
 * Scans `paths` (files or folders, recursively) plus in-memory `texts` ({ name, text } or { name, bytes }).
 * Returns { files, bytes, places: {place: {files, bytes}}, hits: [{ file, secret, form, offset }] }.
 */
export function leakScan(paths, { texts = [], secrets = canaries() } = {}) {
  const patterns = secrets.flatMap((s) => spellings(s.value).map((p) => ({ ...p, secret: s.name })));
  const result = { files: 0, bytes: 0, places: {}, hits: [] };
  const scanBuffer = (name, buf, place) => {
    result.files += 1;
    result.bytes += buf.length;
    const p = (result.places[place] ??= { files: 0, bytes: 0 });
    p.files += 1;
    p.bytes += buf.length;
    for (const pat of patterns) {
      for (let at = buf.indexOf(pat.bytes); at !== -1; at = buf.indexOf(pat.bytes, at + 1)) {
        result.hits.push({ file: name, secret: pat.secret, form: pat.label, offset: at });
      }
    }
  };
  const seen = new Set();
  for (const start of paths) {
    for (const f of files(start)) {
      if (seen.has(f.path)) continue;
      seen.add(f.path);
      let buf;
      try {
        buf = readFileSync(f.path);
      } catch {
        continue; // a socket or a file removed meanwhile
      }
      scanBuffer(f.path, buf, placeOf(f.path));
    }
  }
  for (const t of texts) scanBuffer(t.name, t.bytes ?? Buffer.from(t.text, 'utf8'), 'captured test output');
  return result;
}

/** Proves the scan finds each canary in each spelling (a scan that finds nothing must be able to find something). */
export function selfCheck(secrets = canaries()) {
  const texts = secrets.flatMap((s) => spellings(s.value).map((p, i) => ({ name: `control-${s.name}-${i}`, bytes: Buffer.concat([Buffer.from('x='), p.bytes, Buffer.from(';')]) })));
  const found = leakScan([], { texts, secrets }).hits.length;
  if (found < texts.length) throw new Error(`leak-scan: the self-check found ${found} of ${texts.length} planted canaries`);
  return found;
}

/** Prints what was scanned and what was found; never prints the secret itself. */
export function report(result, log = console.log) {
  log(`leak-scan: ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB scanned`);
  for (const [place, p] of Object.entries(result.places).sort()) {
    log(`  ${place.padEnd(46)} ${String(p.files).padStart(6)} files ${(p.bytes / 1e6).toFixed(2).padStart(9)} MB`);
  }
  for (const h of result.hits.slice(0, 50)) log(`  LEAK: ${h.secret} (${h.form}) in ${relative(root, h.file) || h.file} at byte ${h.offset}`);
  log(`leak-scan: ${result.hits.length} occurrence(s) of the test password`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const targets = args.length > 0 ? args : [join(root, 'test-results')];
  for (const t of targets) if (!existsSync(t)) console.log(`leak-scan: ${t} does not exist (skipped)`);
  selfCheck();
  const result = leakScan(targets);
  report(result);
  process.exit(result.hits.length === 0 ? 0 : 1);
}
