// Language model tools for chat agent mode (and for any extension calling vscode.lm.invokeTool):
// send an SMS, check a status, read the balance, search the history. Spending always needs a
// person's yes; a refusal comes back as a result telling the model what to fix, never as a throw.
import { firstOf, newestFirst } from '../history/rows';
import * as vscode from 'vscode';
import type { Settings } from '../config';
import { formatEuro } from '../common/money';
import { displayGatewayTime } from '../gateway/time';
import { describeError, windowConfirm, type Confirm } from '../commands/errors';
import { DisposableBase } from '../common/lifecycle';
import { sendConfirmation } from '../commands/send';
import { NotSignedInError, type GatewaySession, type SessionProvider } from '../credentials/types';
import { normalizeDestination } from '../gateway/validation';
import type { DispatchStore } from '../history/dispatch';
import { statusPatch } from '../history/statusPatch';
import type { HistoryEntry, HistoryPatch, HistoryReader } from '../history/types';
import { mustAskItself } from './confirmation';
import { checkDraft, dispatchDraft, sendCharsetOf } from './draft';
import { numberShower } from './mask';
import type { Staleness } from '../history/messageState';
import { entryLine, SANDBOX_NOTE, SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT, SEARCH_STATUSES, searchEntries, type SearchStatus } from './results';

/** Tool names as contributed in package.json (`languageModelTools`). */
export const ToolNames = {
  sendSms: 'inviosmart_sendSms',
  checkStatus: 'inviosmart_checkStatus',
  getBalance: 'inviosmart_getBalance',
  searchHistory: 'inviosmart_searchHistory',
} as const;

export interface SendSmsInput {
  destinations?: unknown;
  text?: unknown;
  sender?: unknown;
}
export interface CheckStatusInput {
  smsId?: unknown;
  destination?: unknown;
}
export interface GetBalanceInput {
  countryPrefix?: unknown;
}
export interface SearchHistoryInput {
  destination?: unknown;
  text?: unknown;
  status?: unknown;
  since?: unknown;
  until?: unknown;
  limit?: unknown;
}

export interface SmsToolDeps {
  sessions: SessionProvider;
  history: HistoryReader & DispatchStore & { update(key: string, patch: HistoryPatch): Promise<HistoryEntry | undefined> };
  settings: () => Settings;
  /** Called after every send so the balance shown stays true. */
  afterSend?: () => void;
  /** The tool's own question, where VS Code would not ask; defaults to a modal warning. */
  confirm?: Confirm;
  /** VS Code's version (for tests of older versions); defaults to vscode.version. */
  version?: string;
  /** False leaves the tools unregistered: the container's (src/extension.ts registers them at activation) and a second instance in tests. */
  register?: boolean;
}

function result(...lines: string[]): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(lines.join('\n'))]);
}

/** A refusal the model can act on: nothing happened, and what to change. */
function refusal(what: string, problems: string[]): vscode.LanguageModelToolResult {
  return result(`refused: ${what}`, ...problems.map((p) => `- ${p}`));
}

function markdownLines(lines: string[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  lines.forEach((line, i) => {
    if (i > 0) md.appendMarkdown('  \n');
    md.appendText(line);
  });
  return md;
}

/** An input key for matching invoke to the prepareInvocation that confirmed the same input. */
function inputKey(name: string, input: unknown): string {
  return `${name}:${JSON.stringify(input)}`;
}

export class SmsTools extends DisposableBase {
  /** Inputs a confirmation was prepared for, each consumed by one invoke. */
  private readonly prepared = new Map<string, number>();
  private readonly confirm: Confirm;

  /** The tools' implementations by name; registered here unless `register` is false (src/extension.ts registers them at activation and hands each call here). */
  readonly tools: ReadonlyMap<string, vscode.LanguageModelTool<unknown>>;

  constructor(private readonly deps: SmsToolDeps) {
    super();
    this.confirm = deps.confirm ?? windowConfirm;
    this.tools = new Map<string, vscode.LanguageModelTool<unknown>>([
      [ToolNames.sendSms, {
        prepareInvocation: (o: vscode.LanguageModelToolInvocationPrepareOptions<SendSmsInput>) => this.prepareSend(o.input),
        invoke: (o: vscode.LanguageModelToolInvocationOptions<SendSmsInput>, token: vscode.CancellationToken) => this.send(o.input, o.toolInvocationToken !== undefined, token),
      }],
      [ToolNames.checkStatus, {
        prepareInvocation: () => ({ invocationMessage: vscode.l10n.t('Checking the SMS status…') }),
        invoke: (o: vscode.LanguageModelToolInvocationOptions<CheckStatusInput>, token: vscode.CancellationToken) => this.checkStatus(o.input, token),
      }],
      [ToolNames.getBalance, {
        prepareInvocation: () => ({ invocationMessage: vscode.l10n.t('Reading the SMS balance…') }),
        invoke: (o: vscode.LanguageModelToolInvocationOptions<GetBalanceInput>, token: vscode.CancellationToken) => this.balance(o.input, token),
      }],
      [ToolNames.searchHistory, {
        prepareInvocation: () => ({ invocationMessage: vscode.l10n.t('Searching the SMS history…') }),
        invoke: (o: vscode.LanguageModelToolInvocationOptions<SearchHistoryInput>) => this.search(o.input),
      }],
    ]);
    if (deps.register === false) return;
    for (const [name, tool] of this.tools) this._register(vscode.lm.registerTool(name, tool));
  }

  /** Now and the poller's max age: a message it stopped checking reads `stale`. */
  private staleness(): Staleness {
    return { now: Date.now(), maxAgeMs: this.deps.settings().maxAgeHours * 3600_000 };
  }

  private async session(): Promise<GatewaySession | vscode.LanguageModelToolResult> {
    try {
      return await this.deps.sessions.forActive();
    } catch (e) {
      if (e instanceof NotSignedInError) {
        return refusal('not signed in', [`${e.message} Ask the user to run "Inviosmart: Sign In" (or switch to the Sandbox account), then try again.`]);
      }
      return refusal('the account could not be used', [describeError(e).full]);
    }
  }

  /** The confirmation with the Send SMS dialog's facts; none when the input will be refused anyway. */
  async prepareSend(input: SendSmsInput): Promise<vscode.PreparedToolInvocation> {
    const invocationMessage = vscode.l10n.t('Sending SMS…');
    const checked = checkDraft(input, this.deps.settings());
    if (!checked.ok) return { invocationMessage };
    const session = await this.session();
    if (session instanceof vscode.LanguageModelToolResult) return { invocationMessage };
    const { destinations, sender, text } = checked.draft;
    const { summary, detail } = await sendConfirmation(session, destinations, sender, text, sendCharsetOf(session));
    const key = inputKey(ToolNames.sendSms, input);
    this.prepared.set(key, (this.prepared.get(key) ?? 0) + 1);
    return { invocationMessage, confirmationMessages: { title: summary, message: markdownLines([...detail.split('\n'), vscode.l10n.t('Text: {0}', text)]) } };
  }

  async send(input: SendSmsInput, inChat: boolean, token?: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    const key = inputKey(ToolNames.sendSms, input);
    const preparedCount = this.prepared.get(key) ?? 0;
    if (preparedCount > 1) this.prepared.set(key, preparedCount - 1);
    else this.prepared.delete(key);

    const settings = this.deps.settings();
    const checked = checkDraft(input, settings);
    if (!checked.ok) return refusal('nothing was sent; fix the input and call the tool again', checked.problems);
    const session = await this.session();
    if (session instanceof vscode.LanguageModelToolResult) return session;
    const draft = checked.draft;
    if (mustAskItself(this.deps.version ?? vscode.version, inChat, preparedCount > 0)) {
      const { summary, detail } = await sendConfirmation(session, draft.destinations, draft.sender, draft.text, sendCharsetOf(session));
      if (!(await this.confirm(summary, `${detail}\n${vscode.l10n.t('Text: {0}', draft.text)}`, vscode.l10n.t('Send')))) {
        return result('cancelled: the user declined; nothing was sent. Do not retry unless the user asks again.');
      }
    }
    if (token?.isCancellationRequested) return result('cancelled: nothing was sent.');
    const outcome = await dispatchDraft(this.deps.history, session, draft, settings);
    this.deps.afterSend?.();
    const show = numberShower(draft.destinations);
    const sent = outcome.entries.filter((e) => e.state === 'sent').length;
    const lines = [`sent: ${sent} of ${outcome.entries.length} accepted by the gateway (account ${session.account.label})`];
    lines.push(...outcome.entries.map((e) => `- ${entryLine(e, show)}`));
    if (outcome.entries.some((e) => e.state === 'unknown')) {
      lines.push('No answer came for some messages: they may or may not have been sent. Do not send them again; check their status first.');
    }
    if (session.account.sandbox) lines.push(SANDBOX_NOTE);
    return result(...lines);
  }

  async checkStatus(input: CheckStatusInput, token?: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    await this.deps.history.ready?.catch(() => undefined); // look the message up in the whole history
    const settings = this.deps.settings();
    let entry: HistoryEntry | undefined;
    let smsId: number | undefined;
    let named: string[] = [];
    if (input.smsId !== undefined && input.smsId !== null && input.smsId !== '') {
      smsId = typeof input.smsId === 'number' ? input.smsId : Number(String(input.smsId).trim());
      if (!Number.isSafeInteger(smsId) || smsId <= 0) return refusal('no status was checked', [`"${String(input.smsId)}" is not an SMSId: give the positive whole number the send returned.`]);
      entry = firstOf(newestFirst(this.deps.history, (rows, row) => rows.field(row, 'smsId') === smsId));
    } else if (typeof input.destination === 'string' && input.destination.trim() !== '') {
      const n = normalizeDestination(input.destination, settings.defaultCountry);
      if (!n.ok) return refusal('no status was checked', [`${n.input}: ${n.reason}`]);
      named = [n.destination];
      entry = firstOf(newestFirst(this.deps.history, (rows, row) => rows.field(row, 'destination') === n.destination && rows.field(row, 'smsId') !== undefined));
      if (!entry) return refusal('no status was checked', [`No message to ${numberShower(named)(n.destination)} with an SMSId is in the history. Search the history or give the SMSId.`]);
      smsId = entry.smsId;
    } else {
      return refusal('no status was checked', ['Give either smsId (the number a send returned) or destination (the phone number; the latest message to it is checked).']);
    }
    const show = numberShower(named);
    let session: GatewaySession;
    try {
      session = entry ? await this.deps.sessions.forAccount(entry.account) : await this.deps.sessions.forActive();
    } catch (e) {
      return refusal('no status was checked', [e instanceof NotSignedInError ? `${e.message} Ask the user to sign in.` : describeError(e).full]);
    }
    const abort = new AbortController();
    const sub = token?.onCancellationRequested(() => abort.abort());
    try {
      const report = await session.client.status(session.credentials, smsId as number, { signal: abort.signal });
      const updated = entry ? ((await this.deps.history.update(entry.key, statusPatch(report, new Date().toISOString()))) ?? entry) : undefined;
      const s = report.status;
      const lines = [
        `SMSId ${report.smsId} · to ${show(report.destination)} · ${s.label} (code ${s.code}, ${s.final ? 'final' : 'may still change'}) · ${report.quantity} SMS · ${formatEuro(report.charge, 'en')}`,
      ];
      const submitted = displayGatewayTime(report.submittedOn.raw);
      if (submitted) lines.push(`submitted ${submitted}, last change ${displayGatewayTime(report.deliveredOn.raw) ?? 'none'} (provider local time)`);
      if (updated) lines.push(`history: ${entryLine(updated, show, true, this.staleness())}`);
      else lines.push('This SMSId is not in this history; the status comes from the active account.');
      if (session.account.sandbox) lines.push(SANDBOX_NOTE);
      return result(...lines);
    } catch (e) {
      return refusal(`the status of SMSId ${smsId} could not be read`, [describeError(e).full]);
    } finally {
      sub?.dispose();
    }
  }

  async balance(input: GetBalanceInput, token?: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    const settings = this.deps.settings();
    const raw = input.countryPrefix === undefined || input.countryPrefix === null || input.countryPrefix === '' ? settings.balanceCountryPrefix : String(input.countryPrefix);
    const prefix = raw.trim().replace(/^\+|^00/, '');
    if (!/^[1-9][0-9]{0,3}$/.test(prefix)) return refusal('no balance was read', [`"${raw}" is not a country calling code: give 1 to 4 digits such as 39 for Italy.`]);
    const session = await this.session();
    if (session instanceof vscode.LanguageModelToolResult) return session;
    const abort = new AbortController();
    const sub = token?.onCancellationRequested(() => abort.abort());
    try {
      const b = await session.client.balance(session.credentials, prefix, { signal: abort.signal });
      const lines = [`account ${session.account.label} · balance ${formatEuro(b.balance, 'en', { precision: 'cents' })}`];
      if (b.smsRemainCount !== undefined) {
        const each = b.smsRemainCount > 0 ? ` (about ${formatEuro(b.balance / b.smsRemainCount, 'en')} per SMS part)` : '';
        lines.push(`buys ${b.smsRemainCount} SMS to +${prefix}${each}`);
      } else {
        lines.push(`the gateway gave no SMS count for +${prefix}`);
      }
      if (session.account.sandbox) lines.push(SANDBOX_NOTE);
      return result(...lines);
    } catch (e) {
      return refusal('no balance was read', [describeError(e).full]);
    } finally {
      sub?.dispose();
    }
  }

  async search(input: SearchHistoryInput): Promise<vscode.LanguageModelToolResult> {
    await this.deps.history.ready?.catch(() => undefined); // search the whole history, not the part read so far
    const settings = this.deps.settings();
    const problems: string[] = [];
    let destination: string | undefined;
    if (input.destination !== undefined && input.destination !== '') {
      const n = typeof input.destination === 'string' ? normalizeDestination(input.destination, settings.defaultCountry) : undefined;
      if (n?.ok) destination = n.destination;
      else problems.push(n ? `destination ${n.input}: ${n.reason}` : 'destination must be a phone number as text');
    }
    if (input.text !== undefined && typeof input.text !== 'string') problems.push('text must be a string to look for in the message text');
    let status: SearchStatus | undefined;
    if (input.status !== undefined && input.status !== '') {
      if (SEARCH_STATUSES.includes(input.status as SearchStatus)) status = input.status as SearchStatus;
      else problems.push(`status must be one of ${SEARCH_STATUSES.join(', ')}`);
    }
    const date = (name: string, v: unknown, endOfDay: boolean): number | undefined => {
      if (v === undefined || v === '') return undefined;
      const text = String(v);
      const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
      const ms = Date.parse(dayOnly ? `${text}T${endOfDay ? '23:59:59.999' : '00:00:00'}Z` : text);
      if (Number.isNaN(ms)) problems.push(`${name} "${text}" is not a date: use ISO 8601, e.g. 2026-12-01 or 2026-12-01T09:30:00Z`);
      return Number.isNaN(ms) ? undefined : ms;
    };
    const since = date('since', input.since, false);
    const until = date('until', input.until, true);
    let limit = SEARCH_DEFAULT_LIMIT;
    if (input.limit !== undefined) {
      const n = Number(input.limit);
      if (!Number.isInteger(n) || n < 1) problems.push(`limit must be a whole number from 1 to ${SEARCH_MAX_LIMIT}`);
      else limit = Math.min(n, SEARCH_MAX_LIMIT);
    }
    if (problems.length > 0) return refusal('the history was not searched', problems);
    const at = this.staleness();
    const { matches, total } = searchEntries(this.deps.history.all(), { destination, text: input.text as string | undefined, status, since, until, limit, at });
    const show = numberShower(destination ? [destination] : []);
    const lines = [`${total} matching message${total === 1 ? '' : 's'}, newest first${total > matches.length ? `; showing ${matches.length} (raise limit, up to ${SEARCH_MAX_LIMIT}, or narrow the search)` : ''}`];
    lines.push(...matches.map((e) => `- ${entryLine(e, show, true, at)}`));
    if (matches.some((e) => e.sandbox)) lines.push('Entries marked sandbox were sent through the Sandbox account: no real SMS, no charge.');
    return result(...lines);
  }
}
