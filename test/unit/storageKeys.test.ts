// globalState keys are declared once (common/storageKeys.ts) and read and written through it.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readStored, rememberFirst, StorageKeys, writeStored, type KeyValueState } from '../../src/common/storageKeys';

const root = path.resolve(__dirname, '..', '..', '..');

class MapState implements KeyValueState {
  readonly values = new Map<string, unknown>();
  get<T>(key: string, defaultValue: T): T {
    return this.values.has(key) ? (this.values.get(key) as T) : defaultValue;
  }
  update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sourceFiles(p) : d.name.endsWith('.ts') ? [p] : [];
  });
}

describe('Storage keys', () => {
  it('rememberFirst puts the value first, drops its repeat and keeps at most max', async () => {
    const state = new MapState();
    await writeStored(state, StorageKeys.recentSenders, ['A', 'B', 'C']);
    await rememberFirst(state, StorageKeys.recentSenders, 'C', 2);
    assert.deepEqual(readStored(state, StorageKeys.recentSenders, []), ['C', 'A']);
    await rememberFirst(state, StorageKeys.tasksApproved, 'k1', 5);
    assert.deepEqual(readStored(state, StorageKeys.tasksApproved, []), ['k1']);
    assert.equal(readStored(state, StorageKeys.lastTemplate, 'none'), 'none');
  });

  it('every key is unique and no other file under src/ spells one', () => {
    const keys = Object.values(StorageKeys);
    assert.equal(new Set(keys).size, keys.length);
    const offenders: string[] = [];
    for (const file of sourceFiles(path.join(root, 'src'))) {
      if (file.endsWith(path.join('common', 'storageKeys.ts'))) continue;
      const text = readFileSync(file, 'utf8');
      for (const key of keys) if (text.includes(`'${key}'`)) offenders.push(`${path.relative(root, file)}: ${key}`);
    }
    assert.deepEqual(offenders, []);
  });
});
