// The gateway's rules without the wire: accounts, balances, accepted messages and their status
// timelines, and the exact answer line for each command. src/sandbox/server.ts puts it on HTTP.
import { randomInt } from 'node:crypto';
import type { GatewayCommand } from '../gateway/types';
import { formatGatewayTime } from '../gateway/time';
import { analyzeText, MAX_MESSAGE_LENGTH } from '../gateway/smsText';
import { validateDestination, validateSender } from '../gateway/validation';
import {
  DEFAULT_PRICES,
  LOW_COST_PRICE_RATIO,
  NO_CHANGE_TIME,
  chargeFor,
  formatBalance,
  formatCharge,
  fromUnits,
  priceFor,
  smsRemainCount,
  statusAt,
  toUnits,
} from './rules';

export interface SandboxAccount {
  username: string;
  password: string;
  /** Euro. */
  balance: number;
  /** Country prefix → euro per SMS part; longest prefix wins; DEFAULT_PRICES when absent. */
  prices?: Record<string, number>;
  disabled?: boolean;
}

export interface SandboxClock {
  now(): number;
}

/** One SMS the sandbox accepted (one per destination). */
export interface SandboxMessage {
  smsId: number;
  username: string;
  destination: string;
  sender: string;
  message: string;
  pricecat: 0 | 1;
  parts: number;
  /** Euro. */
  charge: number;
  /** Sandbox clock time of submission. */
  submittedAt: number;
}

/** What the gateway's rules depend on (the HTTP side's options are in SandboxOptions). */
export interface EmulatorOptions {
  accounts?: SandboxAccount[];
  /** Default: real time plus whatever advance() added. */
  clock?: SandboxClock;
  /** Greater than 1 speeds up status progression. */
  timeScale?: number;
  helpText?: string;
  /** Append `|LCSmsRemainCount:N` (the low-cost route) to balance answers, as the platform's newer answers do. */
  lowCostBalance?: boolean;
  /** Zone of the `YYYYMMDDHHmmSS` times in status answers (default UTC; the real gateway: Europe/Rome). */
  timeZone?: string;
  /** A send whose total cost is above this (euro) is held: `Status: 1022`, nothing charged. Default: never. */
  costConfirmationAbove?: number;
}

/** The account used when none are given. */
export const DEFAULT_ACCOUNT: Readonly<SandboxAccount> = Object.freeze({
  username: 'sandbox',
  password: 'sandbox',
  balance: 25,
  prices: { ...DEFAULT_PRICES },
});

/**
 * Texts of the error answers the sandbox gives: the platform's own wording where it is known, its
 * typos included ("Authendication"), so the client is tested against what the gateway writes
 * (docs/PROTOCOL.md, "Error answers", says which texts are verified).
 */
export const SANDBOX_ERROR_TEXTS: Readonly<Record<number, string>> = {
  1001: 'No username given',
  1002: 'No password given',
  1003: 'No destination number given',
  1005: 'Invalid destination number',
  1006: 'Alphanumeric sender longer than accepted',
  1007: 'Numeric sender longer than accepted',
  1008: 'No sender name or number given',
  1011: 'No SMS text given',
  1012: 'Authendication failure: username and/or password mismatch',
  1013: 'No credits available for user',
  1016: 'Not enough alphanumeric characters in sender',
  1018: 'Not enough credits for that destination',
  1021: 'Invalid characters in sender',
  1022: 'Awaiting cost confirmation, SMS did\'t sent yet.',
  1027: 'No SMS ID given',
  1028: 'No valid parameters given',
  1029: 'Message longer than 612 characters (4 SMS)',
  1031: 'Service temporarily unavailable, try again in a few minutes',
  1038: 'User is disabled',
};

/** Answer to a status request for an id that does not exist or belongs to another user. */
export const UNKNOWN_SMSID_ANSWER = 'Error: 1028 - No valid parameters given: unknown SMSId';

export const DEFAULT_HELP_TEXT = [
  'Inviosmart HTTP API gateway - SANDBOX (no SMS is really sent)',
  '',
  'Commands are HTTP GET (or POST with a form body) with URL-encoded parameters. Answers are one line of text.',
  'The same commands are under /webservice/sms/: sendSMSHTTP.php (ISO-8859-1), sendSMSHTTPUTF8.php, getSMSStatus.php, getAccountBalance.php.',
  '',
  '1. Send an SMS',
  '   /sendsms/?username=USER&password=PASS&destination=393391234567&sender=SENDER&message=TEXT[&pricecat=1]',
  '   destination: digits with country code, no + or 00; several joined with "."',
  '   sender: up to 11 characters from A-Z a-z 0-9 - . ! # % & ( ) < >, letters required',
  '   message: up to 612 characters',
  '   answer: OK ID:<SMSId>   (several destinations: answers joined with "|")',
  '',
  '2. Message status',
  '   /smsstatus/?username=USER&password=PASS&SMSId=ID',
  '   answer: <SMSId>:<SubmittedOn>:<Destination>:<DeliveredOn>:<Status>:<Quantity>:<Charge>',
  '',
  '3. Account balance',
  '   /account-balance/?username=USER&password=PASS[&countryprefix=39]',
  '   answer: Status: 1000 - Balance:<euro>|SmsRemainCount:<count>   (count -9999 without countryprefix)',
  '',
  'Errors: Error: <code> - <text>',
].join('\n');

export function errorLine(code: number, text = SANDBOX_ERROR_TEXTS[code]): string {
  return `Error: ${code} - ${text}`;
}

export class GatewayEmulator {
  private readonly accounts = new Map<string, SandboxAccount>();
  private readonly messageById = new Map<number, SandboxMessage>();
  private readonly sent: SandboxMessage[] = [];
  private readonly clock?: SandboxClock;
  private offsetMs = 0;
  private readonly timeScale: number;
  private readonly helpText: string;
  private readonly lowCostBalance: boolean;
  private readonly timeZone: string;
  private readonly costConfirmationAbove: number | undefined;
  private nextId: number;

  /** Throws a RangeError for options no gateway could have (a bad time scale, zone or balance). */
  constructor(opts: EmulatorOptions = {}) {
    const timeScale = opts.timeScale ?? 1;
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError(`invalid timeScale: ${timeScale}`);
    this.timeScale = timeScale;
    this.clock = opts.clock;
    this.helpText = opts.helpText ?? DEFAULT_HELP_TEXT;
    this.lowCostBalance = opts.lowCostBalance === true;
    this.timeZone = opts.timeZone ?? 'UTC';
    // Throws a RangeError for a zone the runtime does not know, before anything listens.
    formatGatewayTime(new Date(0), this.timeZone);
    this.costConfirmationAbove = opts.costConfirmationAbove;
    // Copies, so one options object can seed many sandboxes without them sharing balances.
    for (const account of opts.accounts ?? [DEFAULT_ACCOUNT]) {
      if (!Number.isFinite(account.balance)) throw new RangeError(`invalid balance for ${account.username}`);
      this.accounts.set(account.username, { ...account, prices: { ...(account.prices ?? DEFAULT_PRICES) } });
    }
    // A random base makes it obvious when a client mixes up ids from two sandboxes.
    this.nextId = 1000 + randomInt(0, 9000);
  }

  /** Every SMS accepted so far, one per destination, oldest first. */
  get messages(): ReadonlyArray<SandboxMessage> {
    return this.sent;
  }

  /** Takes over messages accepted by an earlier sandbox; nothing is charged, ids already known are left alone. */
  adopt(messages: readonly SandboxMessage[]): number {
    let adopted = 0;
    for (const m of messages) {
      if (!Number.isSafeInteger(m.smsId) || m.smsId <= 0 || this.messageById.has(m.smsId)) continue;
      this.messageById.set(m.smsId, { ...m });
      this.sent.push({ ...m });
      this.nextId = Math.max(this.nextId, m.smsId + 1);
      adopted++;
    }
    return adopted;
  }

  /** Moves the sandbox clock forward (on top of the given clock, or of real time). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** The live account: its balance follows the charges, and changing it changes the sandbox. */
  account(username: string): SandboxAccount | undefined {
    return this.accounts.get(username);
  }

  now(): number {
    return (this.clock ? this.clock.now() : Date.now()) + this.offsetMs;
  }

  /** The one-line answer to a command with its decoded parameters (`malformed`: some did not decode). */
  execute(command: GatewayCommand, q: ReadonlyMap<string, string>, malformed: boolean): string {
    if (command === 'help') return this.helpText;
    if (malformed) return errorLine(1028);
    const username = q.get('username') ?? '';
    const password = q.get('password') ?? '';
    if (username === '') return errorLine(1001);
    if (password === '') return errorLine(1002);
    const account = this.accounts.get(username);
    if (!account || account.password !== password) return errorLine(1012);
    if (account.disabled) return errorLine(1038);
    switch (command) {
      case 'send':
        return this.send(account, q);
      case 'status':
        return this.status(account, q);
      case 'balance':
        return this.balance(account, q);
    }
  }

  private send(account: SandboxAccount, q: ReadonlyMap<string, string>): string {
    const destinationParam = q.get('destination') ?? '';
    if (destinationParam.trim() === '') return errorLine(1003);
    const destinations = destinationParam.split('.');
    const checks = destinations.map((d) => validateDestination(d));
    const perDestinationErrors = checks.map((c) => (c.ok ? undefined : errorLine(c.code)));
    if (perDestinationErrors.every((e) => e !== undefined)) return perDestinationErrors.join('|');

    const sender = q.get('sender') ?? '';
    const senderCheck = validateSender(sender);
    if (!senderCheck.ok) return errorLine(senderCheck.code);

    const message = q.get('message') ?? '';
    if (message === '') return errorLine(1011);
    if (analyzeText(message).characters > MAX_MESSAGE_LENGTH) return errorLine(1029);

    const pricecatParam = q.get('pricecat') ?? '0';
    if (pricecatParam !== '0' && pricecatParam !== '1' && pricecatParam !== '') return errorLine(1028);
    const pricecat = pricecatParam === '1' ? 1 : 0;

    if (toUnits(account.balance) <= 0) return errorLine(1013);

    if (this.costConfirmationAbove !== undefined) {
      const total = destinations.reduce((sum, d, i) => (perDestinationErrors[i] ? sum : sum + chargeFor(d, message, account.prices).charge), 0);
      if (total > this.costConfirmationAbove) return `Status: 1022 - ${SANDBOX_ERROR_TEXTS[1022]}`;
    }

    const submittedAt = this.now();
    return destinations
      .map((destination, i) => {
        const error = perDestinationErrors[i];
        if (error !== undefined) return error;
        const { parts, charge } = chargeFor(destination, message, account.prices);
        const left = toUnits(account.balance) - toUnits(charge);
        if (left < 0) return errorLine(1018);
        account.balance = fromUnits(left);
        const sms: SandboxMessage = {
          smsId: this.nextId++,
          username: account.username,
          destination,
          sender,
          message,
          pricecat,
          parts,
          charge,
          submittedAt,
        };
        this.messageById.set(sms.smsId, sms);
        this.sent.push(sms);
        return `OK ID:${sms.smsId}`;
      })
      .join('|');
  }

  private status(account: SandboxAccount, q: ReadonlyMap<string, string>): string {
    const idText = q.get('SMSId') ?? '';
    if (idText.trim() === '') return errorLine(1027);
    if (!/^[0-9]{1,15}$/.test(idText)) return errorLine(1028);
    const sms = this.messageById.get(Number(idText));
    if (!sms || sms.username !== account.username) return UNKNOWN_SMSID_ANSWER;
    const { status, changedAtMs } = statusAt(sms.destination, this.now() - sms.submittedAt, this.timeScale);
    const deliveredOn = changedAtMs === undefined ? NO_CHANGE_TIME : formatGatewayTime(new Date(sms.submittedAt + changedAtMs), this.timeZone);
    return [
      sms.smsId,
      formatGatewayTime(new Date(sms.submittedAt), this.timeZone),
      sms.destination,
      deliveredOn,
      status,
      sms.parts,
      formatCharge(sms.charge),
    ].join(':');
  }

  private balance(account: SandboxAccount, q: ReadonlyMap<string, string>): string {
    const prefix = q.get('countryprefix') ?? '';
    let count = -9999;
    let lowCost = -9999;
    if (prefix !== '') {
      if (!/^[1-9][0-9]{0,3}$/.test(prefix)) return errorLine(1028);
      const price = priceFor(prefix, account.prices);
      count = smsRemainCount(account.balance, price);
      lowCost = smsRemainCount(account.balance, price * LOW_COST_PRICE_RATIO);
    }
    const lc = this.lowCostBalance ? `|LCSmsRemainCount:${lowCost}` : '';
    return `Status: 1000 - Balance:${formatBalance(account.balance)}|SmsRemainCount:${count}${lc}`;
  }
}
