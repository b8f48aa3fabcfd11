/** Tenancy: one lead never touches another's conversation, one project never another's records. */
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, api, collect, nextEvent, ok, ownerWithProject, sleep } from '../support/clients.js';
import { setRouting } from '../support/chat-fixtures.js';

const WATCHED = ['message:created', 'typing', 'conversation:read', 'conversation:updated', 'conversation:created'];

/** Every event a socket hears from now on, by name. */
function listen(socket: Socket): Record<string, unknown[]> {
  return Object.fromEntries(WATCHED.map((event) => [event, collect(socket, event)]));
}

const expectSilence = (heard: Record<string, unknown[]>) => {
  for (const [event, payloads] of Object.entries(heard)) expect(payloads, event).to.deep.equal([]);
};

describe('tenancy', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  /** Project 1: visitor B with an open conversation (one message, the owner joined) and a closed one. */
  async function projectWithConversations() {
    const { owner, projectId } = await ownerWithProject(t.url);
    // Pooled: these tests join by hand; automatic assignment would add events of its own.
    await setRouting(t, owner.token, projectId, 'pooled');
    const agent = await t.connectAgent(owner.token, projectId);
    const b = await t.connectVisitor(projectId);
    const open = await ok(b.socket, 'conversation:start', { text: 'My order is late' });
    await ok(agent, 'conversation:join', { conversationId: open.id });
    const closed = await ok(b.socket, 'conversation:start', { text: 'Another question' });
    await ok(agent, 'conversation:join', { conversationId: closed.id });
    // Wait for the last setup event on both sides (with Redis it may trail the ack), so tests hear only their own.
    const isClosed = (c: any) => c.id === closed.id && c.status === 'closed';
    const settled = Promise.all([nextEvent(agent, 'conversation:updated', isClosed), nextEvent(b.socket, 'conversation:updated', isClosed)]);
    await ok(agent, 'conversation:close', { conversationId: closed.id });
    await settled;
    return { owner, projectId, agent, b, open, closed };
  }

  it("a visitor gets NOT_FOUND for every command on another lead's conversation; nobody hears a thing", async () => {
    const p1 = await projectWithConversations();
    const { projectId: otherProject } = await ownerWithProject(t.url);
    const a = await t.connectVisitor(p1.projectId);
    await ok(a.socket, 'conversation:start', { text: 'my own conversation' });
    const anonymous = await t.connectVisitor(p1.projectId);
    const foreign = await t.connectVisitor(otherProject);
    const agentHeard = listen(p1.agent);
    const bHeard = listen(p1.b.socket);

    for (const intruder of [a.socket, anonymous.socket, foreign.socket]) {
      const attempts: [string, unknown][] = [
        ['message:send', { conversationId: p1.open.id, clientMessageId: 'intruder-1', text: 'hi' }],
        ['message:list', { conversationId: p1.open.id }],
        ['conversation:read', { conversationId: p1.open.id, seq: 1 }],
        ['typing', { conversationId: p1.open.id, typing: true }],
        ['conversation:rate', { conversationId: p1.closed.id, rating: 1 }],
        ['message:send', { conversationId: p1.closed.id, clientMessageId: 'intruder-2', text: 'hi' }],
      ];
      for (const [event, payload] of attempts) {
        const res = await ack(intruder, event, payload);
        expect(res.ok, event).to.equal(false);
        expect(res.error.code, event).to.equal('NOT_FOUND');
      }
      const mine = await ok(intruder, 'conversation:list', {});
      const ids = mine.map((c: any) => c.id);
      expect(ids).to.not.include(p1.open.id);
      expect(ids).to.not.include(p1.closed.id);
    }

    await sleep(500);
    expectSilence(agentHeard);
    expectSilence(bHeard);
    // Nothing changed either.
    expect((await ok(p1.b.socket, 'message:list', { conversationId: p1.open.id })).map((m: any) => m.text)).to.deep.equal(['My order is late']);
    const open = await api(t.url, 'GET', `/v1/projects/${p1.projectId}/conversations/${p1.open.id}`, { token: p1.owner.token });
    expect(open.body).to.include({ lastSeq: 1, visitorLastReadSeq: 0 });
    const closed = await api(t.url, 'GET', `/v1/projects/${p1.projectId}/conversations/${p1.closed.id}`, { token: p1.owner.token });
    expect(closed.body).to.include({ lastSeq: 1, rating: null, status: 'closed' });
  });

  it("an agent of project 2 gets NOT_FOUND for every command on project 1's conversation", async () => {
    const p1 = await projectWithConversations();
    const { owner: owner2, projectId: project2 } = await ownerWithProject(t.url);
    const agent2 = await t.connectAgent(owner2.token, project2);
    const agentHeard = listen(p1.agent);
    const bHeard = listen(p1.b.socket);

    const attempts: [string, unknown][] = [
      ['conversation:join', { conversationId: p1.open.id }],
      ['conversation:leave', { conversationId: p1.open.id }],
      ['message:send', { conversationId: p1.open.id, clientMessageId: 'other-project', text: 'hi' }],
      ['message:list', { conversationId: p1.open.id }],
      ['conversation:read', { conversationId: p1.open.id, seq: 1 }],
      ['typing', { conversationId: p1.open.id, typing: true }],
      ['conversation:close', { conversationId: p1.open.id }],
      ['conversation:transfer', { conversationId: p1.open.id, agentId: owner2.agent.id }],
      ['conversation:transfer', { conversationId: p1.open.id, agentId: p1.owner.agent.id }],
      ['conversation:reopen', { conversationId: p1.closed.id }],
      ['conversation:join', { conversationId: p1.closed.id }],
    ];
    for (const [event, payload] of attempts) {
      const res = await ack(agent2, event, payload);
      expect(res.ok, event).to.equal(false);
      expect(res.error.code, event).to.equal('NOT_FOUND');
    }
    expect(await ok(agent2, 'conversation:list', {})).to.deep.equal([]);

    await sleep(500);
    expectSilence(agentHeard);
    expectSilence(bHeard);
    const open = await api(t.url, 'GET', `/v1/projects/${p1.projectId}/conversations/${p1.open.id}`, { token: p1.owner.token });
    expect(open.body).to.include({ status: 'assigned', assigneeId: p1.owner.agent.id, lastSeq: 1, agentLastReadSeq: 0 });
  });

  it("REST: project 2's path with project 1's ids is 404; a non-member on project 1's routes is 403", async () => {
    const p1 = await projectWithConversations();
    const leadId = p1.open.leadId;
    const { owner: owner2, projectId: project2 } = await ownerWithProject(t.url);

    const crossed = [
      `/v1/projects/${project2}/leads/${leadId}`,
      `/v1/projects/${project2}/leads/${leadId}/conversations`,
      `/v1/projects/${project2}/conversations/${p1.open.id}`,
      `/v1/projects/${project2}/conversations/${p1.open.id}/messages`,
    ];
    for (const path of crossed) {
      const res = await api(t.url, 'GET', path, { token: owner2.token });
      expect(res.status, path).to.equal(404);
      expect(res.body.error.code, path).to.equal('NOT_FOUND');
    }
    const filtered = await api(t.url, 'GET', `/v1/projects/${project2}/conversations?leadId=${leadId}`, { token: owner2.token });
    expect(filtered.status).to.equal(200);
    expect(filtered.body.data).to.deep.equal([]);
    const leads2 = await api(t.url, 'GET', `/v1/projects/${project2}/leads`, { token: owner2.token });
    expect(leads2.body.data).to.deep.equal([]);

    const own = [
      `/v1/projects/${p1.projectId}`,
      `/v1/projects/${p1.projectId}/agents`,
      `/v1/projects/${p1.projectId}/leads`,
      `/v1/projects/${p1.projectId}/leads/${leadId}`,
      `/v1/projects/${p1.projectId}/leads/${leadId}/conversations`,
      `/v1/projects/${p1.projectId}/conversations`,
      `/v1/projects/${p1.projectId}/conversations/${p1.open.id}`,
      `/v1/projects/${p1.projectId}/conversations/${p1.open.id}/messages`,
    ];
    for (const path of own) {
      const res = await api(t.url, 'GET', path, { token: owner2.token });
      expect(res.status, path).to.equal(403);
      expect(res.body.error.code, path).to.equal('FORBIDDEN');
    }
    const added = await api(t.url, 'POST', `/v1/projects/${p1.projectId}/agents`, {
      token: owner2.token,
      body: { email: `sneaky-${Date.now()}@example.test`, fullname: 'Sneaky', password: 'correct horse battery', role: 'admin' },
    });
    expect(added.status).to.equal(403);

    // The owner of project 1 still sees its records, unchanged.
    const lead = await api(t.url, 'GET', `/v1/projects/${p1.projectId}/leads/${leadId}`, { token: p1.owner.token });
    expect(lead.status).to.equal(200);
    const members = await api(t.url, 'GET', `/v1/projects/${p1.projectId}/agents`, { token: p1.owner.token });
    expect(members.body.data.map((m: any) => m.id)).to.deep.equal([p1.owner.agent.id]);
  });
});
