// A row's context menu (right-click, the context-menu key, Shift+F10): the entry's actions, kept on
// screen near where it was asked for.
import type { VscodeContextMenu } from '@vscode-elements/elements/dist/vscode-context-menu/vscode-context-menu.js';
import type { HistoryEntry } from '../panel/model';
import { isRowAction, type PanelStrings, type RowAction } from '../panel/protocol';
import { actionsFor } from './dom';

export class RowMenu {
  readonly element: VscodeContextMenu;
  /** The row the open menu is for. */
  private key: string | undefined;

  /** `onAction` runs the chosen action; `onDone` runs when the menu closes by a choice or Escape. */
  constructor(private readonly strings: PanelStrings, onAction: (action: RowAction, key: string) => void, onDone: () => void) {
    const menu = document.createElement('vscode-context-menu');
    menu.className = 'row-menu';
    menu.addEventListener('vsc-context-menu-select', (e) => {
      const action = e.detail.value;
      if (this.key && isRowAction(action)) onAction(action, this.key);
      onDone();
    });
    menu.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') onDone();
    });
    this.element = menu;
  }

  open(entry: HistoryEntry, x: number, y: number): void {
    this.key = entry.key;
    const data = actionsFor(entry).flatMap((action) => {
      const item = { label: this.strings[`action_${action}`], value: action };
      return action === 'deleteEntry' ? [{ separator: true }, item] : [item];
    });
    this.element.data = data;
    // Keep the menu on screen: open it upward/leftward when there is no room.
    const width = 220;
    const height = data.length * 26 + 12;
    this.element.style.left = `${Math.max(0, Math.min(x, window.innerWidth - width))}px`;
    this.element.style.top = `${Math.max(0, Math.min(y, window.innerHeight - height))}px`;
    this.element.show = true;
  }
}
