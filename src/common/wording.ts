// What the core says, worded in the user's language with VS Code's translator: the catalogue's
// sentences (src/gateway/messages.ts) and gateway failures. Every surface (views, commands, tasks)
// words them through here, so none has to reach into another's folder for it.
import * as vscode from 'vscode';
import type { L10n } from '../gateway/l10n';
import { wordExplanation, wordMessage, type CoreMessage, type ExplainedError } from '../gateway/messages';

/** VS Code's translator as the core's catalogue takes it. */
export function userL10n(): L10n {
  const t: L10n['t'] = vscode.l10n.t; // VS Code's l10n functions do not use `this`
  return { t, language: vscode.env.language };
}

/** A sentence of the core's catalogue (why a number or sender is refused) in the user's language. */
export function localized(message: CoreMessage): string {
  return wordMessage(message, userL10n());
}

/**
 * What a failure means, in the user's language: worded again from its code or its English sentence
 * (the history keeps the English); a text the catalogue does not know is shown as it is.
 */
export function explain(e: ExplainedError): string {
  return wordExplanation(e, userL10n());
}
