// The SMS History panel's page shell and its Content Security Policy. No 'vscode' import, so the
// browser test serves exactly this page.
import { randomBytes } from 'node:crypto';

export interface PanelPage {
  /** `webview.cspSource`: the only origin styles and fonts may come from. */
  cspSource: string;
  /** Fresh per render: the only script allowed is the one carrying it. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  /** BCP 47 tag for the `lang` attribute. */
  lang: string;
  /** Shown until the history arrives. */
  loadingText: string;
}

export function createNonce(): string {
  return randomBytes(18).toString('base64');
}

/** Escapes text for an attribute or element body. */
function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function panelCsp(cspSource: string, nonce: string): string {
  // vscode-elements styles go through adoptedStyleSheets and the CSSOM, which style-src does not
  // govern, so 'unsafe-inline' is not needed (the browser test fails on any CSP violation).
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function panelHtml(page: PanelPage): string {
  const nonce = escapeAttr(page.nonce);
  return `<!DOCTYPE html>
<html lang="${escapeAttr(page.lang)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(panelCsp(page.cspSource, page.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(page.styleUri)}" nonce="${nonce}">
<title>${escapeAttr(page.title)}</title>
</head>
<body>
<div id="app" class="app" aria-busy="true"><p class="loading">${escapeAttr(page.loadingText)}</p></div>
<script nonce="${nonce}" src="${escapeAttr(page.scriptUri)}"></script>
</body>
</html>`;
}
