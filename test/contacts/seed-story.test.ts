/** The seed page, end to end: anonymous visitors, the pre-chat form, leads found by email, a second browser — then what the page said was missing: duplicates, merge, erase. */
import { expect } from 'chai';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ok, ownerWithProject } from '../support/clients.js';
import { refusal } from '../support/tokens.js';

describe('seed story: contacts and leads', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('one browser is one lead across visits; another browser with the same email is a second lead', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const email = `Mario.Rossi+${Date.now()}@Example.com`;

    // Chrome: an anonymous visitor, no lead yet.
    const chrome = await t.connectVisitor(projectId);
    expect(isUuid(chrome.session.visitorId) && uuidVersion(chrome.session.visitorId)).to.equal(4);
    expect(chrome.session.token).to.be.a('string').and.not.empty;
    expect(chrome.session.leadId).to.equal(null);

    // The pre-chat form, then a first conversation.
    const lead = await ok(chrome.socket, 'lead:update', { fullname: 'Mario Rossi', lastName: 'Rossi', email, attributes: { plan: 'gold' } });
    expect(lead).to.include({ fullname: 'Mario Rossi', lastName: 'Rossi', email, projectId });
    expect(lead.attributes).to.deep.equal({ plan: 'gold' });
    expect(lead.visitorIds).to.deep.equal([chrome.session.visitorId]);
    const first = await ok(chrome.socket, 'conversation:start', { text: 'Hello, I need help with my order' });
    expect(first).to.include({ leadId: lead.id, status: 'unassigned', firstText: 'Hello, I need help with my order', lastSeq: 1 });

    // Chrome comes back later with its token: the same visitor, the same lead.
    chrome.socket.disconnect();
    const chromeAgain = await t.connectVisitor(projectId, { token: chrome.session.token });
    expect(chromeAgain.session.visitorId).to.equal(chrome.session.visitorId);
    expect(chromeAgain.session.leadId).to.equal(lead.id);
    const second = await ok(chromeAgain.socket, 'conversation:start', { text: 'Me again' });
    expect(second.leadId).to.equal(lead.id);
    const mine = await ok(chromeAgain.socket, 'conversation:list', {});
    expect(mine.map((c: any) => c.id)).to.deep.equal([second.id, first.id]);

    // The agent searches by that email typed in another case: one contact with two conversations.
    const found = await api(t.url, 'GET', `/v1/projects/${projectId}/leads?email=${encodeURIComponent(email.toUpperCase())}`, { token: owner.token });
    expect(found.status).to.equal(200);
    expect(found.body.data.map((l: any) => l.id)).to.deep.equal([lead.id]);
    const convs = await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${lead.id}/conversations`, { token: owner.token });
    expect(convs.body.data.map((c: any) => c.id)).to.deep.equal([second.id, first.id]);

    // Safari: no token, the same email. A new visitor id and a second lead.
    const safari = await t.connectVisitor(projectId);
    expect(safari.session.visitorId).to.not.equal(chrome.session.visitorId);
    const safariLead = await ok(safari.socket, 'lead:update', { fullname: 'Mario Rossi', email });
    expect(safariLead.id).to.not.equal(lead.id);
    const third = await ok(safari.socket, 'conversation:start', { text: 'Hi from Safari' });

    const both = await api(t.url, 'GET', `/v1/projects/${projectId}/leads?email=${encodeURIComponent(email.toLowerCase())}`, { token: owner.token });
    expect(both.body.data.map((l: any) => l.id)).to.deep.equal([safariLead.id, lead.id]);
    const newest = both.body.data[0];
    expect(newest.visitorIds).to.deep.equal([safari.session.visitorId]);
    const safariConvs = await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${safariLead.id}/conversations`, { token: owner.token });
    expect(safariConvs.body.data.map((c: any) => c.id)).to.deep.equal([third.id]);

    // What the seed page says is missing: the agent sees the duplicate…
    const leadsPath = `/v1/projects/${projectId}/leads`;
    const dupes = await api(t.url, 'GET', `${leadsPath}/duplicates`, { token: owner.token });
    expect(dupes.status).to.equal(200);
    expect(dupes.body.data).to.have.length(1);
    expect(dupes.body.data[0].email).to.equal(email.toLowerCase());
    expect(dupes.body.data[0].leads.map((l: any) => l.id)).to.have.members([lead.id, safariLead.id]);

    // …a note goes on the Safari contact, the preview shows what a merge into Chrome's lead would move…
    const note = await api(t.url, 'POST', `${leadsPath}/${safariLead.id}/notes`, { token: owner.token, body: { text: 'Same person as the Chrome contact' } });
    expect(note.status).to.equal(201);
    const preview = await api(t.url, 'GET', `${leadsPath}/${lead.id}/merge?sourceLeadId=${safariLead.id}`, { token: owner.token });
    expect(preview.status).to.equal(200);
    expect(preview.body.conversations.map((c: any) => c.id)).to.deep.equal([third.id]);
    expect(preview.body.visitorIds).to.deep.equal([safari.session.visitorId]);
    expect(preview.body.notes.map((n: any) => n.id)).to.deep.equal([note.body.id]);
    expect(preview.body.lead.visitorIds).to.have.members([chrome.session.visitorId, safari.session.visitorId]);
    expect((await api(t.url, 'GET', `${leadsPath}/${safariLead.id}`, { token: owner.token })).status).to.equal(200);

    // …and merges: one lead with both visitor ids and all three conversations; the Safari lead is gone.
    const mergedEvent = new Promise((resolve) => safari.socket.once('lead:merged', resolve));
    const merged = await api(t.url, 'POST', `${leadsPath}/${lead.id}/merge`, { token: owner.token, body: { sourceLeadId: safariLead.id } });
    expect(merged.status).to.equal(200);
    expect(merged.body.id).to.equal(lead.id);
    expect(merged.body.visitorIds).to.have.members([chrome.session.visitorId, safari.session.visitorId]);
    expect(await mergedEvent).to.deep.equal({ leadId: lead.id, mergedLeadId: safariLead.id });
    const all = await api(t.url, 'GET', `${leadsPath}/${lead.id}/conversations`, { token: owner.token });
    expect(all.body.data.map((c: any) => c.id)).to.have.members([first.id, second.id, third.id]);
    expect((await api(t.url, 'GET', `${leadsPath}/${safariLead.id}`, { token: owner.token })).status).to.equal(404);
    const search = await api(t.url, 'GET', `${leadsPath}?email=${encodeURIComponent(email)}`, { token: owner.token });
    expect(search.body.data.map((l: any) => l.id)).to.deep.equal([lead.id]);

    // Safari comes back with its token: it lands on the merged lead and sees every conversation.
    safari.socket.disconnect();
    const safariAgain = await t.connectVisitor(projectId, { token: safari.session.token });
    expect(safariAgain.session).to.include({ visitorId: safari.session.visitorId, leadId: lead.id });
    const seen = await ok(safariAgain.socket, 'conversation:list', {});
    expect(seen.map((c: any) => c.id)).to.have.members([first.id, second.id, third.id]);

    // Erasing the contact leaves no conversation, message or note, and refuses both browsers' tokens.
    expect((await api(t.url, 'DELETE', `${leadsPath}/${lead.id}`, { token: owner.token })).status).to.equal(204);
    const db = t.deps.db.knex;
    const ids = [first.id, second.id, third.id];
    expect(await db('conversations').whereIn('id', ids).select('id')).to.deep.equal([]);
    expect(await db('messages').whereIn('conversation_id', ids).select('id')).to.deep.equal([]);
    expect(await db('lead_notes').where({ lead_id: lead.id }).select('id')).to.deep.equal([]);
    expect(await db('visitors').whereIn('id', [chrome.session.visitorId, safari.session.visitorId]).select('id')).to.deep.equal([]);
    for (const token of [chromeAgain.session.token, safariAgain.session.token]) {
      expect(await refusal(t.rawSocket('/visitor', { projectId, token }))).to.equal('UNAUTHENTICATED');
    }
  });
});
