// GatewayClient against the sandbox: (1) throughput at zero latency against raw undici calls on the same
// keep-alive settings, the most any wrapper could reach; (2) 1,000 sends at 50 ms gateway latency against
// the ideal for the concurrency, and against sending the same messages one after another.
import { Agent, request } from 'undici';
import { DEFAULT_CLIENT_OPTIONS, GatewayClient } from '../src/gateway/client';
import type { Credentials, SendRequest } from '../src/gateway/types';
import { formatNumber, median, pool, spread, timed, type Bench, type Row } from './report';
import { SandboxProcess } from './support/sandboxProcess';

/** The client's upper setting (inviosmart.status.maxConcurrency allows 1..16); used by both benchmarks. */
const CONCURRENCY = 16;
const WARMUP_REQUESTS = 3000;
const THROUGHPUT_REQUESTS = 3000;
const THROUGHPUT_SAMPLES = 9;
const LATENCY_MS = 50;
const SENDS = 1000;
const SEQUENTIAL_SENDS = 100;
const LATENCY_SAMPLES = 3;

// A password with characters that need encoding, so the client's encoding and redaction paths run as in use.
const CREDS: Credentials = { username: 'bench', password: 'b3nch&p@ss word' };
const MESSAGE: SendRequest = { destinations: ['393391234567'], sender: 'Bench', message: 'Benchmark message' };
// Money for every send the run makes (warm-up and repeats included), with a wide margin.
const BALANCE_EUR = 1_000_000;

// The client's own cap on an answer's size (not exported by client.ts); the same value keeps the agents alike.
const MAX_RESPONSE_BYTES = 1024 * 1024;
const HEADERS = { accept: 'text/plain, */*', 'user-agent': 'inviosmart-sms-vscode' };

function rawAgent(): Agent {
  const d = DEFAULT_CLIENT_OPTIONS;
  return new Agent({
    connect: { timeout: d.connectTimeoutMs },
    headersTimeout: d.headersTimeoutMs,
    bodyTimeout: d.bodyTimeoutMs,
    maxResponseSize: MAX_RESPONSE_BYTES,
  });
}

function balanceUrl(base: string): string {
  return `${base}/account-balance/?username=${encodeURIComponent(CREDS.username)}&password=${encodeURIComponent(CREDS.password)}`;
}

type Series = 'raw' | 'client' | 'logged';

async function throughput(sandbox: SandboxProcess, log: (line: string) => void): Promise<Row[]> {
  const client = new GatewayClient({ baseUrl: sandbox.url, maxConcurrency: CONCURRENCY, maxRetries: 0 });
  // As the extension builds it (src/credentials/sessions.ts): every call reported to a listener.
  let events = 0;
  const logged = new GatewayClient({ baseUrl: sandbox.url, maxConcurrency: CONCURRENCY, maxRetries: 0, onCall: () => void events++ });
  const agent = rawAgent();
  const url = balanceUrl(sandbox.url);
  const check = (raw: string, balance: number): void => {
    if (!(balance > 0)) throw new Error(`unexpected balance answer: ${raw}`);
  };
  const calls: Record<Series, () => Promise<void>> = {
    // The limit: undici's request() on an equivalent Agent, checking the answer as little as possible.
    raw: async () => {
      const res = await request(url, { dispatcher: agent, method: 'GET', headers: HEADERS });
      const text = await res.body.text();
      if (res.statusCode !== 200 || !text.startsWith('Status: 1000')) throw new Error(`unexpected raw answer: ${res.statusCode} ${text}`);
    },
    client: async () => {
      const r = await client.balance(CREDS);
      check(r.raw, r.balance);
    },
    logged: async () => {
      const r = await logged.balance(CREDS);
      check(r.raw, r.balance);
    },
  };
  const series = Object.keys(calls) as Series[];
  const rps: Record<Series, number[]> = { raw: [], client: [], logged: [] };
  const cpu: Record<Series, number[]> = { raw: [], client: [], logged: [] };
  try {
    const before = await sandbox.requestCount('balance');
    for (const which of series) await pool(WARMUP_REQUESTS, CONCURRENCY, calls[which]);
    for (let s = 0; s < THROUGHPUT_SAMPLES; s++) {
      // Rotating which goes first spreads any drift (GC, the sandbox's growing request log) over all three.
      const order = series.map((_, i) => series[(i + s) % series.length]);
      for (const which of order) {
        const t = await timed(() => pool(THROUGHPUT_REQUESTS, CONCURRENCY, calls[which]));
        rps[which].push((THROUGHPUT_REQUESTS / t.ms) * 1000);
        cpu[which].push(t.cpuUs / THROUGHPUT_REQUESTS);
      }
      log(`  throughput ${s + 1}/${THROUGHPUT_SAMPLES}: ` + series.map((w) => `${w} ${formatNumber(rps[w][s])} req/s`).join(', '));
    }
    // Every call must have reached the gateway exactly once, or the rates above count the wrong thing.
    const expected = series.length * (WARMUP_REQUESTS + THROUGHPUT_SAMPLES * THROUGHPUT_REQUESTS);
    const seen = (await sandbox.requestCount('balance')) - before;
    if (seen !== expected) throw new Error(`sandbox saw ${seen} balance requests, expected ${expected}`);
    if (events !== WARMUP_REQUESTS + THROUGHPUT_SAMPLES * THROUGHPUT_REQUESTS) throw new Error(`onCall saw ${events} calls`);
  } finally {
    await Promise.all([client.close(), logged.close(), agent.close()]);
  }
  const m = (xs: number[]): number => median(xs);
  // Each round's three runs sit seconds apart, so the median of per-round ratios shrugs off a busy
  // neighbour process better than a ratio of two medians taken from different moments.
  const paired = (xs: Record<Series, number[]>, w: Series): number => median(xs[w].map((x, i) => x / xs.raw[i]));
  const rate = (w: Series): string => `${formatNumber(m(rps[w]))} req/s ${spread(rps[w])}`;
  const micros = (w: Series): string => `${formatNumber(m(cpu[w]), 1)} µs`;
  return [
    {
      name: `balance req/s, client vs raw undici (c=${CONCURRENCY}, 0 ms)`,
      measured: rate('client'),
      baseline: rate('raw'),
      ratio: paired(rps, 'client'),
      target: { op: '>=', value: 0.8 },
    },
    {
      name: '  same, client with an onCall listener',
      measured: rate('logged'),
      baseline: rate('raw'),
      ratio: paired(rps, 'logged'),
      target: { op: '>=', value: 0.8 },
    },
    {
      name: '  client CPU per request (lower is better)',
      measured: micros('client'),
      baseline: micros('raw'),
      ratio: paired(cpu, 'client'),
    },
    {
      name: '  same, with an onCall listener',
      measured: micros('logged'),
      baseline: micros('raw'),
      ratio: paired(cpu, 'logged'),
    },
  ];
}

async function latency(sandbox: SandboxProcess, log: (line: string) => void): Promise<Row[]> {
  const client = new GatewayClient({ baseUrl: sandbox.url, maxConcurrency: CONCURRENCY });
  const sendOne = async (): Promise<void> => {
    const result = await client.send(CREDS, MESSAGE);
    const item = result.items[0];
    if (result.items.length !== 1 || !item?.ok) throw new Error(`send failed: ${result.raw}`);
  };
  // The same sends through raw undici with a pool of the same size: what this machine's timers and
  // scheduler allow, so a miss against the ideal can be told apart from a slow client.
  const agent = rawAgent();
  const q = (k: string, v: string): string => `${k}=${encodeURIComponent(v)}`;
  const sendUrl = `${sandbox.url}/sendsms/?${[
    q('username', CREDS.username), q('password', CREDS.password), q('destination', MESSAGE.destinations[0]),
    q('sender', MESSAGE.sender), q('message', MESSAGE.message),
  ].join('&')}`;
  const rawSend = async (): Promise<void> => {
    const res = await request(sendUrl, { dispatcher: agent, method: 'GET', headers: HEADERS });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !text.startsWith('OK ID:')) throw new Error(`raw send failed: ${res.statusCode} ${text}`);
  };
  const concurrentMs: number[] = [];
  const rawMs: number[] = [];
  const sequentialMs: number[] = [];
  try {
    await sandbox.injectFault({ fault: { kind: 'latency', ms: LATENCY_MS }, command: 'send' });
    // Opens the pooled connections and warms the send path, as in a session that has already sent.
    await Promise.all(Array.from({ length: 2 * CONCURRENCY }, sendOne));
    await pool(2 * CONCURRENCY, CONCURRENCY, rawSend);
    for (let s = 0; s < LATENCY_SAMPLES; s++) {
      // All 1,000 handed over at once: the client's own limit, not the caller, keeps 16 in flight.
      const c = await timed(async () => {
        await Promise.all(Array.from({ length: SENDS }, sendOne));
      });
      concurrentMs.push(c.ms);
      const r = await timed(() => pool(SENDS, CONCURRENCY, rawSend));
      rawMs.push(r.ms);
      log(`  ${formatNumber(SENDS)} sends ${s + 1}/${LATENCY_SAMPLES}: client ${formatNumber(c.ms)} ms, raw undici ${formatNumber(r.ms)} ms`);
    }
    for (let s = 0; s < LATENCY_SAMPLES; s++) {
      const t = await timed(async () => {
        for (let i = 0; i < SEQUENTIAL_SENDS; i++) await sendOne();
      });
      sequentialMs.push(t.ms);
      log(`  ${SEQUENTIAL_SENDS} sequential sends ${s + 1}/${LATENCY_SAMPLES}: ${formatNumber(t.ms)} ms`);
    }
    // Without the latency rule the figures below would compare nothing; make sure it was in force.
    if (median(sequentialMs) / SEQUENTIAL_SENDS < LATENCY_MS) throw new Error('the sandbox latency fault was not applied');
  } finally {
    await sandbox.clearFaults();
    await Promise.all([client.close(), agent.close()]);
  }
  const measured = median(concurrentMs);
  const raw = median(rawMs);
  const ideal = (SENDS * LATENCY_MS) / CONCURRENCY;
  const sequentialScaled = median(sequentialMs) * (SENDS / SEQUENTIAL_SENDS);
  return [
    {
      name: `${formatNumber(SENDS)} sends @ ${LATENCY_MS} ms, c=${CONCURRENCY}, vs ideal (lower is better)`,
      measured: `${formatNumber(measured)} ms ${spread(concurrentMs)}`,
      baseline: `${formatNumber(ideal)} ms = ${SENDS}×${LATENCY_MS}/${CONCURRENCY}`,
      ratio: measured / ideal,
      target: { op: '<=', value: 1.15 },
    },
    {
      name: '  raw undici, same sends, vs ideal',
      measured: `${formatNumber(raw)} ms ${spread(rawMs)}`,
      baseline: `${formatNumber(ideal)} ms`,
      ratio: raw / ideal,
    },
    {
      name: '  client vs raw undici (lower is better)',
      measured: `${formatNumber(measured)} ms`,
      baseline: `${formatNumber(raw)} ms`,
      ratio: measured / raw,
    },
    {
      name: '  speed-up over sequential sends',
      measured: `${formatNumber(measured)} ms`,
      baseline: `${formatNumber(sequentialScaled)} ms (${SEQUENTIAL_SENDS} sends ×${SENDS / SEQUENTIAL_SENDS})`,
      ratio: sequentialScaled / measured,
      target: { op: '>=', value: CONCURRENCY * 0.8 },
    },
  ];
}

export const gatewayClientBench: Bench = {
  name: 'gateway',
  description: `GatewayClient vs raw undici and vs the ideal, against the sandbox in a child process on 127.0.0.1 (concurrency ${CONCURRENCY})`,
  async run(log) {
    const sandbox = await SandboxProcess.start([{ username: CREDS.username, password: CREDS.password, balance: BALANCE_EUR }]);
    try {
      return [...(await throughput(sandbox, log)), ...(await latency(sandbox, log))];
    } finally {
      await sandbox.close();
    }
  },
};
