// Phone numbers in tool results: masked as the log masks them ("+39 339 *** **67"), unless the
// user asked about that very number. Plain functions, no VS Code API.
import { maskNumber } from '../common/privacy';

export { maskNumber };

/** Shows the numbers the user named in full, every other one masked. */
export function numberShower(named: Iterable<string>): (destination: string) => string {
  const reveal = new Set(named);
  return (destination) => (reveal.has(destination) ? `+${destination}` : maskNumber(destination));
}
