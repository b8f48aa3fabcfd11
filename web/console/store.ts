/** The smallest observable store: a value replaced (never mutated), and a hook that re-renders on change. */
import { useEffect, useReducer } from 'preact/hooks';

export class Store<T> {
  private listeners = new Set<() => void>();
  constructor(private value: T) {}

  get(): T {
    return this.value;
  }

  set(next: T): void {
    if (next === this.value) return;
    this.value = next;
    for (const listener of [...this.listeners]) listener();
  }

  update(change: (value: T) => T): void {
    this.set(change(this.value));
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The store's current value; the component re-renders whenever it changes. */
export function useStore<T>(store: Store<T>): T {
  const value = store.get();
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const unsubscribe = store.subscribe(() => rerender(undefined));
    // A change between this render and the subscription would otherwise be missed.
    if (store.get() !== value) rerender(undefined);
    return unsubscribe;
  }, [store]);
  return value;
}
