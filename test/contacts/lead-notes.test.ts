/** Notes on a contact: create, list newest first, delete by author/owner/admin; never visible to a visitor. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, addAgent, api, ownerWithProject, signup, sleep } from '../support/clients.js';
import { detailPaths, expectError, visitorConversation } from '../support/rest-fixtures.js';

describe('contacts: notes on a contact', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const notes = (projectId: string, leadId: string) => `/v1/projects/${projectId}/leads/${leadId}/notes`;

  it('an agent adds notes; any member lists them newest first with their author', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const { lead } = await visitorConversation(t, projectId);
    const first = await api(t.url, 'POST', notes(projectId, lead.id), { token: agent.token, body: { text: '  Called back, wants a refund  ' } });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.have.all.keys('id', 'leadId', 'author', 'text', 'createdAt');
    expect(first.body).to.deep.include({ leadId: lead.id, text: 'Called back, wants a refund', author: agent.agent });
    await sleep(5);
    const second = await api(t.url, 'POST', notes(projectId, lead.id), { token: owner.token, body: { text: '<b>VIP</b> & friends' } });

    const list = await api(t.url, 'GET', notes(projectId, lead.id), { token: agent.token });
    expect(list.status).to.equal(200);
    expect(list.body.data.map((n: any) => n.id)).to.deep.equal([second.body.id, first.body.id]);
    expect(list.body.data[0]).to.deep.equal(second.body);
  });

  it('deleting: the author, an owner or an admin may; another plain agent is 403', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const author = await addAgent(t.url, owner.token, projectId, 'agent');
    const other = await addAgent(t.url, owner.token, projectId, 'agent');
    const admin = await addAgent(t.url, owner.token, projectId, 'admin');
    const { lead } = await visitorConversation(t, projectId);
    const add = async () => (await api(t.url, 'POST', notes(projectId, lead.id), { token: author.token, body: { text: 'note' } })).body.id as string;

    const a = await add();
    expectError(await api(t.url, 'DELETE', `${notes(projectId, lead.id)}/${a}`, { token: other.token }), 403, 'FORBIDDEN');
    expect((await api(t.url, 'DELETE', `${notes(projectId, lead.id)}/${a}`, { token: author.token })).status).to.equal(204);
    expectError(await api(t.url, 'DELETE', `${notes(projectId, lead.id)}/${a}`, { token: author.token }), 404, 'NOT_FOUND');
    for (const token of [owner.token, admin.token]) {
      const id = await add();
      expect((await api(t.url, 'DELETE', `${notes(projectId, lead.id)}/${id}`, { token })).status).to.equal(204);
    }
    expect((await api(t.url, 'GET', notes(projectId, lead.id), { token: owner.token })).body.data).to.deep.equal([]);
  });

  it('refuses an empty note; another project, an unknown lead or a stranger get 404/403', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { lead } = await visitorConversation(t, projectId);
    expect(detailPaths(await api(t.url, 'POST', notes(projectId, lead.id), { token: owner.token, body: { text: '   ' } }))).to.deep.equal(['text']);
    const other = await ownerWithProject(t.url);
    expectError(await api(t.url, 'POST', notes(other.projectId, lead.id), { token: other.owner.token, body: { text: 'x' } }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', notes(other.projectId, lead.id), { token: other.owner.token }), 404, 'NOT_FOUND');
    const stranger = await signup(t.url);
    expectError(await api(t.url, 'GET', notes(projectId, lead.id), { token: stranger.token }), 403, 'FORBIDDEN');
    const note = await api(t.url, 'POST', notes(projectId, lead.id), { token: owner.token, body: { text: 'mine' } });
    expectError(await api(t.url, 'DELETE', `${notes(other.projectId, lead.id)}/${note.body.id}`, { token: other.owner.token }), 404, 'NOT_FOUND');
  });

  it("never reaches the lead's visitor: no event on its sockets, nothing in what its commands answer", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { visitor, lead, conversation } = await visitorConversation(t, projectId);
    const heard: string[] = [];
    visitor.socket.onAny((event, payload) => heard.push(`${event} ${JSON.stringify(payload)}`));
    const secret = 'INTERNAL: customer is on the churn list';
    const note = await api(t.url, 'POST', notes(projectId, lead.id), { token: owner.token, body: { text: secret } });
    expect(note.status).to.equal(201);
    await sleep(300);
    // The visitor may hear its place in the queue (the project routes automatically); nothing
    // it hears carries the note.
    expect(heard.filter((h) => h.includes('churn') || h.includes(note.body.id))).to.deep.equal([]);
    expect(heard.every((h) => h.startsWith('queue:position '))).to.equal(true, heard.join('\n'));

    const answers = await Promise.all([
      ack(visitor.socket, 'lead:update', { fullname: 'Same' }),
      ack(visitor.socket, 'conversation:list', {}),
      ack(visitor.socket, 'message:list', { conversationId: conversation.id }),
      ack(visitor.socket, 'notes:list', { leadId: lead.id }),
    ]);
    for (const answer of answers) expect(JSON.stringify(answer)).to.not.include('churn');
    expect(answers[3].ok).to.equal(false);
    expect(answers[3].error.code).to.equal('NOT_FOUND');
  });
});
