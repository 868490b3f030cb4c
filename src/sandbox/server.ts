// An Inviosmart-compatible gateway on node:http, bound to 127.0.0.1 only, with scriptable faults.
// Tests, `npm run sandbox` and the extension's sandbox mode all talk to it as to the real gateway.
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';
import type { GatewayCommand } from '../gateway/types';
import { percentDecode, type SendCharset } from '../gateway/endpoints';
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

export type SandboxFault =
  | { kind: 'latency'; ms: number }
  | { kind: 'http'; status: number; body?: string }
  | { kind: 'resetBeforeRead' }
  | { kind: 'resetAfterRead' }
  | { kind: 'hang' }
  | { kind: 'html' }
  | { kind: 'garbage' }
  | { kind: 'empty' }
  | { kind: 'truncatedStatus' }
  | { kind: 'error1031' }
  /** A 200 answer with this text, encoded in `charset` (default UTF-8); `label` false sends no charset in Content-Type. */
  | { kind: 'text'; body: string; charset?: SendCharset; label?: boolean };

export interface FaultRule {
  fault: SandboxFault;
  /** Only requests for this command; all commands when absent. */
  command?: GatewayCommand;
  /** How many matching requests it affects; until clearFaults() when absent. */
  times?: number;
}

export interface SandboxRequest {
  command: GatewayCommand | 'unknown';
  method: string;
  /** The path asked for, without the query. */
  path: string;
  /** Decoded parameters (query, then form body for a POST); the password value is replaced by ***. */
  query: Record<string, string>;
  /** How the parameters were decoded (the send endpoint's character set). */
  charset: SendCharset;
  /** The `message` value exactly as it arrived, still percent-encoded, so tests can check its bytes. */
  rawMessage?: string;
  /** Sandbox clock time when the request arrived. */
  at: number;
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

export interface SandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  accounts?: SandboxAccount[];
  /** Default: real time plus whatever advance() added. */
  clock?: SandboxClock;
  /** Greater than 1 speeds up status progression. */
  timeScale?: number;
  helpText?: string;
  /** Called as each request arrives (already redacted), e.g. for a console log. */
  onRequest?: (request: SandboxRequest) => void;
  /**
   * How send endpoints read text: `by-path` (default) reads `sendSMSHTTP.php` as ISO-8859-1 and every
   * other path as UTF-8, as the platform's endpoint names say; or one charset for all.
   */
  charset?: 'by-path' | SendCharset;
  /** Take POST form bodies as well as GET queries (default true); false answers POST with 405. */
  acceptPost?: boolean;
  /** Append `|LCSmsRemainCount:N` (the low-cost route) to balance answers, as the platform's newer answers do. */
  lowCostBalance?: boolean;
  /** Zone of the `YYYYMMDDHHmmSS` times in status answers (default UTC; the real gateway: Europe/Rome). */
  timeZone?: string;
  /** Longest request line answered; a longer one gets 414 (default 8192, a typical server's limit; 0: no limit). */
  maxRequestLine?: number;
  /** A send whose total cost is above this (euro) is held: `Status: 1022`, nothing charged. Default: never. */
  costConfirmationAbove?: number;
  /** How many requests `requests` keeps (the oldest go first); default 1000. Counts are kept for all. */
  maxLoggedRequests?: number;
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

// Both endpoint sets (docs/PROTOCOL.md, "Endpoints").
const PATHS: Readonly<Record<string, GatewayCommand>> = {
  '/help': 'help',
  '/sendsms': 'send',
  '/smsstatus': 'status',
  '/account-balance': 'balance',
  '/webservice/sms/sendsmshttp.php': 'send',
  '/webservice/sms/sendsmshttputf8.php': 'send',
  '/webservice/sms/getsmsstatus.php': 'status',
  '/webservice/sms/getaccountbalance.php': 'balance',
};

/** Requests kept in `requests` unless the options say otherwise. */
export const DEFAULT_MAX_LOGGED_REQUESTS = 1000;
/** A typical web server's request-line limit (the real gateway's is undocumented). */
export const DEFAULT_MAX_REQUEST_LINE = 8192;

const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>' +
  '<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p></body></html>\n';

function errorLine(code: number, text = SANDBOX_ERROR_TEXTS[code]): string {
  return `Error: ${code} - ${text}`;
}

function pathOf(rawUrl: string): string | undefined {
  let path = rawUrl.split('?', 1)[0] as string;
  if (!path.startsWith('/')) {
    // Absolute-form request targets arrive when a client talks to us as to a proxy.
    try {
      path = new URL(path).pathname;
    } catch {
      return undefined;
    }
  }
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path;
}

function commandForPath(path: string | undefined): GatewayCommand | undefined {
  // PHP paths are matched as a case-insensitive file system would serve them.
  const key = path === undefined ? undefined : path.startsWith('/webservice/') ? path.toLowerCase() : path;
  return key !== undefined && Object.prototype.hasOwnProperty.call(PATHS, key) ? PATHS[key] : undefined;
}

interface ParsedParams {
  params: Map<string, string>;
  malformed: boolean;
  rawMessage?: string;
}

/**
 * Decodes `a=1&b=2` like PHP does ('+' is a space, the last duplicate wins) in the endpoint's
 * character set, into `into`; undecodable parts flag it malformed.
 */
function parseForm(text: string, charset: SendCharset, into: ParsedParams): void {
  const decode = (s: string): string => {
    const v = percentDecode(s, charset);
    if (v === undefined) into.malformed = true;
    return v ?? s;
  };
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const raw = eq < 0 ? '' : pair.slice(eq + 1);
    if (key === 'message') into.rawMessage = raw;
    into.params.set(key, decode(raw));
  }
}

function isLoopbackHost(host: string, port: number): boolean {
  const h = host.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`;
}

interface ActiveFault {
  fault: SandboxFault;
  command?: GatewayCommand;
  remaining?: number;
}

export class SandboxGateway {
  private readonly server: http.Server;
  private readonly accounts = new Map<string, SandboxAccount>();
  private readonly messageById = new Map<number, SandboxMessage>();
  private readonly sent: SandboxMessage[] = [];
  private readonly log: SandboxRequest[] = [];
  private readonly counts = new Map<GatewayCommand | 'unknown', number>();
  private readonly maxLogged: number;
  private readonly charsetRule: 'by-path' | SendCharset;
  private readonly acceptPost: boolean;
  private readonly lowCostBalance: boolean;
  private readonly timeZone: string;
  private readonly maxRequestLine: number;
  private readonly costConfirmationAbove: number | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private faults: ActiveFault[] = [];
  private readonly clock?: SandboxClock;
  private offsetMs = 0;
  private readonly timeScale: number;
  private readonly helpText: string;
  private readonly onRequest?: (request: SandboxRequest) => void;
  private nextId: number;
  private boundPort = 0;
  private closing?: Promise<void>;

  static async start(opts: SandboxOptions = {}): Promise<SandboxGateway> {
    const port = opts.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port: ${port}`);
    const gateway = new SandboxGateway(opts);
    await new Promise<void>((resolve, reject) => {
      gateway.server.once('error', reject);
      gateway.server.listen(port, '127.0.0.1', () => {
        gateway.server.off('error', reject);
        resolve();
      });
    });
    const address = gateway.server.address();
    gateway.boundPort = typeof address === 'object' && address ? address.port : port;
    return gateway;
  }

  private constructor(opts: SandboxOptions) {
    const timeScale = opts.timeScale ?? 1;
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError(`invalid timeScale: ${timeScale}`);
    this.timeScale = timeScale;
    this.clock = opts.clock;
    this.helpText = opts.helpText ?? DEFAULT_HELP_TEXT;
    this.onRequest = opts.onRequest;
    this.maxLogged = Math.max(1, Math.floor(opts.maxLoggedRequests ?? DEFAULT_MAX_LOGGED_REQUESTS));
    this.charsetRule = opts.charset ?? 'by-path';
    this.acceptPost = opts.acceptPost !== false;
    this.lowCostBalance = opts.lowCostBalance === true;
    this.timeZone = opts.timeZone ?? 'UTC';
    // Throws a RangeError for a zone the runtime does not know, before anything listens.
    formatGatewayTime(new Date(0), this.timeZone);
    this.maxRequestLine = Math.max(0, Math.floor(opts.maxRequestLine ?? DEFAULT_MAX_REQUEST_LINE));
    this.costConfirmationAbove = opts.costConfirmationAbove;
    // Copies, so one options object can seed many sandboxes without them sharing balances.
    for (const account of opts.accounts ?? [DEFAULT_ACCOUNT]) {
      if (!Number.isFinite(account.balance)) throw new RangeError(`invalid balance for ${account.username}`);
      this.accounts.set(account.username, { ...account, prices: { ...(account.prices ?? DEFAULT_PRICES) } });
    }
    // A random base makes it obvious when a client mixes up ids from two sandboxes.
    this.nextId = 1000 + randomInt(0, 9000);
    // Room for long request lines, so they reach the 414 check instead of Node's own 431.
    this.server = http.createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** The latest requests (at most `maxLoggedRequests`), oldest first. */
  get requests(): ReadonlyArray<SandboxRequest> {
    return this.log;
  }

  /** Every SMS accepted so far, one per destination, oldest first. */
  get messages(): ReadonlyArray<SandboxMessage> {
    return this.sent;
  }

  /**
   * Takes over messages accepted by an earlier sandbox (e.g. before a window reload) so their status
   * can still be asked. Nothing is charged; ids already known are left alone.
   */
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

  injectFault(rule: FaultRule): void {
    if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) {
      throw new RangeError(`invalid times: ${rule.times}`);
    }
    const fault = rule.fault;
    if (fault.kind === 'latency' && !(fault.ms >= 0 && Number.isFinite(fault.ms))) {
      throw new RangeError(`invalid latency: ${fault.ms}`);
    }
    if (fault.kind === 'http' && !(Number.isInteger(fault.status) && fault.status >= 200 && fault.status <= 599)) {
      throw new RangeError(`invalid HTTP status: ${fault.status}`);
    }
    this.faults.push({ fault: rule.fault, command: rule.command, remaining: rule.times });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Requests received since start, for one command or all (not limited by the log's size). */
  requestCount(command?: GatewayCommand): number {
    if (command !== undefined) return this.counts.get(command) ?? 0;
    let all = 0;
    for (const n of this.counts.values()) all += n;
    return all;
  }

  /** Moves the sandbox clock forward (on top of the given clock, or of real time). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** The live account: its balance follows the charges, and changing it changes the sandbox. */
  account(username: string): SandboxAccount | undefined {
    return this.accounts.get(username);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close(() => resolve());
      // Hung and keep-alive sockets would otherwise hold close() open.
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private now(): number {
    return (this.clock ? this.clock.now() : Date.now()) + this.offsetMs;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const rawUrl = req.url ?? '/';
    // DNS rebinding: a web page can make a browser talk to 127.0.0.1 under its own name. Only a
    // loopback Host (or an absolute-form target, which no browser sends to a non-proxy) is served.
    const host = req.headers.host ?? '';
    const origin = req.headers.origin;
    if ((rawUrl.startsWith('/') && !isLoopbackHost(host, this.boundPort)) ||
        (origin !== undefined && !['http://127.0.0.1', 'http://localhost', 'http://[::1]'].some((o) => origin.toLowerCase() === `${o}:${this.boundPort}`))) {
      req.resume();
      return reply(res, 403, 'Forbidden: the sandbox answers only requests made to 127.0.0.1 by a local client');
    }
    const requestLine = `${req.method ?? 'GET'} ${rawUrl} HTTP/${req.httpVersion}`.length;
    if (this.maxRequestLine > 0 && requestLine > this.maxRequestLine) {
      this.remember({ command: commandForPath(pathOf(rawUrl)) ?? 'unknown', method: req.method ?? 'GET', path: pathOf(rawUrl) ?? '', query: {}, charset: 'utf-8', at: this.now() });
      req.resume();
      return reply(res, 414, '<html><head><title>414 Request-URI Too Long</title></head><body><h1>Request-URI Too Long</h1></body></html>',
        { 'content-type': 'text/html; charset=iso-8859-1' });
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 1024 * 1024) chunks.push(c);
      });
      req.on('end', () => this.dispatch(req, res, rawUrl, Buffer.concat(chunks).toString('latin1')));
      req.on('error', () => req.socket.destroy());
      return;
    }
    this.dispatch(req, res, rawUrl, undefined);
  }

  private remember(record: SandboxRequest): void {
    this.counts.set(record.command, (this.counts.get(record.command) ?? 0) + 1);
    this.log.push(record);
    if (this.log.length > this.maxLogged) this.log.splice(0, this.log.length - this.maxLogged);
    this.onRequest?.(record);
  }

  private charsetFor(path: string | undefined): SendCharset {
    if (this.charsetRule !== 'by-path') return this.charsetRule;
    return path !== undefined && /\/sendsmshttp\.php$/i.test(path) ? 'iso-8859-1' : 'utf-8';
  }

  private dispatch(req: http.IncomingMessage, res: http.ServerResponse, rawUrl: string, body: string | undefined): void {
    const path = pathOf(rawUrl);
    const command = commandForPath(path);
    const charset = this.charsetFor(path);
    const parsed: ParsedParams = { params: new Map(), malformed: false };
    const at = rawUrl.indexOf('?');
    if (at >= 0) parseForm(rawUrl.slice(at + 1), charset, parsed);
    const form = body !== undefined && /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '');
    if (form) parseForm((body as string).trim(), charset, parsed);
    const { params, malformed } = parsed;
    const query = Object.fromEntries([...params].map(([k, v]) => [k, k === 'password' ? '***' : v]));
    const record: SandboxRequest = { command: command ?? 'unknown', method: req.method ?? 'GET', path: path ?? '', query, charset, at: this.now() };
    if (parsed.rawMessage !== undefined) record.rawMessage = parsed.rawMessage;
    this.remember(record);

    if (command === undefined) return reply(res, 404, 'Not found: see /help for the commands');
    const methods = this.acceptPost ? ['GET', 'POST'] : ['GET'];
    if (!methods.includes(req.method ?? '')) {
      return reply(res, 405, `Method not allowed: use ${methods.join(' or ')}`, { allow: methods.join(', ') });
    }

    const { latencyMs, fault } = this.takeFaults(command);
    const run = (): void => this.answer(command, params, malformed, req, res, fault, charset);
    if (latencyMs <= 0) return run();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, latencyMs);
    this.timers.add(timer);
  }

  /** All matching latency rules add up; the first matching other fault applies. Each use counts down `times`. */
  private takeFaults(command: GatewayCommand): { latencyMs: number; fault?: SandboxFault } {
    let latencyMs = 0;
    let fault: SandboxFault | undefined;
    for (const rule of this.faults) {
      if (rule.command !== undefined && rule.command !== command) continue;
      if (rule.fault.kind === 'latency') latencyMs += rule.fault.ms;
      else if (fault === undefined) fault = rule.fault;
      else continue;
      if (rule.remaining !== undefined) rule.remaining--;
    }
    this.faults = this.faults.filter((r) => r.remaining === undefined || r.remaining > 0);
    return { latencyMs, fault };
  }

  private answer(
    command: GatewayCommand,
    params: Map<string, string>,
    malformed: boolean,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    fault: SandboxFault | undefined,
    charset: SendCharset,
  ): void {
    switch (fault?.kind) {
      case 'text': {
        const enc = fault.charset ?? 'utf-8';
        const bytes = Buffer.from(fault.body, enc === 'utf-8' ? 'utf8' : 'latin1');
        const label = fault.label === false ? 'text/plain' : `text/plain; charset=${enc === 'utf-8' ? 'utf-8' : 'ISO-8859-1'}`;
        return reply(res, 200, bytes, { 'content-type': label });
      }
      case 'resetBeforeRead':
        req.socket.destroy();
        return;
      case 'http':
        return reply(res, fault.status, fault.body ?? `HTTP ${fault.status}`);
      case 'error1031':
        return reply(res, 200, errorLine(1031));
      case 'html':
        return reply(res, 200, HTML_PAGE, { 'content-type': 'text/html; charset=utf-8' });
      case 'garbage':
        // Starts with bytes that are never valid UTF-8, so it cannot pass for text by luck.
        return reply(res, 200, Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), randomBytes(61)]));
      case 'empty':
        return reply(res, 200, '');
      default:
        break;
    }
    let body: string;
    try {
      body = this.execute(command, params, malformed);
    } catch {
      // A bug here must cost one answer, not the server that every other test is talking to.
      body = 'Error: 1043 - Internal error';
    }
    switch (fault?.kind) {
      case 'resetAfterRead':
        req.socket.destroy();
        return;
      case 'hang':
        return; // the socket stays open until the client gives up or close() runs
      case 'truncatedStatus':
        return reply(res, 200, truncate(body));
      default:
        // An endpoint that reads Latin-1 answers in it too, and says so.
        return charset === 'iso-8859-1'
          ? reply(res, 200, Buffer.from(body, 'latin1'), { 'content-type': 'text/plain; charset=ISO-8859-1' })
          : reply(res, 200, body);
    }
  }

  private execute(command: GatewayCommand, q: Map<string, string>, malformed: boolean): string {
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

  private send(account: SandboxAccount, q: Map<string, string>): string {
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

  private status(account: SandboxAccount, q: Map<string, string>): string {
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

  private balance(account: SandboxAccount, q: Map<string, string>): string {
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

/** A status line cut after its 3rd field; anything else cut in half. */
function truncate(body: string): string {
  const fields = body.split(':');
  if (fields.length > 3) return fields.slice(0, 3).join(':');
  return body.slice(0, Math.floor(body.length / 2));
}

function reply(
  res: http.ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  if (res.writableEnded || res.destroyed) return;
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(payload.length),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}
