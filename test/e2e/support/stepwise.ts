import * as path from 'node:path';
import type { WorkbenchServer } from './host';
import type { Workbench } from './workbench';

export interface StepwiseOptions {
  /** The windows to photograph when a step fails. */
  windows: () => ReadonlyArray<Workbench | undefined>;
  host: () => WorkbenchServer | undefined;
  /** Name of the folder the workbench logs are copied to after a failure. */
  logs: string;
  /** Stops what the suite started besides the workbench (its sandbox gateway). */
  cleanup: () => Promise<unknown>;
}

/**
 * Hooks for a suite whose tests are steps of one story in one workbench: until `started()` is
 * called, and after any failed step, the remaining steps fail at once (never skip: a suite whose
 * set-up forgot `started()` must not read as green) without running against a broken workbench; a
 * failure leaves a screenshot of each window and a copy of the logs; the workbench is always stopped.
 */
export function stepwise(o: StepwiseOptions): { started(): void } {
  let started = false;
  let failedStep: string | undefined;
  beforeEach(function () {
    if (!started) throw new Error('the suite never started (its before hook did not call started())');
    if (failedStep !== undefined) throw new Error(`not run: the earlier step "${failedStep}" failed`);
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    if (failedStep !== undefined) return; // already told: only the first failure is photographed
    failedStep = this.currentTest.title;
    for (const wb of o.windows()) {
      const shot = await wb?.failureScreenshot(this.currentTest.title);
      if (shot) console.log(`      screenshot of the failure: ${path.relative(process.cwd(), shot)}`);
    }
  });
  after(async function () {
    this.timeout(30_000);
    const host = o.host();
    if ((failedStep !== undefined || !started) && host) console.log(`      ${host.saveLogs(o.logs).replace(/\n/g, '\n      ')}`);
    await host?.stop();
    await o.cleanup();
  });
  return {
    started() {
      started = true;
    },
  };
}
