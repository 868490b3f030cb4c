// The poller's queue of messages by when they are next due: a binary min-heap of (due, key). Plain
// TypeScript; a key pushed again leaves its old item behind, which the poller skips when it pops it.

/** Min-heap of (due, key); stale items are skipped when popped instead of being searched for. */
export class DueHeap {
  private dues: number[] = [];
  private keys: string[] = [];

  get size(): number {
    return this.dues.length;
  }

  push(due: number, key: string): void {
    let i = this.dues.length;
    this.dues.push(due);
    this.keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.dues[parent] <= due) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  peek(): { due: number; key: string } | undefined {
    return this.dues.length ? { due: this.dues[0], key: this.keys[0] } : undefined;
  }

  pop(): void {
    const last = this.dues.length - 1;
    if (last < 0) return;
    this.swap(0, last);
    this.dues.pop();
    this.keys.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.dues.length && this.dues[l] < this.dues[m]) m = l;
      if (r < this.dues.length && this.dues[r] < this.dues[m]) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  clear(): void {
    this.dues = [];
    this.keys = [];
  }

  private swap(a: number, b: number): void {
    [this.dues[a], this.dues[b]] = [this.dues[b], this.dues[a]];
    [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
  }
}
