/** GET /v1/projects/:id/conversations (filters, cursor paging) and …/conversations/:id (tenancy). */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ok, ownerWithProject, type ApiResponse } from '../support/clients.js';
import { CONVERSATION_KEYS, detailPaths, expectError, visitorConversation } from '../support/rest-fixtures.js';
import { setRouting } from '../support/chat-fixtures.js';

describe('REST conversations', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const ids = async (token: string, projectId: string, query: string) => {
    const res = await api(t.url, 'GET', `/v1/projects/${projectId}/conversations${query}`, { token });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.have.all.keys('data', 'nextCursor');
    return res.body.data.map((c: any) => c.id) as string[];
  };

  /** Every page of a query at `limit` per page: the ids, page by page. */
  const pages = async (token: string, projectId: string, query: string, limit: number) => {
    const seen: string[][] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await api(t.url, 'GET', `/v1/projects/${projectId}/conversations?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      seen.push(res.body.data.map((c: any) => c.id));
      cursor = res.body.nextCursor;
    } while (cursor !== null && seen.length < 20);
    return seen;
  };

  it('filters by status, leadId and assigneeId, newest first', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    // The agents connecting below must not be routed the waiting conversations: this test assigns them by joins.
    await setRouting(t, owner.token, projectId, 'pooled');
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const a = await visitorConversation(t, projectId, 'A waits');
    const b = await visitorConversation(t, projectId, 'B gets the agent');
    const c = await visitorConversation(t, projectId, 'C gets the owner');
    const a2 = await ok(a.visitor.socket, 'conversation:start', { text: 'A again, then closed' });

    const agentSocket = await t.connectAgent(agent.token, projectId);
    const ownerSocket = await t.connectAgent(owner.token, projectId);
    await ok(agentSocket, 'conversation:join', { conversationId: b.conversation.id });
    await ok(ownerSocket, 'conversation:join', { conversationId: c.conversation.id });
    await ok(agentSocket, 'conversation:join', { conversationId: a2.id });
    await ok(agentSocket, 'conversation:close', { conversationId: a2.id });

    const token = agent.token;
    expect(await ids(token, projectId, '')).to.deep.equal([a2.id, c.conversation.id, b.conversation.id, a.conversation.id]);
    expect(await ids(token, projectId, '?status=unassigned')).to.deep.equal([a.conversation.id]);
    expect(await ids(token, projectId, '?status=assigned')).to.deep.equal([c.conversation.id, b.conversation.id]);
    expect(await ids(token, projectId, '?status=closed')).to.deep.equal([a2.id]);
    expect(await ids(token, projectId, `?leadId=${a.lead.id}`)).to.deep.equal([a2.id, a.conversation.id]);
    expect(await ids(token, projectId, `?leadId=${a.lead.id}&status=closed`)).to.deep.equal([a2.id]);
    expect(await ids(token, projectId, `?assigneeId=${agent.agent.id}`)).to.deep.equal([a2.id, b.conversation.id]);
    expect(await ids(token, projectId, `?assigneeId=${agent.agent.id}&status=assigned`)).to.deep.equal([b.conversation.id]);
    expect(await ids(token, projectId, `?assigneeId=${owner.agent.id}`)).to.deep.equal([c.conversation.id]);
    expect(await ids(token, projectId, `?leadId=${randomUUID()}`)).to.deep.equal([]);

    const res = await api(t.url, 'GET', `/v1/projects/${projectId}/conversations?status=assigned&assigneeId=${owner.agent.id}`, { token });
    expect(res.body.nextCursor).to.equal(null);
    const [one] = res.body.data;
    expect(Object.keys(one).filter((k) => k !== 'attributes')).to.have.members(CONVERSATION_KEYS);
    expect(one).to.include({ id: c.conversation.id, projectId, leadId: c.lead.id, status: 'assigned', assigneeId: owner.agent.id, firstText: 'C gets the owner', lastSeq: 1, closedAt: null, rating: null });
  });

  it('pages with limit and nextCursor without duplicates or gaps, filters included', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { visitor, lead, conversation } = await visitorConversation(t, projectId, 'one');
    const started = [conversation.id];
    for (const text of ['two', 'three', 'four', 'five']) started.push((await ok(visitor.socket, 'conversation:start', { text })).id);
    const other = await visitorConversation(t, projectId, 'not this lead');
    const newestFirst = [...started].reverse();

    expect(await pages(owner.token, projectId, `&leadId=${lead.id}`, 2)).to.deep.equal([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);
    expect((await pages(owner.token, projectId, '&status=unassigned', 2)).flat()).to.deep.equal([other.conversation.id, ...newestFirst]);
    expect(await pages(owner.token, projectId, `&leadId=${lead.id}`, 5)).to.deep.equal([newestFirst]);
  });

  it('pages without gaps through conversations created within the same millisecond', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { visitor, conversation } = await visitorConversation(t, projectId, 'burst 1');
    const started = [conversation.id];
    for (const text of ['burst 2', 'burst 3']) started.push((await ok(visitor.socket, 'conversation:start', { text })).id);
    const stamps = ['2026-01-05 10:00:00.555100+00', '2026-01-05 10:00:00.555200+00', '2026-01-05 10:00:00.555300+00'];
    for (const [i, id] of started.entries()) await t.deps.db.knex('conversations').where({ id }).update({ created_at: stamps[i] });
    expect((await pages(owner.token, projectId, '', 1)).flat()).to.deep.equal([...started].reverse());
  });

  it('refuses a bad status, a non-UUID leadId or assigneeId, limit=101 and a garbage cursor: 400 naming the field', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const get = (query: string) => api(t.url, 'GET', `/v1/projects/${projectId}/conversations${query}`, { token: owner.token });
    expect(detailPaths(await get('?status=open'))).to.deep.equal(['status']);
    expect(detailPaths(await get('?leadId=42'))).to.deep.equal(['leadId']);
    expect(detailPaths(await get('?assigneeId=me'))).to.deep.equal(['assigneeId']);
    expect(detailPaths(await get('?limit=101'))).to.deep.equal(['limit']);
    expect(detailPaths(await get('?cursor=%%%'))).to.deep.equal(['cursor']);
    expect(detailPaths(await get('?cursor=bm90LWpzb24'))).to.deep.equal(['cursor']);
  });

  it("GET …/conversations/:id answers the Conversation; another project's, an unknown or a non-UUID id is 404", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const { conversation } = await visitorConversation(t, projectId, 'Where is my parcel?');
    const res = await api(t.url, 'GET', `/v1/projects/${projectId}/conversations/${conversation.id}`, { token: agent.token });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal(conversation);
    expect(Object.keys(res.body).filter((k) => k !== 'attributes')).to.have.members(CONVERSATION_KEYS);

    const theirs = await ownerWithProject(t.url);
    const foreign = await visitorConversation(t, theirs.projectId, 'Secret question');
    for (const path of [`conversations/${foreign.conversation.id}`, `conversations/${foreign.conversation.id}/messages`]) {
      const denied = await api(t.url, 'GET', `/v1/projects/${projectId}/${path}`, { token: owner.token });
      expectError(denied, 404, 'NOT_FOUND');
      expect(JSON.stringify(denied.body)).to.not.include('Secret');
    }
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/conversations/${randomUUID()}`, { token: owner.token }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/conversations/123`, { token: owner.token }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', `/v1/projects/${theirs.projectId}/conversations/${foreign.conversation.id}`, { token: owner.token }), 403, 'FORBIDDEN');
  });
});
