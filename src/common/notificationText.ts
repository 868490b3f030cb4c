// Text for VS Code notifications, which turn `[label](https:…|command:…|file:…)` into live links.

const ZERO_WIDTH_SPACE = '\u200B';

/**
 * Keeps gateway and history text in a notification as it reads and unlinked: a zero-width space between
 * `]` and `(` means no Markdown link can form, so a gateway's error body cannot offer a command to click.
 */
export function inertNotificationText(text: string): string {
  return text.replace(/\](?=\()/g, `]${ZERO_WIDTH_SPACE}`);
}
