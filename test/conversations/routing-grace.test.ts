/**
 * The grace period of an agent who went offline (ROUTING_GRACE_SECONDS, small here): its
 * conversations stay assigned through it, then return to the queue and go to the next agent
 * online; an agent back in time, or merely away, keeps them.
 */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ok, ownerWithProject, sleep } from '../support/clients.js';
import { outgoing, until, waitFor } from '../support/chat-fixtures.js';
import { record } from '../support/routing-fixtures.js';

describe('routing: the grace period of an agent who went offline', () => {
  const GRACE_MS = 1_000;
  let t: TestApp;
  before(async () => {
    t = await startApp({ ROUTING_GRACE_SECONDS: String(GRACE_MS / 1000), RATE_LIMIT_SOCKET: '0', RATE_LIMIT_HANDSHAKE: '0' });
  });
  after(async () => {
    await t.close();
  });

  const conversationOf = async (token: string, projectId: string, id: string) => (await api(t.url, 'GET', `/v1/projects/${projectId}/conversations/${id}`, { token })).body;

  /** An agent of a fresh project, online, with one conversation assigned to it. */
  const assignedChat = async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const agentSocket = await t.connectAgent(agent.token, projectId);
    const visitor = await t.connectVisitor(projectId);
    const seen = record(visitor.socket);
    const conversation = await ok(visitor.socket, 'conversation:start', { text: 'Hello' });
    await until(() => seen.updates(conversation.id).some((c) => c.assigneeId === agent.agent.id), 'the assignment');
    return { owner, projectId, agent, agentSocket, visitor, seen, id: conversation.id as string };
  };

  it('keeps the conversations for the grace period, then returns them to the queue, and the next agent online gets them', async () => {
    const chat = await assignedChat();
    const wentAt = Date.now();
    chat.agentSocket.disconnect();
    await sleep(GRACE_MS / 4);
    expect(await conversationOf(chat.owner.token, chat.projectId, chat.id)).to.include({ status: 'assigned', assigneeId: chat.agent.agent.id });

    await until(() => chat.seen.updates(chat.id).some((c) => c.status === 'unassigned'), 'the conversation back in the queue');
    expect(Date.now() - wentAt, 'not before the grace period').to.be.at.least(GRACE_MS - 100);
    expect(chat.seen.updates(chat.id).at(-1)).to.include({ status: 'unassigned', assigneeId: null });
    await until(() => chat.seen.positions(chat.id).at(-1) === 1, 'its place in the queue');

    const next = await addAgent(t.url, chat.owner.token, chat.projectId, 'agent');
    const nextSocket = await t.connectAgent(next.token, chat.projectId);
    await until(() => chat.seen.updates(chat.id).at(-1)?.assigneeId === next.agent.id, 'the next agent gets it');
    const heard = waitFor(nextSocket, 'message:created', (m: any) => m.conversationId === chat.id);
    await ok(chat.visitor.socket, 'message:send', outgoing(chat.id, 'anyone?'));
    await heard;
  });

  it('an agent back within the grace period keeps them; an agent who is away keeps them however long', async () => {
    const chat = await assignedChat();
    chat.agentSocket.disconnect();
    await sleep(GRACE_MS / 4);
    const again = await t.connectAgent(chat.agent.token, chat.projectId);
    await ok(again, 'presence:set', { status: 'away' });
    await sleep(GRACE_MS * 3);
    expect(chat.seen.updates(chat.id).map((c) => c.status)).to.deep.equal(['assigned']);
    expect(await conversationOf(chat.owner.token, chat.projectId, chat.id)).to.include({ status: 'assigned', assigneeId: chat.agent.agent.id });
  });
});
