// The settings config.ts reads are declared once (common/settings.ts) with the defaults and bounds of
// package.json: each key is declared there with a default of its kind, and none is left unread.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { coerceSetting, declaredSettings, fitsKind, SettingKinds, type SettingKey } from '../../src/common/settings';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { configuration: unknown } };
const declared = declaredSettings(pkg.contributes.configuration);
const keys = Object.keys(SettingKinds) as SettingKey[];

describe('Settings', () => {
  it('every key config.ts reads is declared in package.json with a default of its kind, within its bounds', () => {
    const wrong: string[] = [];
    for (const key of keys) {
      const d = declared.get(key);
      if (!d) {
        wrong.push(`${key}: not declared`);
        continue;
      }
      if (!('default' in d)) wrong.push(`${key}: no default`);
      else if (!fitsKind(SettingKinds[key], d.default, d)) wrong.push(`${key}: default ${JSON.stringify(d.default)} is not a ${SettingKinds[key]}`);
      const type = SettingKinds[key] === 'enum' ? 'string' : SettingKinds[key];
      if (d.type !== type && !(type === 'integer' && d.type === 'number')) wrong.push(`${key}: declared as ${String(d.type)}, read as ${SettingKinds[key]}`);
      if (typeof d.default === 'number' && (d.default < (d.minimum ?? -Infinity) || d.default > (d.maximum ?? Infinity))) wrong.push(`${key}: default out of bounds`);
    }
    assert.deepEqual(wrong, []);
  });

  it('every setting package.json declares is read', () => {
    assert.deepEqual([...declared.keys()].filter((k) => !(k in SettingKinds)), []);
  });

  it('config.ts reads through the typed keys only, and retypes no default', () => {
    const text = readFileSync(path.join(root, 'src', 'config.ts'), 'utf8');
    const literals = [...text.matchAll(/\bread\(c, '([^']+)'/g)].map((m) => m[1]);
    assert.ok(literals.length >= keys.length, `${literals.length} reads`);
    assert.deepEqual(literals.filter((k) => !(k in SettingKinds)), []);
    assert.deepEqual(keys.filter((k) => !literals.includes(k)), [], 'a declared kind nobody reads');
    assert.doesNotMatch(text, /\bc\.(?:get|inspect)\('|'Europe\/Rome'|'webservice'/, 'a value read or a default typed outside `read`');
  });

  it('coerces as the old clamps did: bounds and whole numbers from package.json, the default for a wrong type', () => {
    const spec = (key: SettingKey) => declared.get(key)!;
    assert.equal(coerceSetting('gateway.timeoutSeconds', 9999, spec('gateway.timeoutSeconds')), 300);
    assert.equal(coerceSetting('gateway.timeoutSeconds', 0, spec('gateway.timeoutSeconds')), 1);
    assert.equal(coerceSetting('gateway.timeoutSeconds', Number.NaN, spec('gateway.timeoutSeconds')), 30);
    assert.equal(coerceSetting('gateway.timeoutSeconds', '45', spec('gateway.timeoutSeconds')), 30);
    assert.equal(coerceSetting('status.pollIntervalSeconds', 2.5, spec('status.pollIntervalSeconds')), 2.5);
    assert.equal(coerceSetting('bulk.concurrency', 2.9, spec('bulk.concurrency')), 2);
    assert.equal(coerceSetting('history.maxEntries', -5, spec('history.maxEntries')), 0);
    assert.equal(coerceSetting('send.defaultSender', '  ACME ', spec('send.defaultSender')), 'ACME');
    assert.equal(coerceSetting('send.defaultSender', 42, spec('send.defaultSender')), '');
    assert.equal(coerceSetting('gateway.useProxy', 'no', spec('gateway.useProxy')), true);
    assert.equal(coerceSetting('send.lowCostRoute', 1, spec('send.lowCostRoute')), false);
    assert.equal(coerceSetting('gateway.endpoints', ' httpapi ', spec('gateway.endpoints')), 'httpapi');
    assert.equal(coerceSetting('gateway.endpoints', 'ftp', spec('gateway.endpoints')), 'webservice');
    assert.equal(coerceSetting('notifications.onFinalStatus', 'failures', spec('notifications.onFinalStatus')), 'failures');
    assert.equal(coerceSetting('history.groupBy', 'week', spec('history.groupBy')), 'day');
  });
});
