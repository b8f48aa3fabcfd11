/** The real app in this process on an embedded data folder of its own, so a test can read the database's fsync counter. */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { createApp } from '../../src/app.js';
import { openDatabase, type Database, type OpenOptions } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { buildDeps, closeDeps } from '../../src/deps.js';
import { ok } from './clients.js';
import { testConfig } from './test-config.js';

export type FolderApp = Awaited<ReturnType<typeof appOnFolder>>;

export async function appOnFolder(dir: string, options: OpenOptions = {}) {
  const db: Database = openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'pgdata') }, options);
  await migrateToLatest(db);
  const config = testConfig({ DATABASE_URL: undefined, REDIS_URL: undefined, DATA_DIR: dir, RATE_LIMIT_SOCKET: '0' });
  const deps = buildDeps(config, pino({ level: 'silent' }), { db });
  const app = createApp(deps);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const sockets: Socket[] = [];
  return {
    url,
    db,
    /** A visitor socket with a conversation started. */
    async visitorConversation(projectId: string) {
      const socket = io(`${url}/visitor`, { auth: { projectId }, transports: ['websocket'], forceNew: true, reconnection: false });
      sockets.push(socket);
      await new Promise((resolve, reject) => socket.once('session', resolve).once('connect_error', reject));
      const conversation = await ok(socket, 'conversation:start', { text: 'Hello' });
      return { socket, conversationId: conversation.id as string };
    },
    async close() {
      for (const socket of sockets) socket.disconnect();
      await app.close();
      await closeDeps(deps);
    },
  };
}

/** message:send with a fresh clientMessageId; throws unless acked. */
export const send = (socket: Socket, conversationId: string, text: string) => ok(socket, 'message:send', { conversationId, clientMessageId: randomUUID(), text });
