/** Edges found in review: NUL characters, unknown commands, long token lifetimes, typing rights, forged cursors. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, api, ok, ownerWithProject, sleep } from '../support/clients.js';
import { connectMember, expectError, expectNothing, outgoing, startChat, waitFor } from '../support/chat-fixtures.js';

describe('edge cases', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('a NUL character in any stored string is VALIDATION_FAILED naming the field, never INTERNAL', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const err1 = await expectError(chat.visitor.socket, 'message:send', { conversationId: cid, clientMessageId: 'a\u0000b', text: 'hi' }, 'VALIDATION_FAILED');
    expect(err1.details).to.deep.equal([{ path: 'clientMessageId', message: 'must not contain NUL characters' }]);
    const err2 = await expectError(chat.visitor.socket, 'lead:update', { fullname: 'a\u0000b', attributes: { nested: { 'k\u0000': 1 } } }, 'VALIDATION_FAILED');
    expect(err2.details.map((d: any) => d.path).sort()).to.deep.equal(['attributes.nested.k\u0000', 'fullname']);
    await ok(chat.agentSocket, 'conversation:close', { conversationId: cid });
    await expectError(chat.visitor.socket, 'conversation:rate', { conversationId: cid, rating: 4, comment: 'x\u0000' }, 'VALIDATION_FAILED');

    const rest = await api(t.url, 'POST', '/v1/projects', { token: chat.owner.token, body: { name: 'Nul\u0000Corp' } });
    expect(rest.status).to.equal(400);
    expect(rest.body.error.details).to.deep.equal([{ path: 'name', message: 'must not contain NUL characters' }]);
    // A NUL inside a key that is stripped anyway does not matter.
    expect((await ok(chat.visitor.socket, 'conversation:list', { ['junk\u0000']: 1 })).length).to.equal(1);
  });

  it('a command the namespace does not know answers NOT_FOUND once instead of never', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const visitor = await t.connectVisitor(projectId);
    const agent = await t.connectAgent(owner.token, projectId);
    const onVisitor = await ack(visitor.socket, 'conversation:close', { conversationId: '00000000-0000-4000-8000-000000000000' });
    expect(onVisitor).to.deep.include({ ok: false });
    expect(onVisitor.error.code).to.equal('NOT_FOUND');
    const onAgent = await ack(agent, 'lead:update', { fullname: 'x' });
    expect(onAgent.error.code).to.equal('NOT_FOUND');
    // Known commands are untouched by the fallback: exactly one answer, the real one.
    expect((await ok(visitor.socket, 'lead:update', { fullname: 'Real' })).fullname).to.equal('Real');
  });

  it('an agent who may not write in a conversation may not be seen typing in it either', async () => {
    const chat = await startChat(t);
    const outsider = await connectMember(t, chat, 'agent');
    const visitorHears = expectNothing([chat.visitor.socket], 'typing', (p) => p.sender.id === outsider.account.agent.id);
    await expectError(outsider.socket, 'typing', { conversationId: chat.conversation.id, typing: true }, 'FORBIDDEN');
    // The assignee may, and the visitor sees it.
    const seen = waitFor(chat.visitor.socket, 'typing');
    await ok(chat.agentSocket, 'typing', { conversationId: chat.conversation.id, typing: true });
    expect((await seen).sender).to.deep.equal({ type: 'agent', id: chat.agent.agent.id });
    await visitorHears.quiet();
  });

  it('the opening message of conversation:start reaches the visitor’s other tabs', async () => {
    const { projectId } = await ownerWithProject(t.url);
    const tab1 = await t.connectVisitor(projectId);
    await ok(tab1.socket, 'lead:update', { fullname: 'Tabby' });
    const tab2 = await t.connectVisitor(projectId, { token: tab1.session.token });
    const firstTabHears = expectNothing([tab1.socket], 'message:created');
    const heard = waitFor(tab2.socket, 'message:created');
    const conversation = await ok(tab1.socket, 'conversation:start', { text: 'Opening line' });
    expect(await heard).to.deep.include({ conversationId: conversation.id, seq: 1, text: 'Opening line' });
    await firstTabHears.quiet();
  });

  it('GET …/leads/:leadId says online while a visitor of the lead is connected', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const visitor = await t.connectVisitor(projectId);
    const lead = await ok(visitor.socket, 'lead:update', { fullname: 'Online Olga' });
    const path = `/v1/projects/${projectId}/leads/${lead.id}`;
    const now = await api(t.url, 'GET', path, { token: owner.token });
    expect(now.body).to.include({ id: lead.id, online: true });
    visitor.socket.disconnect();
    let later = await api(t.url, 'GET', path, { token: owner.token });
    for (let i = 0; i < 50 && later.body.online; i++) {
      await sleep(100);
      later = await api(t.url, 'GET', path, { token: owner.token });
    }
    expect(later.body.online).to.equal(false);
  });

  it('a cursor that was not handed out is 400, however plausible its timestamp', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const id = '00000000-0000-4000-8000-000000000000';
    for (const stamp of ['1', '+275760-09-13T00:00:00.000Z', '2020-02-30T00:00:00.000000Z', '0000-01-01T00:00:00.000000Z', '2026-01-01T00:00:00Z']) {
      const cursor = Buffer.from(JSON.stringify([stamp, id])).toString('base64url');
      for (const list of ['leads', 'conversations']) {
        const res = await api(t.url, 'GET', `/v1/projects/${projectId}/${list}?cursor=${cursor}`, { token: owner.token });
        expect(res.status, `${list} with ${stamp}`).to.equal(400);
        expect(res.body.error.code).to.equal('VALIDATION_FAILED');
      }
    }
  });

  it('signup and login trim spaces around the email', async () => {
    const email = `spaced-${Date.now()}@example.com`;
    const signup = await api(t.url, 'POST', '/v1/auth/signup', { body: { email: `  ${email} `, password: 'long enough password', fullname: 'Spacey' } });
    expect(signup.status).to.equal(201);
    expect(signup.body.agent.email).to.equal(email);
    const login = await api(t.url, 'POST', '/v1/auth/login', { body: { email: ` ${email.toUpperCase()}`, password: 'long enough password' } });
    expect(login.status).to.equal(200);
  });
});

describe('agent tokens that live longer than a Node timer can wait', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ AGENT_TOKEN_TTL: '30d' });
  });
  after(async () => {
    await t.close();
  });

  it('keep their socket connected (no overflowed timer firing at once)', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const socket = await t.connectAgent(owner.token, projectId);
    await sleep(500);
    expect(socket.connected).to.equal(true);
    expect(await ok(socket, 'presence:set', { status: 'away' })).to.deep.equal({ status: 'away' });
  });
});
