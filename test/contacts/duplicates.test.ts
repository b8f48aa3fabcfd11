/** GET …/leads/duplicates: leads sharing an email case-insensitively, largest groups first, paged; other projects never. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ownerWithProject, signup } from '../support/clients.js';
import { expectError, LEAD_KEYS, visitorLead } from '../support/rest-fixtures.js';

describe('duplicate leads', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const duplicates = (projectId: string, token: string, query = '') => api(t.url, 'GET', `/v1/projects/${projectId}/leads/duplicates${query}`, { token });
  /** Creates leads one after the other (so each is newer than the last); answers them in creation order. */
  async function createLeads(projectId: string, token: string, emails: (string | null)[]) {
    const leads = [];
    for (const email of emails) {
      const res = await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token, body: { email, fullname: `Lead of ${email}` } });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      leads.push(res.body);
    }
    return leads;
  }
  const ids = (leads: any[]) => leads.map((l) => l.id);

  it('groups leads by email case-insensitively, largest groups first then by address; singles and no-email leads are left out', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const [m1, b1, m2, a1, m3, , , b2, a2] = await createLeads(projectId, owner.token, [
      'Mario@Example.com',
      'beta@example.com',
      'mario@example.com',
      'Alpha@example.com',
      'MARIO@EXAMPLE.COM',
      'single@example.com',
      null,
      'BETA@example.com',
      'alpha@EXAMPLE.com',
    ]);
    await createLeads(projectId, owner.token, [null]);
    // A visitor's lead (with a visitor id) groups like any other.
    const { visitor, lead: m4 } = await visitorLead(t, projectId, { email: 'mario@example.COM' });

    const res = await duplicates(projectId, owner.token);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.have.all.keys('data', 'nextCursor');
    expect(res.body.nextCursor).to.equal(null);
    expect(res.body.data.map((g: any) => [g.email, ids(g.leads)])).to.deep.equal([
      ['mario@example.com', [m4.id, m3.id, m2.id, m1.id]],
      ['alpha@example.com', [a2.id, a1.id]],
      ['beta@example.com', [b2.id, b1.id]],
    ]);
    for (const group of res.body.data) {
      expect(group).to.have.all.keys('email', 'leads');
      for (const lead of group.leads) expect(lead).to.have.all.keys(LEAD_KEYS);
    }
    // The leads are whole Leads, each with its own email as stored.
    expect(res.body.data[0].leads[0]).to.include({ id: m4.id, email: 'mario@example.COM', projectId });
    expect(res.body.data[0].leads[0].visitorIds).to.deep.equal([visitor.session.visitorId]);
    expect(res.body.data[0].leads[3]).to.deep.equal(m1);
  });

  it("another project's leads never count nor show, even with the same addresses", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const theirs = await ownerWithProject(t.url);
    const [mine] = await createLeads(projectId, owner.token, ['shared@example.com', 'pair@example.com', 'pair@example.com']);
    await createLeads(theirs.projectId, theirs.owner.token, ['shared@example.com', 'SHARED@example.com', 'pair@example.com']);

    const res = await duplicates(projectId, owner.token);
    expect(res.body.data.map((g: any) => [g.email, g.leads.length])).to.deep.equal([['pair@example.com', 2]]);
    expect(JSON.stringify(res.body)).to.not.include(mine.id);
    for (const lead of res.body.data[0].leads) expect(lead.projectId).to.equal(projectId);

    const theirView = await duplicates(theirs.projectId, theirs.owner.token);
    expect(theirView.body.data.map((g: any) => [g.email, g.leads.length])).to.deep.equal([['shared@example.com', 2]]);
  });

  it('pages with an opaque cursor, ties broken by address, until nextCursor is null', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    // Sizes: d×4, then c×3, then a, b, e, f ×2 each (a tie across page boundaries).
    const emails = ['d', 'd', 'd', 'd', 'c', 'c', 'c', 'f', 'f', 'b', 'b', 'e', 'e', 'a', 'a', 'solo'].map((x) => `${x}@example.com`);
    await createLeads(projectId, owner.token, emails);
    const expected = ['d', 'c', 'a', 'b', 'e', 'f'].map((x) => `${x}@example.com`);

    const all = await duplicates(projectId, owner.token);
    expect(all.body.data.map((g: any) => g.email)).to.deep.equal(expected);
    expect(all.body.data.map((g: any) => g.leads.length)).to.deep.equal([4, 3, 2, 2, 2, 2]);

    for (const limit of [1, 2, 4]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await duplicates(projectId, owner.token, query);
        expect(page.status, JSON.stringify(page.body)).to.equal(200);
        expect(page.body.data.length).to.be.at.most(limit);
        seen.push(...page.body.data.map((g: any) => g.email));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor !== null);
      expect(seen, `limit ${limit}`).to.deep.equal(expected);
      expect(pages).to.equal(Math.ceil(expected.length / limit));
    }
  });

  it('an empty project has no groups; bad limits and cursors are 400; strangers 403', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    expect((await duplicates(projectId, owner.token)).body).to.deep.equal({ data: [], nextCursor: null });
    await createLeads(projectId, owner.token, ['one@example.com', 'two@example.com', null, null]);
    expect((await duplicates(projectId, owner.token)).body).to.deep.equal({ data: [], nextCursor: null });

    for (const query of ['?limit=0', '?limit=101', '?limit=abc', '?cursor=nonsense', `?cursor=${Buffer.from('[1,"x"]').toString('base64url')}`]) {
      expectError(await duplicates(projectId, owner.token, query), 400, 'VALIDATION_FAILED');
    }
    const stranger = await signup(t.url);
    expectError(await duplicates(projectId, stranger.token), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads/duplicates`), 401, 'UNAUTHENTICATED');
  });
});
