// What a status answer changes in a history entry: the one translation from the gateway's report to
// a patch, used by the poller, "Refresh Status" and the language-model tools alike. Plain TypeScript.
import type { StatusReport } from '../gateway/types';
import type { HistoryPatch } from './types';

/** The status part of a report as a patch for its entry. */
export function statusPatch(report: StatusReport, polledAt: string): HistoryPatch {
  const s = report.status;
  const patch: HistoryPatch = {
    status: { code: s.code, label: s.label, statusClass: s.statusClass, final: s.final },
    state: s.statusClass === 'failed' ? 'failed' : 'sent',
    quantity: report.quantity,
    charge: report.charge,
    lastPolledAt: polledAt,
  };
  if (report.submittedOn.raw) patch.submittedOn = report.submittedOn.raw;
  if (report.deliveredOn.raw) patch.lastChangeOn = report.deliveredOn.raw;
  return patch;
}
