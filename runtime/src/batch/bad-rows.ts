// The shard's errors file, `errors/part-<I>.jsonl`: one JSON line per row that
// was not scored, saying where it was and why. Streamed to its sink (opened on
// the first bad row), committed with the part file.
import type { BadRow } from './records.ts';
import type { OutputStore, Sink } from './stores/store.ts';

export class BadRowLog {
  readonly #store: OutputStore;
  readonly #name: string;
  #sink: Promise<Sink> | undefined;
  #pending: string[] = [];
  count = 0;

  constructor(store: OutputStore, name: string) {
    this.#store = store;
    this.#name = name;
  }

  async add(rows: readonly BadRow[]): Promise<void> {
    for (const { position, reason } of rows) {
      this.#pending.push(`${JSON.stringify({ ...position, reason })}\n`);
      this.count++;
    }
    if (this.#pending.length >= 1000) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    this.#sink ??= this.#store.sink(this.#name);
    const text = this.#pending.join('');
    this.#pending = [];
    await (await this.#sink).write(Buffer.from(text, 'utf8'));
  }

  /** Commits the file when there were bad rows; none are written for a clean shard. */
  async commit(): Promise<void> {
    await this.#flush();
    if (this.#sink) await (await this.#sink).commit();
  }

  async abort(): Promise<void> {
    if (this.#sink) await (await this.#sink).abort();
  }
}
