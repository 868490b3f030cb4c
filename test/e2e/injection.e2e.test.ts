// Hostile text in the real workbench (code-server + Chromium): HTML, <script>, event handlers, javascript: and
// command: links, Markdown links, a very long text and right-to-left overrides, in the message, the sender, the
// destination and the gateway's error text. They must show as the text they are, in the Messages tree (row and
// hover tooltip), the SMS History webview and the notifications, and nothing in them may run: no window flag set
// in any frame, no dialog, no request to the attacker's address, no link element made from them.
//
// The history entries are written to the extension's history folder before the window opens (history on disk is
// input too: it syncs, and other windows write it); one real send through the palette meets a gateway that
// answers 500 with a script and links in its body, so the error text reaches a notification and the tree.
// The DOM of every frame and the notification texts are saved to test-results/injection-dom-*.html for
// scripts/leak-scan.mjs, and checked here for the test password.
//   node scripts/build.mjs --tests && npx mocha --no-config --timeout 180000 out/test/e2e/injection.e2e.test.js
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { HistoryStore } from '../../src/history/store';
import type { HistoryDraft } from '../../src/history/types';
import { FaultySandbox } from '../../src/sandbox/faults';
import { LEAK_CANARY } from '../shared/canary';
import { historyDir, sendSms, signIn } from './support/flows';
import { clearResults, resultsDir, startWorkbench, type WorkbenchServer } from './support/host';
import { PROBE_PREFIX, Workbench, waitFor as wbWait } from './support/workbench';
import { stepwise } from './support/stepwise';

const USERNAME = 'inject-user';
const ACCOUNT_NAME = 'Injection Account';
// The attacker's address: a port on loopback nothing listens on; any request to it is a failure.
const EVIL = 'http://127.0.0.1:9/evil';

/** Every payload sets window.__pwned (or opens a dialog, or loads EVIL) if it ever runs. */
const PAYLOADS = {
  script: `<script>window.__pwned='script';alert('script')</script>`,
  img: `<img src="${EVIL}/img.png" onerror="window.__pwned='img'">`,
  svg: `<svg/onload=window.__pwned='svg'>`,
  jsLink: `<a href="javascript:window.__pwned='a'">tap</a>`,
  mdJsLink: `[tap me](javascript:window.__pwned='md')`,
  mdCommandLink: '[quit](command:workbench.action.closeWindow)',
  mdHttpLink: `[prize](${EVIL}/md)`,
  mdImage: `![x](${EVIL}/mdimg.png)`,
  iframe: `<iframe src="${EVIL}/frame"></iframe>`,
  style: `<style>body{background:url(${EVIL}/css.png)}</style>`,
  rtl: '\u202Egnp.exe\u202C مرحبا بالعالم \u2067abc\u2069 שלום',
  long: `${'Lungo '.repeat(300)}<b>end</b>`,
} as const;

const SENDER_PAYLOAD = `<svg onload="window.__pwned='sender'">`;
const DESTINATION_PAYLOAD = `"><img src=${EVIL}/dest.png onerror=window.__pwned='dest'>`;
const ERROR_PAYLOAD = `<script>window.__pwned='error'</script> [open](command:workbench.action.closeWindow) [web](${EVIL}/err) <img src=${EVIL}/err.png>`;
const SENT_INTO_500 = 'Sent into a 500';
const HTTP_BODY = `<html><script>window.__pwned='body'</script> Error: [click](command:workbench.action.quit) <img src="${EVIL}/body.png"></html>`;

/** Looks in every frame of the page (workbench, webview host, the panel app) for the flag a payload would set. */
async function pwnedFlags(wb: Workbench): Promise<string[]> {
  const flags: string[] = [];
  for (const frame of wb.page.frames()) {
    const v = await frame.evaluate(() => (window as unknown as { __pwned?: string }).__pwned).catch(() => undefined);
    if (v !== undefined) flags.push(`${frame.url()}: ${v}`);
  }
  return flags;
}

/** Elements a payload could have made, in every frame: only the workbench's own would be allowed. */
async function hostileElements(wb: Workbench): Promise<string[]> {
  const found: string[] = [];
  for (const frame of wb.page.frames()) {
    const els = await frame
      .evaluate((evil) => [
        ...[...document.querySelectorAll('a[href^="javascript:" i], a[href^="command:workbench.action.quit"], a[href^="command:workbench.action.closeWindow"]')].map((e) => e.outerHTML),
        ...[...document.querySelectorAll('[src], [href], [style]')].filter((e) => (e.getAttribute('src') ?? e.getAttribute('href') ?? e.getAttribute('style') ?? '').includes(evil)).map((e) => e.outerHTML),
        ...[...document.querySelectorAll('[onerror], [onload]')].map((e) => e.outerHTML),
        ...[...document.querySelectorAll('script')].filter((s) => (s.textContent ?? '').includes('__pwned')).map((e) => e.outerHTML),
      ], EVIL)
      .catch(() => [] as string[]);
    found.push(...els.map((e) => `${frame.url().slice(0, 60)}: ${e.slice(0, 200)}`));
  }
  return found;
}

/**
 * The browser side's storage, where code-server keeps globalState (IndexedDB) and SecretStorage (localStorage,
 * encrypted), as text for the leak scan: the ciphertext cannot match the password, anything stored in clear can.
 */
async function browserStorage(wb: Workbench): Promise<string> {
  return wb.page.evaluate(async () => {
    const out: Record<string, unknown> = { localStorage: { ...localStorage } };
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(info.name!);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const storeName of [...db.objectStoreNames]) {
        const tx = db.transaction(storeName, 'readonly');
        const [keys, values] = await Promise.all(['getAllKeys', 'getAll'].map((m) => new Promise<unknown[]>((resolve, reject) => {
          const req = (tx.objectStore(storeName) as unknown as Record<string, () => IDBRequest<unknown[]>>)[m]();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        })));
        out[`${info.name}/${storeName}`] = keys.map((k, i) => [String(k), values[i] instanceof Uint8Array ? new TextDecoder().decode(values[i] as Uint8Array) : values[i]]);
      }
      db.close();
    }
    return JSON.stringify(out, null, 1);
  });
}

/** Saves the DOM of every frame and the notification texts for the leak scan; returns it all as one text. */
async function saveDom(wb: Workbench, name: string, extra: string[] = []): Promise<string> {
  const parts: string[] = [];
  for (const frame of wb.page.frames()) parts.push(`<!-- frame ${frame.url()} -->\n${await frame.content().catch(() => '')}`);
  parts.push(`<!-- notifications -->\n${extra.join('\n')}`);
  const text = parts.join('\n');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, `injection-dom-${name}.html`), text);
  return text;
}

describe('Injection: hostile texts stay inert and readable in the real workbench', function () {
  this.timeout(120_000);

  let sandbox: FaultySandbox;
  let host: WorkbenchServer | undefined;
  let wb: Workbench;
  const steps = stepwise({ windows: () => [wb], host: () => host, logs: 'injection-logs', cleanup: async () => sandbox?.close() });
  const notificationTexts: string[] = [];
  const drafts: HistoryDraft[] = [];

  before(async function () {
    this.timeout(15 * 60_000);
    clearResults(['injection-']);
    sandbox = await FaultySandbox.start({ accounts: [{ username: USERNAME, password: LEAK_CANARY, balance: 10 }] });
    host = await startWorkbench(
      { 'inviosmart.gateway.baseUrl': sandbox.url, 'inviosmart.status.pollIntervalSeconds': 60, 'workbench.colorTheme': 'Default Dark Modern' },
      'inviosmart-e2e-inject-',
    );
    // The history the window will load: one message per payload, plus a hostile sender, destination and error.
    let id = 7100;
    const delivered = { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } as const;
    for (const text of Object.values(PAYLOADS)) {
      drafts.push({ destination: '393330000001', sender: 'Acme', text, account: 'sandbox', sandbox: true, parts: 1, state: 'sent', smsId: ++id, status: delivered });
    }
    drafts.push({ destination: '393330000002', sender: SENDER_PAYLOAD, text: 'hostile sender', account: 'sandbox', sandbox: true, parts: 1, state: 'sent', smsId: ++id, status: delivered });
    drafts.push({ destination: DESTINATION_PAYLOAD, sender: 'Acme', text: 'hostile destination', account: 'sandbox', sandbox: true, parts: 1, state: 'sent', smsId: ++id, status: delivered });
    drafts.push({
      destination: '393330000003', sender: 'Acme', text: 'hostile error', account: 'sandbox', sandbox: true, parts: 1, state: 'failed',
      error: { kind: 'gateway', code: 1005, gatewayText: ERROR_PAYLOAD, explanation: `Check ${PAYLOADS.mdCommandLink} ${PAYLOADS.img}` },
    });
    const store = await HistoryStore.open(historyDir(host.server.userDataDir), { watch: false, autoCompact: false });
    try {
      await store.recordMany(drafts);
    } finally {
      await store.close();
    }
    wb = await Workbench.open(host.context, host.urlFor('workspace'), 'window');
    steps.started();
  });

  it('the SMS History panel shows every payload as its text, with no element made from it', async () => {
    await wb.runCommand('Inviosmart: Open SMS History');
    for (const d of drafts) {
      const row = await wb.waitForPanelRow((r) => r.id === String(d.smsId ?? '') || (d.smsId === undefined && r.text === d.text), `for ${JSON.stringify(d.text.slice(0, 40))}`);
      assert.equal(row.text.replace(/\s+/g, ' '), d.text.replace(/\s+/g, ' '), 'the text cell shows the text as it is');
      assert.deepEqual(row.foreignElements, [], `the text cell of ${JSON.stringify(d.text.slice(0, 40))} holds foreign elements`);
    }
    const destinations = (await wb.panelRows()).map((r) => r.destination);
    assert.ok(destinations.some((t) => t.includes(DESTINATION_PAYLOAD)), `the hostile destination is shown as text: ${JSON.stringify(destinations)}`);
    const panelText = await wb.panelFrame().locator('body').innerText();
    assert.ok(panelText.includes(SENDER_PAYLOAD), 'the hostile sender is shown as text');
    for (const sel of ['img', 'svg[onload]', 'iframe', 'a[href^="javascript:"]', '[onerror]', '[onload]']) {
      assert.equal(await wb.panelElementCount(sel), 0, `the panel holds ${sel}`);
    }
    // The webview host adds its own script and default styles; none may come from a payload.
    const fromPayload = await wb.panelFrame().locator('script, style').evaluateAll((els) => els.filter((e) => /__pwned|evil/.test(e.textContent ?? '')).map((e) => e.outerHTML));
    assert.deepEqual(fromPayload, [], 'a script or style from a payload is in the panel');
    await wb.screenshot('injection-panel.png', wb.page.locator('.part.editor'));
  });

  it('the Messages tree shows the texts as labels and its hover tooltips hold no markup, link or image', async () => {
    await wb.openMessagesView();
    for (const key of ['script', 'img', 'mdCommandLink', 'mdJsLink', 'mdImage', 'rtl'] as const) {
      const text = PAYLOADS[key];
      const d = drafts.find((x) => x.text === text)!;
      // Long labels are cut to 40 characters with an ellipsis; the hover has the whole text.
      const row = await wbWait(`the tree row of ${key}`, async () => (await wb.treeRows()).find((r) => r.level >= 2 && (r.label === text || (r.label.endsWith('…') && text.startsWith(r.label.slice(0, -1))))));
      assert.match(row.ariaLabel, /, Delivered, /);
      const hover = await wb.treeHover(row.label.replace(/…$/, ''), `SMSId: ${d.smsId}`);
      assert.ok(hover.text.includes(text), `the hover of ${key} shows it literally: ${JSON.stringify(hover.text.slice(0, 200))}`);
      assert.doesNotMatch(hover.html, /<(img|script|svg|iframe|style)\b/i, `the hover of ${key} holds an element from the text`);
      assert.doesNotMatch(hover.html, /href="(javascript:|command:workbench|http:\/\/127\.0\.0\.1:9)/i, `the hover of ${key} holds a link from the text`);
    }
    const errorRow = await wb.waitForTreeMessage('hostile error', /./);
    assert.ok(errorRow);
    const hover = await wb.treeHover('hostile error', '1005');
    assert.ok(hover.text.includes("<script>window.__pwned='error'</script>"), `the error text is shown literally: ${JSON.stringify(hover.text.slice(0, 300))}`);
    assert.doesNotMatch(hover.html, /<(img|script)\b/i);
    assert.doesNotMatch(hover.html, /href="(javascript:|command:workbench|http:\/\/127\.0\.0\.1:9)/i, 'the error hover holds a link from the gateway text');
    await wb.screenshot('injection-tree.png', wb.page.locator('.part.sidebar'));
  });

  it('a gateway error body with a script and command links reaches the notification and the tree hover as inert text', async () => {
    await wb.clearNotifications();
    await signIn(wb, { username: USERNAME, password: LEAK_CANARY, label: ACCOUNT_NAME });
    await wb.waitForNotification(/^Signed in to Inviosmart as Injection Account/);
    sandbox.injectFault({ command: 'send', fault: { kind: 'http', status: 500, body: HTTP_BODY }, times: 1 });
    await wb.clearNotifications();
    await sendSms(wb, { typed: '+39 339 765 4321', destination: '393397654321', sender: 'Inject', text: SENT_INTO_500, account: ACCOUNT_NAME });
    const note = await wb.waitForNotification(/^SMS (not sent|may not have been sent|status unknown)|500/i, 30_000);
    notificationTexts.push(note.text);
    await wb.showNotificationCentre(true);
    const links = await wb.page.locator('.notifications-center .notification-list-item-message a').evaluateAll((els) => els.map((e) => `${e.textContent} -> ${e.getAttribute('href') ?? (e as HTMLElement).dataset.href ?? ''}`));
    const elements = await wb.page.locator('.notifications-center .notification-list-item-message *').evaluateAll((els) => els.map((e) => e.tagName));
    notificationTexts.push(...(await wb.centreTexts()));
    await wb.showNotificationCentre(false);
    assert.deepEqual(links.filter((l) => /command:workbench|javascript:|127\.0\.0\.1:9/.test(l)), [], `the notification made links from the gateway's text: ${JSON.stringify(links)}`);
    assert.ok(!elements.some((t) => /^(IMG|SCRIPT|SVG|IFRAME)$/.test(t)), `the notification holds ${JSON.stringify(elements)}`);
    // The body is kept as the entry's error text: its tree hover shows it literally and links nothing.
    const hover = await wb.treeHover(SENT_INTO_500, 'HTTP 500');
    assert.ok(hover.text.includes("<script>window.__pwned='body'</script>"), `the gateway's body is shown literally: ${JSON.stringify(hover.text.slice(0, 300))}`);
    assert.doesNotMatch(hover.html, /<(img|script)\b/i);
    assert.doesNotMatch(hover.html, /href="(javascript:|command:workbench|http:\/\/127\.0\.0\.1:9)/i, 'the hover holds a link from the gateway body');
  });

  it('nothing ran: no flag in any frame, no dialog, no request to the attacker, no hostile element; no password in the DOM', async () => {
    // Not a pause: each frame's own probe image fails after any payload image made before it (see settleFrames).
    assert.ok((await wb.settleFrames()) > 0, 'no frame answered the probe');
    assert.deepEqual(await pwnedFlags(wb), [], 'a payload set window.__pwned');
    assert.deepEqual(wb.watch.dialogs, [], 'a page dialog fired');
    assert.deepEqual(wb.watch.requests.filter((u) => u.startsWith('http://127.0.0.1:9/') && !u.startsWith(PROBE_PREFIX)), [], 'a request went to the attacker');
    assert.deepEqual(await hostileElements(wb), [], 'an element made from a payload');
    const storage = await browserStorage(wb);
    writeFileSync(path.join(resultsDir, 'injection-dom-storage.json'), storage);
    assert.match(storage, /inviosmart/i, 'the dump holds the extension\'s globalState');
    assert.ok(!storage.includes(LEAK_CANARY), 'the password is in the browser storage in clear');
    const dom = await saveDom(wb, 'window', notificationTexts);
    assert.ok(!dom.includes(LEAK_CANARY) && !dom.includes(encodeURIComponent(LEAK_CANARY)), 'the password is in the DOM');
    assert.ok(!notificationTexts.some((t) => t.includes(LEAK_CANARY)), 'the password is in a notification');
  });
});
