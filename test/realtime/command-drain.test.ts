/**
 * The shutdown drain follows a socket's commands from its first one (its middleware is installed
 * then, not at connect): a command that is running when the drain closes is waited for and
 * answered, and a socket's first command sent after that is refused UNAVAILABLE and never run.
 * A bare Socket.IO server with the drain attached, real clients.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { CommandDrain } from '../../src/realtime/drain.js';
import { ack, sleep } from '../support/clients.js';

describe('command drain: commands followed from their socket’s first one', () => {
  let server: http.Server;
  let ioServer: Server;
  let url: string;
  const clients: Socket[] = [];

  beforeEach(async () => {
    server = http.createServer();
    ioServer = new Server(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/commands`;
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await new Promise((resolve) => ioServer.close(resolve));
  });

  const client = async () => {
    const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    clients.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  };

  /**
   * A drained namespace whose `work` command records its label and answers at once, but for
   * 'slow': that one answers only once released (`started` resolves when it is running).
   */
  function drainedNamespace() {
    const drain = new CommandDrain();
    const nsp = ioServer.of('/commands');
    drain.attach(nsp);
    const ran: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let markStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    nsp.on('connection', (socket) => {
      socket.on('work', async (label: string, answer: (response: unknown) => void) => {
        ran.push(label);
        if (label === 'slow') {
          markStarted();
          await held;
        }
        answer({ ok: true, data: label });
      });
    });
    let closed = false;
    const close = () => drain.close(5_000).then(() => (closed = true));
    return { ran, release, started, close, isClosed: () => closed };
  }

  it('waits for a running command, then refuses an idle socket’s first command without running it', async () => {
    const { ran, release, started, close, isClosed } = drainedNamespace();
    const busy = await client();
    const idle = await client();
    const slowAnswer = ack(busy, 'work', 'slow');
    await started;

    const closing = close();
    // The idle socket's first command, sent while the drain waits for the slow one.
    const refused = await ack(idle, 'work', 'late', 2_000);
    expect(refused).to.deep.equal({ ok: false, error: { code: 'UNAVAILABLE', message: 'This server is shutting down; retry the same command.' } });
    expect(ran, 'the refused command never ran').to.deep.equal(['slow']);
    expect(isClosed(), 'the drain still waits for the running command').to.equal(false);

    release();
    expect(await slowAnswer).to.deep.equal({ ok: true, data: 'slow' });
    await closing;
    expect(isClosed()).to.equal(true);
  });

  it('counts a command as running from the first one a socket sends', async () => {
    const { release, started, close, isClosed } = drainedNamespace();
    const socket = await client();
    // The socket's very first command.
    const answer = ack(socket, 'work', 'slow');
    await started;
    const closing = close();
    await sleep(100);
    expect(isClosed(), 'the first command is followed: close waits for it').to.equal(false);
    release();
    expect(await answer).to.deep.equal({ ok: true, data: 'slow' });
    await closing;
  });
});
