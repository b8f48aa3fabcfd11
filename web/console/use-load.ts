/** Loads something over REST for a page: its value, its error, and a way to load it again. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api.js';

export interface Loaded<T> {
  value: T | null;
  error: string | null;
  /** The failure's HTTP status, if it was one (404: the record is gone). */
  status: number | null;
  reload(): void;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<{ message: string; status: number | null } | null>(null);
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const ticket = ++latest.current;
    load().then(
      (v) => ticket === latest.current && (setValue(v), setError(null)),
      (err: { status?: number }) => ticket === latest.current && setError({ message: describeError(err), status: err.status ?? null }),
    );
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { value, error: error?.message ?? null, status: error?.status ?? null, reload };
}
