/**
 * Merges racing other writers, each race run many times: A←B against B←A, a merge against
 * messages being sent into the source's conversations, and a merge against a visitor of the
 * source starting a conversation. Afterwards nothing is lost and nothing points at a lead
 * that is gone: checked through the API and in the database itself.
 */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, api, ok, ownerWithProject, sleep } from '../support/clients.js';
import { visitorConversation } from '../support/rest-fixtures.js';
import { outgoing } from '../support/chat-fixtures.js';

const ITERATIONS = 20;

/** Iteration i's interleaving: which side leaves first (alternating) and how many ms later the other follows (0–3). */
const interleaving = (i: number) => ({ bFirst: i % 2 === 0, delay: Math.floor(i / 2) % 4 });

/** Starts `a` and `b`, one `delay` ms after the other, and resolves with both results. */
async function race<A, B>(a: () => Promise<A>, b: () => Promise<B>, order: { bFirst: boolean; delay: number }): Promise<[A, B]> {
  let pa: Promise<A>;
  let pb: Promise<B>;
  if (order.bFirst) {
    pb = b();
    await sleep(order.delay);
    pa = a();
  } else {
    pa = a();
    await sleep(order.delay);
    pb = b();
  }
  return Promise.all([pa, pb]);
}

describe('merge races', function () {
  this.timeout(120_000);
  let t: TestApp;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0', RATE_LIMIT_HANDSHAKE: '0' });
  });
  after(async () => {
    await t.close();
  });

  const merge = (projectId: string, token: string, targetId: string, sourceLeadId: string) =>
    api(t.url, 'POST', `/v1/projects/${projectId}/leads/${targetId}/merge`, { token, body: { sourceLeadId } });

  /** In the database: every listed visitor and conversation still exists and belongs to `leadId`, which exists. */
  async function expectOwnedBy(projectId: string, leadId: string, visitorIds: string[], conversationIds: string[]) {
    const knex = t.deps.db.knex;
    expect(await knex('leads').where({ id: leadId, project_id: projectId }).first('id'), 'the surviving lead').to.deep.equal({ id: leadId });
    const visitors = await knex('visitors').whereIn('id', visitorIds).select('id', 'lead_id', 'project_id');
    expect(visitors.map((v) => v.id), 'visitors').to.have.members(visitorIds);
    for (const v of visitors) expect(v).to.include({ lead_id: leadId, project_id: projectId });
    const conversations = await knex('conversations').whereIn('id', conversationIds).select('id', 'lead_id', 'project_id');
    expect(conversations.map((c) => c.id), 'conversations').to.have.members(conversationIds);
    for (const c of conversations) expect(c).to.include({ lead_id: leadId, project_id: projectId });
  }

  /** Project-wide: nothing points at a lead outside the project, and no conversation went missing. */
  async function expectProjectWhole(projectId: string, conversations: number) {
    const knex = t.deps.db.knex;
    const strays = await knex.raw(
      `select (select count(*)::int from conversations c left join leads l on l.id = c.lead_id and l.project_id = c.project_id
                where c.project_id = ? and l.id is null) as conversations,
              (select count(*)::int from visitors v left join leads l on l.id = v.lead_id and l.project_id = v.project_id
                where v.project_id = ? and v.lead_id is not null and l.id is null) as visitors,
              (select count(*)::int from conversations where project_id = ?) as total`,
      [projectId, projectId, projectId],
    );
    expect(strays.rows[0]).to.deep.equal({ conversations: 0, visitors: 0, total: conversations });
  }

  it('A←B against B←A at the same moment: exactly one wins, the other is 404, nothing is lost', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    for (let i = 0; i < ITERATIONS; i++) {
      const a = await visitorConversation(t, projectId, `A ${i}`);
      const b = await visitorConversation(t, projectId, `B ${i}`);
      const [intoA, intoB] = await Promise.all([merge(projectId, owner.token, a.lead.id, b.lead.id), merge(projectId, owner.token, b.lead.id, a.lead.id)]);

      expect([intoA.status, intoB.status].sort(), `iteration ${i}: ${JSON.stringify([intoA.body, intoB.body])}`).to.deep.equal([200, 404]);
      const [winner, loser] = intoA.status === 200 ? [a, b] : [b, a];
      expect((intoA.status === 200 ? intoB : intoA).body.error.code).to.equal('NOT_FOUND');
      const visitorIds = [a.visitor.session.visitorId, b.visitor.session.visitorId];
      expect((intoA.status === 200 ? intoA : intoB).body.visitorIds).to.have.members(visitorIds);
      expect((await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${loser.lead.id}`, { token: owner.token })).status).to.equal(404);
      await expectOwnedBy(projectId, winner.lead.id, visitorIds, [a.conversation.id, b.conversation.id]);
      await expectProjectWhole(projectId, 2 * (i + 1));
      a.visitor.socket.disconnect();
      b.visitor.socket.disconnect();
    }
  });

  it('a merge against messages being sent into the source: every acked message is stored, under the target', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    for (let i = 0; i < ITERATIONS; i++) {
      const target = await visitorConversation(t, projectId, `target ${i}`);
      const source = await visitorConversation(t, projectId, `source ${i}`);
      const second = await ok(source.visitor.socket, 'conversation:start', { text: `source again ${i}` });
      const into = [source.conversation.id, second.id];

      // Pipelined (no waiting for acks), alternating between the source's two conversations,
      // so one group commit may hold both of them while the merge wants them too.
      const send = () => Promise.all(Array.from({ length: 6 }, (_, k) => ack(source.visitor.socket, 'message:send', outgoing(into[k % 2]!, `m${k}`))));
      const [acks, merged] = await race(send, () => merge(projectId, owner.token, target.lead.id, source.lead.id), interleaving(i));

      expect(merged.status, JSON.stringify(merged.body)).to.equal(200);
      for (const res of acks) expect(res.ok, JSON.stringify(res)).to.equal(true);
      const stored = await t.deps.db.knex('messages').whereIn('conversation_id', into).select('id', 'conversation_id', 'seq', 'text');
      for (const { data: message } of acks) {
        expect(stored.find((row) => row.id === message.id), `acked ${message.text} of iteration ${i}`).to.include({ conversation_id: message.conversationId, seq: message.seq, text: message.text });
      }
      // seq stays gap-free in each conversation: 1 (the opening message), then the three sends.
      for (const id of into) expect(stored.filter((r) => r.conversation_id === id).map((r) => r.seq).sort()).to.deep.equal([1, 2, 3, 4]);
      await expectOwnedBy(projectId, target.lead.id, [target.visitor.session.visitorId, source.visitor.session.visitorId], [target.conversation.id, ...into]);
      await expectProjectWhole(projectId, 3 * (i + 1));
      target.visitor.socket.disconnect();
      source.visitor.socket.disconnect();
    }
  });

  it('a merge against a visitor of the source starting a conversation: the new one lands on the surviving lead', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    for (let i = 0; i < ITERATIONS; i++) {
      const target = await visitorConversation(t, projectId, `target ${i}`);
      const source = await visitorConversation(t, projectId, `source ${i}`);
      const [started, merged] = await race(
        () => ack(source.visitor.socket, 'conversation:start', { text: `new ${i}` }),
        () => merge(projectId, owner.token, target.lead.id, source.lead.id),
        interleaving(i),
      );

      expect(merged.status, JSON.stringify(merged.body)).to.equal(200);
      expect(started.ok, JSON.stringify(started)).to.equal(true);
      // Its ack may name the source (it committed first and then moved) or the target.
      expect([source.lead.id, target.lead.id]).to.include(started.data.leadId);
      const all = [target.conversation.id, source.conversation.id, started.data.id];
      await expectOwnedBy(projectId, target.lead.id, [target.visitor.session.visitorId, source.visitor.session.visitorId], all);
      const opening = await t.deps.db.knex('messages').where({ conversation_id: started.data.id }).select('seq', 'text');
      expect(opening).to.deep.equal([{ seq: 1, text: `new ${i}` }]);
      // The source's browser, without reconnecting, now lists every conversation of both.
      const listed = await ok(source.visitor.socket, 'conversation:list', {});
      expect(listed.map((c: any) => c.id)).to.have.members(all).and.have.length(3);
      await expectProjectWhole(projectId, 3 * (i + 1));
      target.visitor.socket.disconnect();
      source.visitor.socket.disconnect();
    }
  });
});
