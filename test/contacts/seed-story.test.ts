/** The seed page, end to end: anonymous visitors, the pre-chat form, leads found by email, a second browser. */
import { expect } from 'chai';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ok, ownerWithProject } from '../support/clients.js';

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
  });
});
