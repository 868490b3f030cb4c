// Euro amounts as a user reads them, in their locale: one formatter for the status bar, the tree, the
// panel, the export, the send and bulk confirmations and the chat tools. Plain TypeScript (the webview
// bundle imports it too).

/**
 * `cents`: a balance, always two decimals (`€12.30`). `price`: a charge or a price per SMS part, two
 * to four decimals as the gateway gives them (`€0.055`, `€0.0575`, `€1.20`).
 */
export type EuroPrecision = 'cents' | 'price';

export interface EuroOptions {
  /** Default `price`. */
  precision?: EuroPrecision;
}

const formats = new Map<string, Intl.NumberFormat>();

function euroFormat(locale: string | undefined, precision: EuroPrecision): Intl.NumberFormat {
  const id = `${locale ?? ''}|${precision}`;
  let f = formats.get(id);
  if (!f) {
    const options: Intl.NumberFormatOptions = {
      style: 'currency', currency: 'EUR', minimumFractionDigits: 2, maximumFractionDigits: precision === 'cents' ? 2 : 4,
    };
    try {
      f = new Intl.NumberFormat(locale, options);
    } catch {
      // a display language Intl does not know must not break what shows the amount
      f = new Intl.NumberFormat('en', options);
    }
    formats.set(id, f);
  }
  return f;
}

/** `amount` euro in `locale` (VS Code's display language; English when absent): `€12.34`, `12,34 €`. */
export function formatEuro(amount: number, locale?: string, options: EuroOptions = {}): string {
  return euroFormat(locale, options.precision ?? 'price').format(amount);
}
