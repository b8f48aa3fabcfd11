/** One webhook POST: signed, 10 s timeout, connecting only to public addresses unless allowed. */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { isPrivateAddress, publicOnlyLookup } from './url-guard.js';
import { signatureHeader } from './signature.js';

export const SEND_TIMEOUT_MS = 10_000;

export interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

const agents = {
  public: { http: new http.Agent({ keepAlive: true, lookup: publicOnlyLookup }), https: new https.Agent({ keepAlive: true, lookup: publicOnlyLookup }) },
  any: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
};

/** `stop` aborts the request early (the process is shutting down). */
export function sendWebhook(target: { url: string; secret: string }, eventId: string, rawBody: string, allowPrivate: boolean, stop?: AbortSignal): Promise<SendResult> {
  const url = new URL(target.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal never goes through `lookup`: checked here.
  if (!allowPrivate && net.isIP(host) && isPrivateAddress(host)) return Promise.resolve({ ok: false, status: null, error: 'refused: private address' });
  const secure = url.protocol === 'https:';
  const agent = (allowPrivate ? agents.any : agents.public)[secure ? 'https' : 'http'];
  return new Promise((resolve) => {
    const request = (secure ? https : http).request(
      url,
      {
        method: 'POST',
        agent,
        signal: stop ? AbortSignal.any([AbortSignal.timeout(SEND_TIMEOUT_MS), stop]) : AbortSignal.timeout(SEND_TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(rawBody),
          'user-agent': 'Pingstreams-Webhooks/1.1',
          'pingstreams-event-id': eventId,
          'pingstreams-signature': signatureHeader(target.secret, rawBody),
        },
      },
      (response) => {
        // Read (and drop) the body so the connection can be reused; the status is the answer.
        response.resume();
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          resolve({ ok: status >= 200 && status < 300, status, error: status >= 200 && status < 300 ? null : `HTTP ${status}` });
        });
        response.on('error', (err) => resolve({ ok: false, status: response.statusCode ?? null, error: err.message }));
      },
    );
    request.on('error', (err: NodeJS.ErrnoException) => {
      const aborted = err.name === 'AbortError' || err.name === 'TimeoutError';
      const why = stop?.aborted ? 'aborted: the server was shutting down' : `timeout after ${SEND_TIMEOUT_MS / 1000} s`;
      resolve({ ok: false, status: null, error: aborted ? why : `${err.code ?? err.name}: ${err.message}`.slice(0, 500) });
    });
    request.end(rawBody);
  });
}
