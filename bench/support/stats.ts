// Order statistics for samples with rare large outliers (another process taking the core), where
// max − min says little and a high percentile says how bad a typical slow sample is.

/** The value below which a share `q` (0..1) of the samples fall (nearest rank). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
