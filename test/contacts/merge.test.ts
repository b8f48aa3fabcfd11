/** Merging two leads (POST …/leads/:targetId/merge) and its preview: fields, what moves, errors, and what sockets see. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ok, ownerWithProject, signup } from '../support/clients.js';
import { expectError, LEAD_KEYS, visitorConversation, visitorLead } from '../support/rest-fixtures.js';
import { outgoing, waitFor } from '../support/chat-fixtures.js';

describe('merging leads', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
  });
  after(async () => {
    await t.close();
  });

  const leadsPath = (projectId: string, rest = '') => `/v1/projects/${projectId}/leads${rest}`;
  const merge = (projectId: string, token: string, targetId: string, sourceLeadId: string) =>
    api(t.url, 'POST', leadsPath(projectId, `/${targetId}/merge`), { token, body: { sourceLeadId } });
  const preview = (projectId: string, token: string, targetId: string, sourceLeadId: string) =>
    api(t.url, 'GET', leadsPath(projectId, `/${targetId}/merge?sourceLeadId=${encodeURIComponent(sourceLeadId)}`), { token });
  const getLead = async (projectId: string, token: string, leadId: string) => (await api(t.url, 'GET', leadsPath(projectId, `/${leadId}`), { token })).body;
  const addNote = async (projectId: string, token: string, leadId: string, text: string) => {
    const res = await api(t.url, 'POST', leadsPath(projectId, `/${leadId}/notes`), { token, body: { text } });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  };
  const setTags = async (projectId: string, token: string, leadId: string, tags: string[]) => {
    const res = await api(t.url, 'PATCH', leadsPath(projectId, `/${leadId}`), { token, body: { tags } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  };
  const leadRow = (id: string) => t.deps.db.knex('leads').where({ id }).first();

  it("fills the target's empty fields from the source, target's values win; attributes key by key; tags united", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { lead: target } = await visitorLead(t, projectId, { fullname: 'Tina Target', phone: '+1 555 0100', attributes: { plan: 'gold', shared: 'target' } });
    const { lead: source } = await visitorLead(t, projectId, {
      fullname: 'Sam Source',
      firstName: 'Sam',
      lastName: 'Source',
      email: 'sam@example.com',
      phone: '+1 555 0199',
      attributes: { shared: 'source', company: 'Acme' },
    });
    // The source was identified (a signed identity gave it its externalId and its email).
    await t.deps.db.knex('leads').where({ id: source.id }).update({ external_id: 'crm-42', verified: true, email_from_identity: true });
    await setTags(projectId, owner.token, target.id, ['vip', 'billing']);
    await setTags(projectId, owner.token, source.id, ['billing', 'trial']);
    const [before, sourceBefore] = [await getLead(projectId, owner.token, target.id), await getLead(projectId, owner.token, source.id)];

    const res = await merge(projectId, owner.token, target.id, source.id);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const merged = res.body;
    expect(merged).to.have.all.keys(LEAD_KEYS);
    expect(merged).to.include({
      id: target.id,
      projectId,
      createdAt: target.createdAt,
      fullname: 'Tina Target',
      firstName: 'Sam',
      lastName: 'Source',
      email: 'sam@example.com',
      phone: '+1 555 0100',
      externalId: 'crm-42',
      verified: true,
    });
    expect(merged.attributes).to.deep.equal({ plan: 'gold', shared: 'target', company: 'Acme' });
    expect(merged.tags).to.deep.equal(['vip', 'billing', 'trial']);
    expect(merged.visitorIds).to.have.members([...target.visitorIds, ...source.visitorIds]).and.have.length(2);
    const latestSeen = Math.max(Date.parse(before.lastSeenAt), Date.parse(sourceBefore.lastSeenAt));
    expect(Date.parse(merged.lastSeenAt)).to.equal(latestSeen);
    expect(Date.parse(merged.updatedAt)).to.be.at.least(Date.parse(before.updatedAt));
    const { online: _online, ...stored } = await getLead(projectId, owner.token, target.id);
    expect(stored).to.deep.equal(merged);
    // The kept email came from the source's identity: the flag follows it.
    expect((await leadRow(target.id)).email_from_identity).to.equal(true);
  });

  it("keeps the target's email and its flag when the target has one; verified if either was; the later lastSeenAt", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { lead: target } = await visitorLead(t, projectId, { email: 'kept@example.com' });
    const { lead: source } = await visitorLead(t, projectId, { email: 'dropped@example.com', fullname: 'From Source' });
    await t.deps.db.knex('leads').where({ id: source.id }).update({ email_from_identity: true, last_seen_at: new Date('2000-01-01T00:00:00Z') });
    await t.deps.db.knex('leads').where({ id: target.id }).update({ verified: true, last_seen_at: new Date('2030-01-01T00:00:00Z') });

    const res = await merge(projectId, owner.token, target.id, source.id);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ email: 'kept@example.com', fullname: 'From Source', verified: true, externalId: null, lastSeenAt: '2030-01-01T00:00:00.000Z' });
    expect(res.body.tags).to.deep.equal([]);
    expect((await leadRow(target.id)).email_from_identity).to.equal(false);
  });

  it("moves the source's conversations, visitor ids and notes to the target, and deletes the source", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { lead: target, conversation: targetConversation } = await visitorConversation(t, projectId, 'Target asks');
    const { visitor: sourceVisitor, lead: source, conversation: firstOfSource } = await visitorConversation(t, projectId, 'Source asks');
    const secondOfSource = await ok(sourceVisitor.socket, 'conversation:start', { text: 'Source asks again' });
    const targetNote = await addNote(projectId, owner.token, target.id, 'about the target');
    const sourceNote = await addNote(projectId, owner.token, source.id, 'about the source');
    const { lead: bystander } = await visitorConversation(t, projectId, 'Not involved');

    expect((await merge(projectId, owner.token, target.id, source.id)).status).to.equal(200);

    const conversations = await api(t.url, 'GET', leadsPath(projectId, `/${target.id}/conversations`), { token: owner.token });
    expect(conversations.body.data.map((c: any) => c.id)).to.have.members([targetConversation.id, firstOfSource.id, secondOfSource.id]).and.have.length(3);
    expect(conversations.body.data.every((c: any) => c.leadId === target.id)).to.equal(true);
    const notes = await api(t.url, 'GET', leadsPath(projectId, `/${target.id}/notes`), { token: owner.token });
    expect(notes.body.data.map((n: any) => n.id)).to.have.members([targetNote.id, sourceNote.id]).and.have.length(2);
    expect(notes.body.data.find((n: any) => n.id === sourceNote.id)).to.include({ leadId: target.id, text: 'about the source' });
    expect((await getLead(projectId, owner.token, target.id)).visitorIds).to.have.members([...target.visitorIds, ...source.visitorIds]);

    // The source is gone: every read of it is 404.
    for (const path of [`/${source.id}`, `/${source.id}/conversations`, `/${source.id}/notes`]) {
      expectError(await api(t.url, 'GET', leadsPath(projectId, path), { token: owner.token }), 404, 'NOT_FOUND');
    }
    expectError(await merge(projectId, owner.token, target.id, source.id), 404, 'NOT_FOUND');
    // Nothing anywhere still points at it, and the bystander is untouched.
    const knex = t.deps.db.knex;
    for (const table of ['visitors', 'conversations', 'lead_notes']) {
      expect(await knex(table).where({ lead_id: source.id }).count({ n: '*' }).first()).to.deep.equal({ n: 0 });
    }
    expect((await getLead(projectId, owner.token, bystander.id)).visitorIds).to.deep.equal(bystander.visitorIds);
  });

  it('the preview shows the lead as it would be and what would move, and writes nothing', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { lead: target } = await visitorConversation(t, projectId, 'Target asks', { fullname: 'Tina', attributes: { a: 1 } });
    const { lead: source, conversation } = await visitorConversation(t, projectId, 'Source asks', { email: 'src@example.com', attributes: { a: 2, b: 3 } });
    const note = await addNote(projectId, owner.token, source.id, 'call back on Monday');
    await setTags(projectId, owner.token, source.id, ['lead']);
    const knex = t.deps.db.knex;
    const snapshot = async () => ({
      leads: await knex('leads').where({ project_id: projectId }).orderBy('id'),
      visitors: await knex('visitors').where({ project_id: projectId }).orderBy('id'),
      conversations: await knex('conversations').where({ project_id: projectId }).orderBy('id'),
      notes: await knex('lead_notes').where({ project_id: projectId }).orderBy('id'),
    });
    const before = await snapshot();

    const res = await preview(projectId, owner.token, target.id, source.id);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.have.all.keys('lead', 'conversations', 'visitorIds', 'notes');
    expect(res.body.lead).to.include({ id: target.id, fullname: 'Tina', email: 'src@example.com' });
    expect(res.body.lead.attributes).to.deep.equal({ a: 1, b: 3 });
    expect(res.body.lead.tags).to.deep.equal(['lead']);
    expect(res.body.lead.visitorIds).to.deep.equal([...target.visitorIds, ...source.visitorIds]);
    expect(res.body.conversations.map((c: any) => c.id)).to.deep.equal([conversation.id]);
    expect(res.body.conversations[0]).to.include({ leadId: source.id, firstText: 'Source asks' });
    expect(res.body.visitorIds).to.deep.equal(source.visitorIds);
    expect(res.body.notes).to.deep.equal([note]);
    expect(await snapshot()).to.deep.equal(before);

    // The merge then does what the preview said (only updatedAt moves on).
    const merged = await merge(projectId, owner.token, target.id, source.id);
    const { updatedAt: _a, ...predicted } = res.body.lead;
    const { updatedAt: _b, ...actual } = merged.body;
    expect(actual).to.deep.equal(predicted);
  });

  it('into itself is 409 and nothing changes; two different externalIds are 409', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { lead } = await visitorConversation(t, projectId, 'Only me');
    expectError(await merge(projectId, owner.token, lead.id, lead.id), 409, 'CONFLICT');
    expectError(await preview(projectId, owner.token, lead.id, lead.id), 409, 'CONFLICT');
    expect(await getLead(projectId, owner.token, lead.id)).to.include({ id: lead.id });
    expect((await api(t.url, 'GET', leadsPath(projectId, `/${lead.id}/conversations`), { token: owner.token })).body.data).to.have.length(1);

    const create = async (externalId: string) => (await api(t.url, 'POST', leadsPath(projectId), { token: owner.token, body: { externalId, email: 'same@example.com' } })).body;
    const [alice, bob] = [await create('user-alice'), await create('user-bob')];
    const clash = await merge(projectId, owner.token, alice.id, bob.id);
    expectError(clash, 409, 'CONFLICT');
    expectError(await preview(projectId, owner.token, alice.id, bob.id), 409, 'CONFLICT');
    expect(await getLead(projectId, owner.token, bob.id)).to.include({ externalId: 'user-bob' });
    // One identified and one anonymous is fine: the anonymous one joins the identified person.
    const { lead: anonymous } = await visitorLead(t, projectId, { fullname: 'Anon' });
    const joined = await merge(projectId, owner.token, anonymous.id, alice.id);
    expect(joined.status).to.equal(200);
    expect(joined.body).to.include({ id: anonymous.id, externalId: 'user-alice', fullname: 'Anon' });
  });

  it("another project's lead and unknown ids are 404; bad input 400; strangers 403; no token 401", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const theirs = await ownerWithProject(t.url);
    const { lead: mine } = await visitorLead(t, projectId, { fullname: 'Mine' });
    const { lead: other } = await visitorLead(t, projectId, { fullname: 'Other' });
    const { lead: foreign } = await visitorLead(t, theirs.projectId, { fullname: 'Foreign' });

    for (const [target, source] of [[mine.id, foreign.id], [foreign.id, mine.id], [mine.id, randomUUID()], [randomUUID(), mine.id]] as const) {
      expectError(await merge(projectId, owner.token, target, source), 404, 'NOT_FOUND');
      expectError(await preview(projectId, owner.token, target, source), 404, 'NOT_FOUND');
    }
    expectError(await merge(projectId, owner.token, 'not-a-uuid', mine.id), 404, 'NOT_FOUND');
    expectError(await merge(projectId, owner.token, mine.id, 'not-a-uuid'), 400, 'VALIDATION_FAILED');
    expectError(await api(t.url, 'POST', leadsPath(projectId, `/${mine.id}/merge`), { token: owner.token, body: {} }), 400, 'VALIDATION_FAILED');
    expectError(await api(t.url, 'GET', leadsPath(projectId, `/${mine.id}/merge`), { token: owner.token }), 400, 'VALIDATION_FAILED');
    // The foreign lead is untouched, as are both of mine.
    expect((await getLead(theirs.projectId, theirs.owner.token, foreign.id)).visitorIds).to.deep.equal(foreign.visitorIds);

    const stranger = await signup(t.url);
    expectError(await merge(projectId, stranger.token, mine.id, other.id), 403, 'FORBIDDEN');
    expectError(await preview(projectId, stranger.token, mine.id, other.id), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'POST', leadsPath(projectId, `/${mine.id}/merge`), { body: { sourceLeadId: other.id } }), 401, 'UNAUTHENTICATED');
    expect(await getLead(projectId, owner.token, other.id)).to.include({ id: other.id });
  });

  it("lead:merged reaches both leads' sockets and the agents; the source's sockets then hear the target's conversations", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agentSocket = await t.connectAgent(owner.token, projectId);
    const { visitor: targetVisitor, lead: target, conversation: targetConversation } = await visitorConversation(t, projectId, 'Target asks');
    const { visitor: sourceVisitor, lead: source, conversation: sourceConversation } = await visitorConversation(t, projectId, 'Source asks');
    // A second tab of the source's browser.
    const sourceTab = await t.connectVisitor(projectId, { token: sourceVisitor.session.token });
    expect(sourceTab.session.leadId).to.equal(source.id);

    const expected = { leadId: target.id, mergedLeadId: source.id };
    const heard = [targetVisitor.socket, sourceVisitor.socket, sourceTab.socket, agentSocket].map((s) => waitFor(s, 'lead:merged'));
    expect((await merge(projectId, owner.token, target.id, source.id)).status).to.equal(200);
    for (const payload of await Promise.all(heard)) expect(payload).to.deep.equal(expected);

    // The agent writes in the target's own conversation: the source's sockets hear it now.
    await ok(agentSocket, 'conversation:join', { conversationId: targetConversation.id });
    const toSource = [sourceVisitor.socket, sourceTab.socket].map((s) => waitFor(s, 'message:created', (m: any) => m.conversationId === targetConversation.id));
    const sent = await ok(agentSocket, 'message:send', outgoing(targetConversation.id, 'Hello from the agent'));
    for (const message of await Promise.all(toSource)) expect(message).to.deep.equal(sent);
    // And the target's socket hears the conversation that came from the source.
    await ok(agentSocket, 'conversation:join', { conversationId: sourceConversation.id });
    const toTarget = waitFor(targetVisitor.socket, 'message:created', (m: any) => m.conversationId === sourceConversation.id);
    const reply = await ok(agentSocket, 'message:send', outgoing(sourceConversation.id, 'Same person, same answer'));
    expect(await toTarget).to.deep.equal(reply);

    // The source's browser comes back with its token: it lands on the target and sees everything.
    sourceVisitor.socket.disconnect();
    const back = await t.connectVisitor(projectId, { token: sourceVisitor.session.token });
    expect(back.session).to.include({ visitorId: sourceVisitor.session.visitorId, leadId: target.id });
    const listed = await ok(back.socket, 'conversation:list', {});
    expect(listed.map((c: any) => c.id)).to.deep.equal([sourceConversation.id, targetConversation.id]);
    expect(listed.every((c: any) => c.leadId === target.id)).to.equal(true);
    // It may write in the target's conversation, which was never its own before.
    const fromSource = waitFor(targetVisitor.socket, 'message:created', (m: any) => m.conversationId === targetConversation.id);
    const written = await ok(back.socket, 'message:send', outgoing(targetConversation.id, 'I am the same person'));
    expect(await fromSource).to.deep.equal(written);
  });
});
