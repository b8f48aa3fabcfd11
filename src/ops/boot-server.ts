/**
 * The process's one listening socket, opened before the app exists: while the database is
 * awaited and migrated, /healthz answers 200 and /readyz 503 (so a supervisor neither restarts
 * the process nor sends it traffic) and everything else 503. Once the app is built, every
 * request and WebSocket upgrade is handed to the app's own HTTP server, which never listens.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { App } from '../app.js';
import type { Deps } from '../deps.js';
import { appHttpObjects } from '../http/app-http-objects.js';

export type BootPhase = 'waiting for the database' | 'migrating the database';

export class BootServer {
  readonly server: http.Server;
  private app: App | null = null;
  private phase: BootPhase = 'waiting for the database';
  /** The classes this server makes requests and responses with: give them to createApp. */
  readonly httpObjects = appHttpObjects();

  constructor(private readonly deps: Deps) {
    this.server = http.createServer(this.httpObjects.serverOptions, (req, res) => {
      if (this.app) this.app.server.emit('request', req, res);
      else void this.answerWhileStarting(req, res);
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.app) this.app.server.emit('upgrade', req, socket, head);
      else socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
  }

  /** Resolves with the port once listening; rejects (EADDRINUSE…) otherwise. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  setPhase(phase: BootPhase): void {
    this.phase = phase;
  }

  /** From now on the app answers everything. */
  serve(app: App): void {
    this.app = app;
  }

  /** Stops accepting connections; resolves once the open ones are done. */
  stopAccepting(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Cuts the connections still open (keep-alive, slow requests). */
  cutConnections(): void {
    this.server.closeAllConnections();
  }

  private async answerWhileStarting(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') return json(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/readyz') {
      const checks: Record<string, 'ok' | 'down'> = { database: this.phase === 'waiting for the database' ? 'down' : 'ok' };
      if (this.deps.redis) {
        checks.redis = await this.deps.redis.commands.ping().then(
          () => 'ok' as const,
          () => 'down' as const,
        );
      }
      return json(res, 503, { status: 'unavailable', checks, starting: this.phase });
    }
    res.setHeader('retry-after', '5');
    json(res, 503, { error: { code: 'UNAVAILABLE', message: `The server is starting (${this.phase}); try again shortly.` } });
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
