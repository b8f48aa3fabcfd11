/**
 * Automatic routing in one process: a new conversation goes at once to an online agent with
 * room, the least loaded first, ties to the oldest last assignment; with nobody available it
 * waits in the queue and its visitor hears its place; `pooled` and `away` take nothing.
 * Real clients; both the visitor and the agents are observed.
 */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, ok, ownerWithProject, sleep } from '../support/clients.js';
import { outgoing, QUIET_MS, setRouting, until, waitFor } from '../support/chat-fixtures.js';
import { assignedTo, placeIs, routingClients, stillWaiting } from '../support/routing-fixtures.js';

describe('routing: automatic assignment and the queue', () => {
  let t: TestApp;
  let c: ReturnType<typeof routingClients>;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
    c = routingClients(t);
  });
  after(async () => {
    await t.close();
  });

  it('auto: a new conversation goes at once to the online agent, who hears created then updated and the visitor after that', async () => {
    const p = await ownerWithProject(t.url);
    const agent = await c.onlineAgent(p);
    const chat = await c.start(p);
    // The answer is the conversation as created; the assignment follows as conversation:updated.
    expect(chat.conversation).to.include({ status: 'unassigned', assigneeId: null });

    const assignment = await assignedTo(chat.seen, chat.id, agent.id);
    expect(assignment).to.include({ id: chat.id, firstText: 'Hello, I need help', lastSeq: 1 });
    await until(() => agent.seen.updates(chat.id).length > 0, 'the agent hears the assignment');
    const agentEvents = agent.seen.log.filter((e) => ['conversation:created', 'conversation:updated'].includes(e.event) && e.payload.id === chat.id);
    expect(agentEvents.map((e) => [e.event, e.payload.status, e.payload.assigneeId])).to.deep.equal([
      ['conversation:created', 'unassigned', null],
      ['conversation:updated', 'assigned', agent.id],
    ]);
    // Assigned at once: never in the queue, so no place was sent.
    expect(chat.seen.positions(chat.id)).to.deep.equal([]);

    // The assignee follows it as if it had joined: it hears the visitor and may answer.
    const heard = waitFor(agent.socket, 'message:created', (m: any) => m.conversationId === chat.id);
    const sent = await ok(chat.visitor.socket, 'message:send', outgoing(chat.id, 'Still there?'));
    expect(await heard).to.deep.equal(sent);
    const toVisitor = waitFor(chat.visitor.socket, 'message:created', (m: any) => m.conversationId === chat.id && m.sender.type === 'agent');
    const reply = await ok(agent.socket, 'message:send', outgoing(chat.id, 'Yes, how can I help?'));
    expect((await toVisitor).id).to.equal(reply.id);

    expect(await c.openOf(p, agent.id)).to.equal(1);
    expect((await ok(agent.socket, 'conversation:list', { assignee: 'mine' })).map((c: any) => c.id)).to.deep.equal([chat.id]);
  });

  it('the least loaded agent gets the next one; a tie goes to the agent whose last assignment is the oldest', async () => {
    const p = await ownerWithProject(t.url);
    const x = await c.onlineAgent(p);
    const y = await c.onlineAgent(p);
    const next = async () => {
      const chat = await c.start(p);
      await until(() => chat.seen.updates(chat.id).some((c) => c.status === 'assigned'), 'an assignment');
      return { ...chat, assigneeId: chat.seen.updates(chat.id).find((c) => c.status === 'assigned').assigneeId as string };
    };
    const c1 = await next();
    const first = c1.assigneeId === x.id ? x : y;
    const second = first === x ? y : x;
    const c2 = await next();
    expect(c2.assigneeId, 'c2 goes to the one with none').to.equal(second.id);
    const c3 = await next();
    expect(c3.assigneeId, 'c3: one each, the first was assigned longer ago').to.equal(first.id);
    const c4 = await next();
    expect(c4.assigneeId).to.equal(second.id);

    await ok(first.socket, 'conversation:close', { conversationId: c1.id });
    await ok(first.socket, 'conversation:close', { conversationId: c3.id });
    expect(await c.openOf(p, first.id)).to.equal(0);
    expect(await c.openOf(p, second.id)).to.equal(2);
    expect((await next()).assigneeId, 'c5: 0 open beats 2').to.equal(first.id);
    expect((await next()).assigneeId, 'c6: 1 open beats 2').to.equal(first.id);
    expect((await next()).assigneeId, 'c7: 2 each; the second was last assigned before the first').to.equal(second.id);
  });

  it('away takes nothing: the conversation waits at place 1 until the agent is back online, then goes to it', async () => {
    const p = await ownerWithProject(t.url);
    const agent = await c.onlineAgent(p);
    await ok(agent.socket, 'presence:set', { status: 'away' });
    const chat = await c.start(p);
    await placeIs(chat.seen, chat.id, 1);
    await stillWaiting(chat.seen, chat.id);
    expect(await c.openOf(p, agent.id)).to.equal(0);

    await ok(agent.socket, 'presence:set', { status: 'online' });
    await assignedTo(chat.seen, chat.id, agent.id);
    expect(chat.seen.positions(chat.id)).to.deep.equal([1]);
  });

  it('an agent who comes online takes the oldest waiting conversations, as many as its capacity allows', async () => {
    const p = await ownerWithProject(t.url);
    const chats: Awaited<ReturnType<typeof c.start>>[] = [];
    for (let i = 0; i < 3; i++) chats.push(await c.start(p, `waiting ${i}`));
    for (const [i, chat] of chats.entries()) await placeIs(chat.seen, chat.id, i + 1);

    const agent = await c.onlineAgent(p, 2);
    await assignedTo(chats[0]!.seen, chats[0]!.id, agent.id);
    await assignedTo(chats[1]!.seen, chats[1]!.id, agent.id);
    await placeIs(chats[2]!.seen, chats[2]!.id, 1);
    await stillWaiting(chats[2]!.seen, chats[2]!.id);
    expect(chats[2]!.seen.positions(chats[2]!.id)).to.deep.equal([3, 1]);
    expect(await c.openOf(p, agent.id)).to.equal(2);
  });

  it('pooled: nothing is assigned and no place is sent; a join assigns as before', async () => {
    const p = await ownerWithProject(t.url);
    await setRouting(t, p.owner.token, p.projectId, 'pooled');
    const agent = await c.onlineAgent(p);
    const chat = await c.start(p);
    await stillWaiting(chat.seen, chat.id);
    expect(chat.seen.positions(chat.id)).to.deep.equal([]);
    expect(chat.seen.log.map((e) => e.event)).to.not.include('conversation:updated');

    const joined = await ok(agent.socket, 'conversation:join', { conversationId: chat.id });
    expect(joined.conversation).to.include({ status: 'assigned', assigneeId: agent.id });
  });

  it('turning a pooled project to auto tells the waiting visitors their places and routes them', async () => {
    const p = await ownerWithProject(t.url);
    await setRouting(t, p.owner.token, p.projectId, 'pooled');
    const [first, second] = [await c.start(p), await c.start(p)];
    await sleep(QUIET_MS);
    expect([first.seen.positions(first.id), second.seen.positions(second.id)]).to.deep.equal([[], []]);

    await setRouting(t, p.owner.token, p.projectId, 'auto');
    await placeIs(first.seen, first.id, 1);
    await placeIs(second.seen, second.id, 2);
    const agent = await c.onlineAgent(p, 1);
    await assignedTo(first.seen, first.id, agent.id);
    await placeIs(second.seen, second.id, 1);
  });

  it('queue:position: each newcomer hears its place once; a place ahead closing moves everyone behind it up by one', async () => {
    const p = await ownerWithProject(t.url);
    // An admin who is away may close waiting conversations without being routed any.
    const admin = await addAgent(t.url, p.owner.token, p.projectId, 'admin');
    const adminSocket = await t.connectAgent(admin.token, p.projectId);
    await c.untilPresence(p, admin.agent.id, 'online');
    await ok(adminSocket, 'presence:set', { status: 'away' });

    const chats: Awaited<ReturnType<typeof c.start>>[] = [];
    for (let i = 0; i < 3; i++) {
      chats.push(await c.start(p, `visitor ${i}`));
      await placeIs(chats[i]!.seen, chats[i]!.id, i + 1);
    }
    await sleep(QUIET_MS);
    expect(chats.map((c) => c.seen.positions(c.id))).to.deep.equal([[1], [2], [3]]);

    await ok(adminSocket, 'conversation:close', { conversationId: chats[0]!.id });
    await placeIs(chats[1]!.seen, chats[1]!.id, 1);
    await placeIs(chats[2]!.seen, chats[2]!.id, 2);

    const agent = await c.onlineAgent(p, 1);
    await assignedTo(chats[1]!.seen, chats[1]!.id, agent.id);
    await placeIs(chats[2]!.seen, chats[2]!.id, 1);
    await sleep(QUIET_MS);
    expect(chats.map((c) => c.seen.positions(c.id))).to.deep.equal([[1], [2, 1], [3, 2, 1]]);
    // A place goes to the waiting conversation's own lead only.
    expect(chats[0]!.seen.log.filter((e) => e.event === 'queue:position' && e.payload.conversationId !== chats[0]!.id)).to.deep.equal([]);
  });
});
