/** Erasing a contact: one transaction removes the lead and everything of it; its visitors are cut off everywhere. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, addAgent, api, ok, ownerWithProject } from '../support/clients.js';
import { expectError, visitorConversation } from '../support/rest-fixtures.js';
import { startChat, outgoing, EVENT_TIMEOUT_MS } from '../support/chat-fixtures.js';
import { refusal } from '../support/tokens.js';
import { usingRedis } from '../support/test-config.js';
import type { Socket } from 'socket.io-client';

/** Resolves with the reason once the server closes the socket. */
const serverDisconnect = (socket: Socket) =>
  new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the socket was not disconnected')), EVENT_TIMEOUT_MS);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });

/** How many rows each table still holds for the lead, its conversations and its visitors. */
async function leftovers(t: TestApp, lead: { id: string; visitorIds: string[] }, conversationIds: string[]) {
  const db = t.deps.db.knex;
  const count = async (q: any) => Number((await q.count({ n: '*' }).first()).n);
  return {
    leads: await count(db('leads').where({ id: lead.id })),
    visitors: await count(db('visitors').whereIn('id', lead.visitorIds)),
    conversations: await count(db('conversations').whereIn('id', conversationIds)),
    messages: await count(db('messages').whereIn('conversation_id', conversationIds)),
    participants: await count(db('conversation_participants').whereIn('conversation_id', conversationIds)),
    notes: await count(db('lead_notes').where({ lead_id: lead.id })),
  };
}

const NOTHING = { leads: 0, visitors: 0, conversations: 0, messages: 0, participants: 0, notes: 0 };

describe('contacts: erasing a lead', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('erases the lead, its conversations, messages, notes and visitor ids; disconnects its sockets and refuses its token', async () => {
    const chat = await startChat(t);
    const { owner, projectId, visitor, agentSocket, conversation } = chat;
    await ok(agentSocket, 'message:send', outgoing(conversation.id, 'How can I help?'));
    const second = await ok(visitor.socket, 'conversation:start', { text: 'Another question' });
    const secondTab = await t.connectVisitor(projectId, { token: visitor.session.token });
    const leadId = conversation.leadId;
    await api(t.url, 'POST', `/v1/projects/${projectId}/leads/${leadId}/notes`, { token: owner.token, body: { text: 'a note' } });
    const lead = (await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${leadId}`, { token: owner.token })).body;
    const bystander = await visitorConversation(t, projectId, 'I am someone else');

    const cut = [serverDisconnect(visitor.socket), serverDisconnect(secondTab.socket)];
    const res = await api(t.url, 'DELETE', `/v1/projects/${projectId}/leads/${leadId}`, { token: owner.token });
    expect(res.status).to.equal(204);
    expect(res.body).to.equal('');
    expect(await Promise.all(cut)).to.deep.equal(['io server disconnect', 'io server disconnect']);

    expect(await leftovers(t, lead, [conversation.id, second.id])).to.deep.equal(NOTHING);
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${leadId}`, { token: owner.token }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/conversations/${conversation.id}`, { token: owner.token }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'DELETE', `/v1/projects/${projectId}/leads/${leadId}`, { token: owner.token }), 404, 'NOT_FOUND');
    const send = await ack(agentSocket, 'message:send', outgoing(conversation.id, 'anyone there?'));
    expect(send.error.code).to.equal('NOT_FOUND');

    // The token is refused from now on; the bystander is untouched.
    expect(await refusal(t.rawSocket('/visitor', { projectId, token: visitor.session.token }))).to.equal('UNAUTHENTICATED');
    expect(bystander.visitor.socket.connected).to.equal(true);
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${bystander.lead.id}`, { token: owner.token })).status).to.equal(200);
  });

  it('tenancy: a lead of another project is 404 and stays; a plain agent may erase (any member edits contacts)', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { lead } = await visitorConversation(t, projectId);
    const other = await ownerWithProject(t.url);
    expectError(await api(t.url, 'DELETE', `/v1/projects/${other.projectId}/leads/${lead.id}`, { token: other.owner.token }), 404, 'NOT_FOUND');
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${lead.id}`, { token: owner.token })).status).to.equal(200);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    expect((await api(t.url, 'DELETE', `/v1/projects/${projectId}/leads/${lead.id}`, { token: agent.token })).status).to.equal(204);
  });

  it('an erase racing a visitor who starts a conversation leaves nothing behind, 10 times over', async () => {
    for (let i = 0; i < 10; i++) {
      const { owner, projectId } = await ownerWithProject(t.url);
      const { visitor, lead, conversation } = await visitorConversation(t, projectId);
      const [started, erased] = await Promise.all([
        // The erase cuts the visitor off; when the cut overtakes the answer, the client is told
        // so (the ack is rejected) instead of being answered. The orphan count below still
        // proves nothing the start may have written survived.
        ack(visitor.socket, 'conversation:start', { text: `race ${i}` }).catch((error: Error) => {
          expect(error.message).to.equal('socket has been disconnected');
          return { ok: false, cut: true } as const;
        }),
        api(t.url, 'DELETE', `/v1/projects/${projectId}/leads/${lead.id}`, { token: owner.token }),
      ]);
      expect(erased.status).to.equal(204);
      // Either the start won (and was erased with the lead), or it found its visitor gone, or
      // the socket was cut before its answer.
      if (!started.ok && !('cut' in started)) expect(started.error.code).to.be.oneOf(['UNAUTHENTICATED', 'NOT_FOUND']);
      const ids = [conversation.id, ...(started.ok ? [started.data.id] : [])];
      expect(await leftovers(t, lead, ids)).to.deep.equal(NOTHING);
      const orphans = await t.deps.db.knex('conversations').where({ project_id: projectId }).count({ n: '*' }).first();
      expect(Number(orphans!.n)).to.equal(0);
    }
  });
});

if (usingRedis()) {
  describe('contacts: erasing a lead across processes (Redis)', () => {
    let t1: TestApp;
    let t2: TestApp;
    before(async () => {
      t1 = await startApp();
      t2 = await startApp();
    });
    after(async () => {
      await t1.close();
      await t2.close();
    });

    it("an erase on one process disconnects the lead's visitor on the other, whose token is then refused there", async () => {
      const { owner, projectId } = await ownerWithProject(t1.url);
      const { visitor, lead } = await visitorConversation(t2, projectId);
      const cut = serverDisconnect(visitor.socket);
      expect((await api(t1.url, 'DELETE', `/v1/projects/${projectId}/leads/${lead.id}`, { token: owner.token })).status).to.equal(204);
      expect(await cut).to.equal('io server disconnect');
      expect(await refusal(t2.rawSocket('/visitor', { projectId, token: visitor.session.token }))).to.equal('UNAUTHENTICATED');
      expect(await refusal(t1.rawSocket('/visitor', { projectId, token: visitor.session.token }))).to.equal('UNAUTHENTICATED');
    });
  });
}
