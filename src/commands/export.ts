// "Export History": the whole history, one bulk batch, one status, a search, or the keys a caller
// passes (the panel's filtered rows), to CSV or JSON, optionally masked, through a save dialog.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { exportHistory, type ExportFormat } from '../bulk/export';
import { writeFileDurable } from '../common/durable';
import { DisposableBase } from '../common/lifecycle';
import type { HistoryEntry, HistoryReader } from '../history/types';
import { DEFAULT_MAX_AGE_MS, STATUS_GROUPS, statusGroupLabel, statusGroupOf, type StatusGroup } from '../history/messageState';
import { compileFilter, emptyFilter } from '../panel/model';
import { windowNotify, type Notify } from './errors';
import { CommandIds } from '../common/commandIds';

/**
 * What a caller may fix in advance. The extension's own callers may pass everything; the registered
 * command takes only what `commandArgs` lets through.
 */
export interface ExportArgs {
  /** Exactly these messages, e.g. the panel's current view. */
  keys?: readonly string[];
  batchId?: string;
  format?: ExportFormat;
  maskNumbers?: boolean;
  maskTexts?: boolean;
  /** Where to write, instead of asking with a save dialog (the extension's own callers only). */
  target?: vscode.Uri;
}

export type ScopeKind = 'all' | 'batch' | 'status' | 'search';

export interface ExportPrompts {
  scope(counts: { all: number; batches: number }): Promise<ScopeKind | undefined>;
  batch(batches: Array<{ batchId: string; count: number; createdAt: string }>): Promise<string | undefined>;
  status(counts: Array<{ status: StatusGroup; count: number }>): Promise<StatusGroup | undefined>;
  search(): Promise<string | undefined>;
  format(): Promise<ExportFormat | undefined>;
  masking(): Promise<{ maskNumbers: boolean; maskTexts: boolean } | undefined>;
  /** The save dialog. */
  saveAs(suggested: vscode.Uri, format: ExportFormat): Promise<vscode.Uri | undefined>;
}

export interface ExportDeps {
  history: HistoryReader;
  /** Account name for an account id, so the export shows names (never credentials). */
  accountLabel?: (accountId: string) => string;
  prompts?: ExportPrompts;
  notify?: Notify;
  register?: boolean;
  /** The poller's max age in ms, so "one status" can pick the messages it stopped checking; default 48 h. */
  maxAgeMs?: () => number;
}

function defaultPrompts(): ExportPrompts {
  const pick = async <T>(items: Array<vscode.QuickPickItem & { value: T }>, title: string): Promise<T | undefined> =>
    (await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true }))?.value;
  return {
    scope: (counts) =>
      pick<ScopeKind>(
        [
          { label: vscode.l10n.t('All messages'), description: String(counts.all), value: 'all' },
          ...(counts.batches > 0 ? [{ label: vscode.l10n.t('One bulk batch…'), description: String(counts.batches), value: 'batch' as const }] : []),
          { label: vscode.l10n.t('Messages with one status…'), value: 'status' },
          { label: vscode.l10n.t('Messages matching a search…'), value: 'search' },
        ],
        vscode.l10n.t('Export History (1/3): which messages?'),
      ),
    batch: (batches) =>
      pick(
        batches.map((b) => ({ label: b.batchId, description: vscode.l10n.t('{0} messages', b.count), detail: new Date(b.createdAt).toLocaleString(vscode.env.language), value: b.batchId })),
        vscode.l10n.t('Export History: which batch?'),
      ),
    status: (counts) =>
      pick(
        counts.map((c) => ({ label: statusGroupLabel(c.status, vscode.l10n), description: String(c.count), value: c.status })),
        vscode.l10n.t('Export History: which status?'),
      ),
    search: () =>
      Promise.resolve(
        vscode.window.showInputBox({
          title: vscode.l10n.t('Export History: search'),
          prompt: vscode.l10n.t('Text, number, sender, ID or batch, as in the SMS History panel'),
          ignoreFocusOut: true,
        }),
      ),
    format: () =>
      pick<ExportFormat>(
        [
          { label: 'CSV', description: vscode.l10n.t('for spreadsheets'), value: 'csv' },
          { label: 'JSON', description: vscode.l10n.t('for programs'), value: 'json' },
        ],
        vscode.l10n.t('Export History (2/3): format'),
      ),
    masking: () =>
      pick(
        [
          { label: vscode.l10n.t('Full numbers and texts'), value: { maskNumbers: false, maskTexts: false } },
          { label: vscode.l10n.t('Mask numbers'), description: '39333****567', value: { maskNumbers: true, maskTexts: false } },
          { label: vscode.l10n.t('Mask texts'), description: vscode.l10n.t('[12 chars]'), value: { maskNumbers: false, maskTexts: true } },
          { label: vscode.l10n.t('Mask numbers and texts'), value: { maskNumbers: true, maskTexts: true } },
        ],
        vscode.l10n.t('Export History (3/3): personal data'),
      ),
    saveAs: (suggested, format) =>
      Promise.resolve(
        vscode.window.showSaveDialog({
          title: vscode.l10n.t('Export History'),
          defaultUri: suggested,
          filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
        }),
      ),
  };
}

function byTime(a: HistoryEntry, b: HistoryEntry): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
}

export class ExportCommand extends DisposableBase {
  private readonly prompts: ExportPrompts;
  private readonly notify: Notify;

  constructor(private readonly deps: ExportDeps) {
    super();
    this.prompts = deps.prompts ?? defaultPrompts();
    this.notify = deps.notify ?? windowNotify;
    if (deps.register !== false) {
      this._register(vscode.commands.registerCommand(CommandIds.exportHistory, (args?: unknown) => this.run(commandArgs(args))));
    }
  }

  /** Asks what is not given, writes the file, and returns where; undefined when cancelled or empty. */
  async run(args: ExportArgs = {}): Promise<vscode.Uri | undefined> {
    try {
      const chosen = await this.choose(args);
      if (!chosen) return undefined;
      const { entries, scope } = chosen;
      if (entries.length === 0) {
        void this.notify('info', vscode.l10n.t('There are no messages to export.'));
        return undefined;
      }
      const format = args.format ?? (await this.prompts.format());
      if (!format) return undefined;
      const masking = args.maskNumbers !== undefined || args.maskTexts !== undefined
        ? { maskNumbers: args.maskNumbers === true, maskTexts: args.maskTexts === true }
        : await this.prompts.masking();
      if (!masking) return undefined;
      const target = args.target ?? (await this.prompts.saveAs(this.suggested(format), format));
      if (!target) return undefined;
      const content = exportHistory([...entries].sort(byTime), { format, ...masking, accountLabel: this.deps.accountLabel, scope });
      // A file on this machine goes through the one durable write (every byte, verified, fsynced, renamed into place).
      if (target.scheme === 'file') await writeFileDurable(target.fsPath, content, { what: 'the export' });
      else await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(content));
      const open = vscode.l10n.t('Open');
      void this.notify('info', vscode.l10n.t('Exported {0} messages to {1}.', entries.length, target.fsPath || target.path), open).then(async (pick) => {
        if (pick === open) await vscode.window.showTextDocument(target);
      });
      return target;
    } catch (e) {
      void this.notify('error', vscode.l10n.t('The history could not be exported: {0}', e instanceof Error ? e.message : String(e)));
      return undefined;
    }
  }

  private async choose(args: ExportArgs): Promise<{ entries: readonly HistoryEntry[]; scope: string } | undefined> {
    await this.deps.history.ready?.catch(() => undefined); // never export half a history still loading
    const all = this.deps.history.all();
    if (args.keys) {
      const wanted = new Set(args.keys);
      return { entries: all.filter((e) => wanted.has(e.key)), scope: `${wanted.size} selected messages` };
    }
    if (args.batchId) return { entries: all.filter((e) => e.batchId === args.batchId), scope: `batch ${args.batchId}` };
    const batches = new Map<string, { batchId: string; count: number; createdAt: string }>();
    for (const e of all) {
      if (!e.batchId) continue;
      const b = batches.get(e.batchId) ?? { batchId: e.batchId, count: 0, createdAt: e.createdAt };
      b.count++;
      if (e.createdAt < b.createdAt) b.createdAt = e.createdAt;
      batches.set(e.batchId, b);
    }
    const kind = await this.prompts.scope({ all: all.length, batches: batches.size });
    switch (kind) {
      case undefined:
        return undefined;
      case 'all':
        return { entries: all, scope: 'all messages' };
      case 'batch': {
        const id = await this.prompts.batch([...batches.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)));
        return id === undefined ? undefined : { entries: all.filter((e) => e.batchId === id), scope: `batch ${id}` };
      }
      case 'status': {
        const at = { now: Date.now(), maxAgeMs: this.deps.maxAgeMs?.() ?? DEFAULT_MAX_AGE_MS };
        const groupOf = new Map(all.map((e) => [e.key, statusGroupOf(e, at)]));
        const counts = STATUS_GROUPS.map((status) => ({ status, count: all.filter((e) => groupOf.get(e.key) === status).length })).filter((c) => c.count > 0);
        const status = await this.prompts.status(counts);
        return status === undefined ? undefined : { entries: all.filter((e) => groupOf.get(e.key) === status), scope: `status ${status}` };
      }
      case 'search': {
        const search = await this.prompts.search();
        if (search === undefined) return undefined;
        const matches = compileFilter({ ...emptyFilter, search });
        return { entries: all.filter(matches), scope: `search "${search}"` };
      }
    }
  }

  private suggested(format: ExportFormat): vscode.Uri {
    const day = new Date().toISOString().slice(0, 10);
    const name = `inviosmart-history-${day}.${format}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    return folder ? vscode.Uri.joinPath(folder, name) : vscode.Uri.file(path.join(os.homedir(), name));
  }
}

/**
 * What the registered command takes from its arguments. Any extension, and any `command:` link, can run a
 * command with arguments of its choosing, so they may only narrow what is offered: which messages and
 * which format, and masking on. Where to write and "unmasked" are the user's to choose (the save dialog
 * and the masking question); the extension's own callers pass them to `run` directly. Each field is read
 * once and copied, so a getter cannot answer one thing when checked and another when used; anything
 * that throws while being read counts as no arguments.
 */
export function commandArgs(v: unknown): ExportArgs {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof vscode.Uri) return {};
  try {
    const given = v as Record<string, unknown>;
    const out: { -readonly [K in keyof ExportArgs]: ExportArgs[K] } = {};
    const keys = given.keys;
    if (Array.isArray(keys)) {
      const copied = Array.from(keys as unknown[]);
      if (copied.every((k): k is string => typeof k === 'string')) out.keys = copied;
    }
    const batchId = given.batchId;
    if (typeof batchId === 'string') out.batchId = batchId;
    const format = given.format;
    if (format === 'csv' || format === 'json') out.format = format;
    // Masking can be asked for, never declined: without both, the user is asked.
    if (given.maskNumbers === true && given.maskTexts === true) {
      out.maskNumbers = true;
      out.maskTexts = true;
    }
    return out;
  } catch {
    return {};
  }
}
