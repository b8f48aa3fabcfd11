/** GET /v1/projects/:id/leads filters: ?tag= exact in any case, ?verified=, ?q= over phones too, filters combined, paging while leads arrive, bad values. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ownerWithProject } from '../support/clients.js';
import { detailPaths, LEAD_KEYS } from '../support/rest-fixtures.js';

describe('REST leads: filters', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  /** An owner's project and helpers that talk to its leads over REST. */
  async function project() {
    const { owner, projectId } = await ownerWithProject(t.url);
    const path = `/v1/projects/${projectId}/leads`;
    const token = owner.token;
    return {
      projectId,
      async create(fields: Record<string, unknown>) {
        const res = await api(t.url, 'POST', path, { token, body: fields });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        return res.body as { id: string; tags: string[] };
      },
      async patch(leadId: string, fields: Record<string, unknown>) {
        const res = await api(t.url, 'PATCH', `${path}/${leadId}`, { token, body: fields });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        return res.body as { id: string; tags: string[] };
      },
      get: (params: Record<string, string>) => api(t.url, 'GET', `${path}?${new URLSearchParams(params)}`, { token }),
      async page(params: Record<string, string>) {
        const res = await api(t.url, 'GET', `${path}?${new URLSearchParams(params)}`, { token });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        for (const lead of res.body.data) expect(lead).to.have.all.keys(...LEAD_KEYS);
        return res.body as { data: { id: string; verified: boolean }[]; nextCursor: string | null };
      },
      async ids(params: Record<string, string>) {
        return (await this.page(params)).data.map((lead) => lead.id);
      },
    };
  }

  it('?tag= is one exact tag in any case, and follows tags set by PATCH', async () => {
    const p = await project();
    const ada = await p.create({ fullname: 'Ada' });
    const bea = await p.create({ fullname: 'Bea' });
    const cy = await p.create({ fullname: 'Cy' });
    await p.create({ fullname: 'Dee' });
    expect((await p.patch(ada.id, { tags: ['VIP', 'Newsletter', 'vip'] })).tags).to.deep.equal(['vip', 'newsletter']);
    await p.patch(bea.id, { tags: ['vip-gold'] });
    await p.patch(cy.id, { tags: ['newsletter'] });
    // Another project's lead with the same tag stays there.
    const other = await project();
    await other.patch((await other.create({ fullname: 'Elsewhere' })).id, { tags: ['vip'] });

    for (const tag of ['vip', 'VIP', ' Vip ']) expect(await p.ids({ tag }), tag).to.deep.equal([ada.id]);
    expect(await p.ids({ tag: 'vi' })).to.deep.equal([]);
    expect(await p.ids({ tag: 'vip-gold' })).to.deep.equal([bea.id]);
    expect(await p.ids({ tag: 'NEWSLETTER' })).to.deep.equal([cy.id, ada.id]);

    await p.patch(ada.id, { tags: ['newsletter'] });
    await p.patch(bea.id, { tags: [] });
    expect(await p.ids({ tag: 'vip' })).to.deep.equal([]);
    expect(await p.ids({ tag: 'vip-gold' })).to.deep.equal([]);
    expect(await p.ids({ tag: 'newsletter' })).to.deep.equal([cy.id, ada.id]);
  });

  it('?verified=true and ?verified=false split the leads by the verified flag', async () => {
    const p = await project();
    const [first, second, third] = [await p.create({ fullname: 'One' }), await p.create({ fullname: 'Two' }), await p.create({ fullname: 'Three' })];
    // Verified is set by a signed identity (another part of the work); here straight in the database.
    await t.deps.db.knex('leads').where({ id: second!.id }).update({ verified: true });

    const verified = await p.page({ verified: 'true' });
    expect(verified.data.map((l) => [l.id, l.verified])).to.deep.equal([[second!.id, true]]);
    expect(await p.ids({ verified: 'false' })).to.deep.equal([third!.id, first!.id]);
    expect(await p.ids({})).to.deep.equal([third!.id, second!.id, first!.id]);
  });

  it('?q= finds a substring of a phone number as well as of a name or an email', async () => {
    const p = await project();
    const paola = await p.create({ fullname: 'Paola', phone: '+39 02 1234 5678' });
    const quinn = await p.create({ fullname: 'Quinn', phone: '(555) 010-9999' });
    const rui = await p.create({ fullname: 'Rui', email: 'rui5678@example.com' });
    await p.create({ fullname: 'Sam' });
    expect(await p.ids({ q: '5678' })).to.deep.equal([rui.id, paola.id]);
    expect(await p.ids({ q: '1234 5678' })).to.deep.equal([paola.id]);
    expect(await p.ids({ q: '+39 02' })).to.deep.equal([paola.id]);
    expect(await p.ids({ q: '010-99' })).to.deep.equal([quinn.id]);
    expect(await p.ids({ q: '(555)' })).to.deep.equal([quinn.id]);
  });

  it('filters combine: every lead listed matches all of them', async () => {
    const p = await project();
    const a = await p.create({ fullname: 'Mario Rossi', email: 'mario@shop.example', tags: ['vip'] });
    const b = await p.create({ fullname: 'Maria Rossi', email: 'maria@shop.example', tags: ['VIP'] });
    const c = await p.create({ fullname: 'Mario Bianchi', email: 'mario.b@shop.example', tags: ['trial'] });
    const d = await p.create({ fullname: 'Luca Rossi', email: 'MARIO@shop.example', phone: '+39 06 555 0101' });
    await t.deps.db.knex('leads').whereIn('id', [a.id, c.id, d.id]).update({ verified: true });

    expect(await p.ids({ tag: 'vip', verified: 'true' })).to.deep.equal([a.id]);
    expect(await p.ids({ q: 'rossi', tag: 'vip' })).to.deep.equal([b.id, a.id]);
    expect(await p.ids({ q: 'mario', verified: 'true' })).to.deep.equal([d.id, c.id, a.id]);
    expect(await p.ids({ email: 'mario@SHOP.example', verified: 'true' })).to.deep.equal([d.id, a.id]);
    expect(await p.ids({ email: 'mario@shop.example', tag: 'vip' })).to.deep.equal([a.id]);
    expect(await p.ids({ email: 'mario@shop.example', q: '0101' })).to.deep.equal([d.id]);
    expect(await p.ids({ q: 'rossi', tag: 'vip', verified: 'false' })).to.deep.equal([b.id]);
    expect(await p.ids({ tag: 'trial', verified: 'false' })).to.deep.equal([]);
    expect(await p.ids({ email: 'maria@shop.example', q: 'rossi', tag: 'vip', verified: 'false' })).to.deep.equal([b.id]);
  });

  // One query per kind of plan: the newest-first walk, a btree that holds the filter, a GIN match set.
  for (const params of [{}, { verified: 'false' }, { tag: 'batch' }, { q: 'paging' }] as Record<string, string>[]) {
    it(`cursor paging (${JSON.stringify(params)}) neither repeats nor skips while new leads are being added`, async () => {
      const p = await project();
      const existing: string[] = [];
      for (let n = 1; n <= 7; n++) existing.unshift((await p.create({ fullname: `Paging ${n}`, tags: ['batch'] })).id);

      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const body = await p.page({ ...params, limit: '2', ...(cursor ? { cursor } : {}) });
        seen.push(...body.data.map((lead) => lead.id));
        cursor = body.nextCursor;
        if (cursor === null) break;
        // A matching lead arrives between two page requests: it is newer than every page to come.
        await p.create({ fullname: `Paging new ${pages}`, tags: ['batch'] });
      }
      expect(seen).to.deep.equal(existing);
      // The new ones are there, at the top, for whoever starts again.
      const fresh = await p.page({ ...params, limit: '100' });
      expect(fresh.data).to.have.length(7 + 3);
      expect(fresh.data.slice(3).map((lead) => lead.id)).to.deep.equal(existing);
    });
  }

  it('refuses verified=maybe and a tag longer than 50 characters: 400 naming the field', async () => {
    const p = await project();
    const lead = await p.create({ fullname: 'Long Tag', tags: ['t'.repeat(50)] });
    expect(detailPaths(await p.get({ verified: 'maybe' }))).to.deep.equal(['verified']);
    expect(detailPaths(await p.get({ tag: 'T'.repeat(51) }))).to.deep.equal(['tag']);
    expect(detailPaths(await p.get({ tag: 'x'.repeat(51), verified: 'yes' }))).to.have.members(['tag', 'verified']);
    // Fifty is still a tag.
    expect(await p.ids({ tag: 'T'.repeat(50) })).to.deep.equal([lead.id]);
  });
});
