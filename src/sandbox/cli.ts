// Standalone sandbox: `node dist/sandbox.js --port 0` prints its URL and credentials and serves
// until SIGINT/SIGTERM. Bundled by scripts/build.mjs; `npm run sandbox -- --port 0` runs it.
import { parseArgs } from 'node:util';
import { DEFAULT_ACCOUNT, DEFAULT_MAX_REQUEST_LINE, SandboxGateway, type SandboxOptions } from './server';
import { isKnownTimeZone } from '../gateway/time';
import { formatBalance } from './rules';

export const USAGE =
  'usage: sandbox [--port <p>] [--username <u>] [--password <p>] [--balance <euro>] [--time-scale <n>] [--quiet]' +
  ' [--charset by-path|utf-8|iso-8859-1] [--get-only] [--lc-balance] [--time-zone <IANA zone>]' +
  ' [--max-request-line <bytes, 0 = none>] [--cost-confirmation-above <euro>]';

export interface CliOptions {
  port: number;
  username: string;
  password: string;
  balance: number;
  timeScale: number;
  quiet: boolean;
  charset: 'by-path' | 'utf-8' | 'iso-8859-1';
  acceptPost: boolean;
  lowCostBalance: boolean;
  timeZone: string;
  maxRequestLine: number;
  costConfirmationAbove?: number;
}

/** Reads the command line; throws an Error with a one-line message on anything it cannot use. */
export function parseCliArgs(argv: string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      balance: { type: 'string' },
      'time-scale': { type: 'string' },
      quiet: { type: 'boolean' },
      charset: { type: 'string' },
      'get-only': { type: 'boolean' },
      'lc-balance': { type: 'boolean' },
      'time-zone': { type: 'string' },
      'max-request-line': { type: 'string' },
      'cost-confirmation-above': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const number = (name: string, text: string | undefined, fallback: number, ok: (n: number) => boolean): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new Error(`invalid --${name}: ${text}`);
    return n;
  };
  const username = values.username ?? DEFAULT_ACCOUNT.username;
  const password = values.password ?? DEFAULT_ACCOUNT.password;
  if (username === '') throw new Error('invalid --username: empty');
  if (password === '') throw new Error('invalid --password: empty');
  const charset = values.charset ?? 'by-path';
  if (charset !== 'by-path' && charset !== 'utf-8' && charset !== 'iso-8859-1') throw new Error(`invalid --charset: ${charset}`);
  const timeZone = values['time-zone'] ?? 'UTC';
  if (!isKnownTimeZone(timeZone)) throw new Error(`invalid --time-zone: ${timeZone}`);
  const costText = values['cost-confirmation-above'];
  const options: CliOptions = {
    port: number('port', values.port, 0, (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    username,
    password,
    balance: number('balance', values.balance, DEFAULT_ACCOUNT.balance, (n) => n >= 0),
    timeScale: number('time-scale', values['time-scale'], 1, (n) => n > 0),
    quiet: values.quiet ?? false,
    charset,
    acceptPost: values['get-only'] !== true,
    lowCostBalance: values['lc-balance'] === true,
    timeZone,
    maxRequestLine: number('max-request-line', values['max-request-line'], DEFAULT_MAX_REQUEST_LINE, (n) => Number.isInteger(n) && n >= 0),
  };
  if (costText !== undefined) options.costConfirmationAbove = number('cost-confirmation-above', costText, 0, (n) => n >= 0);
  return options;
}

function clockTime(): string {
  return new Date().toISOString().slice(11, 19);
}

export async function main(argv: string[]): Promise<void> {
  let cli: CliOptions | 'help';
  try {
    cli = parseCliArgs(argv);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message.split('\n')[0] : String(e)}. ${USAGE}\n`);
    process.exit(2);
  }
  if (cli === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options: SandboxOptions = {
    port: cli.port,
    timeScale: cli.timeScale,
    charset: cli.charset,
    acceptPost: cli.acceptPost,
    lowCostBalance: cli.lowCostBalance,
    timeZone: cli.timeZone,
    maxRequestLine: cli.maxRequestLine,
    costConfirmationAbove: cli.costConfirmationAbove,
    accounts: [{ ...DEFAULT_ACCOUNT, username: cli.username, password: cli.password, balance: cli.balance }],
  };
  if (!cli.quiet) {
    options.onRequest = (r) => {
      const query = new URLSearchParams(r.query).toString();
      process.stdout.write(`${clockTime()} ${r.method} ${r.command}${query ? ` ${query}` : ''}\n`);
    };
  }
  let gateway: SandboxGateway;
  try {
    gateway = await SandboxGateway.start(options);
  } catch (e) {
    process.stderr.write(`sandbox: cannot listen on port ${cli.port}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `Inviosmart sandbox listening on ${gateway.url}\n` +
      `username: ${cli.username}  password: ${cli.password}  balance: ${formatBalance(cli.balance)} EUR\n` +
      'Press Ctrl+C to stop.\n',
  );
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void gateway.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) void main(process.argv.slice(2));
