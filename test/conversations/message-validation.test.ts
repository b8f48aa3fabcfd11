/** message:send at the edge: limits, VALIDATION_FAILED with paths, unknown keys stripped, text verbatim. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { ok } from '../support/clients.js';
import { expectError, expectNothing, outgoing, startChat, waitFor, type Chat } from '../support/chat-fixtures.js';

describe('conversations: message validation', () => {
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

  /** What was stored for `id`, as message:list returns it. */
  const stored = async (id: string) => (await ok(chat.agentSocket, 'message:list', { conversationId: cid, limit: 200 })).find((m: any) => m.id === id);

  it('4,000 characters are accepted; 4,001 are PAYLOAD_TOO_LARGE on both sides and nothing is stored', async () => {
    const max = await ok(chat.visitor.socket, 'message:send', outgoing(cid, 'x'.repeat(4000)));
    expect(max.text).to.have.length(4000);
    expect((await stored(max.id)).text).to.equal('x'.repeat(4000));
    // Characters, not UTF-16 units: 4,000 emoji fit.
    const emoji = await ok(chat.agentSocket, 'message:send', outgoing(cid, '😀'.repeat(4000)));
    expect([...emoji.text]).to.have.length(4000);

    const quiet = expectNothing([chat.agentSocket, chat.visitor.socket], 'message:created', (m) => [...m.text].length > 4000);
    await expectError(chat.visitor.socket, 'message:send', outgoing(cid, 'x'.repeat(4001)), 'PAYLOAD_TOO_LARGE');
    await expectError(chat.agentSocket, 'message:send', outgoing(cid, 'y'.repeat(4001)), 'PAYLOAD_TOO_LARGE');
    await expectError(chat.visitor.socket, 'message:send', outgoing(cid, '😀'.repeat(4001)), 'PAYLOAD_TOO_LARGE');
    await expectError(chat.visitor.socket, 'conversation:start', { text: 'z'.repeat(4001) }, 'PAYLOAD_TOO_LARGE');
    await quiet.quiet();
    const latest = await ok(chat.agentSocket, 'message:list', { conversationId: cid, limit: 1 });
    expect(latest.map((m: any) => m.id)).to.deep.equal([emoji.id]);
  });

  const refusals: [string, Record<string, unknown>, string[]][] = [
    ['empty text', { text: '' }, ['text']],
    ['missing text', { text: undefined }, ['text']],
    ['text that is not a string', { text: 42 }, ['text']],
    ['missing clientMessageId', { clientMessageId: undefined }, ['clientMessageId']],
    ['empty clientMessageId', { clientMessageId: '' }, ['clientMessageId']],
    ['a clientMessageId of 201 characters', { clientMessageId: 'c'.repeat(201) }, ['clientMessageId']],
    ['a conversationId that is not a UUID', { conversationId: 'not-a-uuid' }, ['conversationId']],
    ['attributes that are not an object', { attributes: 'page=/' }, ['attributes']],
    ['several problems at once', { conversationId: 12, clientMessageId: undefined, text: '' }, ['conversationId', 'clientMessageId', 'text']],
  ];
  for (const [what, change, paths] of refusals) {
    it(`${what}: VALIDATION_FAILED naming ${paths.join(', ')}`, async () => {
      const payload = JSON.parse(JSON.stringify({ ...outgoing(cid, 'valid text'), ...change }));
      for (const socket of [chat.visitor.socket, chat.agentSocket]) {
        const error = await expectError(socket, 'message:send', payload, 'VALIDATION_FAILED');
        expect(error.details).to.be.an('array');
        expect(error.details.map((d: any) => d.path).sort()).to.deep.equal([...paths].sort());
        for (const detail of error.details) expect(detail.message).to.be.a('string').and.not.empty;
      }
    });
  }

  it('no payload at all, or not an object: VALIDATION_FAILED', async () => {
    for (const payload of [null, 'hello', 7, []]) {
      await expectError(chat.visitor.socket, 'message:send', payload, 'VALIDATION_FAILED');
    }
  });

  it('the other conversation commands validate too, naming the field', async () => {
    const other = { conversationId: cid };
    const cases: [typeof chat.agentSocket, string, object, string][] = [
      [chat.visitor.socket, 'conversation:read', { ...other, seq: -1 }, 'seq'],
      [chat.visitor.socket, 'conversation:read', { ...other, seq: '3' }, 'seq'],
      [chat.visitor.socket, 'typing', { ...other, typing: 'yes' }, 'typing'],
      [chat.visitor.socket, 'message:list', { conversationId: 'nope' }, 'conversationId'],
      [chat.agentSocket, 'conversation:join', { conversationId: 'nope' }, 'conversationId'],
      [chat.agentSocket, 'conversation:close', {}, 'conversationId'],
      [chat.agentSocket, 'conversation:transfer', { ...other, agentId: 'bob' }, 'agentId'],
      [chat.agentSocket, 'conversation:read', { ...other, seq: 1.5 }, 'seq'],
    ];
    for (const [socket, event, payload, path] of cases) {
      const error = await expectError(socket, event, payload, 'VALIDATION_FAILED');
      expect(error.details.map((d: any) => d.path), `${event} ${JSON.stringify(payload)}`).to.deep.equal([path]);
    }
  });

  it('a clientMessageId of 200 characters is accepted', async () => {
    const payload = outgoing(cid, 'long id', { clientMessageId: 'c'.repeat(200) });
    const sent = await ok(chat.visitor.socket, 'message:send', payload);
    expect(sent.clientMessageId).to.equal('c'.repeat(200));
  });

  it('unknown keys are stripped, not errors; the sender cannot be forged', async () => {
    const heard = waitFor(chat.agentSocket, 'message:created', (m: any) => m.text === 'extra keys');
    const sent = await ok(chat.visitor.socket, 'message:send', {
      ...outgoing(cid, 'extra keys'),
      seq: 1,
      id: '00000000-0000-4000-8000-000000000000',
      sender: { type: 'agent', id: chat.agent.agent.id },
      isAdmin: true,
    });
    expect(sent).to.not.have.property('isAdmin');
    expect(sent.id).to.not.equal('00000000-0000-4000-8000-000000000000');
    expect(sent.seq).to.be.greaterThan(1);
    expect(sent.sender).to.deep.equal({ type: 'visitor', id: chat.visitor.session.visitorId });
    expect(await heard).to.deep.equal(sent);
  });

  it('text is stored and returned verbatim: markup, emoji, spaces and new lines', async () => {
    for (const text of ['<script>alert(1)</script>', 'Ciao 👋🏽 — ça va? 日本語', '  padded  ', '\tline one\nline two\n', '&amp; &lt;b&gt;']) {
      const heard = waitFor(chat.agentSocket, 'message:created', (m: any) => m.text === text);
      const sent = await ok(chat.visitor.socket, 'message:send', outgoing(cid, text));
      expect(sent.text).to.equal(text);
      expect((await heard).text).to.equal(text);
      expect((await stored(sent.id)).text).to.equal(text);
    }
  });

  it('attributes are kept as sent', async () => {
    const attributes = { page: '/pricing', utm: { source: 'newsletter' }, tags: ['a', 'b'], score: 3.5, vip: false, none: null };
    const sent = await ok(chat.agentSocket, 'message:send', outgoing(cid, 'with attributes', { attributes }));
    expect(sent.attributes).to.deep.equal(attributes);
    expect((await stored(sent.id)).attributes).to.deep.equal(attributes);
  });
});
