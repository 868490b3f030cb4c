import * as vscode from 'vscode';
import { describedInput } from './describedInput';
import type { Settings } from '../config';
import { GatewayMovedError, NotSignedInError, type GatewaySession, type SessionProvider } from '../credentials/types';
import { countryPrefixOf, formatNumber, pricePerPart } from '../gateway/countries';
import { analyzeText, MAX_MESSAGE_LENGTH } from '../gateway/smsText';
import { textForCharset, type SendCharset } from '../gateway/endpoints';
import { parseDestinationList, validateSender } from '../gateway/validation';
import { dispatchSend, retryUnsaved, type DispatchOutcome, type DispatchStore, type UnsavedChange } from '../history/dispatch';
import type { HistoryEntry } from '../history/types';
import type { Log } from '../common/log';
import { formatEuro } from '../common/money';
import { readStored, RECENT_SENDERS_KEPT, rememberFirst, StorageKeys, writeStored } from '../common/storageKeys';
import { describeError, describeWriteError, explain, localized, windowConfirm, windowNotify, type Confirm, type Notify } from './errors';
import { CommandIds } from '../common/commandIds';

/** What the user is asked, one step at a time. Tests replace it with scripted answers. */
export interface SendPrompts {
  destinations(initial: string, validate: (v: string) => string | undefined): Promise<string | undefined>;
  sender(recent: string[], validate: (v: string) => string | undefined): Promise<string | undefined>;
  message(initial: string, describe: (v: string) => { info: string; error?: string }): Promise<string | undefined>;
  confirm(summary: string, detail: string): Promise<boolean>;
}

export interface SendDeps {
  sessions: SessionProvider;
  history: DispatchStore & { get(key: string): HistoryEntry | undefined };
  state: vscode.Memento;
  settings: () => Settings;
  log: Log;
  /** Called after every send so the balance shown stays true. */
  afterSend?: () => void;
  prompts?: SendPrompts;
  /** How results and refusals are told; defaults to VS Code notifications. */
  notify?: Notify;
  /** Asks before sending through another account than the one asked for; defaults to a modal warning. */
  confirm?: Confirm;
  /** Writes the history could not take after a send, tried again this often (ms); default 30 s, 20 times. */
  historyRetryMs?: number;
}

export interface SendDraft {
  destinations?: string;
  sender?: string;
  text?: string;
  /** Send through this account (a resend goes out through the message's own); the active one when absent. */
  account?: { id: string; label: string };
}


/**
 * One-line description of a text's size, as shown while typing. It counts what reaches the phone:
 * through a Latin-1 send endpoint that is the text after the replacements (`€` → `EUR`), and a
 * character with no Latin-1 stand-in is an error that names it.
 */
export function describeText(text: string, charset: SendCharset = 'utf-8'): { info: string; error?: string } {
  const wire = textForCharset(text, charset);
  const a = analyzeText(wire.text);
  const parts = a.parts === 1 ? vscode.l10n.t('1 SMS') : vscode.l10n.t('{0} SMS', a.parts);
  let info = vscode.l10n.t('{0} characters · {1} · {2}', a.characters, a.encoding, parts);
  if (a.ucs2Chars.length > 0) {
    info += ' · ' + vscode.l10n.t('UCS-2 because of: {0}', a.ucs2Chars.slice(0, 8).join(' '));
  }
  if (wire.replaced.length > 0) {
    info += ' · ' + vscode.l10n.t('ISO-8859-1 endpoint: sent as {0}', wire.replaced.map((r) => `${r.from} → ${r.to}`).join(', '));
  }
  if (text.trim().length === 0) return { info, error: vscode.l10n.t('Type the message text.') };
  if (wire.left.length > 0) {
    return {
      info,
      error: vscode.l10n.t('The send endpoint reads ISO-8859-1 (Latin-1) and cannot carry: {0}. Remove them, or set inviosmart.send.charset to utf-8 for a UTF-8 endpoint.', wire.left.slice(0, 8).join(' ')),
    };
  }
  if (a.characters > MAX_MESSAGE_LENGTH) {
    return { info, error: vscode.l10n.t('The message has {0} characters; the gateway accepts at most {1}. Shorten it by {2}.', a.characters, MAX_MESSAGE_LENGTH, a.characters - MAX_MESSAGE_LENGTH) };
  }
  return { info };
}

/**
 * The question asked before money is spent, with the facts the user needs: numbers, sender,
 * account, parts and estimated cost. Shared by the Send SMS dialog, the chat tools and the tasks.
 */
export async function sendConfirmation(
  session: GatewaySession,
  destinations: string[],
  sender: string,
  typed: string,
  charset: SendCharset = 'utf-8',
): Promise<{ summary: string; detail: string }> {
  const wire = textForCharset(typed, charset);
  const parts = analyzeText(wire.text).parts;
  const estimate = await estimateCost(session, destinations, parts);
  const summary = destinations.length === 1
    ? vscode.l10n.t('Send {0} SMS to {1}?', parts, formatNumber(destinations[0]))
    : vscode.l10n.t('Send {0} SMS each to {1} numbers?', parts, destinations.length);
  const detailLines = [
    vscode.l10n.t('To: {0}', destinations.map(formatNumber).join(', ')),
    vscode.l10n.t('From: {0}', sender),
    vscode.l10n.t('Account: {0}', session.account.sandbox ? vscode.l10n.t('Sandbox (no real SMS, no cost)') : session.account.label),
    describeText(typed, charset).info,
    estimate,
  ];
  if (wire.replaced.length > 0) {
    detailLines.push(vscode.l10n.t('The send endpoint reads ISO-8859-1, so the text goes out as: {0}', wire.text));
  }
  return { summary, detail: detailLines.join('\n') };
}

async function estimateCost(session: GatewaySession, destinations: string[], parts: number): Promise<string> {
  if (session.account.sandbox) return vscode.l10n.t('Estimated cost: sandbox prices, nothing is charged for real');
  const prefixes = [...new Set(destinations.map(countryPrefixOf))];
  let total = 0;
  let balance: number | undefined;
  for (const prefix of prefixes) {
    try {
      const b = await session.client.balance(session.credentials, prefix);
      balance = b.balance;
      const price = pricePerPart(b.balance, b.smsRemainCount);
      if (price === undefined) return vscode.l10n.t('Estimated cost: unknown (the gateway gave no price for +{0})', prefix);
      total += price * parts * destinations.filter((d) => countryPrefixOf(d) === prefix).length;
    } catch (e) {
      return vscode.l10n.t('Estimated cost: unknown ({0})', describeError(e).short);
    }
  }
  return vscode.l10n.t('Estimated cost: about {0} of {1} balance', formatEuro(total, vscode.env.language), formatEuro(balance ?? 0, vscode.env.language, { precision: 'cents' }));
}

function defaultPrompts(): SendPrompts {
  return {
    destinations: (initial, validate) =>
      Promise.resolve(
        vscode.window.showInputBox({
          title: vscode.l10n.t('Send SMS (1/3): destination'),
          prompt: vscode.l10n.t('Phone numbers with country code, e.g. +39 339 123 4567; separate several with commas'),
          value: initial,
          ignoreFocusOut: true,
          validateInput: validate,
        }),
      ),
    sender: (recent, validate) =>
      new Promise((resolve) => {
        const qp = vscode.window.createQuickPick();
        qp.title = vscode.l10n.t('Send SMS (2/3): sender');
        qp.placeholder = vscode.l10n.t('Sender name shown on the phone: up to 11 characters, letters required');
        qp.ignoreFocusOut = true;
        const base = recent.map((label) => ({ label }));
        qp.items = base;
        qp.onDidChangeValue((v) => {
          const problem = v ? validate(v) : undefined;
          const typed = v && !recent.includes(v) ? [{ label: v, description: problem ? `$(error) ${problem}` : vscode.l10n.t('new sender') }] : [];
          qp.items = [...typed, ...base];
        });
        let done = false;
        qp.onDidAccept(() => {
          const value = qp.selectedItems[0]?.label ?? qp.value;
          const problem = validate(value);
          if (problem) {
            // QuickPick has no validation message in the oldest VS Code we support: say it in the title.
            qp.title = `${vscode.l10n.t('Send SMS (2/3): sender')} — ${problem}`;
            return;
          }
          done = true;
          resolve(value);
          qp.hide();
        });
        qp.onDidHide(() => {
          if (!done) resolve(undefined);
          qp.dispose();
        });
        qp.show();
      }),
    message: (initial, describe) =>
      describedInput(vscode.l10n.t('Send SMS (3/3): message'), initial, describe),
    confirm: async (summary, detail) => {
      const send = vscode.l10n.t('Send');
      const choice = await vscode.window.showInformationMessage(summary, { modal: true, detail }, send);
      return choice === send;
    },
  };
}

export class SendCommand {
  private readonly prompts: SendPrompts;
  private readonly notify: Notify;
  private readonly confirm: Confirm;

  constructor(private readonly deps: SendDeps) {
    this.prompts = deps.prompts ?? defaultPrompts();
    this.notify = deps.notify ?? windowNotify;
    this.confirm = deps.confirm ?? windowConfirm;
  }

  /** The draft's own account when it is still here; otherwise the active one, only if the user agrees. */
  private async session(draft: SendDraft): Promise<GatewaySession | undefined> {
    if (draft.account) {
      try {
        return await this.deps.sessions.forAccount(draft.account.id);
      } catch (e) {
        // A moved gateway is not a missing account: say what changed rather than offer another account.
        if (!(e instanceof NotSignedInError) || e instanceof GatewayMovedError) throw e;
        const active = await this.deps.sessions.forActive().catch(() => undefined);
        if (!active) throw e;
        const use = vscode.l10n.t('Send with "{0}"', active.account.label);
        const agreed = await this.confirm(
          vscode.l10n.t('The account "{0}" that sent this message is no longer available here. Send it with the active account "{1}" instead?', draft.account.label, active.account.label),
          active.account.sandbox ? undefined : vscode.l10n.t('"{0}" is charged for it.', active.account.label),
          use,
        );
        return agreed ? active : undefined;
      }
    }
    return this.deps.sessions.forActive();
  }

  /** Asks for everything not in the draft, confirms, sends. Returns the history entries, or undefined when cancelled. */
  async run(draft: SendDraft = {}): Promise<HistoryEntry[] | undefined> {
    const settings = this.deps.settings();
    let session: GatewaySession;
    try {
      const chosen = await this.session(draft);
      if (!chosen) return undefined;
      session = chosen;
    } catch (e) {
      if (e instanceof NotSignedInError) {
        const signIn = vscode.l10n.t('Sign In');
        const pick = await this.notify('warning', e.message, signIn);
        if (pick === signIn) await vscode.commands.executeCommand(CommandIds.signIn);
        return undefined;
      }
      throw e;
    }

    const lastDestinations = readStored(this.deps.state, StorageKeys.lastDestinations, '');
    const destinationInput = await this.prompts.destinations(draft.destinations ?? lastDestinations, (v) => {
      const parsed = parseDestinationList(v, settings.defaultCountry);
      if (parsed.invalid.length > 0) return parsed.invalid.map((i) => `${i.input}: ${localized(i.message)}`).join(' · ');
      if (parsed.valid.length === 0) return vscode.l10n.t('Enter at least one phone number.');
      return undefined;
    });
    if (destinationInput === undefined) return undefined;
    const parsed = parseDestinationList(destinationInput, settings.defaultCountry);
    if (parsed.invalid.length > 0 || parsed.valid.length === 0) {
      void this.notify(
        'error',
        parsed.invalid.length > 0
          ? vscode.l10n.t('Nothing was sent. Fix these numbers: {0}', parsed.invalid.map((i) => `${i.input} (${localized(i.message)})`).join('; '))
          : vscode.l10n.t('Nothing was sent: enter at least one phone number.'),
      );
      return undefined;
    }
    const destinations = parsed.valid;

    const recentSenders = readStored(this.deps.state, StorageKeys.recentSenders, []);
    const senderChoices = [draft.sender, ...recentSenders, settings.defaultSender].filter(
      (s, i, all): s is string => !!s && all.indexOf(s) === i,
    );
    const senderProblem = (v: string) => {
      const r = validateSender(v);
      return r.ok ? undefined : localized(r.message);
    };
    const sender = draft.sender && !senderProblem(draft.sender) && draft.text !== undefined ? draft.sender : await this.prompts.sender(senderChoices, senderProblem);
    if (sender === undefined) return undefined;
    if (senderProblem(sender)) {
      void this.notify('error', vscode.l10n.t('Nothing was sent: {0}', senderProblem(sender) ?? ''));
      return undefined;
    }

    const charset = session.client.sendCharset;
    const describe = (v: string) => describeText(v, charset);
    const typed = await this.prompts.message(draft.text ?? '', describe);
    if (typed === undefined) return undefined;
    const described = describe(typed);
    if (described.error) {
      void this.notify('error', vscode.l10n.t('Nothing was sent: {0}', described.error));
      return undefined;
    }
    // What reaches the phone: the user sees the replacements in the counter and agrees to them at the confirmation.
    const wire = textForCharset(typed, charset);
    const text = wire.text;
    const analysis = analyzeText(text);

    const { summary, detail } = await sendConfirmation(session, destinations, sender, typed, charset);
    if (!(await this.prompts.confirm(summary, detail))) return undefined;

    await rememberFirst(this.deps.state, StorageKeys.recentSenders, sender, RECENT_SENDERS_KEPT);
    await writeStored(this.deps.state, StorageKeys.lastDestinations, destinationInput);

    let outcome: DispatchOutcome;
    try {
      outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Sending SMS to {0}…', destinations.map(formatNumber).join(', ')) },
        () =>
          dispatchSend(
            this.deps.history,
            { client: session.client, credentials: session.credentials, account: session.account.id, accountLabel: session.account.label, sandbox: session.account.sandbox },
            { destinations, sender, message: text, pricecat: settings.lowCostRoute ? 1 : undefined },
            analysis.parts,
          ),
      );
    } catch (e) {
      // dispatchSend rejects only when the first history write failed, before anything went out.
      this.deps.log.warn(`history: not written before sending, nothing sent: ${describeError(e).full}`);
      void this.notify('error', vscode.l10n.t('Nothing was sent: the message history could not be saved ({0}). Free some space or fix the folder, then send again.', describeWriteError(e)));
      return undefined;
    }
    this.deps.afterSend?.();
    if (outcome.historyError !== undefined) {
      this.deps.log.warn(`history: ${outcome.unsaved.length} results not saved: ${describeError(outcome.historyError).full}`);
      this.keepSaving(outcome.unsaved);
    }
    void this.report(outcome);
    return outcome.entries;
  }

  /** Writes what the history could not take, again and again until it fits (giving up, in the log, after 20 tries). */
  private keepSaving(unsaved: UnsavedChange[], tries = 20): void {
    if (unsaved.length === 0) return;
    if (tries <= 0) {
      this.deps.log.warn(`history: gave up saving ${unsaved.length} results; those messages stay "sending" (Resend warns before sending them again)`);
      return;
    }
    const timer = setTimeout(() => {
      void retryUnsaved(this.deps.history, unsaved).then((left) => {
        if (left.length === 0) this.deps.log.info(`history: ${unsaved.length} results saved after all`);
        this.keepSaving(left, tries - 1);
      });
    }, this.deps.historyRetryMs ?? 30_000);
    timer.unref?.();
  }

  private async report(outcome: DispatchOutcome): Promise<void> {
    const { entries } = outcome;
    const sent = entries.filter((e) => e.state === 'sent');
    const failed = entries.filter((e) => e.state === 'failed');
    const unknown = entries.filter((e) => e.state === 'unknown');
    const held = entries.filter((e) => e.state === 'held');
    const showStatus = vscode.l10n.t('Show Status');
    const copyId = vscode.l10n.t('Copy ID');
    const showLog = vscode.l10n.t('Show Log');
    const ids = sent.map((e) => e.smsId).join(', ');
    if (outcome.historyError !== undefined) {
      // The gateway's answer stands; only the record of it is missing. Never a "try again" here.
      const why = describeWriteError(outcome.historyError);
      const msg = sent.length > 0
        ? vscode.l10n.t('The SMS was sent (ID {0}) but the history could not be saved: {1}. Keep the ID; the history is saved as soon as it can be. Do not send it again.', ids, why)
        : vscode.l10n.t('The history could not be saved: {0}. Check the message before sending it again.', why);
      const pick = await this.notify('error', msg, ...(sent.length > 0 ? [copyId] : []), showLog);
      if (pick === copyId) await vscode.env.clipboard.writeText(ids);
      if (pick === showLog) this.deps.log.show();
      return;
    }
    if (sent.length === entries.length) {
      const msg = sent.length === 1
        ? vscode.l10n.t('SMS sent to {0} (ID {1}).', formatNumber(sent[0].destination), String(sent[0].smsId))
        : vscode.l10n.t('{0} SMS sent (IDs {1}).', sent.length, ids);
      const pick = await this.notify('info', msg, showStatus, copyId);
      if (pick === showStatus) await vscode.commands.executeCommand(CommandIds.checkStatus, sent[0].key);
      if (pick === copyId) await vscode.env.clipboard.writeText(ids);
      return;
    }
    if (held.length > 0) {
      void this.notify(
        'warning',
        vscode.l10n.t('The gateway is holding the SMS to {0} until its cost is confirmed on the Inviosmart website: it has not been sent yet. Confirming it there sends it; do not send it again here.', held.map((e) => formatNumber(e.destination)).join(', ')),
      );
      if (unknown.length === 0 && failed.length === 0) return;
    }
    const because = (e: HistoryEntry | undefined): string => (e?.error ? `${explain(e.error)} (${e.error.gatewayText})` : '');
    if (unknown.length > 0) {
      void this.notify(
        'warning',
        vscode.l10n.t('No answer came for the SMS to {0}: it may or may not have been sent, so it was not retried. Check its status before resending. {1}', unknown.map((e) => formatNumber(e.destination)).join(', '), because(unknown[0])),
      );
    }
    // After a lost answer the numbers of later requests were not sent: say so too.
    if (failed.length > 0) {
      const why = because(failed[0]);
      const msg = sent.length > 0
        ? vscode.l10n.t('{0} of {1} SMS sent; failed for {2}: {3}', sent.length, entries.length, failed.map((e) => formatNumber(e.destination)).join(', '), why)
        : vscode.l10n.t('SMS not sent: {0}', why);
      const pick = await this.notify('error', msg, showLog);
      if (pick === showLog) this.deps.log.show();
    }
  }
}
