// Realistic message histories for the benchmarks: a year of traffic with the mix a busy account has
// (mostly delivered, some failed, batches, sandbox sends, texts of every length, gateway errors), and
// a history folder built the way the extension builds it (snapshot + journal tail, by HistoryStore).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore } from '../../src/history/store';
import type { EntryStatus, HistoryDraft, HistoryEntry } from '../../src/history/types';

export const PENDING: EntryStatus = { code: 32, label: 'Pending', statusClass: 'pending', final: false };

/**
 * `count` messages over the year before `end`, oldest first, the same for the same seed. A share
 * `pendingShare` never got a final status. Self-contained (no imports, no outer names) because the
 * panel benchmark runs it inside the browser page.
 */
export function realisticHistory(count: number, seed: number, end: number, pendingShare: number): HistoryEntry[] {
  let s = seed >>> 0;
  const random = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const words = ('your appointment is confirmed for tomorrow at the clinic please reply to cancel the order has shipped and will ' +
    'arrive between nine and twelve code verification one time password do not share it with anyone invoice reminder payment ' +
    'due il tuo appuntamento è confermato per domani grazie per il tuo ordine spedizione consegna prevista entro').split(' ');
  const gatewayTime = (ms: number): string => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const delivered = { code: 2048, label: 'Delivered', statusClass: 'delivered' as const, final: true };
  const undelivered = { code: 64, label: 'Undelivered', statusClass: 'failed' as const, final: true };
  const expired = { code: 128, label: 'Expired', statusClass: 'failed' as const, final: true };
  const pending = { code: 32, label: 'Pending', statusClass: 'pending' as const, final: false };
  const step = Math.floor((365 * 86_400_000) / Math.max(1, count));
  const settled = 1 - pendingShare;
  const out: HistoryEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = end - (count - 1 - i) * step;
    const createdAt = new Date(at).toISOString();
    const n = 3 + Math.floor(random() * (random() < 0.1 ? 60 : 20));
    let text = '';
    for (let w = 0; w < n; w++) text += (w ? ' ' : '') + words[Math.floor(random() * words.length)];
    const parts = text.length <= 160 ? 1 : Math.ceil(text.length / 153);
    const e: HistoryEntry = {
      key: `k${i}`,
      destination: `39${random() < 0.9 ? '3' : '0'}${String(Math.floor(random() * 1e9)).padStart(9, '0')}`,
      sender: ['Inviosmart', 'Clinic', 'Bank24', 'Shop'][i % 4],
      text,
      account: i % 20 === 0 ? 'sandbox' : 'main-account',
      state: 'sent',
      createdAt,
      updatedAt: new Date(at + 65_000).toISOString(),
      parts,
      rev: 3,
    };
    if (i % 20 === 0) e.sandbox = true;
    if (i % 10 < 3) e.batchId = `batch-${Math.floor(i / 500)}`;
    const r = random();
    if (r < 0.95 * settled) {
      e.smsId = 10_000_000 + i;
      e.submittedOn = gatewayTime(at + 2000);
      e.lastPolledAt = e.updatedAt;
      e.quantity = parts;
      e.charge = Math.round(0.057 * parts * 1e6) / 1e6;
      if (r < 0.87 * settled) {
        e.status = delivered;
        e.lastChangeOn = gatewayTime(at + 9000);
      } else {
        e.status = r < 0.91 * settled ? undelivered : expired;
        e.state = 'failed';
        e.lastChangeOn = gatewayTime(at + 3_600_000);
      }
    } else if (r < settled) {
      e.state = 'failed';
      e.error = { kind: 'gateway', code: 1013, gatewayText: 'Error: 1013 - Insufficient credit', explanation: 'The account has no credit left: top it up and send again.' };
    } else {
      e.smsId = 10_000_000 + i;
      e.submittedOn = gatewayTime(at + 2000);
      e.lastPolledAt = e.updatedAt;
      e.status = pending;
      e.lastChangeOn = gatewayTime(at + 5000);
    }
    out.push(e);
  }
  return out;
}

/** What `recordMany` takes to write this entry (the store gives it a new key, rev and times). */
export function toDraft(e: HistoryEntry): HistoryDraft {
  const { key: _key, rev: _rev, createdAt: _c, updatedAt: _u, ...draft } = e;
  return draft;
}

export interface BuiltHistory {
  dir: string;
  /** Entries in all. */
  count: number;
  /** The time the newest entry was recorded. */
  end: number;
  snapshotBytes: number;
  journalBytes: number;
  journalLines: number;
  remove(): void;
}

/**
 * A history folder with `count` messages spread over the year up to `end`: all but the last `tail`
 * in the snapshot, the last `tail` in the journal as the extension writes them (recorded 'sending',
 * then the SMSId, then the status: three lines each; two for a refused one).
 */
export async function buildHistory(
  count: number,
  options: { tail?: number; end?: number; seed?: number; /** Share whose status never became final; default 0.02. */ pendingShare?: number } = {},
): Promise<BuiltHistory> {
  const tail = Math.min(options.tail ?? 0, count);
  const end = options.end ?? Date.UTC(2025, 5, 1);
  const entries = realisticHistory(count, options.seed ?? 42, end, options.pendingShare ?? 0.02);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inviosmart-bench-history-'));
  let now = 0;
  const store = await HistoryStore.open(dir, { clock: { now: () => now }, durable: false, autoCompact: false, watch: false, pollIntervalMs: 0 });
  const chunk = 10; // recorded together, as a small bulk send would be
  let i = 0;
  for (; i < count - tail; i += chunk) {
    now = Date.parse(entries[i].createdAt);
    await store.recordMany(entries.slice(i, Math.min(i + chunk, count - tail)).map(toDraft));
  }
  await store.compact();
  for (; i < count; i++) {
    const e = entries[i];
    now = Date.parse(e.createdAt);
    const rec = await store.record({ destination: e.destination, sender: e.sender, text: e.text, account: e.account, sandbox: e.sandbox, batchId: e.batchId, parts: e.parts });
    if (e.smsId === undefined) await store.update(rec.key, { state: 'failed', error: e.error });
    else {
      await store.update(rec.key, { state: 'sent', smsId: e.smsId });
      now += 65_000;
      const { status, lastChangeOn, submittedOn, lastPolledAt, quantity, charge } = e;
      await store.update(rec.key, { status, lastChangeOn, submittedOn, lastPolledAt, quantity, charge });
    }
  }
  const stats = store.stats();
  await store.close();
  return {
    dir,
    count,
    end,
    snapshotBytes: stats.snapshotBytes,
    journalBytes: stats.journalBytes,
    journalLines: stats.journalLines,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
