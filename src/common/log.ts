import * as vscode from 'vscode';
import type { CallEvent } from '../gateway/types';
import { redactText } from '../gateway/redact';
import { DisposableBase } from './lifecycle';
import { maskCallUrl, maskNumbersIn } from './privacy';

/**
 * The "Inviosmart" output channel. Everything written here goes through redaction first, so a
 * password can never reach it even if a caller forgets. VS Code keeps this log on disk and users
 * attach it to bug reports, so by default phone numbers are masked and message texts appear only
 * as their length; the full detail is written only at the Trace log level.
 */
export class Log extends DisposableBase {
  private readonly channel: vscode.LogOutputChannel;
  private readonly secrets = new Set<string>();

  constructor(name = 'Inviosmart') {
    super();
    this.channel = this._register(vscode.window.createOutputChannel(name, { log: true }));
    this.channel.info(
      vscode.l10n.t('Phone numbers are masked and message texts shown only by their length in this log. To see them in full, set the log level of "{0}" to Trace.', name),
    );
  }

  /** Remember a secret value so it is masked wherever it shows up. */
  addSecret(value: string | undefined): void {
    if (value) this.secrets.add(value);
  }

  /** True when the user asked for everything (Trace), numbers and texts included. */
  private get full(): boolean {
    return this.channel.logLevel === vscode.LogLevel.Trace;
  }

  private clean(text: string): string {
    const redacted = redactText(text, [...this.secrets]);
    return this.full ? redacted : maskNumbersIn(redacted);
  }

  call(e: CallEvent): void {
    const url = this.full ? e.url : maskCallUrl(e.url);
    const line = `${e.command} ${e.outcome} in ${Math.round(e.durationMs)} ms (attempt ${e.attempt}): ${e.summary} — ${url}`;
    if (e.outcome === 'ok') this.channel.info(this.clean(line));
    else this.channel.warn(this.clean(line));
  }

  info(message: string): void {
    this.channel.info(this.clean(message));
  }

  warn(message: string): void {
    this.channel.warn(this.clean(message));
  }

  error(message: string): void {
    this.channel.error(this.clean(message));
  }

  show(): void {
    this.channel.show(true);
  }
}
