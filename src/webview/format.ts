// Display formatting for the panel: local times, euro and counts. Pure, cached formatters.
import { formatEuro } from '../panel/model';

/** A locale tag Intl accepts, or undefined (the runtime default) when VS Code's tag is not one. */
export function safeLocale(locale: string | undefined): string | undefined {
  if (!locale) return undefined;
  try {
    return Intl.getCanonicalLocales(locale)[0];
  } catch {
    return undefined;
  }
}

export interface Formatters {
  /** ISO time shown in the viewer's time zone, or '' when it does not parse. */
  localTime(iso: string | undefined): string;
  euro(value: number): string;
  count(value: number): string;
}

export function createFormatters(locale: string | undefined): Formatters {
  const tag = safeLocale(locale);
  const time = new Intl.DateTimeFormat(tag, {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  const count = new Intl.NumberFormat(tag, { maximumFractionDigits: 0 });
  return {
    localTime(iso) {
      if (!iso) return '';
      const t = Date.parse(iso);
      return Number.isNaN(t) ? '' : time.format(t);
    },
    euro: (value) => formatEuro(value, tag),
    count: (value) => count.format(value),
  };
}

