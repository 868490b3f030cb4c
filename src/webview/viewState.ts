// The panel's view state (filter, sort, scroll position, selection), kept by VS Code through
// `setState` so a hidden or restored panel comes back as it was. Saves are batched: scrolling and
// typing change it many times a second.
import { restoreViewState, type PanelViewState } from '../panel/model';

/** The part of the webview API that keeps state. */
export interface StateApi {
  getState(): unknown;
  setState(state: PanelViewState): void;
}

/** Milliseconds a change waits for the next one before the state is saved. */
export const SAVE_DELAY_MS = 150;

export class SavedViewState {
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `snapshot` reads the state to save when the save happens, not when it is scheduled. */
  constructor(private readonly api: StateApi, private readonly snapshot: () => PanelViewState) {}

  /** The state saved last time (checked, with defaults for anything missing or malformed). */
  restored(): PanelViewState {
    return restoreViewState(this.api.getState());
  }

  /** Saves soon, once the changes stop for a moment. */
  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.api.setState(this.snapshot()), SAVE_DELAY_MS);
  }
}
