// The sandbox's HTTP transport: an Inviosmart-compatible gateway on node:http, bound to 127.0.0.1
// only. Tests, `npm run sandbox` and the extension's sandbox mode all talk to it as to the real
// gateway; the rules it answers by are src/sandbox/emulator.ts. Scriptable faults are test-only and
// live apart (src/sandbox/faults.ts), so the shipped extension does not carry them.
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { GatewayCommand } from '../gateway/types';
import { percentDecode, type SendCharset } from '../gateway/endpoints';
import { GatewayEmulator, type EmulatorOptions, type SandboxAccount, type SandboxMessage } from './emulator';

export {
  DEFAULT_ACCOUNT,
  DEFAULT_HELP_TEXT,
  SANDBOX_ERROR_TEXTS,
  UNKNOWN_SMSID_ANSWER,
  type SandboxAccount,
  type SandboxClock,
  type SandboxMessage,
} from './emulator';

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

export interface SandboxOptions extends EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Called as each request arrives (already redacted), e.g. for a console log. */
  onRequest?: (request: SandboxRequest) => void;
  /**
   * How send endpoints read text: `by-path` (default) reads `sendSMSHTTP.php` as ISO-8859-1 and every
   * other path as UTF-8, as the platform's endpoint names say; or one charset for all.
   */
  charset?: 'by-path' | SendCharset;
  /** Take POST form bodies as well as GET queries (default true); false answers POST with 405. */
  acceptPost?: boolean;
  /** Longest request line answered; a longer one gets 414 (default 8192, a typical server's limit; 0: no limit). */
  maxRequestLine?: number;
  /** How many requests `requests` keeps (the oldest go first); default 1000. Counts are kept for all. */
  maxLoggedRequests?: number;
}

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

/** One request that reached a known command with an allowed method: what `respond` answers. */
export interface SandboxExchange {
  command: GatewayCommand;
  params: ReadonlyMap<string, string>;
  /** Some parameter did not decode in the endpoint's charset. */
  malformed: boolean;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  charset: SendCharset;
}

export class SandboxGateway {
  private readonly server: http.Server;
  private readonly emulator: GatewayEmulator;
  private readonly log: SandboxRequest[] = [];
  private readonly counts = new Map<GatewayCommand | 'unknown', number>();
  private readonly maxLogged: number;
  private readonly charsetRule: 'by-path' | SendCharset;
  private readonly acceptPost: boolean;
  private readonly maxRequestLine: number;
  private readonly sockets = new Set<Socket>();
  private readonly onRequest?: (request: SandboxRequest) => void;
  private boundPort = 0;
  private closing?: Promise<void>;

  static start(opts: SandboxOptions = {}): Promise<SandboxGateway> {
    return SandboxGateway.listen(opts, (o) => new SandboxGateway(o));
  }

  /** Builds a gateway (of this class or a subclass) and resolves once it listens on 127.0.0.1. */
  protected static async listen<T extends SandboxGateway>(opts: SandboxOptions, create: (opts: SandboxOptions) => T): Promise<T> {
    const port = opts.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port: ${port}`);
    const gateway = create(opts);
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

  protected constructor(opts: SandboxOptions) {
    this.emulator = new GatewayEmulator(opts);
    this.onRequest = opts.onRequest;
    this.maxLogged = Math.max(1, Math.floor(opts.maxLoggedRequests ?? DEFAULT_MAX_LOGGED_REQUESTS));
    this.charsetRule = opts.charset ?? 'by-path';
    this.acceptPost = opts.acceptPost !== false;
    this.maxRequestLine = Math.max(0, Math.floor(opts.maxRequestLine ?? DEFAULT_MAX_REQUEST_LINE));
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
    return this.emulator.messages;
  }

  /**
   * Takes over messages accepted by an earlier sandbox (e.g. before a window reload) so their status
   * can still be asked. Nothing is charged; ids already known are left alone.
   */
  adopt(messages: readonly SandboxMessage[]): number {
    return this.emulator.adopt(messages);
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
    this.emulator.advance(ms);
  }

  /** The live account: its balance follows the charges, and changing it changes the sandbox. */
  account(username: string): SandboxAccount | undefined {
    return this.emulator.account(username);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Hung and keep-alive sockets would otherwise hold close() open.
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  /** Answers a request the gateway understood; a subclass may answer otherwise (src/sandbox/faults.ts). */
  protected respond(exchange: SandboxExchange): void {
    this.answer(exchange, this.execute(exchange));
  }

  /** The gateway's answer line for the exchange. */
  protected execute(exchange: SandboxExchange): string {
    try {
      return this.emulator.execute(exchange.command, exchange.params, exchange.malformed);
    } catch {
      // A bug here must cost one answer, not the server that every other test is talking to.
      return 'Error: 1043 - Internal error';
    }
  }

  /** Sends an answer line as the endpoint would: an endpoint that reads Latin-1 answers in it too, and says so. */
  protected answer(exchange: SandboxExchange, body: string): void {
    if (exchange.charset === 'iso-8859-1') {
      reply(exchange.res, 200, Buffer.from(body, 'latin1'), { 'content-type': 'text/plain; charset=ISO-8859-1' });
    } else {
      reply(exchange.res, 200, body);
    }
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
      this.remember({ command: commandForPath(pathOf(rawUrl)) ?? 'unknown', method: req.method ?? 'GET', path: pathOf(rawUrl) ?? '', query: {}, charset: 'utf-8', at: this.emulator.now() });
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
    const record: SandboxRequest = { command: command ?? 'unknown', method: req.method ?? 'GET', path: path ?? '', query, charset, at: this.emulator.now() };
    if (parsed.rawMessage !== undefined) record.rawMessage = parsed.rawMessage;
    this.remember(record);

    if (command === undefined) return reply(res, 404, 'Not found: see /help for the commands');
    const methods = this.acceptPost ? ['GET', 'POST'] : ['GET'];
    if (!methods.includes(req.method ?? '')) {
      return reply(res, 405, `Method not allowed: use ${methods.join(' or ')}`, { allow: methods.join(', ') });
    }
    this.respond({ command, params, malformed, req, res, charset });
  }
}

/** Writes one whole answer (with its length) unless the response is already over. */
export function reply(
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
