// A test switch, installed only when VS Code runs the extension under test (ExtensionMode.Test):
// while the environment variable INVIOSMART_TEST_DISK_FULL is "1", every write to the history
// folder fails as on a full disk (ENOSPC), so the real-VS-Code suite can show what a user sees when
// the disk fills during a send. Everything else goes to the real file system untouched.
// Test-only: a production build (`__TEST__` false) returns the real file system and keeps none of it.
import type { DurableFs, DurableHandle } from './durable';

/** The variable's name, in test builds only: a production bundle keeps every export of a core layer (scripts/bundles.mjs, CORE_LAYERS). */
export const DISK_FULL_ENV = __TEST__ ? 'INVIOSMART_TEST_DISK_FULL' : '';

function enospc(file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, write '${file}'`), { code: 'ENOSPC', syscall: 'write', path: file });
}

export function diskFullSwitch(fs: DurableFs, isFull?: () => boolean): DurableFs {
  return __TEST__ ? switched(fs, isFull ?? (() => process.env[DISK_FULL_ENV] === '1')) : fs;
}

function switched(fs: DurableFs, full: () => boolean): DurableFs {
  return {
    ...fs,
    open: async (file, flags) => {
      const h = await fs.open(file, flags);
      const handle: DurableHandle = {
        write: (buffer, offset, length, position) => (full() ? Promise.reject(enospc(file)) : h.write(buffer, offset, length, position)),
        read: (buffer, offset, length, position) => h.read(buffer, offset, length, position),
        stat: () => h.stat(),
        sync: () => h.sync(),
        datasync: () => h.datasync(),
        close: () => h.close(),
      };
      return handle;
    },
  };
}
