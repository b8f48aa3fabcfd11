/** Identified visitors: one verified lead per signed `sub`, the anonymous lead merged in, refusals, and what an anonymous token can never reach. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { SignJWT, UnsecuredJWT } from 'jose';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ok, ownerWithProject, type AgentAccount } from '../support/clients.js';
import { expectError as expectAckError, outgoing, waitFor } from '../support/chat-fixtures.js';
import { expectError } from '../support/rest-fixtures.js';
import { forgeVisitorToken, refusal } from '../support/tokens.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An identity as the customer's backend signs it: HS256 with the project's identity secret. */
function signIdentity(secret: string, claims: Record<string, unknown>, options: { expiresAt?: number; alg?: string } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setIssuedAt();
  if (options.expiresAt !== undefined) jwt.setExpirationTime(options.expiresAt);
  return jwt.sign(new TextEncoder().encode(secret));
}

describe('identified visitors', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  /** A fresh project and its identity secret, read the way an owner reads it. */
  async function project(): Promise<{ owner: AgentAccount; projectId: string; secret: string }> {
    const { owner, projectId } = await ownerWithProject(t.url);
    const res = await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: owner.token });
    expect(res.body.identitySecret).to.be.a('string').and.not.empty;
    return { owner, projectId, secret: res.body.identitySecret };
  }

  const getLead = (owner: AgentAccount, projectId: string, leadId: string) => api(t.url, 'GET', `/v1/projects/${projectId}/leads/${leadId}`, { token: owner.token });
  const leadOf = async (owner: AgentAccount, projectId: string, leadId: string) => {
    const res = await getLead(owner, projectId, leadId);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  };
  const verifiedLeads = async (owner: AgentAccount, projectId: string) =>
    (await api(t.url, 'GET', `/v1/projects/${projectId}/leads?verified=true`, { token: owner.token })).body.data as any[];
  const allLeads = async (owner: AgentAccount, projectId: string) => (await api(t.url, 'GET', `/v1/projects/${projectId}/leads`, { token: owner.token })).body.data as any[];
  const ids = (list: any[]) => list.map((x) => x.id).sort();

  it('gives every browser with the same sub one verified lead, filled by the claims, where each sees the other\'s conversations', async () => {
    const { owner, projectId, secret } = await project();
    const identity = await signIdentity(secret, { sub: 'user-42', email: 'Ada@Example.com', name: 'Ada Lovelace' });
    const laptop = await t.connectVisitor(projectId, { identity });
    const phone = await t.connectVisitor(projectId, { identity });
    expect(phone.session.visitorId).to.not.equal(laptop.session.visitorId);
    // The identified lead exists at once: the session names it.
    expect(laptop.session.leadId).to.be.a('string');
    expect(phone.session.leadId).to.equal(laptop.session.leadId);

    const lead = await leadOf(owner, projectId, laptop.session.leadId!);
    expect(lead).to.include({ externalId: 'user-42', verified: true, email: 'Ada@Example.com', fullname: 'Ada Lovelace' });
    expect([...lead.visitorIds].sort()).to.deep.equal([laptop.session.visitorId, phone.session.visitorId].sort());
    expect(lead.lastSeenAt).to.be.a('string');

    // What one browser starts, the other hears and lists.
    const heard = waitFor(phone.socket, 'message:created', (m: any) => m.text === 'from the laptop');
    const fromLaptop = await ok(laptop.socket, 'conversation:start', { text: 'from the laptop' });
    await heard;
    const fromPhone = await ok(phone.socket, 'conversation:start', { text: 'from the phone' });
    for (const browser of [laptop, phone]) {
      expect(ids(await ok(browser.socket, 'conversation:list'))).to.deep.equal([fromLaptop.id, fromPhone.id].sort());
    }
    const replyHeard = waitFor(laptop.socket, 'message:created', (m: any) => m.text === 'reply on the phone');
    await ok(phone.socket, 'message:send', outgoing(fromLaptop.id, 'reply on the phone'));
    await replyHeard;

    // A later identity of the same person: the name only fills an empty fullname; the email is the identity's.
    const later = await signIdentity(secret, { sub: 'user-42', email: 'ada@lovelace.example', name: 'Someone Else' });
    const tablet = await t.connectVisitor(projectId, { identity: later });
    expect(tablet.session.leadId).to.equal(lead.id);
    expect(await leadOf(owner, projectId, lead.id)).to.include({ fullname: 'Ada Lovelace', email: 'ada@lovelace.example', verified: true });
    expect(await verifiedLeads(owner, projectId)).to.have.length(1);
  });

  it('reuses a lead an agent created with that externalId, and marks it verified', async () => {
    const { owner, projectId, secret } = await project();
    const created = await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { externalId: 'crm-7', fullname: 'Grace Hopper' } });
    expect(created.status).to.equal(201);
    expect(created.body.verified).to.equal(false);
    const browser = await t.connectVisitor(projectId, { identity: await signIdentity(secret, { sub: 'crm-7', name: 'G. Hopper', email: 'grace@navy.example' }) });
    expect(browser.session.leadId).to.equal(created.body.id);
    const lead = await leadOf(owner, projectId, created.body.id);
    expect(lead).to.include({ verified: true, fullname: 'Grace Hopper', email: 'grace@navy.example', externalId: 'crm-7' });
    expect(lead.visitorIds).to.deep.equal([browser.session.visitorId]);
    expect(await allLeads(owner, projectId)).to.have.length(1);
  });

  it("merges the browser's anonymous lead into the identified one on first identify: conversations, visitor id and attributes follow", async () => {
    const { owner, projectId, secret } = await project();
    const identity = await signIdentity(secret, { sub: 'user-7', email: 'lin@example.com' });
    // The person already chatted from another, identified, browser.
    const desk = await t.connectVisitor(projectId, { identity });
    const deskConversation = await ok(desk.socket, 'conversation:start', { text: 'from my desk' });

    // Meanwhile, not yet signed in, on this browser.
    const tab1 = await t.connectVisitor(projectId);
    const anonymousLead = await ok(tab1.socket, 'lead:update', { fullname: 'Lin Anon', phone: '+1 555 0100', attributes: { plan: 'pro', source: 'ad' } });
    const anonymousConversation = await ok(tab1.socket, 'conversation:start', { text: 'before signing in' });

    const mergedSeenByTab1 = waitFor(tab1.socket, 'lead:merged');
    const mergedSeenByDesk = waitFor(desk.socket, 'lead:merged');
    // This browser signs in: a second tab connects with the same token and the identity.
    const tab2 = await t.connectVisitor(projectId, { token: tab1.session.token, identity });
    expect(tab2.session.visitorId).to.equal(tab1.session.visitorId);
    expect(tab2.session.leadId).to.equal(desk.session.leadId);
    const expected = { leadId: desk.session.leadId, mergedLeadId: anonymousLead.id };
    expect(await mergedSeenByTab1).to.deep.equal(expected);
    expect(await mergedSeenByDesk).to.deep.equal(expected);

    expectError(await getLead(owner, projectId, anonymousLead.id), 404, 'NOT_FOUND');
    const lead = await leadOf(owner, projectId, desk.session.leadId!);
    expect(lead).to.include({ externalId: 'user-7', verified: true, email: 'lin@example.com', fullname: 'Lin Anon', phone: '+1 555 0100' });
    expect(lead.attributes).to.deep.equal({ plan: 'pro', source: 'ad' });
    expect([...lead.visitorIds].sort()).to.deep.equal([desk.session.visitorId, tab1.session.visitorId].sort());

    const both = [deskConversation.id, anonymousConversation.id].sort();
    for (const browser of [tab2, tab1, desk]) expect(ids(await ok(browser.socket, 'conversation:list'))).to.deep.equal(both);
    const rest = await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${lead.id}/conversations`, { token: owner.token });
    expect(ids(rest.body.data)).to.deep.equal(both);
    // The old tab was moved into the lead's room: it hears the desk's messages.
    const heard = waitFor(tab1.socket, 'message:created', (m: any) => m.text === 'desk again');
    await ok(desk.socket, 'message:send', outgoing(deskConversation.id, 'desk again'));
    await heard;
  });

  it('ends on one lead when five browsers identify one new sub at the same moment (two with anonymous leads to merge), round after round', async () => {
    const { owner, projectId, secret } = await project();
    for (let round = 0; round < 5; round++) {
      const identity = await signIdentity(secret, { sub: `race-${round}`, name: 'Rae Race' });
      const anonymous = await Promise.all([0, 1].map(async (i) => {
        const browser = await t.connectVisitor(projectId);
        const conversation = await ok(browser.socket, 'conversation:start', { text: `anonymous ${round}.${i}` });
        return { browser, conversation };
      }));
      const browsers = await Promise.all([
        ...anonymous.map(({ browser }) => t.connectVisitor(projectId, { token: browser.session.token, identity })),
        ...[0, 1, 2].map(() => t.connectVisitor(projectId, { identity })),
      ]);
      const leadIds = new Set(browsers.map((b) => b.session.leadId));
      expect(leadIds.size, `round ${round}`).to.equal(1);
      const [leadId] = [...leadIds];
      const lead = await leadOf(owner, projectId, leadId!);
      expect(lead.externalId).to.equal(`race-${round}`);
      expect([...lead.visitorIds].sort()).to.deep.equal(browsers.map((b) => b.session.visitorId).sort());
      // The two anonymous leads were merged into it, with their conversations.
      const conversations = await ok(browsers[4]!.socket, 'conversation:list');
      expect(ids(conversations)).to.deep.equal(ids(anonymous.map((a) => a.conversation)));
      for (const browser of [...browsers, ...anonymous.map((a) => a.browser)]) browser.socket.disconnect();
    }
    // One lead per sub, and no other lead left over.
    const verified = await verifiedLeads(owner, projectId);
    expect(verified.map((l) => l.externalId).sort()).to.deep.equal([0, 1, 2, 3, 4].map((r) => `race-${r}`));
    expect(await allLeads(owner, projectId)).to.have.length(5);
  });

  it("does not merge an anonymous lead an agent tied to another externalId: the browser gets a fresh visitor", async () => {
    const { owner, projectId, secret } = await project();
    const browser = await t.connectVisitor(projectId);
    const tied = await ok(browser.socket, 'lead:update', { fullname: 'Known In The CRM' });
    const patched = await api(t.url, 'PATCH', `/v1/projects/${projectId}/leads/${tied.id}`, { token: owner.token, body: { externalId: 'crm-9' } });
    expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
    const identified = await t.connectVisitor(projectId, { token: browser.session.token, identity: await signIdentity(secret, { sub: 'u7' }) });
    expect(identified.session.visitorId).to.not.equal(browser.session.visitorId);
    expect(identified.session.leadId).to.not.equal(tied.id);
    expect(await leadOf(owner, projectId, tied.id)).to.include({ externalId: 'crm-9', verified: false, fullname: 'Known In The CRM' });
    expect((await leadOf(owner, projectId, tied.id)).visitorIds).to.deep.equal([browser.session.visitorId]);
    expect((await leadOf(owner, projectId, identified.session.leadId!)).visitorIds).to.deep.equal([identified.session.visitorId]);
  });

  it('a visitor token that does not verify (forged, another project\'s) is ignored next to a valid identity: a fresh visitor on the lead', async () => {
    const { owner, projectId, secret } = await project();
    const identity = await signIdentity(secret, { sub: 'u6' });
    const first = await t.connectVisitor(projectId, { identity });
    const elsewhere = await project();
    const foreign = await t.connectVisitor(elsewhere.projectId);
    const forged = await forgeVisitorToken(first.session.visitorId, projectId, { secret: 'not-the-server-secret-0123456789abcdef' });
    const seen = [first.session.visitorId];
    for (const token of [forged, foreign.session.token, 'garbage']) {
      const browser = await t.connectVisitor(projectId, { token, identity });
      expect(browser.session.leadId).to.equal(first.session.leadId);
      expect(seen).to.not.include(browser.session.visitorId);
      seen.push(browser.session.visitorId);
    }
    expect([...(await leadOf(owner, projectId, first.session.leadId!)).visitorIds].sort()).to.deep.equal([...seen].sort());
    // The other project's visitor was not touched.
    expect(await allLeads(elsewhere.owner, elsewhere.projectId)).to.deep.equal([]);
  });

  describe('refused identities: connect_error UNAUTHENTICATED, nothing created', () => {
    it('a bad signature, another project\'s secret, an expired identity, a missing or empty sub, alg none, HS512, garbage', async () => {
      const { owner, projectId, secret } = await project();
      const other = await project();
      const refusedIdentities: Record<string, unknown> = {
        'bad signature': await signIdentity(`${secret}x`, { sub: 'u1' }),
        "another project's secret": await signIdentity(other.secret, { sub: 'u1' }),
        expired: await signIdentity(secret, { sub: 'u1' }, { expiresAt: nowSeconds() - 3600 }),
        'missing sub': await signIdentity(secret, { email: 'x@example.com' }),
        'empty sub': await signIdentity(secret, { sub: '   ' }),
        'sub over 200 characters': await signIdentity(secret, { sub: 'x'.repeat(201) }),
        'malformed email claim': await signIdentity(secret, { sub: 'u1', email: 'not an email' }),
        'alg none': new UnsecuredJWT({ sub: 'u1' }).encode(),
        HS512: await signIdentity(secret, { sub: 'u1' }, { alg: 'HS512' }),
        garbage: 'not.a.jwt',
        'not a string': 42,
      };
      for (const [what, identity] of Object.entries(refusedIdentities)) {
        const code = await refusal(t.rawSocket('/visitor', { projectId, identity }));
        expect(code, what).to.equal('UNAUTHENTICATED');
      }
      // Signed right, it works; and nothing was created by the refusals.
      expect(await allLeads(owner, projectId)).to.deep.equal([]);
      const good = await t.connectVisitor(projectId, { identity: await signIdentity(secret, { sub: 'u1' }, { expiresAt: nowSeconds() + 600 }) });
      expect(good.session.leadId).to.be.a('string');
      // An unknown project is NOT_FOUND, as for anonymous visitors.
      expect(await refusal(t.rawSocket('/visitor', { projectId: randomUUID(), identity: await signIdentity(secret, { sub: 'u1' }) }))).to.equal('NOT_FOUND');
    });

    it('a rotated-out secret stops working at once; the new one works', async () => {
      const { owner, projectId, secret } = await project();
      const old = await signIdentity(secret, { sub: 'u2' });
      const before = await t.connectVisitor(projectId, { identity: old });
      const rotated = await api(t.url, 'POST', `/v1/projects/${projectId}/identity-secret`, { token: owner.token });
      expect(rotated.status).to.equal(201);
      expect(await refusal(t.rawSocket('/visitor', { projectId, identity: old }))).to.equal('UNAUTHENTICATED');
      // With its own valid token too: the identity decides.
      expect(await refusal(t.rawSocket('/visitor', { projectId, identity: old, token: before.session.token }))).to.equal('UNAUTHENTICATED');
      const after = await t.connectVisitor(projectId, { identity: await signIdentity(rotated.body.identitySecret, { sub: 'u2' }) });
      expect(after.session.leadId).to.equal(before.session.leadId);
    });
  });

  it('a verified lead is reached only with a valid identity for it: its anonymous token gets a fresh visitor and no lead', async () => {
    const { owner, projectId, secret } = await project();
    const identity = await signIdentity(secret, { sub: 'u3', email: 'kim@example.com' });
    const signedIn = await t.connectVisitor(projectId, { identity });
    const conversation = await ok(signedIn.socket, 'conversation:start', { text: 'private matters' });
    signedIn.socket.disconnect();

    const anonymous = await t.connectVisitor(projectId, { token: signedIn.session.token });
    expect(anonymous.session.visitorId).to.not.equal(signedIn.session.visitorId);
    expect(anonymous.session.leadId).to.equal(null);
    expect(anonymous.session.token).to.not.equal(signedIn.session.token);
    expect(await ok(anonymous.socket, 'conversation:list')).to.deep.equal([]);
    await expectAckError(anonymous.socket, 'message:list', { conversationId: conversation.id }, 'NOT_FOUND');
    await expectAckError(anonymous.socket, 'message:send', outgoing(conversation.id, 'let me in'), 'NOT_FOUND');
    // Its own pre-chat form makes a new, anonymous lead.
    const own = await ok(anonymous.socket, 'lead:update', { fullname: 'Not Kim' });
    expect(own.id).to.not.equal(signedIn.session.leadId);
    expect(own.verified).to.equal(false);

    // An identity for someone else with that token is no key either: a fresh visitor on the other lead.
    const other = await t.connectVisitor(projectId, { token: signedIn.session.token, identity: await signIdentity(secret, { sub: 'u3-other' }) });
    expect(other.session.visitorId).to.not.equal(signedIn.session.visitorId);
    expect(other.session.leadId).to.not.equal(signedIn.session.leadId);
    expect(await ok(other.socket, 'conversation:list')).to.deep.equal([]);

    // With the right identity, the same token resumes the same visitor on the verified lead.
    const back = await t.connectVisitor(projectId, { token: signedIn.session.token, identity });
    expect(back.session).to.include({ visitorId: signedIn.session.visitorId, leadId: signedIn.session.leadId });
    expect(ids(await ok(back.socket, 'conversation:list'))).to.deep.equal([conversation.id]);
    const lead = await leadOf(owner, projectId, signedIn.session.leadId!);
    expect(lead.visitorIds).to.deep.equal([signedIn.session.visitorId]);
  });

  it("lead:update cannot change the identity's email (FORBIDDEN) nor the externalId (stripped); other fields it may", async () => {
    const { owner, projectId, secret } = await project();
    const browser = await t.connectVisitor(projectId, { identity: await signIdentity(secret, { sub: 'u4', email: 'Sam@Example.com' }) });
    const leadId = browser.session.leadId!;
    const refusedEmail = await expectAckError(browser.socket, 'lead:update', { email: 'someone.else@example.com' }, 'FORBIDDEN');
    expect(refusedEmail.message).to.match(/identity/i);
    await expectAckError(browser.socket, 'lead:update', { email: '' }, 'FORBIDDEN');
    await expectAckError(browser.socket, 'lead:update', { email: null, fullname: 'Sneaky' }, 'FORBIDDEN');
    // The same email in another case is fine, and keeps the identity's spelling.
    const same = await ok(browser.socket, 'lead:update', { email: 'sam@example.com', fullname: 'Sam Smith' });
    expect(same).to.include({ id: leadId, email: 'Sam@Example.com', fullname: 'Sam Smith', externalId: 'u4', verified: true });
    const stripped = await ok(browser.socket, 'lead:update', { externalId: 'someone-else', verified: false, phone: '+44 20 7946 0000' });
    expect(stripped).to.include({ externalId: 'u4', verified: true, phone: '+44 20 7946 0000', email: 'Sam@Example.com' });
    expect(await leadOf(owner, projectId, leadId)).to.include({ externalId: 'u4', email: 'Sam@Example.com', fullname: 'Sam Smith', verified: true });

    // Without an email claim, the visitor's own email is the visitor's to change.
    const noEmail = await t.connectVisitor(projectId, { identity: await signIdentity(secret, { sub: 'u5' }) });
    await ok(noEmail.socket, 'lead:update', { email: 'first@example.com' });
    expect(await ok(noEmail.socket, 'lead:update', { email: 'second@example.com' })).to.include({ email: 'second@example.com', verified: true });
  });

  it('a browser on verified lead A presenting an identity for B gets a new visitor on B; A is untouched', async () => {
    const { owner, projectId, secret } = await project();
    const identityA = await signIdentity(secret, { sub: 'person-a', email: 'a@example.com', name: 'Person A' });
    const identityB = await signIdentity(secret, { sub: 'person-b', email: 'b@example.com', name: 'Person B' });
    const asA = await t.connectVisitor(projectId, { identity: identityA });
    const conversationA = await ok(asA.socket, 'conversation:start', { text: 'A speaking' });
    // `online` and `lastSeenAt` aside (A's socket comes and goes), nothing of A may change.
    const { online: _wasOnline, lastSeenAt: _seenBefore, ...leadABefore } = await leadOf(owner, projectId, asA.session.leadId!);
    asA.socket.disconnect();

    const asB = await t.connectVisitor(projectId, { token: asA.session.token, identity: identityB });
    expect(asB.session.visitorId).to.not.equal(asA.session.visitorId);
    expect(asB.session.leadId).to.not.equal(asA.session.leadId);
    expect(await ok(asB.socket, 'conversation:list')).to.deep.equal([]);
    await expectAckError(asB.socket, 'message:list', { conversationId: conversationA.id }, 'NOT_FOUND');

    const leadB = await leadOf(owner, projectId, asB.session.leadId!);
    expect(leadB).to.include({ externalId: 'person-b', verified: true, email: 'b@example.com', fullname: 'Person B' });
    expect(leadB.visitorIds).to.deep.equal([asB.session.visitorId]);
    const { online: _isOnline, lastSeenAt: _seenAfter, ...leadA } = await leadOf(owner, projectId, asA.session.leadId!);
    expect(leadA).to.deep.equal(leadABefore);
    const restA = await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${leadA.id}/conversations`, { token: owner.token });
    expect(ids(restA.body.data)).to.deep.equal([conversationA.id]);
    // The new token is B's; A's token with A's identity still resumes A.
    const againB = await t.connectVisitor(projectId, { token: asB.session.token, identity: identityB });
    expect(againB.session).to.include({ visitorId: asB.session.visitorId, leadId: leadB.id });
    const againA = await t.connectVisitor(projectId, { token: asA.session.token, identity: identityA });
    expect(againA.session).to.include({ visitorId: asA.session.visitorId, leadId: leadA.id });
  });
});
