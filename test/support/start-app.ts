/** Starts the real app on an ephemeral port and hands out real clients: fetch for REST, socket.io-client for sockets. */
import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { pino } from 'pino';
import { createApp, type App } from '../../src/app.js';
import { buildDeps, closeDeps, type Deps } from '../../src/deps.js';
import type { SessionPayload } from '../../src/realtime/events.js';
import { sharedDatabase } from './root-hooks.js';
import { testConfig } from './test-config.js';

export interface VisitorClient {
  socket: Socket;
  session: SessionPayload;
}

export interface TestApp {
  url: string;
  app: App;
  deps: Deps;
  /** Connects to /visitor and waits for `session`. */
  connectVisitor(projectId: string, auth?: { token?: string; identity?: string }): Promise<VisitorClient>;
  /** Connects to /agent and waits for `connect`. */
  connectAgent(token: string, projectId: string): Promise<Socket>;
  /** Opens a socket without waiting, for tests of refused handshakes. */
  rawSocket(namespace: '/visitor' | '/agent', auth: Record<string, unknown>, extra?: Record<string, unknown>): Socket;
  close(): Promise<void>;
}

export async function startApp(env: Record<string, string | undefined> = {}): Promise<TestApp> {
  const config = testConfig(env);
  const deps = buildDeps(config, pino({ level: config.logLevel }), { db: sharedDatabase() });
  const app = createApp(deps);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const sockets: Socket[] = [];

  const rawSocket: TestApp['rawSocket'] = (namespace, auth, extra = {}) => {
    const socket = io(url + namespace, { auth, transports: ['websocket'], forceNew: true, reconnection: false, ...extra });
    sockets.push(socket);
    return socket;
  };

  return {
    url,
    app,
    deps,
    rawSocket,
    connectVisitor(projectId, auth = {}) {
      const socket = rawSocket('/visitor', { projectId, ...auth });
      return new Promise((resolve, reject) => {
        socket.once('session', (session: SessionPayload) => resolve({ socket, session }));
        socket.once('connect_error', reject);
      });
    },
    connectAgent(token, projectId) {
      const socket = rawSocket('/agent', { token, projectId });
      return new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      });
    },
    async close() {
      for (const socket of sockets) socket.disconnect();
      await app.close();
      await closeDeps(deps, { keepDb: true });
    },
  };
}
