/**
 * The smallest store base: state lives in plain fields, `changed()` tells subscribers, and
 * `useObservable(store)` re-renders a Preact component on every change.
 */
import { useEffect, useReducer } from 'preact/hooks';

export class Observable {
  private readonly listeners = new Set<() => void>();

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Re-renders the calling component whenever `store` changes. */
export function useObservable(store: Observable): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => store.subscribe(() => bump(1)), [store]);
}
