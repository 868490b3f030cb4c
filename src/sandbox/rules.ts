// The sandbox's made-up world: how a message's status moves over time and what it costs.
// Deterministic from the destination so tests can ask for any outcome by choosing a number.
import { analyzeText } from '../gateway/smsText';

/** The status numbers the sandbox produces (see the protocol's status table). */
export const SandboxStatus = {
  queued: 1,
  queuedOnSmsc: 2,
  unknownSubscriber: 8,
  temporarilyUnavailable: 16,
  pending: 32,
  undelivered: 64,
  expired: 128,
  notDeliveredToSmsc: 256,
  error: 512,
  unknownError: 1024,
  delivered: 2048,
  waitingValidation: 4,
  hlrSent: 16384,
  hlrCompleted: 32768,
} as const;

/** Milliseconds after submit (before dividing by timeScale) at which the status changes. */
export const QUEUED_ON_SMSC_AFTER_MS = 1000;
export const FINAL_AFTER_MS = 3000;
export const RETRY_DELIVERED_AFTER_MS = 6000;

/** Outcome at FINAL_AFTER_MS chosen by the destination's last two digits; any other ending is delivered. */
export const OUTCOME_BY_LAST_TWO_DIGITS: Readonly<Record<string, number>> = {
  '00': SandboxStatus.pending, // stays pending forever
  '01': SandboxStatus.expired,
  '02': SandboxStatus.undelivered,
  '03': SandboxStatus.unknownSubscriber,
  '04': SandboxStatus.temporarilyUnavailable, // then delivered at RETRY_DELIVERED_AFTER_MS
  '05': SandboxStatus.waitingValidation, // then delivered at RETRY_DELIVERED_AFTER_MS
  '06': SandboxStatus.notDeliveredToSmsc,
  '07': SandboxStatus.error,
  '08': SandboxStatus.unknownError,
  '09': SandboxStatus.hlrSent, // then HLR completed at RETRY_DELIVERED_AFTER_MS
};

/** What a non-final outcome becomes at RETRY_DELIVERED_AFTER_MS. */
const LATER: Readonly<Record<number, number>> = {
  [SandboxStatus.temporarilyUnavailable]: SandboxStatus.delivered,
  [SandboxStatus.waitingValidation]: SandboxStatus.delivered,
  [SandboxStatus.hlrSent]: SandboxStatus.hlrCompleted,
};

/** Low-cost route price as a share of the normal one (for `|LCSmsRemainCount:N`). */
export const LOW_COST_PRICE_RATIO = 0.8;

export interface StatusStep {
  /** Milliseconds after submit, already divided by timeScale. */
  atMs: number;
  status: number;
}

/** Every status a message to `destination` goes through, first one at submit time. */
export function statusTimeline(destination: string, timeScale = 1): StatusStep[] {
  const scale = timeScale > 0 && Number.isFinite(timeScale) ? timeScale : 1;
  const outcome = OUTCOME_BY_LAST_TWO_DIGITS[destination.slice(-2)] ?? SandboxStatus.delivered;
  const steps: StatusStep[] = [
    { atMs: 0, status: SandboxStatus.queued },
    { atMs: QUEUED_ON_SMSC_AFTER_MS / scale, status: SandboxStatus.queuedOnSmsc },
    { atMs: FINAL_AFTER_MS / scale, status: outcome },
  ];
  const later = LATER[outcome];
  if (later !== undefined) steps.push({ atMs: RETRY_DELIVERED_AFTER_MS / scale, status: later });
  return steps;
}

/** The status `elapsedMs` after submit, and when it last changed (undefined while still the first). */
export function statusAt(destination: string, elapsedMs: number, timeScale = 1): { status: number; changedAtMs?: number } {
  const steps = statusTimeline(destination, timeScale);
  let current = steps[0];
  for (const step of steps) {
    if (step.atMs <= elapsedMs) current = step;
  }
  return current.atMs === 0 ? { status: current.status } : { status: current.status, changedAtMs: current.atMs };
}

/** Euro per SMS part by country prefix, for the default account. */
export const DEFAULT_PRICES: Readonly<Record<string, number>> = { '39': 0.055, '30': 0.06, '44': 0.07, '1': 0.04 };
/** Euro per SMS part where no prefix matches. */
export const DEFAULT_PRICE = 0.09;

/** Price of one SMS part to `digits`: the longest matching prefix wins (a '' key replaces DEFAULT_PRICE). */
export function priceFor(digits: string, prices: Readonly<Record<string, number>> = DEFAULT_PRICES): number {
  let best: string | undefined;
  for (const prefix of Object.keys(prices)) {
    if (digits.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? DEFAULT_PRICE : prices[best];
}

/** Money is kept in ten-thousandths of a euro so repeated charges do not drift. */
export const MONEY_UNITS_PER_EURO = 10000;

export function toUnits(euro: number): number {
  return Math.round(euro * MONEY_UNITS_PER_EURO);
}

export function fromUnits(units: number): number {
  return units / MONEY_UNITS_PER_EURO;
}

export interface Charge {
  parts: number;
  /** Euro per part. */
  price: number;
  /** Euro for the whole message, rounded to 4 decimals. */
  charge: number;
}

/** What sending `message` to `destination` costs: parts × price for that destination. */
export function chargeFor(destination: string, message: string, prices?: Readonly<Record<string, number>>): Charge {
  const parts = analyzeText(message).parts;
  const price = priceFor(destination, prices);
  return { parts, price, charge: fromUnits(parts * toUnits(price)) };
}

/** How many single SMS `balance` buys at `price` (0 when the price is not positive). */
export function smsRemainCount(balance: number, price: number): number {
  const unitPrice = toUnits(price);
  if (unitPrice <= 0) return 0;
  return Math.max(0, Math.floor(toUnits(balance) / unitPrice));
}

/** DeliveredOn while the status has not changed since submit. */
export const NO_CHANGE_TIME = '00000000000000';

/** A charge with at most 4 decimals and no trailing zeros: 0.055, 0.11, 0. */
export function formatCharge(euro: number): string {
  return String(fromUnits(toUnits(euro)));
}

/** A balance with exactly 2 decimals, as the gateway shows it. */
export function formatBalance(euro: number): string {
  return (Math.round(toUnits(euro) / 100) / 100).toFixed(2);
}
