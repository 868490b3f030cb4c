import * as vscode from 'vscode';
import type { CallEvent } from '../gateway/types';
import { redactText } from '../gateway/redact';

/**
 * The "Inviosmart" output channel. Everything written here goes through redaction first, so a
 * password can never reach it even if a caller forgets.
 */
export class Log implements vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;
  private readonly secrets = new Set<string>();

  constructor(name = 'Inviosmart') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  /** Remember a secret value so it is masked wherever it shows up. */
  addSecret(value: string | undefined): void {
    if (value) this.secrets.add(value);
  }

  private clean(text: string): string {
    return redactText(text, [...this.secrets]);
  }

  call(e: CallEvent): void {
    const line = `${e.command} ${e.outcome} in ${Math.round(e.durationMs)} ms (attempt ${e.attempt}): ${e.summary} — ${e.url}`;
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

  dispose(): void {
    this.channel.dispose();
  }
}
