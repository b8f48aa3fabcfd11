/** The baseline: a bare Socket.IO relay doing the chat exchange with nothing behind it (ack + forward to the room). */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false });

// Same shape as Pingstreams' /visitor and /agent: the visitor sends, the agent in the room hears it.
for (const name of ['/visitor', '/agent']) {
  io.of(name).on('connection', (socket) => {
    const room = typeof socket.handshake.auth.room === 'string' ? socket.handshake.auth.room : null;
    if (room) void socket.join(room);
    socket.on('message:send', (input: { conversationId: string; clientMessageId: string; text: string }, ack?: (r: unknown) => void) => {
      const message = { ...input, id: input.clientMessageId, seq: 0, createdAt: new Date().toISOString() };
      io.of('/agent').to(input.conversationId).except(socket.id).emit('message:created', message);
      ack?.({ ok: true, data: message });
    });
  });
}

http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(JSON.stringify({ msg: 'listening', port }));
});
process.on('SIGTERM', () => process.exit(0));
