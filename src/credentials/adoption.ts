// The status request the poller makes, with the sandbox's hand-over: a sandbox message sent before a
// window reload is unknown to this window's new sandbox, so it is handed over (adopted) and asked
// again, and its timeline goes on.
import { GatewayError } from '../gateway/errors';
import type { StatusReport } from '../gateway/types';
import type { HistoryEntry } from '../history/types';
import type { SandboxMessage } from '../sandbox/server';
import type { GatewaySessions } from './sessions';
import { SANDBOX_ACCOUNT_ID } from './types';

/** 1028: the gateway does not know this SMSId. */
const UNKNOWN_SMS_ID = 1028;

/** One status request for `entry`, through its account's session; a sandbox message the sandbox lost is adopted and asked again. */
export async function statusWithAdoption(
  sessions: Pick<GatewaySessions, 'forAccount' | 'sandboxGateway'>,
  entry: HistoryEntry,
  signal: AbortSignal,
): Promise<StatusReport> {
  const session = await sessions.forAccount(entry.account);
  const ask = () => session.client.status(session.credentials, entry.smsId as number, { signal });
  try {
    return await ask();
  } catch (e) {
    if (!(entry.account === SANDBOX_ACCOUNT_ID && e instanceof GatewayError && e.code === UNKNOWN_SMS_ID && entry.smsId !== undefined)) throw e;
    const sandbox = await sessions.sandboxGateway();
    const adopted: SandboxMessage = {
      smsId: entry.smsId,
      username: session.credentials.username,
      destination: entry.destination,
      sender: entry.sender,
      message: entry.text,
      pricecat: 0,
      parts: entry.parts,
      charge: entry.charge ?? 0,
      submittedAt: Date.parse(entry.createdAt),
    };
    if (sandbox.adopt([adopted]) === 0) throw e;
    return ask();
  }
}
