/** The REST client: JSON with the agent's bearer token; a 401 anywhere signs the agent out. */
import type { ErrorBody } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  del(path: string): Promise<void>;
  /** A file answer (the CSV export) as a Blob. */
  blob(path: string): Promise<Blob>;
}

/** Unauthenticated calls (sign in, sign up). */
export const publicApi = (): Api => createApi(null, () => {});

export function createApi(token: string | null, onUnauthenticated: () => void): Api {
  async function send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (res.ok) return res;
    const error = await res.json().then((b: { error?: ErrorBody }) => b.error, () => undefined);
    if (res.status === 401 && token) onUnauthenticated();
    throw new ApiError(res.status, error?.code ?? 'INTERNAL', error?.message ?? `The server answered ${res.status}.`, error?.details);
  }
  const json = async <T>(res: Response): Promise<T> => (res.status === 204 ? (undefined as T) : ((await res.json()) as T));
  return {
    get: async (path) => json(await send('GET', path)),
    post: async (path, body) => json(await send('POST', path, body ?? {})),
    patch: async (path, body) => json(await send('PATCH', path, body)),
    del: async (path) => void (await send('DELETE', path)),
    blob: async (path) => (await send('GET', path)).blob(),
  };
}

/** A readable sentence for any failure (an ApiError's message, a network error…). */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
