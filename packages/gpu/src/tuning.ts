/** Remembers which kernel variant won on an adapter, so timing happens once per machine. */
export interface TuningStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

/** Keeps choices for the life of the process (browsers, tests). */
export class MemoryTuningStore implements TuningStore {
  private readonly entries = new Map<string, string>();
  get(key: string): string | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: string): void {
    this.entries.set(key, value);
  }
}
