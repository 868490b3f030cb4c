// The parent side of sandboxChild: start a sandbox in a child process and drive it like an in-process one.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { GatewayCommand } from '../../src/gateway/types';
import type { FaultRule, SandboxAccount } from '../../src/sandbox/faults';

export type SandboxCommand =
  | { id: number; op: 'fault'; rule: FaultRule }
  | { id: number; op: 'clearFaults' }
  | { id: number; op: 'requestCount'; command?: GatewayCommand }
  | { id: number; op: 'close' };

export interface SandboxReply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

// Omit spread over each member of the union, so `op` still narrows the rest.
type WithoutId<C> = C extends unknown ? Omit<C, 'id'> : never;
type Op = WithoutId<SandboxCommand>;

/** A FaultySandbox in another process: its URL, fault injection, request counts and close. */
export class SandboxProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess, readonly url: string) {
    child.on('message', (raw) => {
      const reply = raw as SandboxReply;
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new Error(reply.error ?? 'sandbox command failed'));
    });
    child.on('exit', (code) => {
      for (const w of this.pending.values()) w.reject(new Error(`sandbox process exited (${String(code)})`));
      this.pending.clear();
    });
  }

  static start(accounts: SandboxAccount[]): Promise<SandboxProcess> {
    const child = fork(join(__dirname, 'sandboxChild.js'), [JSON.stringify(accounts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`sandbox process exited before it was ready (${String(code)})`));
      child.once('exit', onExit);
      child.once('message', (raw) => {
        child.off('exit', onExit);
        const ready = raw as SandboxReply;
        if (ready.id === 0 && ready.ok && typeof ready.value === 'string') resolve(new SandboxProcess(child, ready.value));
        else reject(new Error('sandbox process sent an unexpected first message'));
      });
    });
  }

  injectFault(rule: FaultRule): Promise<void> {
    return this.request({ op: 'fault', rule }).then(() => undefined);
  }

  clearFaults(): Promise<void> {
    return this.request({ op: 'clearFaults' }).then(() => undefined);
  }

  requestCount(command?: GatewayCommand): Promise<number> {
    return this.request({ op: 'requestCount', command }).then((v) => Number(v));
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.request({ op: 'close' }).catch(() => undefined);
    await exited;
  }

  private request(op: Op): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, ...op });
    });
  }
}
