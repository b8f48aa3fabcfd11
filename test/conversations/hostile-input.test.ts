/**
 * Hostile input that used to answer INTERNAL or be stored altered: seqs past PostgreSQL's
 * integer, attributes nested thousands of levels deep, lone UTF-16 surrogates, and text that
 * must come back verbatim. Each answer is VALIDATION_FAILED (or PAYLOAD_TOO_LARGE) and stores nothing.
 */
import { expect } from 'chai';
import { SignJWT } from 'jose';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, api, ok } from '../support/clients.js';
import { expectError, outgoing, startChat, type Chat } from '../support/chat-fixtures.js';
import { detailPaths } from '../support/rest-fixtures.js';
import { refusal } from '../support/tokens.js';

const INT4_PAST = 2 ** 31;

/** `{ a: { a: … 1 } }` with `levels` objects. */
function nested(levels: number): Record<string, unknown> {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value as Record<string, unknown>;
}

describe('hostile input: seqs, nesting, surrogates, verbatim text', () => {
  let t: TestApp;
  let chat: Chat;
  let cid: string;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
    chat = await startChat(t);
    cid = chat.conversation.id;
  });
  after(async () => {
    await t.close();
  });

  const messagesUrl = () => `/v1/projects/${chat.projectId}/conversations/${cid}/messages`;
  const latestIds = async () => (await ok(chat.agentSocket, 'message:list', { conversationId: cid })).map((m: any) => m.id);
  const leadUrl = () => `/v1/projects/${chat.projectId}/leads/${chat.conversation.leadId}`;

  async function expectPaths(socket: Chat['agentSocket'], event: string, payload: unknown, paths: string[]) {
    const error = await expectError(socket, event, payload, 'VALIDATION_FAILED');
    expect(error.details.map((d: any) => d.path), JSON.stringify(error.details)).to.include.members(paths);
  }

  it('afterSeq, beforeSeq and seq of 2^31 or more are VALIDATION_FAILED on both sockets and REST; 2^31 - 1 works', async () => {
    for (const socket of [chat.visitor.socket, chat.agentSocket]) {
      for (const value of [INT4_PAST, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
        await expectPaths(socket, 'message:list', { conversationId: cid, afterSeq: value }, ['afterSeq']);
        await expectPaths(socket, 'message:list', { conversationId: cid, beforeSeq: value }, ['beforeSeq']);
        await expectPaths(socket, 'conversation:read', { conversationId: cid, seq: value }, ['seq']);
      }
      expect(await ok(socket, 'message:list', { conversationId: cid, afterSeq: INT4_PAST - 1 })).to.deep.equal([]);
      expect((await ok(socket, 'message:list', { conversationId: cid, beforeSeq: INT4_PAST - 1 })).map((m: any) => m.seq)).to.include(1);
      expect(await ok(socket, 'conversation:read', { conversationId: cid, seq: INT4_PAST - 1 })).to.deep.equal({});
    }
    for (const query of [`afterSeq=${INT4_PAST}`, `beforeSeq=${INT4_PAST}`, 'afterSeq=99999999999999999999']) {
      const res = await api(t.url, 'GET', `${messagesUrl()}?${query}`, { token: chat.owner.token });
      expect(new Set(detailPaths(res))).to.deep.equal(new Set([query.split('=')[0]]));
    }
    const edge = await api(t.url, 'GET', `${messagesUrl()}?beforeSeq=${INT4_PAST - 1}`, { token: chat.owner.token });
    expect(edge.status).to.equal(200);
    expect(edge.body.data.map((m: any) => m.seq)).to.include(1);
  });

  it('attributes nested 3,000 levels deep are VALIDATION_FAILED everywhere; 20 levels are stored, 21 are refused', async () => {
    const deep = nested(3000);
    const before = await latestIds();
    await expectPaths(chat.visitor.socket, 'lead:update', { attributes: deep }, ['attributes']);
    await expectPaths(chat.visitor.socket, 'conversation:start', { text: 'hi', attributes: deep }, ['attributes']);
    for (const socket of [chat.visitor.socket, chat.agentSocket]) {
      await expectPaths(socket, 'message:send', outgoing(cid, 'deep', { attributes: deep }), ['attributes']);
      // Deep junk under a key the schema does not know is refused too: it never reaches zod.
      await expectPaths(socket, 'message:send', outgoing(cid, 'deep', { junk: [[[nested(3000)]]] }), ['junk']);
    }
    expect(detailPaths(await api(t.url, 'PATCH', leadUrl(), { token: chat.owner.token, body: { attributes: deep } }))).to.deep.equal(['attributes']);
    expect(detailPaths(await api(t.url, 'POST', `/v1/projects/${chat.projectId}/leads`, { token: chat.owner.token, body: { attributes: deep } }))).to.deep.equal(['attributes']);
    expect(await latestIds()).to.deep.equal(before);

    const twenty = nested(20);
    const sent = await ok(chat.visitor.socket, 'message:send', outgoing(cid, 'twenty levels', { attributes: twenty }));
    expect(sent.attributes).to.deep.equal(twenty);
    const lead = await ok(chat.visitor.socket, 'lead:update', { attributes: { deep: nested(19) } });
    expect(lead.attributes.deep).to.deep.equal(nested(19));
    const error = await expectError(chat.agentSocket, 'message:send', outgoing(cid, 'too deep', { attributes: nested(21) }), 'VALIDATION_FAILED');
    expect(error.details).to.deep.equal([{ path: 'attributes', message: 'must be nested at most 20 levels deep' }]);
  });

  it('a lone surrogate in text, clientMessageId or attributes is VALIDATION_FAILED, and the retry of that send too; nothing is stored', async () => {
    const before = await latestIds();
    for (const socket of [chat.visitor.socket, chat.agentSocket]) {
      await expectPaths(socket, 'message:send', outgoing(cid, 'broken \ud83d here'), ['text']);
      await expectPaths(socket, 'message:send', outgoing(cid, 'low \udc00 alone'), ['text']);
      await expectPaths(socket, 'message:send', outgoing(cid, 'key', { attributes: { ['k\ud800']: 1 } }), ['attributes.k\ud800']);
      await expectPaths(socket, 'message:send', outgoing(cid, 'value', { attributes: { nested: ['ok', { v: 'x\udfff' }] } }), ['attributes.nested.1.v']);
      const lone = { conversationId: cid, clientMessageId: 'retry-\ud800', text: 'sent twice' };
      await expectPaths(socket, 'message:send', lone, ['clientMessageId']);
      await expectPaths(socket, 'message:send', lone, ['clientMessageId']);
    }
    await expectPaths(chat.visitor.socket, 'conversation:start', { text: '\ud800' }, ['text']);
    await expectPaths(chat.visitor.socket, 'lead:update', { fullname: 'Ann \udbff', phone: '\ud800' }, ['fullname', 'phone']);
    await expectPaths(chat.visitor.socket, 'lead:update', { email: 'a\ud800@example.com' }, ['email']);
    await expectPaths(chat.visitor.socket, 'conversation:rate', { conversationId: cid, rating: 5, comment: '\udc00' }, ['comment']);
    expect(await latestIds()).to.deep.equal(before);
  });

  it('REST refuses lone surrogates in every string field: names, email, tags, externalId, attributes, note text', async () => {
    const token = chat.owner.token;
    const bodies: [Record<string, unknown>, string][] = [
      [{ fullname: 'Zoë \ud800' }, 'fullname'],
      [{ email: 'x\udc00@example.com' }, 'email'],
      [{ tags: ['vip', 'b\ud800d'] }, 'tags.1'],
      [{ externalId: 'ext-\ud800' }, 'externalId'],
      [{ attributes: { plan: 'pro\udfff' } }, 'attributes.plan'],
    ];
    for (const [body, path] of bodies) {
      expect(detailPaths(await api(t.url, 'PATCH', leadUrl(), { token, body }))).to.deep.equal([path]);
      expect(detailPaths(await api(t.url, 'POST', `/v1/projects/${chat.projectId}/leads`, { token, body }))).to.deep.equal([path]);
    }
    expect(detailPaths(await api(t.url, 'POST', `${leadUrl()}/notes`, { token, body: { text: 'note \ud800' } }))).to.deep.equal(['text']);
    expect(detailPaths(await api(t.url, 'POST', `/v1/projects`, { token, body: { name: 'Acme \udc00' } }))).to.deep.equal(['name']);
    const lead = await api(t.url, 'GET', leadUrl(), { token });
    expect(JSON.stringify(lead.body)).not.to.match(/\\ud[89a-f]|\ufffd/i);
  });

  it('REST path parameters that do not decode (a lone surrogate, %ZZ) or decode to NUL are VALIDATION_FAILED, never 500', async () => {
    const token = chat.owner.token;
    for (const bad of ['%ED%A0%80', '%ZZ', '%C0%AF']) {
      expect(detailPaths(await api(t.url, 'GET', `/v1/projects/${chat.projectId}/leads/${bad}`, { token }))).to.deep.equal(['path']);
      expect(detailPaths(await api(t.url, 'PUT', `/v1/projects/${chat.projectId}/leads/by-external-id/${bad}`, { token, body: {} }))).to.deep.equal(['path']);
    }
    expect(detailPaths(await api(t.url, 'PUT', `/v1/projects/${chat.projectId}/leads/by-external-id/crm%00x`, { token, body: {} }))).to.deep.equal(['externalId']);
  });

  it('a signed identity whose claims hold a lone surrogate or a NUL is refused (UNAUTHENTICATED), not stored altered', async () => {
    const secret = (await api(t.url, 'GET', `/v1/projects/${chat.projectId}`, { token: chat.owner.token })).body.identitySecret as string;
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(new TextEncoder().encode(secret));
    for (const claims of [{ sub: 'user-\ud800' }, { sub: 'user-ok', name: 'Ann \udc00' }, { sub: 'nul\u0000' }]) {
      const socket = t.rawSocket('/visitor', { projectId: chat.projectId, identity: await sign(claims) });
      expect(await refusal(socket), JSON.stringify(claims)).to.equal('UNAUTHENTICATED');
    }
    const fine = await t.connectVisitor(chat.projectId, { identity: await sign({ sub: 'user-𝄞', name: 'Zoë 😀' }) });
    const lead = await api(t.url, 'GET', `/v1/projects/${chat.projectId}/leads/${fine.session.leadId}`, { token: chat.owner.token });
    expect(lead.body).to.include({ externalId: 'user-𝄞', fullname: 'Zoë 😀' });
  });

  it('well-formed astral text is stored verbatim: 4,000 characters (8,000 UTF-16 units) fit, 4,001 are PAYLOAD_TOO_LARGE', async () => {
    const astral = '𝄞😀🀄𠀀'.repeat(1000);
    expect([...astral]).to.have.length(4000);
    expect(astral).to.have.length(8000);
    const sent = await ok(chat.visitor.socket, 'message:send', outgoing(cid, astral, { attributes: { '𝄞': '😀' } }));
    expect(sent.text).to.equal(astral);
    const listed = await api(t.url, 'GET', `${messagesUrl()}?afterSeq=${sent.seq - 1}`, { token: chat.owner.token });
    expect(listed.body.data[0].text).to.equal(astral);
    expect(listed.body.data[0].attributes).to.deep.equal({ '𝄞': '😀' });
    for (const socket of [chat.visitor.socket, chat.agentSocket]) {
      await expectError(socket, 'message:send', outgoing(cid, `${astral}😀`), 'PAYLOAD_TOO_LARGE');
    }
    expect((await latestIds()).at(-1)).to.equal(sent.id);
  });

  it('the socket that sent all this still works', async () => {
    const res = await ack(chat.visitor.socket, 'message:send', outgoing(cid, 'still here'));
    expect(res.ok).to.equal(true);
  });
});
