/**
 * What the socket fuzz sends besides commands: frames no client library would send, and
 * handshakes with `auth` of every shape. Each goes on a throwaway connection.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { TestApp } from '../support/start-app.js';
import { CONTRACT_CODES, describeInput, FUZZ_SEED, mutated, nest, PROTOTYPE_BOMBS } from './junk.js';
import { disconnectWithin, emitWithAck, verdictOf } from './socket-wire.js';

const deepText = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** Broken JSON, a binary frame out of nowhere, bad attachment headers, unknown packet types, nesting past what JSON.parse takes. */
const FIXED_FRAMES: (string | Buffer)[] = [
  '2/visitor,["message:send",',
  '2/visitor,7["message:send",' + deepText(100_000) + ']',
  '2/visitor,8["lead:update",{"attributes":' + deepText(5_000) + '}]',
  '2/visitor,' + '['.repeat(200_000) + ']'.repeat(200_000),
  Buffer.from([0xde, 0xad, 0xbe, 0xef]),
  '51-/visitor,9["lead:update",{"_placeholder":true,"num":5}]',
  '5999999999999999-/visitor,["lead:update"]',
  '2/visitor,10["lead:update",{"_placeholder":true,"num":0}]',
  '9/visitor,["x"]',
  '3/visitor,99[1]',
  '0/nowhere,',
  '1/visitor,',
  '2/visitor,11[{"__proto__":{"polluted":"yes"}}]',
  '2/visitor,12[["message:send"],{}]',
  '2/visitor,13[null]',
  '2/visitor,14[42,{}]',
];

/**
 * Writes each frame on a fresh visitor connection. The server may close that connection;
 * if it does not, the connection must still answer a command. Returns how many were sent.
 */
export async function sendProtocolGarbage(t: TestApp, projectId: string, ackTimeoutMs: number): Promise<number> {
  const generated = fc
    .sample(fc.tuple(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '', 'x'), fc.string({ maxLength: 60 })), { seed: FUZZ_SEED, numRuns: 40 })
    .map(([type, rest]) => `${type}/visitor,${rest}`);
  let frames = 0;
  for (const frame of [...FIXED_FRAMES, ...generated]) {
    const victim = await t.connectVisitor(projectId);
    (victim.socket.io as any).engine.write(frame);
    frames++;
    if ((await disconnectWithin(victim.socket, 300)) === null) {
      const answer = await emitWithAck(victim.socket, 'conversation:list', [{}], ackTimeoutMs);
      if (victim.socket.connected) expect(verdictOf(answer.answer).kind, `after ${describeInput(String(frame).slice(0, 80))}`).to.equal('ok');
    }
    victim.socket.disconnect();
  }
  return frames;
}

/** `auth` of every shape on both namespaces: accepted, or refused with a contract code (never INTERNAL). Returns how many were tried. */
export async function tryJunkHandshakes(t: TestApp, valid: { projectId: string; visitorToken: string; agentToken: string }): Promise<number> {
  const auths = fc.sample(
    fc.oneof(
      mutated({ projectId: valid.projectId, token: valid.visitorToken }),
      mutated({ projectId: valid.projectId, token: valid.agentToken }),
      fc.constantFrom(...PROTOTYPE_BOMBS),
      fc.constant({ projectId: nest(3000, 'object') }),
    ),
    { seed: FUZZ_SEED, numRuns: 60 },
  );
  for (const [i, auth] of auths.entries()) {
    const namespace = i % 2 === 0 ? '/visitor' : '/agent';
    const socket = t.rawSocket(namespace, auth as Record<string, unknown>);
    const outcome = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (err: Error) => resolve(err.message));
    });
    if (outcome !== 'connected') expect(CONTRACT_CODES.has(outcome) && outcome !== 'INTERNAL', `${namespace} ${describeInput(auth)} → ${outcome}`).to.equal(true);
    socket.disconnect();
  }
  return auths.length;
}
