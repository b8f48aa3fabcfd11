/** A real HTTP receiver for webhooks on a local port: records each request, can fail or go down. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually as poll } from '../support/eventually.js';

export interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; createdAt: string; projectId: string; data: any };
  answered: number;
}

export class Receiver {
  readonly requests: Received[] = [];
  /** Answer this status to the next `failures` requests, then 200. */
  failures = 0;
  failStatus = 503;
  private server: http.Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Only the requests answered 2xx. */
  get delivered(): Received[] {
    return this.requests.filter((r) => r.answered >= 200 && r.answered < 300);
  }

  async start(port = this.port): Promise<this> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => {
        const answered = this.failures > 0 ? this.failStatus : 200;
        if (this.failures > 0) this.failures -= 1;
        this.requests.push({ headers: req.headers, raw, body: JSON.parse(raw), answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Down: connections are refused until start() again (same port). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export const WEBHOOK_TEST_ENV = { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_RETRY_SCHEDULE: '0.2,0.4' };

/** `eventually` with the webhook tests' patience: deliveries wait for retries. */
export const eventually = (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) => poll(condition, what, timeoutMs);
