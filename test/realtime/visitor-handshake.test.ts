/** /visitor handshakes: anonymous ids, resuming with a token, refusals by code, and leads made only on demand. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ok, ownerWithProject } from '../support/clients.js';
import { forgeVisitorToken, refusal } from '../support/tokens.js';

describe('visitor handshake', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const leadsOf = async (ownerToken: string, projectId: string) => {
    const res = await api(t.url, 'GET', `/v1/projects/${projectId}/leads`, { token: ownerToken });
    expect(res.status).to.equal(200);
    return res.body.data as any[];
  };

  it('mints an anonymous visitor without a token, and resumes it with its token', async () => {
    const { projectId } = await ownerWithProject(t.url);
    const first = await t.connectVisitor(projectId);
    expect(isUuid(first.session.visitorId) && uuidVersion(first.session.visitorId)).to.equal(4);
    expect(first.session.token).to.be.a('string').and.not.empty;
    expect(first.session.leadId).to.equal(null);
    first.socket.disconnect();

    const again = await t.connectVisitor(projectId, { token: first.session.token });
    expect(again.session.visitorId).to.equal(first.session.visitorId);
    expect(again.session.token).to.be.a('string').and.not.empty;
    expect(again.session.leadId).to.equal(null);
    const lead = await ok(again.socket, 'lead:update', { fullname: 'Ada Lovelace' });
    again.socket.disconnect();

    // Once it has a lead, the session says so; the refreshed token works as well as the first one.
    const third = await t.connectVisitor(projectId, { token: again.session.token });
    expect(third.session).to.include({ visitorId: first.session.visitorId, leadId: lead.id });

    // Another browser without a token is another visitor.
    const other = await t.connectVisitor(projectId);
    expect(other.session.visitorId).to.not.equal(first.session.visitorId);
    expect(other.session.leadId).to.equal(null);
  });

  it('emits session on every connect, reconnects of the same client included', async () => {
    const { projectId } = await ownerWithProject(t.url);
    const { socket, session } = await t.connectVisitor(projectId, {});
    await ok(socket, 'lead:update', { email: 'grace@example.com' });
    socket.disconnect();
    // The same client object connects again, now presenting the token it was given.
    const secondSession = new Promise<any>((resolve) => socket.once('session', resolve));
    socket.auth = { projectId, token: session.token };
    socket.connect();
    const resumed = await secondSession;
    expect(resumed.visitorId).to.equal(session.visitorId);
    expect(resumed.leadId).to.be.a('string');
  });

  describe('refusals', () => {
    it('an unknown project, or a projectId that is not a UUID: NOT_FOUND', async () => {
      expect(await refusal(t.rawSocket('/visitor', { projectId: randomUUID() }))).to.equal('NOT_FOUND');
      expect(await refusal(t.rawSocket('/visitor', { projectId: 'acme-support' }))).to.equal('NOT_FOUND');
    });

    it('a token of another project: UNAUTHENTICATED', async () => {
      const { projectId: p1 } = await ownerWithProject(t.url);
      const { projectId: p2 } = await ownerWithProject(t.url);
      const { session } = await t.connectVisitor(p1);
      expect(await refusal(t.rawSocket('/visitor', { projectId: p2, token: session.token }))).to.equal('UNAUTHENTICATED');
      // The same token still works for its own project.
      const back = await t.connectVisitor(p1, { token: session.token });
      expect(back.session.visitorId).to.equal(session.visitorId);
    });

    it('a token signed with another secret: UNAUTHENTICATED', async () => {
      const { projectId } = await ownerWithProject(t.url);
      const { session } = await t.connectVisitor(projectId);
      const forged = await forgeVisitorToken(session.visitorId, projectId, { secret: 'some-other-secret-0123456789abcdefghij' });
      expect(await refusal(t.rawSocket('/visitor', { projectId, token: forged }))).to.equal('UNAUTHENTICATED');
    });

    it('an expired token: UNAUTHENTICATED (the same token unexpired is accepted)', async () => {
      const { projectId } = await ownerWithProject(t.url);
      const { session } = await t.connectVisitor(projectId);
      const expired = await forgeVisitorToken(session.visitorId, projectId, { expiresAt: Math.floor(Date.now() / 1000) - 60 });
      expect(await refusal(t.rawSocket('/visitor', { projectId, token: expired }))).to.equal('UNAUTHENTICATED');
      // Control: the test's own signing is right, only the expiry differs.
      const fresh = await forgeVisitorToken(session.visitorId, projectId);
      const resumed = await t.connectVisitor(projectId, { token: fresh });
      expect(resumed.session.visitorId).to.equal(session.visitorId);
    });

    it('an agent token, or garbage, used as a visitor token: UNAUTHENTICATED', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      expect(await refusal(t.rawSocket('/visitor', { projectId, token: owner.token }))).to.equal('UNAUTHENTICATED');
      expect(await refusal(t.rawSocket('/visitor', { projectId, token: 'not.a.jwt' }))).to.equal('UNAUTHENTICATED');
    });
  });

  describe('leads are created lazily', () => {
    it('connecting never creates a lead; lead:update and conversation:start do', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const a = await t.connectVisitor(projectId);
      const b = await t.connectVisitor(projectId);
      a.socket.disconnect();
      const aAgain = await t.connectVisitor(projectId, { token: a.session.token });
      await ok(aAgain.socket, 'conversation:list', {});
      expect(await leadsOf(owner.token, projectId)).to.deep.equal([]);

      const leadA = await ok(aAgain.socket, 'lead:update', { fullname: 'Alan Turing' });
      let leads = await leadsOf(owner.token, projectId);
      expect(leads.map((l) => l.id)).to.deep.equal([leadA.id]);
      expect(leads[0].visitorIds).to.deep.equal([a.session.visitorId]);

      const conversation = await ok(b.socket, 'conversation:start', { text: 'Hello?' });
      leads = await leadsOf(owner.token, projectId);
      expect(leads).to.have.length(2);
      const leadB = leads.find((l) => l.id !== leadA.id);
      expect(leadB.visitorIds).to.deep.equal([b.session.visitorId]);
      expect(conversation.leadId).to.equal(leadB.id);
    });

    // Embedded PGlite has one connection, so there the two transactions simply queue; the
    // PostgreSQL run is the one where the visitor row lock decides the race.
    it('two tabs of one visitor updating at once end up with ONE lead', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const tab1 = await t.connectVisitor(projectId);
      const tab2 = await t.connectVisitor(projectId, { token: tab1.session.token });
      const [one, two] = await Promise.all([
        ok(tab1.socket, 'lead:update', { fullname: 'Tab One' }),
        ok(tab2.socket, 'lead:update', { email: 'tabs@example.com' }),
      ]);
      expect(one.id).to.equal(two.id);
      const leads = await leadsOf(owner.token, projectId);
      expect(leads.map((l) => l.id)).to.deep.equal([one.id]);
      expect(leads[0]).to.include({ fullname: 'Tab One', email: 'tabs@example.com' });
      expect(leads[0].visitorIds).to.deep.equal([tab1.session.visitorId]);
    });

    it('a lead:update racing a conversation:start in another tab also makes ONE lead', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const tab1 = await t.connectVisitor(projectId);
      const tab2 = await t.connectVisitor(projectId, { token: tab1.session.token });
      const [lead, conversation] = await Promise.all([
        ok(tab1.socket, 'lead:update', { fullname: 'Racer' }),
        ok(tab2.socket, 'conversation:start', { text: 'hi' }),
      ]);
      expect(conversation.leadId).to.equal(lead.id);
      expect((await leadsOf(owner.token, projectId)).map((l) => l.id)).to.deep.equal([lead.id]);
    });
  });
  it('a burst of anonymous handshakes (grouped into multi-row INSERTs) commits every visitor it answers, and refuses an unknown project in the same burst', async () => {
    const a = await ownerWithProject(t.url);
    const b = await ownerWithProject(t.url);
    const unknown = randomUUID();
    const projects = Array.from({ length: 240 }, (_, i) => [a.projectId, b.projectId, unknown][i % 3]!);
    const results = await Promise.all(
      projects.map((projectId) =>
        t.connectVisitor(projectId).then(
          (client) => ({ projectId, visitorId: client.session.visitorId as string }),
          (err: Error) => ({ projectId, code: err.message }),
        ),
      ),
    );
    const minted = results.filter((r): r is { projectId: string; visitorId: string } => 'visitorId' in r);
    expect(minted.map((r) => r.projectId).sort()).to.deep.equal(projects.filter((p) => p !== unknown).sort());
    expect(results.filter((r) => 'code' in r).map((r) => (r as { code: string }).code)).to.deep.equal(Array(80).fill('NOT_FOUND'));
    // Each answered session's visitor is stored, in its own project.
    const stored = await t.deps.db.knex('visitors').whereIn('id', minted.map((r) => r.visitorId)).select('id', 'project_id');
    expect(new Map(stored.map((v: { id: string; project_id: string }) => [v.id, v.project_id]))).to.deep.equal(new Map(minted.map((r) => [r.visitorId, r.projectId])));
  });
});
