/** GET …/leads/export and POST …/leads/import over real HTTP: what the list selects, hostile cells, the per-row report, limits. */
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ownerWithProject, signup } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { detailPaths, expectError, visitorLead } from '../support/rest-fixtures.js';

const HEADER = 'id,externalId,fullname,firstName,lastName,email,phone,tags,verified,attributes,visitorIds,lastSeenAt,createdAt,updatedAt';

describe('leads export and import (CSV)', function () {
  this.timeout(120_000);
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const leadsPath = (projectId: string) => `/v1/projects/${projectId}/leads`;

  async function exportCsv(token: string | null, projectId: string, query = '') {
    const res = await fetch(`${t.url}${leadsPath(projectId)}/export${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  /** The exported file read by an independent RFC 4180 parser: the header, then one record per lead. */
  const recordsOf = (text: string) => parse(text) as string[][];

  const importCsv = (token: string, projectId: string, csv: string, contentType = 'text/csv') =>
    api(t.url, 'POST', `${leadsPath(projectId)}/import`, { token, rawBody: csv, headers: { 'content-type': contentType } });

  /**
   * A visitor's lead, once its lastSeenAt is written: the socket's arrival in the new lead writes
   * it just after lead:update's ack (visitor presence), so a test comparing two reads of the
   * leads could otherwise see it on either side of that write.
   */
  async function settledVisitorLead(token: string, projectId: string, fields: Record<string, unknown>) {
    const { lead } = await visitorLead(t, projectId, fields);
    await eventually(async () => (await allLeads(token, projectId)).find((l) => l.id === lead.id)?.lastSeenAt, 'lastSeenAt of the visitor lead', 5_000);
  }

  /** Every lead the list shows (newest first), page after page. */
  async function allLeads(token: string, projectId: string, query = ''): Promise<any[]> {
    const leads: any[] = [];
    let cursor: string | null = null;
    do {
      const sep = query ? '&' : '?';
      const res: { status: number; body: any } = await api(t.url, 'GET', `${leadsPath(projectId)}${query}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      leads.push(...res.body.data);
      cursor = res.body.nextCursor;
    } while (cursor);
    return leads;
  }

  async function createLead(token: string, projectId: string, body: Record<string, unknown>) {
    const res = await api(t.url, 'POST', leadsPath(projectId), { token, body });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  }

  /** `verified` is only reached through a signed identity; the fixture sets the column directly. */
  const markVerified = (leadId: string) => t.deps.db.knex('leads').where({ id: leadId }).update({ verified: true });

  it('exports a header row and one record per lead, newest first, every column', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const attributes = { plan: 'gold', seats: 3, nested: { list: [1, 'two', null] } };
    await createLead(owner.token, projectId, {
      fullname: 'Ana Lima', firstName: 'Ana', lastName: 'Lima', email: 'ana@example.com', phone: '555 0100',
      externalId: 'crm-ana', tags: ['VIP', 'beta'], attributes,
    });
    await settledVisitorLead(owner.token, projectId, { fullname: 'Vera Visitor' });

    const res = await exportCsv(owner.token, projectId);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).to.equal('attachment; filename="leads.csv"');
    expect(res.text.startsWith(`${HEADER}\r\n`)).to.equal(true);
    expect(res.text.endsWith('\r\n')).to.equal(true);
    expect(res.text.replaceAll('\r\n', '')).not.to.include('\n');

    const [header, ...records] = recordsOf(res.text);
    expect(header!.join(',')).to.equal(HEADER);
    const list = await allLeads(owner.token, projectId);
    expect(list).to.have.length(2);
    expect(records.map((r) => r[0])).to.deep.equal(list.map((l) => l.id));
    for (const [index, lead] of list.entries()) {
      const record = records[index]!;
      expect(record).to.deep.equal([
        lead.id, lead.externalId ?? '', lead.fullname ?? '', lead.firstName ?? '', lead.lastName ?? '', lead.email ?? '', lead.phone ?? '',
        lead.tags.join(', '), String(lead.verified), record[9], lead.visitorIds.join(' '), lead.lastSeenAt ?? '', lead.createdAt, lead.updatedAt,
      ]);
      expect(JSON.parse(record[9]!)).to.deep.equal(lead.attributes);
    }
    const [vera, ana] = records;
    expect(ana!.slice(1, 10)).to.deep.equal(['crm-ana', 'Ana Lima', 'Ana', 'Lima', 'ana@example.com', '555 0100', 'vip, beta', 'false', ana![9]]);
    expect(JSON.parse(ana![9]!)).to.deep.equal(attributes);
    expect(vera![10]).to.match(/^[0-9a-f-]{36}$/);
    expect(vera![11]).to.match(/^\d{4}-\d\d-\d\dT/);
  });

  it('exports exactly the leads the list selects with ?tag= ?q= ?verified= ?email=', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    await createLead(owner.token, projectId, { fullname: 'Ana Lima', email: 'ana@example.com', tags: ['vip'] });
    await createLead(owner.token, projectId, { fullname: 'Anabel Souza', email: 'ANA@example.com', tags: ['vip', 'beta'] });
    const bruno = await createLead(owner.token, projectId, { fullname: 'Bruno', email: 'bruno@example.com', tags: ['beta'] });
    await createLead(owner.token, projectId, { fullname: 'Carla', phone: '+55 11 5555 0101' });
    await markVerified(bruno.id);

    const queries = ['', '?tag=vip', '?tag=VIP', '?tag=beta&verified=false', '?q=ana', '?q=5555', '?verified=true', '?verified=false', `?email=${encodeURIComponent('ana@EXAMPLE.com')}`, '?q=zzz'];
    for (const query of queries) {
      const listed = (await allLeads(owner.token, projectId, query)).map((l) => l.id);
      const res = await exportCsv(owner.token, projectId, query);
      expect(res.status, query).to.equal(200);
      const [header, ...records] = recordsOf(res.text);
      expect(header!.join(','), query).to.equal(HEADER);
      expect(records.map((r) => r[0]), query).to.deep.equal(listed);
      if (query !== '?q=zzz') expect(listed, query).not.to.be.empty;
    }
    expect((await exportCsv(owner.token, projectId, '?q=zzz')).text).to.equal(`${HEADER}\r\n`);
    expect((await exportCsv(owner.token, projectId, '?tag=vip')).text.split('\r\n')).to.have.length(4);

    const bad = await api(t.url, 'GET', `${leadsPath(projectId)}/export?verified=maybe`, { token: owner.token });
    expect(detailPaths(bad)).to.deep.equal(['verified']);
  });

  it('round trip: hostile cells leave neutralised, come back intact, and re-importing changes nothing', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const hostile = [
      { fullname: '=HYPERLINK("http://evil","x")', firstName: '@SUM(A1)', lastName: '-2', phone: '+1 555 0100', externalId: '-42' },
      { fullname: 'He said "hi", then left', firstName: 'Line one\nLine two', lastName: 'CR\r\ninside', email: 'quotes@example.com' },
      { fullname: 'Zoë Ðuković 東京 🙂', firstName: "'=quoted already", lastName: "'plain quote", tags: ['=cmd', 'vip', 'ünï'] },
      { fullname: '+', attributes: { tab: '\tTabbed', formula: '=1+1', quote: "'=x", lines: 'a\r\nb\nc', emoji: '🎉', json: '{"k":[1]}', n: -2 } },
    ];
    for (const body of hostile) await createLead(owner.token, projectId, body);
    const verified = await createLead(owner.token, projectId, { fullname: 'Ida Identified', externalId: 'sub-ida', email: 'ida@example.com' });
    await markVerified(verified.id);
    await settledVisitorLead(owner.token, projectId, { fullname: 'Vera Visitor', email: 'vera@example.com' });
    const before = await allLeads(owner.token, projectId);

    const first = await exportCsv(owner.token, projectId);
    expect(first.status).to.equal(200);
    // What a spreadsheet would run is written with a leading quote, inside RFC 4180 quoting where needed.
    expect(first.text).to.include(',"\'=HYPERLINK(""http://evil"",""x"")",\'@SUM(A1),\'-2,');
    expect(first.text).to.include(",'+1 555 0100,");
    expect(first.text).to.include(",'-42,");
    expect(first.text).to.include(",'+,");
    expect(first.text).to.include(",''=quoted already,'plain quote,");
    expect(first.text).to.include(",\"'=cmd, vip, ünï\",");
    expect(first.text).to.include('"He said ""hi"", then left","Line one\nLine two","CR\r\ninside"');
    expect(first.text).to.include('Zoë Ðuković 東京 🙂');
    const [, ...records] = recordsOf(first.text);
    expect(records).to.have.length(before.length);
    for (const cell of records.flat()) expect(cell, JSON.stringify(cell)).not.to.match(/^[=+\-@\t\r]/);

    const res = await importCsv(owner.token, projectId, first.text);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.deep.equal({
      created: 0,
      updated: before.length,
      failed: 0,
      rows: before.map((lead, i) => ({ row: i + 2, status: 'updated', leadId: lead.id })),
    });
    expect(await allLeads(owner.token, projectId)).to.deep.equal(before);
    expect((await exportCsv(owner.token, projectId)).text).to.equal(first.text);
  });

  it('import creates, upserts by externalId and updates the one lead with an email, with a report per row', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const ana = await createLead(owner.token, projectId, { fullname: 'Ana', email: 'a@example.com', externalId: 'crm-1', attributes: { since: 2020 } });
    const bea = await createLead(owner.token, projectId, { fullname: 'B', email: 'b@example.com', tags: ['old'] });
    const dup1 = await createLead(owner.token, projectId, { fullname: 'Dup One', email: 'dup@example.com' });
    const dup2 = await createLead(owner.token, projectId, { fullname: 'Dup Two', email: 'DUP@example.com' });

    const csv = [
      'externalId,email,fullname,tags,plan,note',
      'crm-1,,Ana Updated,vip,gold,',
      ',B@EXAMPLE.COM,Bea,,,',
      ',dup@example.com,Dup Three,,,',
      'crm-2,,New Two,"a, B",,"\'\tTabbed"',
      'crm-2,two@example.com,,,silver,\tRaw tab',
      ',,Nobody,,,',
      ',new@example.com,First,,,',
      ',,,,,',
      ',NEW@example.com,Second,,,',
    ].join('\r\n');
    const res = await importCsv(owner.token, projectId, csv, 'text/plain; charset=utf-8');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const rows = res.body.rows as { row: number; status: string; leadId?: string }[];
    expect(rows.map((r) => [r.row, r.status])).to.deep.equal([
      [2, 'updated'], [3, 'updated'], [4, 'created'], [5, 'created'], [6, 'updated'], [7, 'created'], [8, 'created'], [10, 'updated'],
    ]);
    expect(res.body).to.include({ created: 4, updated: 4, failed: 0 });
    expect(rows[0]!.leadId).to.equal(ana.id);
    expect(rows[1]!.leadId).to.equal(bea.id);
    expect(rows[2]!.leadId).not.to.be.oneOf([dup1.id, dup2.id]);
    expect(rows[4]!.leadId).to.equal(rows[3]!.leadId); // the second crm-2 row updates what the first created
    expect(rows[7]!.leadId).to.equal(rows[6]!.leadId); // likewise the second new@example.com row

    const byId = new Map((await allLeads(owner.token, projectId)).map((l) => [l.id, l]));
    expect(byId.size).to.equal(8);
    expect(byId.get(ana.id)).to.include({ fullname: 'Ana Updated', email: 'a@example.com', externalId: 'crm-1' });
    expect(byId.get(ana.id).tags).to.deep.equal(['vip']);
    expect(byId.get(ana.id).attributes).to.deep.equal({ since: 2020, plan: 'gold' });
    expect(byId.get(bea.id)).to.include({ fullname: 'Bea', email: 'b@example.com' });
    expect(byId.get(bea.id).tags).to.deep.equal(['old']);
    const two = byId.get(rows[3]!.leadId!);
    expect(two).to.include({ externalId: 'crm-2', fullname: 'New Two', email: 'two@example.com', verified: false });
    expect(two.tags).to.deep.equal(['a', 'b']);
    expect(two.attributes).to.deep.equal({ plan: 'silver', note: '\tRaw tab' });
    const nobody = byId.get(rows[5]!.leadId!);
    expect(nobody).to.include({ fullname: 'Nobody', email: null, externalId: null, phone: null, firstName: null });
    expect(nobody.attributes).to.deep.equal({});
    expect(nobody.visitorIds).to.deep.equal([]);
    expect(byId.get(rows[6]!.leadId!)).to.include({ fullname: 'Second', email: 'new@example.com' });
    expect(byId.get(dup1.id).fullname).to.equal('Dup One');
    expect(byId.get(dup2.id).fullname).to.equal('Dup Two');

    // New leads list newest first in the reverse of the file's order, ahead of the older ones.
    const newest = (await allLeads(owner.token, projectId)).slice(0, 4).map((l) => l.id);
    expect(newest).to.deep.equal([rows[6]!.leadId, rows[5]!.leadId, rows[3]!.leadId, rows[2]!.leadId]);
  });

  it('import: the id column names a lead of this project first; other ids name nothing', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const other = await ownerWithProject(t.url);
    const a = await createLead(owner.token, projectId, { fullname: 'A', email: 'a@example.com' });
    const b = await createLead(owner.token, projectId, { fullname: 'B', email: 'b@example.com' });
    const elsewhere = await createLead(other.owner.token, other.projectId, { fullname: 'Elsewhere', email: 'e@example.com' });

    const csv = `id,fullname,email\r\n${a.id},Renamed A,\r\n${elsewhere.id},From Elsewhere,e@example.com\r\nnot-a-uuid,Legacy Id,\r\n${b.id.toUpperCase()},,a@example.com\r\n`;
    const res = await importCsv(owner.token, projectId, csv);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.rows.map((r: any) => r.status)).to.deep.equal(['updated', 'created', 'created', 'updated']);
    expect(res.body.rows[0].leadId).to.equal(a.id);
    expect(res.body.rows[1].leadId).not.to.equal(elsewhere.id);
    expect(res.body.rows[3].leadId).to.equal(b.id);

    const leads = new Map((await allLeads(owner.token, projectId)).map((l) => [l.id, l]));
    expect(leads.size).to.equal(4);
    expect(leads.get(a.id)).to.include({ fullname: 'Renamed A', email: 'a@example.com' });
    expect(leads.get(b.id)).to.include({ fullname: 'B', email: 'a@example.com' });
    expect(leads.get(res.body.rows[1].leadId)).to.include({ fullname: 'From Elsewhere', email: 'e@example.com' });
    const untouched = await api(t.url, 'GET', `${leadsPath(other.projectId)}/${elsewhere.id}`, { token: other.owner.token });
    expect(untouched.body).to.include({ fullname: 'Elsewhere', updatedAt: elsewhere.updatedAt });
  });

  it('import: a verified lead keeps its externalId, and an externalId in use is refused, row by row', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const vee = await createLead(owner.token, projectId, { fullname: 'Vee', externalId: 'sub-1' });
    await markVerified(vee.id);
    const w = await createLead(owner.token, projectId, { fullname: 'W', externalId: 'w-1' });
    const x = await createLead(owner.token, projectId, { fullname: 'X' });

    const csv = `id,externalId,fullname\r\n${vee.id},other-sub,Vee Renamed\r\n${x.id},w-1,Ex\r\n${x.id},x-new,Ex New\r\n,x-new,Ex Again\r\n`;
    const res = await importCsv(owner.token, projectId, csv);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.rows).to.have.length(4);
    expect(res.body.rows[0]).to.include({ row: 2, status: 'failed' });
    expect(res.body.rows[0].error).to.match(/verified/);
    expect(res.body.rows[1]).to.include({ row: 3, status: 'failed' });
    expect(res.body.rows[1].error).to.include(w.id);
    expect(res.body.rows.slice(2)).to.deep.equal([{ row: 4, status: 'updated', leadId: x.id }, { row: 5, status: 'updated', leadId: x.id }]);
    expect(res.body).to.include({ created: 0, updated: 2, failed: 2 });

    const leads = new Map((await allLeads(owner.token, projectId)).map((l) => [l.id, l]));
    expect(leads.get(vee.id)).to.include({ fullname: 'Vee', externalId: 'sub-1', updatedAt: vee.updatedAt });
    expect(leads.get(w.id)).to.include({ fullname: 'W', externalId: 'w-1', updatedAt: w.updatedAt });
    expect(leads.get(x.id)).to.include({ fullname: 'Ex Again', externalId: 'x-new' });
  });

  it('five imports of one new externalId at once make one lead: one creates it, the others update it', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => importCsv(owner.token, projectId, `externalId,fullname,batch${n}\r\nrace-1,Import ${n},yes\r\n`)),
    );
    for (const res of results) expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(results.map((r) => r.body.created).sort()).to.deep.equal([0, 0, 0, 0, 1]);
    const leads = await allLeads(owner.token, projectId);
    expect(leads).to.have.length(1);
    expect(results.map((r) => r.body.rows[0].leadId)).to.deep.equal(Array(5).fill(leads[0].id));
    expect(leads[0].attributes).to.deep.equal({ batch1: 'yes', batch2: 'yes', batch3: 'yes', batch4: 'yes', batch5: 'yes' });
  });

  it('a row equal to its lead is reported updated and leaves updatedAt alone', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const lead = await createLead(owner.token, projectId, { fullname: 'Same', email: 'same@example.com', tags: ['a', 'b'], attributes: { plan: 'x', n: 1 } });
    const csv = `email,fullname,tags,attributes,plan\r\nSAME@example.com,Same,"A, b","{""n"":1}",x\r\n`;
    const res = await importCsv(owner.token, projectId, csv);
    expect(res.body).to.deep.equal({ created: 0, updated: 1, failed: 0, rows: [{ row: 2, status: 'updated', leadId: lead.id }] });
    const [after] = await allLeads(owner.token, projectId);
    expect(after).to.deep.equal(lead);
  });

  it('a malformed, empty or headerless file is 400 and writes nothing', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const good = 'fullname,email\r\nAna,ana@example.com\r\n';
    const cases: [string, string, string?][] = [
      [`${good}"Unclosed,bob@example.com\r\nCarl,carl@example.com\r\n`, 'body'],
      [`${good}Bo"b,bob@example.com\r\n`, 'body'],
      ['', 'body'],
      ['\r\n\r\n', 'body'],
      ['Ana Lima,ana@example.com\r\nBob,bob@example.com\r\n', 'header'],
      ['fullname,email,Email\r\nAna,a@example.com,b@example.com\r\n', 'header'],
      ['fullname,\r\nAna,x\r\n', 'header'],
      [JSON.stringify({ fullname: 'Ana' }), 'body', 'application/json'],
    ];
    for (const [csv, path, contentType] of cases) {
      const res = await importCsv(owner.token, projectId, csv, contentType);
      expect(detailPaths(res), csv).to.deep.equal([path]);
    }
    expect(await allLeads(owner.token, projectId)).to.deep.equal([]);
  });

  it('a file with bad rows reports each as failed and writes the others', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const csv = [
      'fullname,email,attributes,tags',
      'Good One,good1@example.com,,',
      'Bad Email,not-an-email,,',
      'Bad Json,bad@example.com,{nope,',
      'Not An Object,arr@example.com,[1],',
      'Too Many,x@example.com,,,extra',
      `Long Tag,t@example.com,,${'t'.repeat(51)}`,
      'Good Two,good2@example.com,"{""plan"":""pro""}",vip',
    ].join('\r\n');
    const res = await importCsv(owner.token, projectId, csv, 'application/csv');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ created: 2, updated: 0, failed: 5 });
    const rows = res.body.rows as { row: number; status: string; leadId?: string; error?: string }[];
    expect(rows.map((r) => [r.row, r.status])).to.deep.equal([[2, 'created'], [3, 'failed'], [4, 'failed'], [5, 'failed'], [6, 'failed'], [7, 'failed'], [8, 'created']]);
    expect(rows[1]!.error).to.match(/^email: must be an email address/);
    expect(rows[2]!.error).to.equal('attributes: must be a JSON object');
    expect(rows[3]!.error).to.equal('attributes: must be a JSON object');
    expect(rows[4]!.error).to.equal('has 5 cells; the header has 4');
    expect(rows[5]!.error).to.match(/^tags\.0: /);
    for (const failed of rows.filter((r) => r.status === 'failed')) expect(failed).to.have.all.keys('row', 'status', 'error');

    const leads = await allLeads(owner.token, projectId);
    expect(leads.map((l) => l.fullname)).to.deep.equal(['Good Two', 'Good One']);
    expect(leads[0]).to.include({ email: 'good2@example.com' });
    expect(leads[0].attributes).to.deep.equal({ plan: 'pro' });
    expect(leads[0].tags).to.deep.equal(['vip']);
  });

  it('a file over 10 MB is 413 PAYLOAD_TOO_LARGE and writes nothing', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const csv = `fullname\r\n${'A lead with a name\r\n'.repeat(Math.ceil((10 * 1024 * 1024) / 20) + 10)}`;
    expect(Buffer.byteLength(csv)).to.be.greaterThan(10 * 1024 * 1024);
    expectError(await importCsv(owner.token, projectId, csv), 413, 'PAYLOAD_TOO_LARGE');
    expect(await allLeads(owner.token, projectId)).to.deep.equal([]);
  });

  it('only members export or import: 401 without a token, 403 for a non-member, 404 for no project', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    await createLead(owner.token, projectId, { fullname: 'Private Person', email: 'private@example.com' });
    const stranger = await signup(t.url, 'Stranger');

    const denied = await exportCsv(stranger.token, projectId);
    expect(denied.status).to.equal(403);
    expect(JSON.parse(denied.text).error.code).to.equal('FORBIDDEN');
    expect(denied.text).not.to.include('private@example.com');
    expect((await exportCsv(null, projectId)).status).to.equal(401);
    expectError(await importCsv(stranger.token, projectId, 'fullname\r\nIntruder\r\n'), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'POST', `${leadsPath(projectId)}/import`, { rawBody: 'fullname\r\nIntruder\r\n', headers: { 'content-type': 'text/csv' } }), 401, 'UNAUTHENTICATED');
    const { projectId: strangersProject } = await ownerWithProject(t.url);
    expectError(await importCsv(owner.token, strangersProject, 'fullname\r\nIntruder\r\n'), 403, 'FORBIDDEN');
    expectError(await importCsv(owner.token, '00000000-0000-4000-8000-000000000000', 'fullname\r\nX\r\n'), 404, 'NOT_FOUND');
    expect((await allLeads(owner.token, projectId)).map((l) => l.fullname)).to.deep.equal(['Private Person']);
  });

  it('streams an export longer than one batch: 1,200 leads, all of them, in the list order', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const names = Array.from({ length: 1200 }, (_, i) => `Lead ${String(i + 1).padStart(4, '0')}`);
    const csv = `fullname,email\r\n${names.map((n, i) => `${n},lead${i + 1}@example.com`).join('\r\n')}\r\n`;
    const imported = await importCsv(owner.token, projectId, csv);
    expect(imported.status, JSON.stringify(imported.body).slice(0, 500)).to.equal(200);
    expect(imported.body).to.include({ created: 1200, updated: 0, failed: 0 });

    const res = await exportCsv(owner.token, projectId);
    expect(res.status).to.equal(200);
    expect(res.headers.get('transfer-encoding')).to.equal('chunked');
    expect(res.headers.get('content-length')).to.equal(null);
    const [, ...records] = recordsOf(res.text);
    expect(records).to.have.length(1200);
    expect(records.map((r) => r[2])).to.deep.equal([...names].reverse());
    expect(records.map((r) => r[0])).to.deep.equal((await allLeads(owner.token, projectId)).map((l) => l.id));
    expect(new Set(records.map((r) => r[0])).size).to.equal(1200);
  });
});
