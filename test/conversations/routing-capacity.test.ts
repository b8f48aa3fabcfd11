/**
 * Routing by capacity: a close, a transfer away, a leave and more capacity hand the oldest
 * waiting conversations on; an agent never gets back a conversation it left; less capacity
 * takes nothing away; and the agent's lists and Member.openConversations follow the database.
 */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ok, ownerWithProject } from '../support/clients.js';
import { expectError, setRouting, until } from '../support/chat-fixtures.js';
import { assignedTo, placeIs, routingClients, stillWaiting } from '../support/routing-fixtures.js';

describe('routing: capacity, close, transfer, leave and the agent lists', () => {
  let t: TestApp;
  let c: ReturnType<typeof routingClients>;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
    c = routingClients(t);
  });
  after(async () => {
    await t.close();
  });

  it('capacity: the third waits; a close hands it the freed place, a transfer away the next; places follow', async () => {
    const p = await ownerWithProject(t.url);
    const a = await c.onlineAgent(p, 2);
    const c1 = await c.start(p);
    await assignedTo(c1.seen, c1.id, a.id);
    const c2 = await c.start(p);
    await assignedTo(c2.seen, c2.id, a.id);
    const c3 = await c.start(p);
    await placeIs(c3.seen, c3.id, 1);
    const c4 = await c.start(p);
    await placeIs(c4.seen, c4.id, 2);
    await stillWaiting(c3.seen, c3.id);
    expect(await c.openOf(p, a.id)).to.equal(2);

    await ok(a.socket, 'conversation:close', { conversationId: c1.id });
    await assignedTo(c3.seen, c3.id, a.id);
    await placeIs(c4.seen, c4.id, 1);
    expect(await c.openOf(p, a.id)).to.equal(2);

    // Handing c2 to a colleague (offline: transfers are manual) frees a place for c4.
    const b = await addAgent(t.url, p.owner.token, p.projectId, 'agent');
    await ok(a.socket, 'conversation:transfer', { conversationId: c2.id, agentId: b.agent.id });
    await assignedTo(c4.seen, c4.id, a.id);
    expect(c4.seen.positions(c4.id)).to.deep.equal([2, 1]);
    expect(await c.openOf(p, a.id)).to.equal(2);
    expect(await c.openOf(p, b.agent.id)).to.equal(1);
  });

  it('leave: the conversation goes back to the queue but never back to the agent who left it; its freed place takes the next', async () => {
    const p = await ownerWithProject(t.url);
    const a = await c.onlineAgent(p, 1);
    const c1 = await c.start(p);
    await assignedTo(c1.seen, c1.id, a.id);
    const c2 = await c.start(p);
    await placeIs(c2.seen, c2.id, 1);

    const left = c1.seen.log.length;
    await ok(a.socket, 'conversation:leave', { conversationId: c1.id });
    await until(() => c1.seen.updates(c1.id, left).some((c) => c.status === 'unassigned'), 'c1 back in the queue');
    await assignedTo(c2.seen, c2.id, a.id);
    await placeIs(c1.seen, c1.id, 1);
    await stillWaiting(c1.seen, c1.id, left);

    // Even with room again, a does not get c1 back; a colleague coming online does.
    await ok(a.socket, 'conversation:close', { conversationId: c2.id });
    await stillWaiting(c1.seen, c1.id, left);
    expect(await c.openOf(p, a.id)).to.equal(0);
    const b = await c.onlineAgent(p);
    await until(() => c1.seen.updates(c1.id, left).some((c) => c.status === 'assigned'), 'c1 assigned again');
    expect(c1.seen.updates(c1.id, left).map((c) => [c.status, c.assigneeId])).to.deep.equal([
      ['unassigned', null],
      ['assigned', b.id],
    ]);
  });

  it('more capacity takes waiting conversations at once; the project default applies to members without their own; less takes nothing away', async () => {
    const p = await ownerWithProject(t.url);
    await c.patchProject(p, { defaultMaxConcurrent: 1 });
    const a = await c.onlineAgent(p);
    const c1 = await c.start(p);
    await assignedTo(c1.seen, c1.id, a.id);
    const c2 = await c.start(p);
    const c3 = await c.start(p);
    await placeIs(c3.seen, c3.id, 2);
    await stillWaiting(c2.seen, c2.id);

    const raised = await c.patchMember(p, a.id, { maxConcurrent: 3 });
    expect(raised).to.include({ maxConcurrent: 3, presence: 'online' });
    await assignedTo(c2.seen, c2.id, a.id);
    await assignedTo(c3.seen, c3.id, a.id);
    expect(await c.openOf(p, a.id)).to.equal(3);

    const lowered = await c.patchMember(p, a.id, { maxConcurrent: 1 });
    expect(lowered).to.include({ maxConcurrent: 1, openConversations: 3 });
    const c4 = await c.start(p);
    await placeIs(c4.seen, c4.id, 1);
    await stillWaiting(c4.seen, c4.id);
    expect(await c.openOf(p, a.id)).to.equal(3);

    // Back to the project default, raised for everyone: c4 goes.
    await c.patchMember(p, a.id, { maxConcurrent: null });
    await c.patchProject(p, { defaultMaxConcurrent: 0 });
    await assignedTo(c4.seen, c4.id, a.id);
  });

  it('the agent lists: conversation:list filters by assignee (mine, unassigned, an id) and status; openConversations follows', async () => {
    const p = await ownerWithProject(t.url);
    await setRouting(t, p.owner.token, p.projectId, 'pooled');
    const a = await c.onlineAgent(p);
    const b = await c.onlineAgent(p);
    const [c1, c2, c3, c4] = [await c.start(p), await c.start(p), await c.start(p), await c.start(p)];
    await ok(a.socket, 'conversation:join', { conversationId: c1.id });
    await ok(b.socket, 'conversation:join', { conversationId: c2.id });
    await ok(a.socket, 'conversation:join', { conversationId: c4.id });
    await ok(a.socket, 'conversation:close', { conversationId: c4.id });

    const ids = async (payload: unknown) => (await ok(a.socket, 'conversation:list', payload)).map((c: any) => c.id);
    expect(await ids({ assignee: 'mine' })).to.deep.equal([c4.id, c1.id]);
    expect(await ids({ assignee: 'mine', status: 'assigned' })).to.deep.equal([c1.id]);
    expect(await ids({ assignee: 'unassigned' })).to.deep.equal([c3.id]);
    expect(await ids({ assignee: b.id })).to.deep.equal([c2.id]);
    expect(await ids({ status: 'closed' })).to.deep.equal([c4.id]);
    expect(await ids({ status: 'unassigned' })).to.deep.equal([c3.id]);
    const error = await expectError(a.socket, 'conversation:list', { assignee: 'everyone' }, 'VALIDATION_FAILED');
    expect(error.details.map((d: any) => d.path)).to.include('assignee');
    // The REST twin: ?status= and ?assigneeId=.
    const rest = await api(t.url, 'GET', `/v1/projects/${p.projectId}/conversations?status=assigned&assigneeId=${a.id}`, { token: a.account.token });
    expect(rest.body.data.map((c: any) => c.id)).to.deep.equal([c1.id]);

    expect([await c.openOf(p, a.id), await c.openOf(p, b.id)]).to.deep.equal([1, 1]);
    await ok(b.socket, 'conversation:transfer', { conversationId: c2.id, agentId: a.id });
    expect([await c.openOf(p, a.id), await c.openOf(p, b.id)]).to.deep.equal([2, 0]);
    await ok(a.socket, 'conversation:close', { conversationId: c1.id });
    expect([await c.openOf(p, a.id), await c.openOf(p, b.id)]).to.deep.equal([1, 0]);
    await ok(a.socket, 'conversation:reopen', { conversationId: c1.id });
    expect(await c.openOf(p, a.id)).to.equal(2);
    expect(await ids({ assignee: 'mine', status: 'assigned' })).to.have.members([c1.id, c2.id]);
  });
});
