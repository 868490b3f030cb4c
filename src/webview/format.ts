// Display formatting for the panel: local times, euro and counts. Pure, cached formatters.
import { formatEuro } from '../common/money';

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

/**
 * A gateway `YYYYMMDDHHmmSS` time as `YYYY-MM-DD HH:mm:SS`, left in the provider's zone (the protocol
 * does not say which); '' when empty or all zeros; the raw text when it is not 14 digits.
 */
export function formatGatewayTime(raw: string | undefined): string {
  if (!raw) return '';
  const text = raw.trim();
  if (text === '' || /^0+$/.test(text)) return '';
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return text;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
}
