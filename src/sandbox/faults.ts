// Scriptable faults for tests and benchmarks: latency, HTTP errors, dropped connections, hangs and
// malformed answers, on top of the real sandbox gateway. Test-only: nothing in the extension imports
// this file, and test/unit/productionBundle.test.ts checks that dist/extension.js and dist/core.js carry none of it.
import { randomBytes } from 'node:crypto';
import type { GatewayCommand } from '../gateway/types';
import type { SendCharset } from '../gateway/endpoints';
import { errorLine } from './emulator';
import { reply, SandboxGateway, type SandboxExchange, type SandboxOptions } from './server';

export * from './server';

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

interface ActiveFault {
  fault: SandboxFault;
  command?: GatewayCommand;
  remaining?: number;
}

const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>' +
  '<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p></body></html>\n';

/** The sandbox gateway with `injectFault`/`clearFaults`: for tests and benchmarks, never shipped. */
export class FaultySandbox extends SandboxGateway {
  private faults: ActiveFault[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  static override start(opts: SandboxOptions = {}): Promise<FaultySandbox> {
    return SandboxGateway.listen(opts, (o) => new FaultySandbox(o));
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

  override close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return super.close();
  }

  protected override respond(exchange: SandboxExchange): void {
    const { latencyMs, fault } = this.takeFaults(exchange.command);
    const run = (): void => this.answerWith(exchange, fault);
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

  private answerWith(exchange: SandboxExchange, fault: SandboxFault | undefined): void {
    const { req, res } = exchange;
    // Faults that answer instead of the gateway: the request is not executed (nothing charged).
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
    // Faults that lose or spoil the answer after the gateway acted on the request.
    const body = this.execute(exchange);
    switch (fault?.kind) {
      case 'resetAfterRead':
        req.socket.destroy();
        return;
      case 'hang':
        return; // the socket stays open until the client gives up or close() runs
      case 'truncatedStatus':
        return reply(res, 200, truncate(body));
      default:
        return this.answer(exchange, body);
    }
  }
}

/** A status line cut after its 3rd field; anything else cut in half. */
function truncate(body: string): string {
  const fields = body.split(':');
  if (fields.length > 3) return fields.slice(0, 3).join(':');
  return body.slice(0, Math.floor(body.length / 2));
}
