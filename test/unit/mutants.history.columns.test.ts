// Mutation-testing gaps of history's compact forms (tableColumns.ts) and text blocks (textArena.ts):
// each test checks a boundary a caller relies on, against what Date and Buffer give (docs/TESTING.md).
import * as assert from 'node:assert/strict';
import {
  copyJson,
  fitsInt32,
  gatewaySeconds,
  gatewayText,
  hashString,
  hashWords,
  hex8,
  isoMs,
  isoText,
  NO_DELTA,
  Pool,
  uuidWords,
} from '../../src/history/tableColumns';
import { TEXT_BLOCK_BYTES, TextArena } from '../../src/history/textArena';
import { seeded } from '../shared/seeded';

/** `YYYYMMDDHHmmSS` of a Date's UTC fields, as the gateway writes its times. */
const gatewayOf = (ms: number): string => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);

describe('mutants: history columns (compact times, keys, pools)', () => {
  describe('isoMs: only the exact toISOString form becomes ms', () => {
    it('reads every field, including 0 and 9 digits and the milliseconds', () => {
      for (const s of ['2025-05-01T10:00:00.123Z', '1999-09-09T09:09:09.999Z', '2000-01-01T00:00:00.000Z', '1970-01-01T00:00:00.001Z', '2024-02-29T23:59:59.990Z', '0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
        assert.equal(isoMs(s), Date.parse(s), s);
      }
    });

    it('refuses anything else: another length, a separator moved, a non-digit just outside 0-9', () => {
      const good = '2025-05-01T10:20:30.456Z';
      const bad = [
        '2025-05-01T10:20:30Z',
        `${good} `,
        '2025-05-01T10:20:30.45Z',
        '2025/05-01T10:20:30.456Z',
        '2025-05/01T10:20:30.456Z',
        '2025-05-01 10:20:30.456Z',
        '2025-05-01T10-20:30.456Z',
        '2025-05-01T10:20-30.456Z',
        '2025-05-01T10:20:30,456Z',
        '2025-05-01T10:20:30.456+',
        '/025-05-01T10:20:30.456Z',
        ':025-05-01T10:20:30.456Z',
        '2025-05-01T10:20:30.45:Z',
        '2025-05-01T10:20:30.45/Z',
      ];
      for (const s of bad) assert.ok(Number.isNaN(isoMs(s)), s);
    });

    it('refuses a date or time out of range, at each edge', () => {
      const cases: Array<[string, boolean]> = [
        ['2025-00-10T00:00:00.000Z', false],
        ['2025-01-10T00:00:00.000Z', true],
        ['2025-12-10T00:00:00.000Z', true],
        ['2025-13-10T00:00:00.000Z', false],
        ['2025-05-00T00:00:00.000Z', false],
        ['2025-05-01T00:00:00.000Z', true],
        ['2025-01-31T00:00:00.000Z', true],
        ['2025-04-30T00:00:00.000Z', true],
        ['2025-04-31T00:00:00.000Z', false],
        ['2025-12-31T00:00:00.000Z', true],
        ['2025-02-28T00:00:00.000Z', true],
        ['2025-02-29T00:00:00.000Z', false],
        ['2024-02-29T00:00:00.000Z', true],
        ['2024-02-30T00:00:00.000Z', false],
        ['2000-02-29T00:00:00.000Z', true],
        ['1900-02-29T00:00:00.000Z', false],
        ['2100-02-29T00:00:00.000Z', false],
        ['2025-05-01T23:00:00.000Z', true],
        ['2025-05-01T24:00:00.000Z', false],
        ['2025-05-01T10:59:00.000Z', true],
        ['2025-05-01T10:60:00.000Z', false],
        ['2025-05-01T10:00:59.000Z', true],
        ['2025-05-01T10:00:60.000Z', false],
      ];
      for (const [s, ok] of cases) {
        if (ok) assert.equal(isoMs(s), Date.parse(s), s);
        else assert.ok(Number.isNaN(isoMs(s)), s);
      }
    });
  });

  describe('gatewaySeconds and gatewayText: the gateway time, both ways', () => {
    it('reads exactly 14 digits as UTC seconds, with the same range checks', () => {
      assert.equal(gatewaySeconds('20250501102030'), Date.UTC(2025, 4, 1, 10, 20, 30) / 1000);
      assert.equal(gatewaySeconds('20240229235959'), Date.UTC(2024, 1, 29, 23, 59, 59) / 1000);
      for (const s of ['2025050110203', '202505011020300', '20250229000000', '20250501240000', '20250501106000', '20250501100060', '2025050110203x', '20251301000000']) {
        assert.ok(Number.isNaN(gatewaySeconds(s)), s);
      }
    });

    it('writes seconds back as the gateway does, over centuries of random times', () => {
      const random = seeded(41);
      for (let i = 0; i < 3000; i++) {
        const ms = Math.floor(random() * Date.UTC(2400, 0, 1) / 1000) * 1000;
        assert.equal(gatewayText(ms / 1000), gatewayOf(ms), String(ms));
        assert.equal(gatewaySeconds(gatewayOf(ms)), ms / 1000);
      }
      for (const ms of [0, Date.UTC(2000, 1, 29), Date.UTC(2000, 2, 1) - 1000, Date.UTC(2100, 2, 1), Date.UTC(1999, 11, 31, 23, 59, 59)]) {
        assert.equal(gatewayText(ms / 1000), gatewayOf(ms));
      }
    });
  });

  describe('isoText: what toISOString writes', () => {
    it('pads the milliseconds at each width', () => {
      const base = Date.UTC(2025, 4, 1, 10, 0, 0);
      for (const milli of [0, 1, 9, 10, 11, 99, 100, 101, 999]) assert.equal(isoText(base + milli), new Date(base + milli).toISOString());
    });

    it('agrees with toISOString for years 0 to 9999 and beyond both ends', () => {
      const random = seeded(7);
      for (let i = 0; i < 2000; i++) {
        const ms = Math.floor((random() * 2 - 1) * 8.64e15 * 0.03);
        assert.equal(isoText(ms), new Date(ms).toISOString(), String(ms));
      }
      for (const ms of [Date.parse('0000-01-01T00:00:00.000Z'), Date.UTC(-1, 11, 31, 23, 59, 59, 999), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), -62198755200000, 253402300800000]) {
        const iso = new Date(ms).toISOString();
        assert.equal(isoText(ms), iso);
      }
      assert.equal(isoText(Date.UTC(10000, 0, 1)), '+010000-01-01T00:00:00.000Z');
      assert.equal(isoText(Date.UTC(-1, 0, 1)), '-000001-01-01T00:00:00.000Z');
      assert.equal(isoText(new Date('0000-01-01T00:00:00.000Z').getTime()), '0000-01-01T00:00:00.000Z');
    });
  });

  it('fitsInt32: whole numbers strictly above the no-delta mark and up to 2^31 - 1', () => {
    assert.equal(fitsInt32(0), true);
    assert.equal(fitsInt32(0x7fffffff), true);
    assert.equal(fitsInt32(0x80000000), false);
    assert.equal(fitsInt32(NO_DELTA + 1), true);
    assert.equal(fitsInt32(NO_DELTA), false, 'the mark itself means "no delta"');
    assert.equal(fitsInt32(NO_DELTA - 1), false);
    assert.equal(fitsInt32(1.5), false);
    assert.equal(fitsInt32(NaN), false);
  });

  describe('uuidWords: a lowercase 8-4-4-4-12 uuid as four words, nothing else', () => {
    it('gives the hex of each group, all sixteen digits', () => {
      assert.deepEqual(uuidWords('01234567-89ab-cdef-0f9a-a9f0123456ef'), [0x01234567, 0x89abcdef, 0x0f9aa9f0, 0x123456ef]);
      assert.deepEqual(uuidWords('ffffffff-ffff-ffff-ffff-ffffffffffff'), [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
      assert.deepEqual(uuidWords('00000000-0000-0000-0000-000000000000'), [0, 0, 0, 0]);
    });

    it('refuses capitals, digits just outside the hex ranges, a moved dash, another length', () => {
      const good = '01234567-89ab-cdef-0f9a-a9f0123456ef';
      assert.ok(uuidWords(good));
      for (const [at, ch] of [[0, '/'], [0, ':'], [0, '`'], [0, 'g'], [0, 'A'], [9, 'F'], [35, 'g'], [8, '0'], [13, 'a'], [18, '1'], [23, '2']] as const) {
        const key = good.slice(0, at) + ch + good.slice(at + 1);
        assert.equal(uuidWords(key), undefined, key);
      }
      assert.equal(uuidWords(good.slice(1)), undefined);
      assert.equal(uuidWords(`${good}0`), undefined);
      assert.equal(uuidWords('0123456789ab-cdef-0f9a-a9f0-123456ef'), undefined);
    });
  });

  it('hex8 writes a word as eight lowercase hex digits', () => {
    for (const n of [0, 1, 0xf, 0x10, 0xff00ff00, 0x89abcdef, 0xffffffff, 0x01020304]) assert.equal(hex8(n), n.toString(16).padStart(8, '0'));
  });

  it('the index hashes: FNV-1a for other keys, and every word of a uuid counts', () => {
    // The published FNV-1a 32-bit test vectors.
    assert.equal(hashString(''), 0x811c9dc5);
    assert.equal(hashString('a'), 0xe40c292c);
    assert.equal(hashString('foobar'), 0xbf9cf968);
    const random = seeded(3);
    for (let i = 0; i < 200; i++) {
      const w = [0, 1, 2, 3].map(() => Math.floor(random() * 2 ** 32)) as [number, number, number, number];
      const h = hashWords(...w);
      assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 32);
      for (let k = 0; k < 4; k++) {
        const v = [...w] as [number, number, number, number];
        v[k] = (v[k] ^ (1 << (i % 32))) >>> 0;
        assert.notEqual(hashWords(...v), h, `word ${k} changed`);
      }
    }
  });

  it('Pool: ids from 1, one per distinct lookup, values kept by id', () => {
    const pool = new Pool<string>();
    assert.equal(pool.size, 0);
    assert.equal(pool.id('a', 'A'), 1);
    assert.equal(pool.id('b', 'B'), 2);
    assert.equal(pool.id('a', 'other'), 1);
    assert.equal(pool.size, 2);
    assert.deepEqual(pool.values, ['A', 'B']);
  });

  it('copyJson copies objects deeply and gives other values as they are', () => {
    const o = { a: [1, { b: 'c' }] };
    const c = copyJson(o) as typeof o;
    assert.deepEqual(c, o);
    assert.notEqual(c, o);
    assert.notEqual(c.a, o.a);
    for (const v of [null, 1, 'x', true]) assert.equal(copyJson(v), v);
  });
});

describe('mutants: history text arena', () => {
  it('a text that ends a block exactly seals it; the next text starts a new block', () => {
    const arena = new TextArena();
    const first = 'a'.repeat(TEXT_BLOCK_BYTES - 1);
    assert.deepEqual(arena.add(first), [0, 0, TEXT_BLOCK_BYTES - 1]);
    assert.equal(arena.stats().sealedBlocks, 0, 'one byte short of a block stays open');
    assert.deepEqual(arena.add('b'), [0, TEXT_BLOCK_BYTES - 1, 1]);
    assert.equal(arena.stats().sealedBlocks, 1, 'a full block is sealed');
    assert.equal(arena.stats().openBytes, 0);
    assert.deepEqual(arena.add('c'), [1, 0, 1]);
    assert.equal(arena.read(0, TEXT_BLOCK_BYTES - 1, 1), 'b');
    assert.equal(arena.read(0, 0, TEXT_BLOCK_BYTES - 1), first);
    assert.equal(arena.read(1, 0, 1), 'c');
  });

  it('a text bigger than a block goes whole into one block, and reads back', () => {
    const arena = new TextArena();
    arena.add('x'.repeat(10));
    const big = 'é'.repeat(TEXT_BLOCK_BYTES); // twice the block in UTF-8
    const [block, start, bytes] = arena.add(big);
    assert.deepEqual([block, start, bytes], [0, 10, 2 * TEXT_BLOCK_BYTES]);
    assert.equal(arena.read(block, start, bytes), big);
    assert.equal(arena.read(0, 0, 10), 'x'.repeat(10));
    const s = arena.stats();
    assert.equal(s.sealedBlocks, 1);
    assert.ok(s.sealedBytes > 0 && s.sealedBytes < 2 * TEXT_BLOCK_BYTES, `deflated (${s.sealedBytes})`);
    assert.equal(s.liveBytes, 10 + 2 * TEXT_BLOCK_BYTES);
  });

  it('reads each sealed block right however the reads jump between more blocks than it caches', () => {
    const arena = new TextArena();
    const placed: Array<[string, [number, number, number]]> = [];
    for (let i = 0; arena.stats().sealedBlocks < 7; i++) {
      const text = `${i}:${'wort '.repeat(i % 50)}ü`;
      placed.push([text, arena.add(text)]);
    }
    const random = seeded(11);
    for (let i = 0; i < 800; i++) {
      const [text, at] = placed[Math.floor(random() * placed.length)];
      assert.equal(arena.read(...at), text);
    }
    // The same blocks over and over, then a jump: a cache that lost its order would answer from the wrong block.
    for (const block of [0, 1, 2, 3, 0, 4, 0, 5, 1, 6, 0, 2, 3, 6, 5, 4]) {
      const hit = placed.find(([, at]) => at[0] === block)!;
      assert.equal(arena.read(...hit[1]), hit[0]);
    }
    assert.ok(arena.heldBytes() < 2 * 7 * TEXT_BLOCK_BYTES, `a few inflated blocks at most (${arena.heldBytes()} bytes)`);
  });

  it('counts dropped bytes as dead and the rest as live; heldBytes counts every part', () => {
    const arena = new TextArena();
    arena.add('abc');
    arena.add('ü');
    arena.drop(3);
    assert.deepEqual(arena.stats(), { sealedBlocks: 0, sealedBytes: 0, openBytes: 5, liveBytes: 2, deadBytes: 3 });
    assert.equal(arena.heldBytes(), TEXT_BLOCK_BYTES, 'only the open block');
    const placed = arena.add('z'.repeat(TEXT_BLOCK_BYTES));
    const sealed = arena.stats().sealedBytes;
    assert.equal(arena.heldBytes(), sealed + TEXT_BLOCK_BYTES);
    arena.read(...placed);
    const inflatedSize = TEXT_BLOCK_BYTES + 5;
    assert.equal(arena.heldBytes(), sealed + TEXT_BLOCK_BYTES + inflatedSize, 'plus the block inflated for reading');
  });
});
