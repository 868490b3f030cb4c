// Drives one code-server window (one browser page = one VS Code window with its own extension host)
// the way a user does: command palette, quick inputs, modal dialogs, notifications, the Messages
// tree, the SMS History webview and the status bar. Every wait names what it expected and what the
// DOM showed instead, so a failure reads as a bug report rather than a time-out.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Dialog, FrameLocator, Locator, Page, Request } from 'playwright-core';
import { resultsDir } from './host';

/** Status-bar item id: `<publisher>.<name>.<item id>`, as the workbench makes it a DOM id. */
export const BALANCE_ITEM_SELECTOR = '#inviosmart-sms-team\\.inviosmart-sms\\.inviosmart\\.balance';

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = `${QUICK_INPUT} .quick-input-box input`;
const QUICK_INPUT_TITLE = `${QUICK_INPUT} .quick-input-title`;
const QUICK_INPUT_MESSAGE = `${QUICK_INPUT} .quick-input-message`;
const QUICK_INPUT_ROWS = `${QUICK_INPUT} .quick-input-list .monaco-list-row`;
const DIALOG = '.monaco-dialog-box';
const TOAST_MESSAGES = '.notifications-toasts .notification-toast .notification-list-item-message';
const CENTRE = '.notifications-center';
const CENTRE_MESSAGES = `${CENTRE} .notification-list-item-message`;
const SIDEBAR = '.part.sidebar';
const TREE_ROWS = `${SIDEBAR} .monaco-list-row[role="treeitem"]`;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const traceStart = Date.now();
/** Step-by-step timing, with INVIOSMART_E2E_TRACE set. */
export function trace(line: string): void {
  if (process.env.INVIOSMART_E2E_TRACE) console.log(`      [${((Date.now() - traceStart) / 1000).toFixed(1)} s] ${line}`);
}

/**
 * Polls `probe` until it returns something other than undefined. On time-out the error says what
 * was awaited and what the last probe saw (`describe`), e.g. the rows the tree showed. A probe
 * error ends the wait at once only when `rethrow` says so; otherwise it is retried.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  {
    timeoutMs = 30_000,
    intervalMs = 150,
    describe,
    rethrow,
  }: { timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string>; rethrow?: (e: unknown) => boolean } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (e) {
      if (rethrow?.(e)) throw e;
      lastError = e;
    }
    if (Date.now() > deadline) {
      let seen = '';
      try {
        seen = describe ? await describe() : '';
      } catch (e) {
        seen = `(could not read the DOM: ${e instanceof Error ? e.message : String(e)})`;
      }
      const why = lastError ? `; last probe failed: ${lastError instanceof Error ? lastError.message : String(lastError)}` : '';
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${seen ? `; the DOM showed: ${seen}` : ''}${why}`);
    }
    await sleep(intervalMs);
  }
}

/** The command palette went away before the command could be chosen (worth another try). */
class PaletteLost extends Error {}

export interface TreeRow {
  label: string;
  description: string;
  ariaLabel: string;
  level: number;
}

export interface PanelRow {
  key: string;
  id: string;
  destination: string;
  text: string;
  status: string;
  category: string;
  /** Elements inside the text cell other than the plain spans the app makes (markup would show here). */
  foreignElements: string[];
}

export interface Notification {
  text: string;
  where: 'toast' | 'centre';
}

/** Requests under this prefix are the tests' own probes (see Workbench.settleFrames), never a payload's. */
export const PROBE_PREFIX = 'http://127.0.0.1:9/inviosmart-probe/';

/** What a window saw that a test may want to forbid: page dialogs (alert) and requests. */
export class PageWatch {
  readonly dialogs: string[] = [];
  readonly requests: string[] = [];
  readonly errors: string[] = [];

  constructor(page: Page, context: BrowserContext) {
    page.on('dialog', (d: Dialog) => {
      this.dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss().catch(() => undefined);
    });
    // The context sees requests of every frame, the webview's nested ones and service workers included.
    context.on('request', (r: Request) => this.requests.push(r.url()));
    page.on('pageerror', (e) => this.errors.push(e.message));
  }
}

export class Workbench {
  readonly watch: PageWatch;

  private constructor(
    readonly page: Page,
    readonly name: string,
  ) {
    this.watch = new PageWatch(page, page.context());
  }

  /** Opens a new window in `context` at `url` and waits until the extension put its balance item up. */
  static async open(context: BrowserContext, url: string, name: string): Promise<Workbench> {
    const page = await context.newPage();
    const wb = new Workbench(page, name);
    try {
      await page.goto(url);
      await waitFor(`${name}: the workbench to load`, async () => ((await page.locator('.monaco-workbench .part.statusbar').count()) > 0 ? true : undefined), {
        timeoutMs: 60_000,
      });
      await waitFor(`${name}: the Inviosmart balance item in the status bar (the extension activating)`, async () => {
        const text = await wb.statusBarText();
        // "$(sync~spin) …" while the first check runs; wait for a settled text.
        return text && !(await page.locator(`${BALANCE_ITEM_SELECTOR} .codicon-sync`).count()) ? true : undefined;
      }, { timeoutMs: 60_000, describe: async () => `status bar: ${await wb.statusBarSummary()}` });
    } catch (e) {
      await wb.failureScreenshot('open');
      throw e;
    }
    return wb;
  }

  /**
   * A positive signal in place of a pause before "nothing ran": in every frame, an image from a closed port on
   * 127.0.0.1 (PROBE_PREFIX) is loaded and its error event awaited. An image or handler a payload made earlier in
   * that frame fails the same way, earlier, so once each probe has reported, a late handler would have run.
   * Resolves with the number of frames that answered (a detached frame does not).
   */
  async settleFrames(): Promise<number> {
    let answered = 0;
    for (const [i, frame] of this.page.frames().entries()) {
      const ok = await frame
        .evaluate((url) => new Promise<boolean>((resolve) => {
          const img = new Image();
          img.onload = () => resolve(true);
          img.onerror = () => resolve(true);
          img.src = url;
        }), `${PROBE_PREFIX}${i}.png`)
        .catch(() => false);
      if (ok) answered++;
    }
    return answered;
  }

  // ---- status bar ---------------------------------------------------------------------------

  /** The balance item's visible text (codicons carry no text), trimmed; '' when absent. */
  async statusBarText(): Promise<string> {
    const item = this.page.locator(BALANCE_ITEM_SELECTOR);
    if ((await item.count()) === 0) return '';
    return ((await item.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }

  async statusBarAriaLabel(): Promise<string> {
    const item = this.page.locator(BALANCE_ITEM_SELECTOR);
    if ((await item.count()) === 0) return '';
    return (await item.first().getAttribute('aria-label')) ?? '';
  }

  /** The euro amount the balance item shows, or undefined when it shows none. */
  async statusBarBalance(): Promise<number | undefined> {
    const m = /(-?)€(\d+(?:\.\d+)?)/.exec(await this.statusBarText());
    return m ? Number(m[2]) * (m[1] ? -1 : 1) : undefined;
  }

  async statusBarSummary(): Promise<string> {
    const items = await this.page.$$eval('.part.statusbar .statusbar-item', (els) =>
      els.map((e) => `${e.id}=${JSON.stringify((e.textContent ?? '').trim())}`),
    );
    return items.join(', ') || '(no status bar items)';
  }

  // ---- command palette and quick input --------------------------------------------------------

  /**
   * F1, types the command's title and runs it: Enter when its row has the focus, else a click on
   * its row (another command can rank first for the same words).
   */
  async runCommand(title: string): Promise<void> {
    trace(`${this.name}: run ${title}`);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.tryRunCommand(title);
        return;
      } catch (e) {
        if (!(e instanceof PaletteLost) || attempt === 3) throw e;
        // The focus can move late, e.g. back from a closing dialog, and close the palette with it.
        trace(`${this.name}: ${e.message}; again`);
        await this.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      }
    }
  }

  private async tryRunCommand(title: string): Promise<void> {
    const page = this.page;
    await this.ensureNoQuickInput();
    const box = page.locator(QUICK_INPUT_BOX);
    await page.keyboard.press('F1');
    try {
      await box.waitFor({ state: 'visible', timeout: 3_000 });
    } catch {
      throw new PaletteLost(`F1 did not open the command palette (focus on ${await this.focusSummary()})`);
    }
    await waitFor(`${this.name}: the command palette ('>' in its input)`, async () => ((await box.inputValue()).startsWith('>') ? true : undefined), {
      timeoutMs: 10_000,
    });
    await page.keyboard.type(title);
    // The row's aria-label is the title, then ", recently used" / ", similar commands" / a keybinding.
    const isTitle = (label: string | null): boolean => label === title || !!label?.startsWith(`${title},`);
    const match = await waitFor(
      `${this.name}: "${title}" among the commands in the palette`,
      async () => {
        if (!(await box.isVisible())) throw new PaletteLost(`the command palette closed while "${title}" was typed (focus on ${await this.focusSummary()})`);
        if ((await box.inputValue()) !== `>${title}`) return undefined;
        const rows = await page.locator(QUICK_INPUT_ROWS).evaluateAll((els) =>
          els.map((e) => ({ label: e.getAttribute('aria-label'), focused: e.classList.contains('focused') })),
        );
        return rows.find((r) => isTitle(r.label));
      },
      { timeoutMs: 15_000, describe: () => this.quickInputSummary(), rethrow: (e) => e instanceof PaletteLost },
    );
    if (match.focused) await page.keyboard.press('Enter');
    else await page.locator(`${QUICK_INPUT_ROWS}[aria-label=${JSON.stringify(match.label)}]`).first().click();
  }

  /** The focused element, e.g. `iframe.webview.ready` or `div.monaco-list`. */
  async focusSummary(): Promise<string> {
    return this.page.evaluate(() => {
      const e = document.activeElement;
      return e ? `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? `.${e.className.trim().split(/\s+/).join('.')}` : ''}` : '(nothing)';
    });
  }

  /**
   * Waits for a quick input whose title matches `title`, types `value` into it (replacing what is
   * there) and presses Enter; resolves once that input is gone or shows another title.
   */
  async answerQuickInput(title: RegExp, value: string, { password = false, beforeEnter }: { password?: boolean; beforeEnter?: () => Promise<void> } = {}): Promise<void> {
    const page = this.page;
    const box = page.locator(QUICK_INPUT_BOX);
    const shownTitle = await this.waitForQuickInput(title);
    trace(`${this.name}: answer ${shownTitle}`);
    const type = await box.getAttribute('type');
    if (password && type !== 'password') throw new Error(`${this.name}: the input "${shownTitle}" is not masked (type=${type ?? 'text'})`);
    if (!password && type === 'password') throw new Error(`${this.name}: the input "${shownTitle}" is unexpectedly masked`);
    // Under load the workbench can swap the input widget (input box -> quick pick) while keys arrive and drop
    // some of them: type again, up to three times, before calling it a failure.
    for (let attempt = 1; ; attempt++) {
      await box.focus();
      await page.keyboard.press('Control+A');
      if (value) await page.keyboard.type(value);
      else await page.keyboard.press('Delete');
      try {
        await waitFor(`${this.name}: "${shownTitle}" to hold what was typed`, async () => ((await box.inputValue()) === value ? true : undefined), {
          timeoutMs: 5_000,
          describe: async () => `input value ${JSON.stringify(await box.inputValue())}`,
        });
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
        trace(`${this.name}: "${shownTitle}" lost keystrokes (attempt ${attempt}); typing again`);
      }
    }
    if (value && !password) {
      // The quick pick adds the typed value as an item a moment after the keystrokes.
      await sleep(100);
    }
    await beforeEnter?.();
    await page.keyboard.press('Enter');
    await waitFor(
      `${this.name}: "${shownTitle}" to accept the input`,
      async () => {
        const visible = await page.locator(QUICK_INPUT).isVisible();
        if (!visible) return true;
        const now = (await page.locator(QUICK_INPUT_TITLE).textContent()) ?? '';
        return now !== shownTitle ? true : undefined;
      },
      { timeoutMs: 10_000, describe: () => this.quickInputSummary() },
    );
  }

  /** Waits for a quick input titled like `title`; returns the title shown. */
  async waitForQuickInput(title: RegExp, timeoutMs = 15_000): Promise<string> {
    const page = this.page;
    return waitFor(
      `${this.name}: a quick input titled ${title}`,
      async () => {
        if (!(await page.locator(QUICK_INPUT).isVisible())) return undefined;
        const text = ((await page.locator(QUICK_INPUT_TITLE).textContent()) ?? '').trim();
        return title.test(text) ? text : undefined;
      },
      { timeoutMs, describe: () => this.quickInputSummary() },
    );
  }

  async quickInputSummary(): Promise<string> {
    const page = this.page;
    if (!(await page.locator(QUICK_INPUT).isVisible())) {
      return `no quick input is open; focus on ${await this.focusSummary()}; dialog: ${await this.dialogSummary()}; notifications: ${JSON.stringify(await this.toastTexts())}`;
    }
    const title = ((await page.locator(QUICK_INPUT_TITLE).textContent()) ?? '').trim();
    const value = await page.locator(QUICK_INPUT_BOX).inputValue();
    const message = ((await page.locator(QUICK_INPUT_MESSAGE).first().textContent().catch(() => '')) ?? '').trim();
    const rows = await page.locator(QUICK_INPUT_ROWS).evaluateAll((els) => els.slice(0, 5).map((e) => e.getAttribute('aria-label') ?? ''));
    return `quick input title ${JSON.stringify(title)}, value ${JSON.stringify(value)}, message ${JSON.stringify(message)}, rows ${JSON.stringify(rows)}`;
  }

  private async ensureNoQuickInput(): Promise<void> {
    if (await this.page.locator(QUICK_INPUT).isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 5_000 });
    }
  }

  // ---- modal dialogs -------------------------------------------------------------------------

  /** Waits for a modal dialog whose message matches, clicks its button `label`; returns the dialog's text. */
  async clickDialogButton(message: RegExp, label: string): Promise<string> {
    const page = this.page;
    const dialog = page.locator(DIALOG);
    const text = await waitFor(
      `${this.name}: a modal dialog saying ${message}`,
      async () => {
        if (!(await dialog.isVisible())) return undefined;
        const t = ((await dialog.textContent()) ?? '').replace(/\s+/g, ' ').trim();
        return message.test(t) ? t : undefined;
      },
      { timeoutMs: 15_000, describe: () => this.dialogSummary() },
    );
    trace(`${this.name}: click ${label} in ${text}`);
    await dialog.getByRole('button', { name: label, exact: true }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    // The dialog hands the focus back a moment after it hides; a key pressed before that can be lost.
    await waitFor(`${this.name}: the focus to leave the closed dialog`, async () => {
      const inDialog = await page.evaluate(() => !!document.activeElement?.closest('.monaco-dialog-box, .monaco-dialog-modal-block'));
      return inDialog ? undefined : true;
    }, { timeoutMs: 5_000, describe: () => this.focusSummary() });
    await sleep(150);
    return text;
  }

  async dialogSummary(): Promise<string> {
    const dialog = this.page.locator(DIALOG);
    if (!(await dialog.isVisible())) return '(no dialog)';
    return JSON.stringify(((await dialog.textContent()) ?? '').replace(/\s+/g, ' ').trim());
  }

  // ---- notifications -------------------------------------------------------------------------

  async toastTexts(): Promise<string[]> {
    return this.page.locator(TOAST_MESSAGES).evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
  }

  /** Messages in the notification centre; [] while it is closed (its list is not kept current then). */
  async centreTexts(): Promise<string[]> {
    const centre = this.page.locator(CENTRE);
    if ((await centre.count()) === 0 || !(await centre.first().isVisible())) return [];
    return this.page.locator(CENTRE_MESSAGES).evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
  }

  /**
   * Finds a notification matching `text` as a toast, or else in the notification centre (a
   * notification may skip the toast), which it opens and closes again. Clear the notifications
   * first when an older one could match too.
   */
  async waitForNotification(text: RegExp, timeoutMs = 20_000): Promise<Notification> {
    const found = await this.findNotification(text, timeoutMs);
    trace(`${this.name}: notification (${found.where}) ${found.text}`);
    return found;
  }

  private async findNotification(text: RegExp, timeoutMs: number): Promise<Notification> {
    const look = async (): Promise<Notification | undefined> => {
      const toast = (await this.toastTexts()).find((t) => text.test(t));
      if (toast !== undefined) return { text: toast, where: 'toast' };
      // code-server started with the smoke-test driver shows no toasts at all: everything goes to the centre.
      await this.showNotificationCentre(true);
      const inCentre = (await this.centreTexts()).find((t) => text.test(t));
      return inCentre === undefined ? undefined : { text: inCentre, where: 'centre' };
    };
    try {
      return await waitFor(`${this.name}: a notification ${text} (as a toast or in the notification centre)`, look, {
        timeoutMs,
        describe: async () => `toasts ${JSON.stringify(await this.toastTexts())}, centre ${JSON.stringify(await this.centreTexts())}`,
      });
    } finally {
      await this.showNotificationCentre(false);
    }
  }

  async showNotificationCentre(show: boolean): Promise<void> {
    const centre = this.page.locator(CENTRE);
    const visible = (await centre.count()) > 0 && (await centre.first().isVisible());
    if (visible === show) return;
    await this.page.locator('#status\\.notifications').click();
    await waitFor(`${this.name}: the notification centre to ${show ? 'open' : 'close'}`, async () => {
      const now = (await centre.count()) > 0 && (await centre.first().isVisible());
      return now === show ? true : undefined;
    }, { timeoutMs: 5_000 });
  }

  /** Clears every notification, so the next one cannot be mistaken for an older one (Notifications: Clear All). */
  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await waitFor(`${this.name}: the notifications to go`, async () => ((await this.toastTexts()).length + (await this.centreTexts()).length === 0 ? true : undefined), {
      timeoutMs: 5_000,
      describe: async () => `toasts ${JSON.stringify(await this.toastTexts())}, centre ${JSON.stringify(await this.centreTexts())}`,
    });
  }

  // ---- the Messages tree ---------------------------------------------------------------------

  /** Opens the Inviosmart SMS container from the activity bar (a click, as a user would). */
  async openMessagesView(): Promise<void> {
    const page = this.page;
    const item = page.locator('.part.activitybar .action-item .action-label[aria-label^="Inviosmart SMS"]');
    await waitFor(`${this.name}: the Inviosmart SMS icon in the activity bar`, async () => ((await item.count()) > 0 ? true : undefined), {
      timeoutMs: 15_000,
      describe: async () =>
        JSON.stringify(await page.locator('.part.activitybar .action-item .action-label').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))),
    });
    const sidebarTitle = page.locator(`${SIDEBAR} .composite.title`);
    const open = async (): Promise<boolean> => /inviosmart sms/i.test((await sidebarTitle.textContent().catch(() => '')) ?? '') && (await page.locator(SIDEBAR).isVisible());
    if (!(await open())) await item.first().click();
    await waitFor(`${this.name}: the side bar to show Inviosmart SMS`, async () => ((await open()) ? true : undefined), {
      timeoutMs: 10_000,
      describe: async () => JSON.stringify((await sidebarTitle.textContent().catch(() => '')) ?? ''),
    });
  }

  async treeRows(): Promise<TreeRow[]> {
    return this.page.locator(TREE_ROWS).evaluateAll((els) =>
      els.map((e) => ({
        label: (e.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (e.querySelector('.label-description')?.textContent ?? '').trim(),
        ariaLabel: e.getAttribute('aria-label') ?? '',
        level: Number(e.getAttribute('aria-level') ?? '0'),
      })),
    );
  }

  /** Waits for a message row in the tree whose label is exactly `label` and whose aria label matches `status`. */
  async waitForTreeMessage(label: string, status: RegExp, timeoutMs = 30_000): Promise<TreeRow> {
    return waitFor(
      `${this.name}: a tree row labelled ${JSON.stringify(label)} with status ${status}`,
      async () => (await this.treeRows()).find((r) => r.label === label && r.level >= 2 && status.test(r.ariaLabel)),
      { timeoutMs, describe: async () => JSON.stringify(await this.treeRows()) },
    );
  }

  /**
   * Hovers the tree row labelled `label` and returns the text and HTML of its hover, recognised by
   * `marker` (e.g. its SMSId: the label itself is what the caller wants to check). The mouse is
   * moved away afterwards so the hover closes.
   */
  async treeHover(label: string, marker: string): Promise<{ text: string; html: string }> {
    const page = this.page;
    const row = page.locator(TREE_ROWS).filter({ has: page.locator('.label-name', { hasText: label }) }).first();
    const anyHover = page.locator('.workbench-hover-container .monaco-hover');
    const hover = anyHover.filter({ hasText: marker });
    // A hover left open elsewhere (the notification bell after a click) would be in the way.
    await page.mouse.move(700, 400);
    await waitFor(`${this.name}: other hovers to close`, async () => ((await anyHover.count()) === 0 ? true : undefined), { timeoutMs: 5_000 }).catch(() => undefined);
    try {
      return await waitFor(
        `${this.name}: the hover of the tree row ${JSON.stringify(label)} (with ${JSON.stringify(marker)})`,
        async () => {
          if (!(await hover.first().isVisible().catch(() => false))) {
            // The hover opens only once the pointer rests on the row: leave and come back.
            await page.mouse.move(700, 400);
            await row.hover({ position: { x: 60, y: 10 } });
            return undefined;
          }
          return { text: ((await hover.first().textContent()) ?? '').trim(), html: await hover.first().innerHTML() };
        },
        {
          timeoutMs: 15_000,
          intervalMs: 1_500,
          describe: async () => `hovers ${JSON.stringify(await anyHover.evaluateAll((els) => els.map((e) => e.textContent ?? '')))}`,
        },
      );
    } finally {
      await page.mouse.move(700, 400);
    }
  }

  // ---- the SMS History panel (webview) ---------------------------------------------------------

  /** The panel's document: the workbench's webview iframe, then the app's own frame inside it. */
  panelFrame(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
  }

  async panelRows(): Promise<PanelRow[]> {
    const frames = this.page.locator('iframe.webview.ready');
    if ((await frames.count()) === 0) return [];
    return this.panelFrame()
      .locator('.row[data-key]')
      .evaluateAll((els) =>
        els.map((e) => {
          const cells = e.querySelectorAll('[role="gridcell"]');
          const textCell = cells[4];
          const foreign = textCell
            ? [...textCell.querySelectorAll('*')].filter((n) => !(n.tagName === 'SPAN' && (n.classList.contains('message-text') || n.classList.contains('tag')))).map((n) => n.outerHTML)
            : [];
          return {
            key: (e as HTMLElement).dataset.key ?? '',
            id: (cells[0]?.textContent ?? '').trim(),
            destination: (cells[2]?.textContent ?? '').trim(),
            text: e.querySelector('.message-text')?.textContent ?? '',
            status: (e.querySelector('.status-label')?.textContent ?? '').trim(),
            category: (e as HTMLElement).dataset.status ?? '',
            foreignElements: foreign,
          };
        }),
      );
  }

  async waitForPanelRow(predicate: (row: PanelRow) => boolean, what: string, timeoutMs = 30_000): Promise<PanelRow> {
    return waitFor(`${this.name}: a panel row ${what}`, async () => (await this.panelRows()).find(predicate), {
      timeoutMs,
      describe: async () => JSON.stringify((await this.panelRows()).map(({ foreignElements: _f, ...r }) => r)),
    });
  }

  /** Counts elements of `tag` anywhere in the panel's document. */
  async panelElementCount(selector: string): Promise<number> {
    return this.panelFrame().locator(selector).count();
  }

  // ---- screenshots ---------------------------------------------------------------------------

  async screenshot(file: string, target?: Locator, clip?: { padX?: number; padY?: number; within?: Locator }): Promise<string> {
    mkdirSync(resultsDir, { recursive: true });
    const out = path.join(resultsDir, file);
    if (!target) {
      await this.page.screenshot({ path: out });
    } else if (!clip) {
      await target.screenshot({ path: out });
    } else {
      const box = await target.boundingBox();
      const outer = clip.within ? await clip.within.boundingBox() : null;
      if (!box) throw new Error(`${this.name}: nothing to screenshot for ${file}: the element is not visible`);
      const padX = clip.padX ?? 0;
      const padY = clip.padY ?? 0;
      let x = box.x - padX;
      let y = box.y - padY;
      let right = box.x + box.width + padX;
      let bottom = box.y + box.height + padY;
      if (outer) {
        x = Math.max(x, outer.x);
        y = Math.max(y, outer.y);
        right = Math.min(right, outer.x + outer.width);
        bottom = Math.min(bottom, outer.y + outer.height);
      }
      await this.page.screenshot({ path: out, clip: { x, y, width: right - x, height: bottom - y } });
    }
    return out;
  }

  /** A whole-window screenshot named after a failed test; never throws. */
  async failureScreenshot(testTitle: string): Promise<string | undefined> {
    const safe = testTitle.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
    try {
      return await this.screenshot(`e2e-failure-${this.name}-${safe}.png`);
    } catch {
      return undefined;
    }
  }
}
