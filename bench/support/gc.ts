// A full garbage collection between samples, so one side of a comparison does not pay for the
// other's garbage. The bench runs without --expose-gc; V8 can still hand the function out.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

let collect: (() => void) | undefined;

export function fullGc(): void {
  if (!collect) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  collect();
}
