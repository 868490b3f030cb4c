// The HTTP client for the four gateway commands: one keep-alive dispatcher, bounded concurrency,
// time-outs, cancellation, and retries only where a retry cannot send an SMS twice.
import type { Dispatcher } from 'undici';
import type {
  BalanceReport,
  CallEvent,
  CallOptions,
  Credentials,
  GatewayClientOptions,
  GatewayCommand,
  SendRequest,
  SendResult,
  StatusReport,
} from './types';
import { toGatewayError } from './errors';
import { isKnownTimeZone } from './time';
import { httpError, parseBalanceAnswer, parseHelp, parseSendAnswer, parseStatusAnswer } from './protocol';
import { createDispatcher, proxyKey, proxySecrets } from './proxy';
import { credentialOrigins, readersOf } from './origins';
import { redactText, redactUrl } from './redact';
import { Semaphore, sleep } from './callControl';
import { redactItems, summarizeError, summarizeSend } from './callSummary';
import { configError, decodeBody, MAX_RESPONSE_BYTES, queryString, USER_AGENT, withQuery, type WireRequest } from './wire';
import { coreMessage } from './messages';

export { decodeBody } from './wire';
import {
  ENDPOINT_SETS,
  HELP_URL,
  charsetForSendUrl,
  isEndpointSet,
  methodForSendUrl,
  DEFAULT_BASE_URL,
  type EndpointSet,
  type SendCharset,
  type SendMethod,
} from './endpoints';

/** The values used for every option the caller leaves out. */
export const DEFAULT_CLIENT_OPTIONS = Object.freeze({
  endpoints: 'httpapi' as EndpointSet,
  baseUrl: '',
  charset: 'auto' as SendCharset | 'auto',
  sendMethod: 'auto' as SendMethod | 'auto',
  timeZone: 'UTC',
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  maxConcurrency: 4,
  maxRetries: 2,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 8_000,
});

const CLOSE_GRACE_MS = 1000;

/** The options with every default filled in. */
type Resolved = Required<Omit<GatewayClientOptions, 'sendUrl' | 'proxy' | 'onCall' | 'checkTarget'>> &
  Pick<GatewayClientOptions, 'sendUrl' | 'proxy' | 'onCall'>;

function pick(value: number | undefined, fallback: number, min: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min ? Math.floor(value) : fallback;
}

function resolve(o: GatewayClientOptions): Resolved {
  const d = DEFAULT_CLIENT_OPTIONS;
  const baseUrl = typeof o.baseUrl === 'string' && o.baseUrl.trim() !== '' ? o.baseUrl.trim() : d.baseUrl;
  const sendUrl = typeof o.sendUrl === 'string' && o.sendUrl.trim() !== '' ? o.sendUrl.trim() : undefined;
  return {
    endpoints: isEndpointSet(o.endpoints) ? o.endpoints : d.endpoints,
    baseUrl,
    charset: o.charset === 'utf-8' || o.charset === 'iso-8859-1' ? o.charset : 'auto',
    sendMethod: o.sendMethod === 'GET' || o.sendMethod === 'POST' ? o.sendMethod : 'auto',
    timeZone: typeof o.timeZone === 'string' && isKnownTimeZone(o.timeZone) ? o.timeZone : d.timeZone,
    connectTimeoutMs: pick(o.connectTimeoutMs, d.connectTimeoutMs, 1),
    headersTimeoutMs: pick(o.headersTimeoutMs, d.headersTimeoutMs, 1),
    bodyTimeoutMs: pick(o.bodyTimeoutMs, d.bodyTimeoutMs, 1),
    maxConcurrency: pick(o.maxConcurrency, d.maxConcurrency, 1),
    maxRetries: pick(o.maxRetries, d.maxRetries, 0),
    retryBaseDelayMs: pick(o.retryBaseDelayMs, d.retryBaseDelayMs, 0),
    retryMaxDelayMs: pick(o.retryMaxDelayMs, d.retryMaxDelayMs, 0),
    sendUrl,
    proxy: o.proxy,
    onCall: o.onCall,
  };
}

/** The Inviosmart HTTP API gateway: help, send, status and balance over one pooled connection. */
export class GatewayClient {
  private given: GatewayClientOptions;
  private opts: Resolved;
  private dispatcher: Dispatcher | undefined;
  /** Calls in flight per dispatcher, so a replaced one is destroyed only when idle. */
  private readonly inFlight = new Map<Dispatcher, number>();
  private readonly retired = new Set<Dispatcher>();
  private readonly destroying = new Set<Promise<void>>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly gate: Semaphore;
  private closed = false;

  /** Set once: updateOptions cannot take it away, so no later caller can lift the check. */
  private readonly checkTarget: GatewayClientOptions['checkTarget'];
  /** The proxy's credentials in every spelling, worked out when the options change rather than per call. */
  private proxyRedactions: string[];

  constructor(options: GatewayClientOptions = {}) {
    this.checkTarget = options.checkTarget;
    this.given = { ...options, checkTarget: undefined };
    this.opts = resolve(this.given);
    this.proxyRedactions = proxySecrets(this.opts.proxy);
    this.gate = new Semaphore(this.opts.maxConcurrency);
  }

  /** Changes options for the next calls; calls in flight finish on the connection they started on. */
  updateOptions(patch: Partial<GatewayClientOptions>): void {
    const before = this.opts;
    this.given = { ...this.given, ...patch, checkTarget: undefined };
    this.opts = resolve(this.given);
    this.proxyRedactions = proxySecrets(this.opts.proxy);
    this.gate.setLimit(this.opts.maxConcurrency);
    const transportChanged =
      before.connectTimeoutMs !== this.opts.connectTimeoutMs ||
      proxyKey(before.proxy) !== proxyKey(this.opts.proxy);
    if (transportChanged) this.retireDispatcher();
  }

  /**
   * Closes the pooled connections once the calls in flight finish, cutting those still running after a
   * short grace (a hung gateway must not hold up a window reload). Later calls fail with a 'config' error.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.retireDispatcher();
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => this.idleWaiters.push(r)),
        new Promise<void>((r) => { timer = setTimeout(r, CLOSE_GRACE_MS); }),
      ]);
      clearTimeout(timer);
    }
    for (const d of this.retired) this.destroy(d);
    await Promise.all([...this.destroying]);
  }

  /** The gateway's own usage text. */
  help(o?: CallOptions): Promise<string> {
    return this.call('help', () => this.get(this.endpoint('help'), ''), [], parseHelp, (t) => `help (${t.length} chars)`, o);
  }

  /**
   * Sends one message to one or more destinations in one request. Never retried automatically: when the
   * answer is lost the error says outcomeUnknown, and only the user can decide to send again.
   */
  send(creds: Credentials, req: SendRequest, o?: CallOptions): Promise<SendResult> {
    const destinations = Array.isArray(req?.destinations) ? [...req.destinations] : [];
    return this.call(
      'send',
      () => {
        this.checkCredentials('send', creds);
        if (destinations.length === 0) throw configError('send', 'No destination given.', coreMessage('configNoDestination'));
        const bad = destinations.find((d) => typeof d !== 'string' || !/^\d+$/.test(d));
        if (bad !== undefined) {
          throw configError('send', `Invalid destination "${String(bad)}".`,
            coreMessage('configBadDestination'));
        }
        if (typeof req.sender !== 'string' || req.sender.trim() === '') {
          throw configError('send', 'No sender given.', coreMessage('configNoSender'));
        }
        if (typeof req.message !== 'string' || req.message === '') {
          throw configError('send', 'No message text given.', coreMessage('configNoText'));
        }
        if (req.pricecat !== undefined && req.pricecat !== 0 && req.pricecat !== 1) {
          throw configError('send', `Invalid pricecat ${String(req.pricecat)}.`, coreMessage('configBadPricecat'));
        }
        const params: Array<[string, string]> = [
          ['username', creds.username],
          ['password', creds.password],
          ['destination', destinations.join('.')],
          ['sender', req.sender],
          ['message', req.message],
        ];
        if (req.pricecat !== undefined) params.push(['pricecat', String(req.pricecat)]);
        const url = this.target('send', creds);
        const charset = this.sendCharset;
        const form = queryString('send', params, charset);
        // POST keeps the password out of URLs, proxy logs and server access logs.
        return this.sendMethod === 'POST' ? { url, method: 'POST', body: form, charset } : { url: withQuery(url, form), method: 'GET', charset };
      },
      [creds?.password],
      (body) => redactItems(parseSendAnswer(body, destinations), [creds?.password]),
      summarizeSend,
      o,
    );
  }

  /** The delivery status of one sent message. */
  status(creds: Credentials, smsId: number, o?: CallOptions): Promise<StatusReport> {
    return this.call(
      'status',
      () => {
        if (!Number.isSafeInteger(smsId) || smsId <= 0) {
          throw configError('status', `Invalid SMS ID ${String(smsId)}.`, coreMessage('configBadSmsId'));
        }
        this.checkCredentials('status', creds);
        return this.get(this.target('status', creds), queryString('status', [
          ['SMSId', String(smsId)],
          ['username', creds.username],
          ['password', creds.password],
        ]));
      },
      [creds?.password],
      (body) => parseStatusAnswer(body, smsId, this.opts.timeZone),
      (r) => `${r.smsId}: ${r.status.label}`,
      o,
    );
  }

  /** The account balance; with `countryprefix` also how many SMS it buys in that country. */
  balance(creds: Credentials, countryprefix?: string, o?: CallOptions): Promise<BalanceReport> {
    return this.call(
      'balance',
      () => {
        this.checkCredentials('balance', creds);
        if (countryprefix !== undefined && !/^\d{1,4}$/.test(countryprefix)) {
          throw configError('balance', `Invalid country prefix "${String(countryprefix)}".`, coreMessage('configBadCountryPrefix'));
        }
        const params: Array<[string, string]> = [['username', creds.username], ['password', creds.password]];
        if (countryprefix !== undefined) params.push(['countryprefix', countryprefix]);
        return this.get(this.target('balance', creds), queryString('balance', params));
      },
      [creds?.password],
      (body) => parseBalanceAnswer(body, countryprefix),
      (r) => `Balance ${r.balance}${r.smsRemainCount !== undefined ? `, ${r.smsRemainCount} SMS` : ''}`,
      o,
    );
  }

  /** The character set the send endpoint reads: the setting, or what the send URL implies. */
  get sendCharset(): SendCharset {
    if (this.opts.charset !== 'auto') return this.opts.charset;
    return charsetForSendUrl(this.rawEndpoint('send'));
  }

  /** How sends travel: the setting, or POST for the webservice .php endpoints. */
  get sendMethod(): SendMethod {
    if (this.opts.sendMethod !== 'auto') return this.opts.sendMethod;
    return methodForSendUrl(this.rawEndpoint('send'));
  }

  /** The endpoint set in use. */
  get endpoints(): EndpointSet {
    return this.opts.endpoints;
  }

  /** The URL each credentialed command goes to (no query), e.g. to say what travels in cleartext. */
  urls(): Record<'send' | 'status' | 'balance', string> {
    return { send: this.rawEndpoint('send'), status: this.rawEndpoint('status'), balance: this.rawEndpoint('balance') };
  }

  /** Who can read the credentials of the next calls: the gateway origins and a proxy that sees them (origins.ts). */
  readers(): string[] {
    return credentialOrigins(this.urls(), this.opts.proxy);
  }

  private get(url: string, query: string): WireRequest {
    return { url: withQuery(url, query), method: 'GET', charset: 'utf-8' };
  }

  private checkCredentials(command: GatewayCommand, creds: Credentials): void {
    if (typeof creds?.username !== 'string' || creds.username.trim() === '') {
      throw configError(command, 'No user name given.', coreMessage('configNoUsername'));
    }
    if (typeof creds.password !== 'string' || creds.password === '') {
      throw configError(command, 'No password given.', coreMessage('configNoPassword'));
    }
  }

  private rawEndpoint(command: GatewayCommand): string {
    if (command === 'send' && this.opts.sendUrl) return this.opts.sendUrl;
    const set = ENDPOINT_SETS[this.opts.endpoints];
    // Help carries no credentials and is documented only on the http set.
    if (command === 'help' && this.opts.baseUrl === '') return HELP_URL;
    // A trailing slash on the base is common in settings; the paths bring their own.
    const base = (this.opts.baseUrl || set.origin).replace(/\/+$/, '');
    return `${base}${set.paths[command]}`;
  }

  /** The address a credentialed call goes to, once the owner of the client agreed to send these credentials there. */
  private target(command: GatewayCommand, creds: Credentials): string {
    const url = this.endpoint(command);
    this.checkTarget?.(command, url, creds, readersOf(url, this.opts.proxy));
    return url;
  }

  private endpoint(command: GatewayCommand): string {
    if (command === 'send' && this.opts.sendUrl) {
      return this.checkUrl(command, this.opts.sendUrl, 'send URL');
    }
    if (this.opts.baseUrl !== '') this.checkUrl(command, this.opts.baseUrl, 'base URL');
    return this.rawEndpoint(command);
  }

  private checkUrl(command: GatewayCommand, url: string, what: string): string {
    const notHttp = coreMessage(what === 'base URL' ? 'configBaseUrlNotHttp' : 'configSendUrlNotHttp');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw configError(command, `The ${what} "${redactUrl(url)}" is not a URL.`, notHttp);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw configError(command, `The ${what} "${redactUrl(url)}" is not http or https.`, notHttp);
    }
    if (what === 'base URL' && (parsed.search !== '' || parsed.hash !== '')) {
      throw configError(command, `The base URL "${redactUrl(url)}" has a query or fragment.`, coreMessage('configBaseUrlQuery', DEFAULT_BASE_URL));
    }
    return url;
  }

  private getDispatcher(): Dispatcher {
    if (!this.dispatcher) {
      const o = this.opts;
      const common = {
        connect: { timeout: o.connectTimeoutMs },
        headersTimeout: o.headersTimeoutMs,
        bodyTimeout: o.bodyTimeoutMs,
        maxResponseSize: MAX_RESPONSE_BYTES,
      };
      // Direct or through a proxy per target (src/gateway/proxy.ts); undici itself is loaded there, on first use.
      this.dispatcher = createDispatcher(common, o.proxy);
    }
    return this.dispatcher;
  }

  // undici's close() never settles if destroy() follows it while a request hangs, so a replaced
  // dispatcher is destroyed (never closed) once its last call is over.
  private retireDispatcher(): void {
    const old = this.dispatcher;
    this.dispatcher = undefined;
    if (!old) return;
    this.retired.add(old);
    if (!this.inFlight.has(old)) this.destroy(old);
  }

  private destroy(d: Dispatcher): void {
    this.retired.delete(d);
    const done: Promise<void> = d.destroy().catch(() => undefined).finally(() => this.destroying.delete(done));
    this.destroying.add(done);
  }

  private enter(d: Dispatcher): void {
    this.inFlight.set(d, (this.inFlight.get(d) ?? 0) + 1);
  }

  private leave(d: Dispatcher): void {
    const left = (this.inFlight.get(d) ?? 1) - 1;
    if (left > 0) {
      this.inFlight.set(d, left);
      return;
    }
    this.inFlight.delete(d);
    if (this.retired.has(d)) this.destroy(d);
    if (this.inFlight.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private emit(make: () => CallEvent): void {
    // Redaction is not free: build the event only when somebody listens.
    const listener = this.opts.onCall;
    if (!listener) return;
    try {
      listener(make());
    } catch {
      // A failing listener (the output channel) must not turn a good call into a failed one.
    }
  }

  private async call<T>(
    command: GatewayCommand,
    buildRequest: () => WireRequest,
    secrets: Array<string | undefined>,
    parse: (body: string) => T,
    summarize: (result: T) => string,
    o: CallOptions | undefined,
  ): Promise<T> {
    const signal = o?.signal;
    // The proxy's credentials too: a proxy's own error page may quote them.
    const known = [...secrets, ...this.proxyRedactions].filter((s): s is string => typeof s === 'string' && s !== '');
    if (this.closed) throw configError(command, 'The gateway client is closed.', coreMessage('configClientClosed'));
    if (signal?.aborted) throw toGatewayError(signal.reason, command, { secrets: known, aborted: true });
    // Input is checked before any request, so garbage never reaches the gateway.
    const request = buildRequest();
    const maxAttempts = command === 'send' ? 1 : 1 + this.opts.maxRetries;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(command, request, known, parse, summarize, attempt, signal);
      } catch (e) {
        const err = toGatewayError(e, command, { secrets: known });
        if (command === 'send' || !err.retryable || attempt >= maxAttempts || this.closed) throw err;
      }
      // Full jitter: a random wait up to an exponentially growing cap, so clients do not retry in step.
      const cap = Math.min(this.opts.retryMaxDelayMs, this.opts.retryBaseDelayMs * 2 ** (attempt - 1));
      try {
        await sleep(Math.random() * cap, signal);
      } catch (e) {
        throw toGatewayError(e, command, { secrets: known, aborted: true });
      }
    }
  }

  private async attempt<T>(
    command: GatewayCommand,
    request: WireRequest,
    secrets: readonly string[],
    parse: (body: string) => T,
    summarize: (result: T) => string,
    attempt: number,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const url = request.url;
    const started = performance.now();
    const event = (outcome: CallEvent['outcome'], summary: string) => (): CallEvent => ({
      command,
      url: redactUrl(url, secrets),
      durationMs: Math.round(performance.now() - started),
      attempt,
      outcome,
      summary: redactText(summary, secrets),
    });
    let dispatched = false;
    let release: (() => void) | undefined;
    let dispatcher: Dispatcher | undefined;
    try {
      release = await this.gate.acquire(signal);
      if (this.closed) throw configError(command, 'The gateway client is closed.', coreMessage('configClientClosed'));
      const target = new URL(url);
      dispatcher = this.getDispatcher();
      this.enter(dispatcher);
      dispatched = true;
      const res = await dispatcher.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: request.method,
        headers: request.body === undefined
          ? { accept: 'text/plain, */*', 'user-agent': USER_AGENT }
          : {
            accept: 'text/plain, */*',
            'user-agent': USER_AGENT,
            'content-type': `application/x-www-form-urlencoded; charset=${request.charset === 'utf-8' ? 'UTF-8' : 'ISO-8859-1'}`,
          },
        body: request.body,
        signal,
        headersTimeout: this.opts.headersTimeoutMs,
        bodyTimeout: this.opts.bodyTimeoutMs,
        // A send must never be replayed by the HTTP layer on a fresh socket.
        idempotent: command !== 'send',
      });
      const body = decodeBody(await res.body.arrayBuffer(), res.headers['content-type']);
      if (res.statusCode !== 200) {
        const location = res.headers.location;
        throw httpError(command, res.statusCode, body, typeof location === 'string' ? redactUrl(location, secrets) : undefined);
      }
      const value = parse(body);
      this.emit(event('ok', summarize(value)));
      return value;
    } catch (e) {
      const err = toGatewayError(e, command, { secrets, dispatched, aborted: signal?.aborted === true });
      this.emit(event('error', summarizeError(err)));
      throw err;
    } finally {
      if (dispatcher) this.leave(dispatcher);
      release?.();
    }
  }
}
