/** The pre-chat form (`lead:update`) and what a visitor's conversation carries from it. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, api, nextEvent, ok, ownerWithProject } from '../support/clients.js';
import { outgoing } from '../support/chat-fixtures.js';

describe('pre-chat form: lead:update', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('sets the fields, merges attributes key by key, and clears a field with an empty string', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { socket } = await t.connectVisitor(projectId);

    const first = await ok(socket, 'lead:update', { fullname: '  Grace Hopper ', phone: '+39 02 1234', attributes: { plan: 'free', seats: 1 } });
    expect(first).to.include({ fullname: 'Grace Hopper', phone: '+39 02 1234', email: null, externalId: null });
    const second = await ok(socket, 'lead:update', { email: 'grace@example.com', phone: '', attributes: { seats: 5, region: 'EU' } });
    expect(second.id).to.equal(first.id);
    expect(second).to.include({ fullname: 'Grace Hopper', email: 'grace@example.com', phone: null });
    expect(second.attributes).to.deep.equal({ plan: 'free', seats: 5, region: 'EU' });
    expect(Date.parse(second.updatedAt)).to.be.at.least(Date.parse(first.updatedAt));

    // The agent sees exactly what the form stored.
    const stored = await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${first.id}`, { token: owner.token });
    expect(stored.body).to.deep.include({ fullname: 'Grace Hopper', email: 'grace@example.com', phone: null, attributes: second.attributes });
  });

  it('refuses a bad form with every issue listed, and creates no lead for it', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { socket } = await t.connectVisitor(projectId);
    const res = await ack(socket, 'lead:update', { email: 'not an email', fullname: 'x'.repeat(201), attributes: 'gold' });
    expect(res.ok).to.equal(false);
    expect(res.error.code).to.equal('VALIDATION_FAILED');
    expect(res.error.details.map((d: any) => d.path).sort()).to.deep.equal(['attributes', 'email', 'fullname']);
    const leads = await api(t.url, 'GET', `/v1/projects/${projectId}/leads`, { token: owner.token });
    expect(leads.body.data).to.deep.equal([]);
  });

  it('strips unknown keys: a visitor cannot set its own externalId or pick another lead by id', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const other = await t.connectVisitor(projectId);
    const otherLead = await ok(other.socket, 'lead:update', { fullname: 'Victim' });

    const { socket, session } = await t.connectVisitor(projectId);
    const lead = await ok(socket, 'lead:update', { fullname: 'Eve', externalId: 'admin', id: otherLead.id, projectId: 'elsewhere' });
    expect(lead).to.include({ externalId: null, projectId, fullname: 'Eve' });
    expect(lead.id).to.not.equal(otherLead.id);
    expect(lead.visitorIds).to.deep.equal([session.visitorId]);
    const victim = await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${otherLead.id}`, { token: owner.token });
    expect(victim.body).to.include({ fullname: 'Victim', externalId: null });
    expect(victim.body.visitorIds).to.deep.equal([other.session.visitorId]);
  });

  it('a second tab of the same browser hears the lead it created in the first', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const tab1 = await t.connectVisitor(projectId);
    const tab2 = await t.connectVisitor(projectId, { token: tab1.session.token });
    await ok(tab1.socket, 'lead:update', { fullname: 'Two Tabs' });
    const conversation = await ok(tab1.socket, 'conversation:start', {});

    const agentSocket = await t.connectAgent(owner.token, projectId);
    await ok(agentSocket, 'conversation:join', { conversationId: conversation.id });
    const heard = nextEvent(tab2.socket, 'message:created');
    await ok(agentSocket, 'message:send', outgoing(conversation.id, 'Hello both tabs'));
    expect((await heard).text).to.equal('Hello both tabs');
  });
});

describe('conversation:start', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('without text: no message yet; the first message later becomes firstText', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agentSocket = await t.connectAgent(owner.token, projectId);
    const { socket } = await t.connectVisitor(projectId);
    const created = nextEvent(agentSocket, 'conversation:created');
    const conversation = await ok(socket, 'conversation:start', { attributes: { page: '/pricing' } });
    expect(conversation).to.include({ lastSeq: 0, firstText: null, status: 'unassigned', assigneeId: null, rating: null, closedAt: null });
    expect(conversation.attributes).to.deep.equal({ page: '/pricing' });
    expect((await created).id).to.equal(conversation.id);
    expect(await ok(socket, 'message:list', { conversationId: conversation.id })).to.deep.equal([]);

    const message = await ok(socket, 'message:send', outgoing(conversation.id, 'Is there a discount?'));
    expect(message.seq).to.equal(1);
    const stored = await api(t.url, 'GET', `/v1/projects/${projectId}/conversations/${conversation.id}`, { token: owner.token });
    expect(stored.body).to.include({ firstText: 'Is there a discount?', lastSeq: 1 });
  });

  it('with text: message seq 1 from the visitor, carrying the attributes', async () => {
    const { projectId } = await ownerWithProject(t.url);
    const { socket, session } = await t.connectVisitor(projectId);
    const conversation = await ok(socket, 'conversation:start', { text: 'Hi!', attributes: { page: '/' } });
    const [first] = await ok(socket, 'message:list', { conversationId: conversation.id });
    expect(first).to.deep.include({ seq: 1, text: 'Hi!', sender: { type: 'visitor', id: session.visitorId }, attributes: { page: '/' } });
  });

  it('refuses text over 4,000 characters as PAYLOAD_TOO_LARGE and starts nothing', async () => {
    const { projectId } = await ownerWithProject(t.url);
    const { socket } = await t.connectVisitor(projectId);
    const res = await ack(socket, 'conversation:start', { text: 'a'.repeat(4001) });
    expect(res.error.code).to.equal('PAYLOAD_TOO_LARGE');
    expect(await ok(socket, 'conversation:list', {})).to.deep.equal([]);
  });
});
