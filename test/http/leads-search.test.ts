/** GET /v1/projects/:id/leads: ?email= exact, ?q= substring (wildcards literal), newest first, cursor paging. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ownerWithProject } from '../support/clients.js';
import { detailPaths, LEAD_KEYS, visitorLead } from '../support/rest-fixtures.js';

describe('REST leads: search and paging', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const list = async (token: string, projectId: string, query: string) => {
    const res = await api(t.url, 'GET', `/v1/projects/${projectId}/leads${query}`, { token });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.have.all.keys('data', 'nextCursor');
    for (const lead of res.body.data) expect(lead).to.have.all.keys(...LEAD_KEYS);
    return res.body as { data: any[]; nextCursor: string | null };
  };
  const ids = async (token: string, projectId: string, query: string) => (await list(token, projectId, query)).data.map((l) => l.id);

  /** Leads made one after another by visitors; returned oldest first. */
  async function makeLeads(projectId: string, forms: Record<string, unknown>[]) {
    const leads = [];
    for (const form of forms) leads.push((await visitorLead(t, projectId, form)).lead);
    return leads;
  }

  it('?email= matches the whole address in any case, never a part of it', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const [ana, longer, other] = await makeLeads(projectId, [
      { fullname: 'Ana', email: 'Ana.Lima@Example.com' },
      { fullname: 'Not Ana', email: 'xana.lima@example.com.br' },
      { fullname: 'Bob', email: 'bob@example.com' },
    ]);
    expect(await ids(owner.token, projectId, `?email=${encodeURIComponent('ana.lima@EXAMPLE.COM')}`)).to.deep.equal([ana.id]);
    expect(await ids(owner.token, projectId, `?email=${encodeURIComponent('Ana.Lima@Example.com')}`)).to.deep.equal([ana.id]);
    expect(await ids(owner.token, projectId, '?email=lima')).to.deep.equal([]);
    expect(await ids(owner.token, projectId, `?email=${encodeURIComponent('ana.lima@example.co')}`)).to.deep.equal([]);
    expect(await ids(owner.token, projectId, `?email=${encodeURIComponent('XANA.lima@example.com.br')}`)).to.deep.equal([longer.id]);
    expect(await ids(owner.token, projectId, '?email=bob%40example.com')).to.deep.equal([other.id]);
  });

  it('?q= is a case-insensitive substring of the name or the email, newest first', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const [mario, maria, byEmail, none] = await makeLeads(projectId, [
      { fullname: 'Mario Rossi', email: 'm.rossi@example.com' },
      { firstName: 'Maria', lastName: 'Bianchi' },
      { fullname: 'Someone', email: 'MARIOLINA@shop.example' },
      { fullname: 'Luigi Verdi', email: 'luigi@example.com' },
    ]);
    expect(await ids(owner.token, projectId, '?q=MARI')).to.deep.equal([byEmail.id, maria.id, mario.id]);
    expect(await ids(owner.token, projectId, '?q=rossi')).to.deep.equal([mario.id]);
    expect(await ids(owner.token, projectId, '?q=bianchi')).to.deep.equal([maria.id]);
    expect(await ids(owner.token, projectId, '?q=shop.EXAMPLE')).to.deep.equal([byEmail.id]);
    expect(await ids(owner.token, projectId, '?q=zzz')).to.deep.equal([]);
    // No filter: every lead of the project, newest first.
    expect(await ids(owner.token, projectId, '')).to.deep.equal([none.id, byEmail.id, maria.id, mario.id]);
  });

  it('?q= treats % and _ literally', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const [percent, plain, underscore, letter] = await makeLeads(projectId, [
      { fullname: '100% Cotton' },
      { fullname: '1000 Cotton' },
      { fullname: 'snake_case', email: 'a_b@example.com' },
      { fullname: 'snakeXcase', email: 'axb@example.com' },
    ]);
    expect(await ids(owner.token, projectId, `?q=${encodeURIComponent('100%')}`)).to.deep.equal([percent.id]);
    expect(await ids(owner.token, projectId, `?q=${encodeURIComponent('%')}`)).to.deep.equal([percent.id]);
    expect(await ids(owner.token, projectId, '?q=snake_')).to.deep.equal([underscore.id]);
    expect(await ids(owner.token, projectId, '?q=a_b%40')).to.deep.equal([underscore.id]);
    expect(await ids(owner.token, projectId, '?q=_')).to.deep.equal([underscore.id]);
    expect(await ids(owner.token, projectId, `?q=${encodeURIComponent('\\')}`)).to.deep.equal([]);
    expect(await ids(owner.token, projectId, '?q=cotton')).to.deep.equal([plain.id, percent.id]);
    expect(await ids(owner.token, projectId, '?q=snake')).to.deep.equal([letter.id, underscore.id]);
  });

  it('?limit=2 with nextCursor pages through 5 leads newest first, without duplicates or gaps', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const leads = await makeLeads(projectId, [1, 2, 3, 4, 5].map((n) => ({ fullname: `Lead ${n}` })));
    const newestFirst = leads.map((l) => l.id).reverse();

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: { data: any[]; nextCursor: string | null } = await list(owner.token, projectId, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      pages.push(page.data.map((l) => l.id));
      cursor = page.nextCursor;
      if (cursor !== null) expect(cursor).to.be.a('string').and.not.empty;
    } while (cursor !== null && pages.length < 10);
    expect(pages).to.deep.equal([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);

    // Exactly a page's worth left: the last page says so.
    const all = await list(owner.token, projectId, '?limit=5');
    expect(all.data.map((l) => l.id)).to.deep.equal(newestFirst);
    expect(all.nextCursor).to.equal(null);
  });

  it('pages without gaps through leads created within the same millisecond', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const leads = await makeLeads(projectId, [1, 2, 3, 4].map((n) => ({ fullname: `Burst ${n}` })));
    // Under load several leads land in one millisecond; the database keeps microseconds.
    const stamps = ['2026-01-05 10:00:00.123100+00', '2026-01-05 10:00:00.123200+00', '2026-01-05 10:00:00.123300+00', '2026-01-05 10:00:00.123400+00'];
    for (const [i, lead] of leads.entries()) await t.deps.db.knex('leads').where({ id: lead.id }).update({ created_at: stamps[i] });

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: { data: any[]; nextCursor: string | null } = await list(owner.token, projectId, `?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...page.data.map((l) => l.id));
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).to.deep.equal(leads.map((l) => l.id).reverse());
  });

  it('refuses limit=101, limit=0 and a cursor it did not hand out: 400 naming the field', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    await makeLeads(projectId, [{ fullname: 'Only One' }]);
    const get = (query: string) => api(t.url, 'GET', `/v1/projects/${projectId}/leads${query}`, { token: owner.token });
    expect(detailPaths(await get('?limit=101'))).to.deep.equal(['limit']);
    expect(detailPaths(await get('?limit=0'))).to.deep.equal(['limit']);
    expect(detailPaths(await get('?limit=ten'))).to.deep.equal(['limit']);
    expect(detailPaths(await get('?cursor=garbage'))).to.deep.equal(['cursor']);
    const notOurs = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url');
    expect(detailPaths(await get(`?cursor=${notOurs}`))).to.deep.equal(['cursor']);
    expect((await list(owner.token, projectId, '?limit=100')).data).to.have.length(1);
  });
});
