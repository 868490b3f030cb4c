// Runs a FaultySandbox in its own process for the benchmarks, driven over the IPC channel, so the
// gateway's CPU is not counted against the client under test and each gets its own core.
import { FaultySandbox, type FaultRule, type SandboxAccount } from '../../src/sandbox/faults';
import type { SandboxCommand, SandboxReply } from './sandboxProcess';

async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('sandboxChild must be started with an IPC channel');
  const accounts = JSON.parse(process.argv[2] ?? '[]') as SandboxAccount[];
  const gateway = await FaultySandbox.start({ port: 0, accounts });
  process.on('message', (raw) => {
    const cmd = raw as SandboxCommand;
    const answer = (reply: Omit<SandboxReply, 'id'>): void => void send({ id: cmd.id, ...reply });
    try {
      switch (cmd.op) {
        case 'fault':
          gateway.injectFault(cmd.rule as FaultRule);
          return answer({ ok: true });
        case 'clearFaults':
          gateway.clearFaults();
          return answer({ ok: true });
        case 'requestCount':
          return answer({ ok: true, value: gateway.requestCount(cmd.command) });
        case 'close':
          void gateway.close().then(() => {
            answer({ ok: true });
            process.disconnect();
          });
          return;
      }
    } catch (e) {
      answer({ ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  });
  // The parent going away must not leave a server behind.
  process.on('disconnect', () => void gateway.close().then(() => process.exit(0)));
  send({ id: 0, ok: true, value: gateway.url });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
