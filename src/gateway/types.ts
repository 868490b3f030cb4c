// The shared vocabulary of the Inviosmart HTTP API gateway (see docs/PROTOCOL.md).
// Imports nothing from 'vscode': the client, the sandbox and plain-Node tests all use these types.

/** The four gateway commands, named as the user would name them. */
export type GatewayCommand = 'help' | 'send' | 'status' | 'balance';

/** How a status number is classed for display and for deciding whether to keep polling. */
export type StatusClass = 'queued' | 'pending' | 'delivered' | 'failed' | 'lookup' | 'unknown';

export interface DecodedStatus {
  /** The raw status number from field 5 of a status answer. */
  code: number;
  /** English label from the protocol table, or `unknown status N`. */
  label: string;
  statusClass: StatusClass;
  /** True when the gateway will not change this status any more. */
  final: boolean;
}

/** A `YYYYMMDDHHmmSS` timestamp: the raw text always kept, the Date only when it parses. */
export interface GatewayTime {
  raw: string;
  /** The wall-clock time read in the gateway's time zone (client option `timeZone`); undefined when empty/zeros/invalid. */
  date?: Date;
}

/** One destination's answer inside a send. */
export type SendItemResult =
  | { destination: string; ok: true; smsId: number; raw: string }
  | { destination: string; ok: false; error: GatewayErrorInfo; raw: string };

export interface SendRequest {
  /** Digits only, with country code. One or more; several go in one request joined with '.'. */
  destinations: string[];
  sender: string;
  message: string;
  /** 1 asks for the low-cost route. */
  pricecat?: 0 | 1;
}

export interface SendResult {
  /** One entry per destination, in the order given. */
  items: SendItemResult[];
  /** The whole body as received. */
  raw: string;
}

export interface StatusReport {
  smsId: number;
  submittedOn: GatewayTime;
  destination: string;
  /** Time of the last status change (not only delivery). */
  deliveredOn: GatewayTime;
  status: DecodedStatus;
  quantity: number;
  /** Euro. */
  charge: number;
  raw: string;
}

export interface BalanceReport {
  /** Euro. */
  balance: number;
  /** SMS the balance buys at the asked country's price; undefined when the gateway said -9999 ("not asked"). */
  smsRemainCount?: number;
  /** Low-cost route count (`|LCSmsRemainCount:N`, newer answers); undefined when absent or -9999. */
  lcSmsRemainCount?: number;
  countryprefix?: string;
  raw: string;
}

/** Why a call failed, in categories a UI can act on. */
export type GatewayErrorKind =
  | 'gateway' // `Error: NNNN - text` or a `Status: NNNN` that is not success
  | 'unnumbered' // a one-line failure without a code, e.g. `Internal Error.`
  | 'malformed' // HTML page, empty body, truncated or unparseable line
  | 'http' // non-200 HTTP status
  | 'timeout' // connect/headers/body time-out
  | 'network' // refused, reset, DNS failure
  | 'aborted' // cancelled by the caller's AbortSignal
  | 'config'; // the client was given something it cannot use (bad base URL, ...)

/** Plain data describing an error; GatewayError carries the same fields. */
export interface GatewayErrorInfo {
  kind: GatewayErrorKind;
  command: GatewayCommand;
  /** Numbered gateway code (1001..1043) or HTTP status for kind 'http'. */
  code?: number;
  /** The gateway's exact text (or the transport's message), password redacted. Never empty. */
  gatewayText: string;
  /** Plain-language explanation with the fix a user should try. */
  explanation: string;
  /** Safe to try again automatically. */
  retryable: boolean;
  /** The request went out but no answer came: the SMS may or may not have been sent. */
  outcomeUnknown: boolean;
  /**
   * The gateway holds the message (1022, awaiting cost confirmation): not sent, not failed. Retrying
   * would send a second copy; confirming it on the website would send this one.
   */
  held?: boolean;
}

/** How requests reach the gateway; resolved from VS Code's settings and the environment by src/gateway/proxy.ts. */
export interface ProxyOptions {
  /** e.g. http://proxy:3128 (VS Code's http.proxy, else http_proxy); credentials may be in it. Absent: direct. */
  url?: string;
  /** The proxy for https:// targets when it differs from `url` (https_proxy); '' means direct. */
  httpsUrl?: string;
  /** Hosts reached directly (http.noProxy, no_proxy): `host`, `.domain`, `*.domain`, `host:port`, `*`. */
  noProxy?: readonly string[];
  /** The Proxy-Authorization header value (http.proxyAuthorization); else Basic from the URL's credentials. */
  authorization?: string;
  /** Skip TLS verification through the proxy (http.proxyStrictSSL=false). */
  rejectUnauthorized?: boolean;
  /** Trust the operating system's certificates too (http.systemCertificates). */
  systemCertificates?: boolean;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface GatewayClientOptions {
  /** Which documented paths to use (docs/PROTOCOL.md); default `httpapi`. */
  endpoints?: import('./endpoints').EndpointSet;
  /** Replaces the endpoint set's scheme and host (e.g. a sandbox); default: the set's own. */
  baseUrl?: string;
  /** Full URL of the send endpoint when it differs, e.g. https://www.inviosmart.it/webservice/sms/sendSMSHTTP.php */
  sendUrl?: string;
  /** How the send endpoint reads text; `auto` (default) follows the send URL. */
  charset?: import('./endpoints').SendCharset | 'auto';
  /** How sends travel; `auto` (default) is POST for the webservice .php endpoints, GET otherwise. */
  sendMethod?: import('./endpoints').SendMethod | 'auto';
  /** IANA zone of the gateway's `YYYYMMDDHHmmSS` times; default UTC. */
  timeZone?: string;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Most requests in flight at once through this client. */
  maxConcurrency?: number;
  /** Retries for help/status/balance on retryable failures (never for send). */
  maxRetries?: number;
  /** First backoff delay; doubles each retry, with full jitter. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  proxy?: ProxyOptions;
  /** Called after every call, for the output channel. URL already redacted. */
  onCall?: (event: CallEvent) => void;
  /**
   * Called with the address, credentials and who can read them (the target's origin, and a proxy that can read
   * the request; src/gateway/origins.ts) of every send, status and balance call just before it is made;
   * throwing refuses the call (nothing is sent). Sessions use it to keep a password on the hosts it was checked against.
   */
  checkTarget?: (command: GatewayCommand, url: string, credentials: Credentials, readers: readonly string[]) => void;
}

export interface CallEvent {
  command: GatewayCommand;
  /** Redacted URL. */
  url: string;
  durationMs: number;
  attempt: number;
  outcome: 'ok' | 'error';
  /** Short redacted summary: `OK ID:12`, `Error 1012`, `timeout`, ... */
  summary: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}
