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
 * called, and after any failed step, the remaining steps are skipped; a failure leaves a
 * screenshot of each window and a copy of the logs; the workbench is always stopped.
 */
export function stepwise(o: StepwiseOptions): { started(): void } {
  let failed = true;
  beforeEach(function () {
    if (failed) this.skip();
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    failed = true;
    for (const wb of o.windows()) {
      const shot = await wb?.failureScreenshot(this.currentTest.title);
      if (shot) console.log(`      screenshot of the failure: ${path.relative(process.cwd(), shot)}`);
    }
  });
  after(async function () {
    this.timeout(30_000);
    const host = o.host();
    if (failed && host) console.log(`      ${host.saveLogs(o.logs).replace(/\n/g, '\n      ')}`);
    await host?.stop();
    await o.cleanup();
  });
  return {
    started() {
      failed = false;
    },
  };
}
