/** GET /v1/projects/:id/conversations/:id/messages: afterSeq, beforeSeq, limit (≤ 200), ascending seq, the Message shape. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ok, ownerWithProject } from '../support/clients.js';
import { detailPaths, MESSAGE_KEYS, visitorConversation } from '../support/rest-fixtures.js';

describe('REST conversation messages', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  /** A conversation of 7 messages: seq 1 from conversation:start, 2–5 from the visitor, 6–7 from an agent. */
  async function chat() {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const { visitor, conversation } = await visitorConversation(t, projectId, 'message 1');
    for (const n of [2, 3, 4, 5]) await ok(visitor.socket, 'message:send', { conversationId: conversation.id, clientMessageId: `v-${n}`, text: `message ${n}` });
    const socket = await t.connectAgent(agent.token, projectId);
    await ok(socket, 'conversation:join', { conversationId: conversation.id });
    for (const n of [6, 7]) await ok(socket, 'message:send', { conversationId: conversation.id, clientMessageId: `a-${n}`, text: `message ${n}`, attributes: { n } });
    const messages = (query: string) => api(t.url, 'GET', `/v1/projects/${projectId}/conversations/${conversation.id}/messages${query}`, { token: owner.token });
    const seqs = async (query: string) => {
      const res = await messages(query);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.have.all.keys('data');
      return res.body.data.map((m: any) => m.seq) as number[];
    };
    return { projectId, conversation, visitor, agent, messages, seqs };
  }

  it('answers { data: Message[] } by ascending seq, with who sent each', async () => {
    const { conversation, visitor, agent, messages } = await chat();
    const res = await messages('');
    expect(res.status).to.equal(200);
    const data = res.body.data as any[];
    expect(data.map((m) => m.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    for (const m of data) {
      expect(m).to.have.all.keys(...MESSAGE_KEYS);
      expect(m.conversationId).to.equal(conversation.id);
      expect(m.text).to.equal(`message ${m.seq}`);
    }
    expect(data[0]).to.deep.include({ clientMessageId: `start:${conversation.id}`, sender: { type: 'visitor', id: visitor.session.visitorId }, attributes: {} });
    expect(data[1]).to.deep.include({ clientMessageId: 'v-2', sender: { type: 'visitor', id: visitor.session.visitorId } });
    expect(data[6]).to.deep.include({ clientMessageId: 'a-7', sender: { type: 'agent', id: agent.agent.id }, attributes: { n: 7 } });
    expect(new Set(data.map((m) => m.id)).size).to.equal(7);
  });

  it('afterSeq gives the first `limit` after it; beforeSeq the last `limit` before it; neither the latest `limit`', async () => {
    const { seqs } = await chat();
    expect(await seqs('?afterSeq=2')).to.deep.equal([3, 4, 5, 6, 7]);
    expect(await seqs('?afterSeq=2&limit=2')).to.deep.equal([3, 4]);
    expect(await seqs('?afterSeq=0&limit=3')).to.deep.equal([1, 2, 3]);
    expect(await seqs('?afterSeq=7')).to.deep.equal([]);
    expect(await seqs('?beforeSeq=6&limit=2')).to.deep.equal([4, 5]);
    expect(await seqs('?beforeSeq=3')).to.deep.equal([1, 2]);
    expect(await seqs('?beforeSeq=1')).to.deep.equal([]);
    expect(await seqs('?limit=3')).to.deep.equal([5, 6, 7]);
    expect(await seqs('?limit=200')).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    // Both bounds: what lies strictly between them.
    expect(await seqs('?afterSeq=2&beforeSeq=6')).to.deep.equal([3, 4, 5]);
  });

  it('refuses limit=201, limit=0 and a negative or non-numeric seq: 400 naming the field', async () => {
    const { messages } = await chat();
    expect(detailPaths(await messages('?limit=201'))).to.deep.equal(['limit']);
    expect(detailPaths(await messages('?limit=0'))).to.deep.equal(['limit']);
    expect(detailPaths(await messages('?afterSeq=-1'))).to.deep.equal(['afterSeq']);
    expect(detailPaths(await messages('?beforeSeq=soon'))).to.deep.equal(['beforeSeq']);
  });
});
