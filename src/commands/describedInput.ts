import * as vscode from 'vscode';

/** What an input box shows under the text while typing, and why it cannot be accepted yet. */
export interface Described {
  info: string;
  error?: string;
}

/**
 * An input box whose prompt describes the text as it is typed (length, encoding, parts...) and that
 * refuses Enter while the description carries an error. Resolves undefined when dismissed.
 */
export function describedInput(title: string, initial: string, describe: (value: string) => Described): Promise<string | undefined> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    box.title = title;
    box.ignoreFocusOut = true;
    box.value = initial;
    const refresh = () => {
      const d = describe(box.value);
      box.prompt = d.info;
      box.validationMessage = box.value.length > 0 ? d.error : undefined;
    };
    refresh();
    box.onDidChangeValue(refresh);
    let done = false;
    box.onDidAccept(() => {
      const d = describe(box.value);
      if (d.error) {
        box.validationMessage = d.error;
        return;
      }
      done = true;
      resolve(box.value);
      box.hide();
    });
    box.onDidHide(() => {
      if (!done) resolve(undefined);
      box.dispose();
    });
    box.show();
  });
}
