/** Helpers of the fault tests: waiting for what needs a request to observe, timed acks, process liveness. */
import type { Socket } from 'socket.io-client';
import { ack, api } from '../support/clients.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { eventually as poll } from '../support/eventually.js';

/** Still running: neither exited nor killed by a signal. */
export const isRunning = (server: ServerProcess) => server.child.exitCode === null && server.child.signalCode === null;

/** `eventually` for the fault tests: by default every 200 ms, since each probe may be a request to a server that is restarting. */
export const eventually = <T>(probe: () => Promise<T>, what: string, timeoutMs = 15_000, everyMs = 200) => poll(probe, what, timeoutMs, everyMs);

/** GET /readyz: its status and body. */
export async function readiness(url: string): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const res = await api(url, 'GET', '/readyz');
  return { status: res.status, body: res.body };
}

/** A command's ack and how long it took; rejects when no ack comes within `boundMs`. */
export async function timedAck(socket: Socket, event: string, payload: unknown, boundMs: number): Promise<{ res: { ok: boolean; data: any; error: any }; ms: number }> {
  const started = Date.now();
  const res = await ack(socket, event, payload, boundMs);
  return { res, ms: Date.now() - started };
}

/** An agent's presence as the member list of the server at `url` shows it. */
export async function memberPresence(url: string, ownerToken: string, projectId: string, agentId: string): Promise<string | undefined> {
  const res = await api(url, 'GET', `/v1/projects/${projectId}/agents`, { token: ownerToken });
  if (res.status !== 200) throw new Error(`member list answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.data.find((m: { id: string }) => m.id === agentId)?.presence;
}
