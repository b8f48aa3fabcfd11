/**
 * A lead's attributes are bounded in total (16 KiB of JSON, 100 keys), not only per request:
 * 200 lead:updates of 15 KB used to build a 3 MB lead. Past the bound: PAYLOAD_TOO_LARGE on
 * the visitor's lead:update and the agent's PATCH and PUT, a failed row on import, and merges
 * keep the target's keys and only the source's keys that fit.
 */
import { expect } from 'chai';
import { SignJWT } from 'jose';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, api, ok, ownerWithProject } from '../support/clients.js';
import { expectError as expectAckError } from '../support/chat-fixtures.js';
import { expectError, visitorLead } from '../support/rest-fixtures.js';

const KIB = 1024;
const jsonChars = (value: unknown) => JSON.stringify(value).length;

/** `count` keys `${prefix}0…`, each holding `chars` characters. */
function keys(prefix: string, count: number, chars = 1): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, 'v'.repeat(chars)]));
}

describe('lead attributes: bounded in total', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
  });
  after(async () => {
    await t.close();
  });

  const leadPath = (projectId: string, leadId = '') => `/v1/projects/${projectId}/leads${leadId ? `/${leadId}` : ''}`;
  const stored = async (projectId: string, token: string, leadId: string) => (await api(t.url, 'GET', leadPath(projectId, leadId), { token })).body.attributes;

  it('200 lead:updates of 15 KB: the first fits, every later one that would grow the lead is PAYLOAD_TOO_LARGE', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { visitor, lead } = await visitorLead(t, projectId, { attributes: { chunk0: 'x'.repeat(15 * KIB) } });
    for (let i = 1; i < 200; i++) {
      const res = await ack(visitor.socket, 'lead:update', { attributes: { [`chunk${i}`]: 'x'.repeat(15 * KIB) } });
      expect(res.ok, `update ${i}`).to.equal(false);
      expect(res.error.code).to.equal('PAYLOAD_TOO_LARGE');
      expect(res.error.details).to.deep.equal([{ path: 'attributes', message: 'must be at most 16 KiB of JSON in total' }]);
    }
    const attributes = await stored(projectId, owner.token, lead.id);
    expect(Object.keys(attributes)).to.deep.equal(['chunk0']);
    // Changing a key in place, or other fields, still works at the bound.
    const replaced = await ok(visitor.socket, 'lead:update', { fullname: 'Still Editable', attributes: { chunk0: 'y'.repeat(15 * KIB) } });
    expect(replaced.attributes.chunk0).to.equal('y'.repeat(15 * KIB));
    expect(jsonChars(replaced.attributes)).to.be.at.most(16 * KIB);
  });

  it('100 keys in total; one request with more than 100 is VALIDATION_FAILED; removing keys makes room', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { visitor, lead } = await visitorLead(t, projectId, { attributes: keys('a', 60) });
    await expectAckError(visitor.socket, 'lead:update', { attributes: keys('b', 41) }, 'PAYLOAD_TOO_LARGE');
    expect(Object.keys((await ok(visitor.socket, 'lead:update', { attributes: keys('b', 40) })).attributes)).to.have.length(100);
    await expectAckError(visitor.socket, 'lead:update', { attributes: { one: 'more' } }, 'PAYLOAD_TOO_LARGE');
    const tooMany = await expectAckError(visitor.socket, 'lead:update', { attributes: keys('c', 101) }, 'VALIDATION_FAILED');
    expect(tooMany.details).to.deep.equal([{ path: 'attributes', message: 'must have at most 100 keys' }]);

    const token = owner.token;
    const patch = (body: unknown) => api(t.url, 'PATCH', leadPath(projectId, lead.id), { token, body });
    expectError(await patch({ attributes: { one: 'more' } }), 413, 'PAYLOAD_TOO_LARGE');
    // A null removes a key in the same request that adds one: the total stays at 100.
    const swapped = await patch({ attributes: { a0: null, one: 'more' } });
    expect(swapped.status, JSON.stringify(swapped.body)).to.equal(200);
    expect(Object.keys(swapped.body.attributes)).to.have.length(100).and.include('one').and.not.include('a0');
    expect(Object.keys(await stored(projectId, token, lead.id))).to.have.length(100);
  });

  it("the agent's PATCH, PUT by externalId and CSV import refuse to grow a full lead; creating one at the bound works", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const token = owner.token;
    const full = { blob: 'z'.repeat(16 * KIB - 20) };
    const created = await api(t.url, 'POST', leadPath(projectId), { token, body: { externalId: 'crm-1', email: 'full@example.com', attributes: full } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const leadId = created.body.id;

    expectError(await api(t.url, 'PATCH', leadPath(projectId, leadId), { token, body: { attributes: { more: 'x'.repeat(100) } } }), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await api(t.url, 'PUT', `${leadPath(projectId)}/by-external-id/crm-1`, { token, body: { attributes: { more: 'x'.repeat(100) } } }), 413, 'PAYLOAD_TOO_LARGE');
    const put = await api(t.url, 'PUT', `${leadPath(projectId)}/by-external-id/crm-1`, { token, body: { fullname: 'Fields still change' } });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);

    const csv = `externalId,fullname,extra\ncrm-1,Full Lead,${'e'.repeat(200)}\ncrm-2,Other Lead,small\n`;
    const imported = await api(t.url, 'POST', `${leadPath(projectId)}/import`, { token, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect(imported.status, JSON.stringify(imported.body)).to.equal(200);
    expect(imported.body).to.include({ created: 1, updated: 0, failed: 1 });
    expect(imported.body.rows[0]).to.include({ row: 2, status: 'failed' });
    expect(imported.body.rows[0].error).to.match(/^attributes: .*16 KiB/);

    const attributes = await stored(projectId, token, leadId);
    expect(attributes).to.deep.equal(full);
  });

  it('concurrent updates that each fit alone but not together: exactly one is stored, every time', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const half = (key: string) => ({ attributes: { [key]: 'h'.repeat(9 * KIB) } });
    for (let round = 0; round < 5; round++) {
      const { visitor, lead } = await visitorLead(t, projectId, { fullname: `Race ${round}` });
      const tabs = [visitor, ...(await Promise.all([1, 2, 3].map(() => t.connectVisitor(projectId, { token: visitor.session.token }))))];
      const answers = await Promise.all([
        ...tabs.map((tab, i) => ack(tab.socket, 'lead:update', half(`tab${i}`)).then((a) => (a.ok ? 'ok' : a.error.code))),
        ...[0, 1].map((i) => api(t.url, 'PATCH', leadPath(projectId, lead.id), { token: owner.token, body: half(`agent${i}`) }).then((r) => (r.status === 200 ? 'ok' : r.body.error.code))),
      ]);
      expect(answers.filter((a) => a === 'ok'), JSON.stringify(answers)).to.have.length(1);
      expect(answers.filter((a) => a !== 'ok')).to.satisfy((codes: string[]) => codes.every((c) => c === 'PAYLOAD_TOO_LARGE'));
      const attributes = await stored(projectId, owner.token, lead.id);
      expect(Object.keys(attributes)).to.have.length(1);
      for (const tab of tabs) tab.socket.disconnect();
    }
  });

  it('merges keep every key of the target and only the keys of the source that fit, also through signed identities', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const token = owner.token;
    const secret = (await api(t.url, 'GET', `/v1/projects/${projectId}`, { token })).body.identitySecret as string;
    const identity = await new SignJWT({ sub: 'user-merge' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(new TextEncoder().encode(secret));

    // One anonymous lead after another, each with 60 keys of its own, signs in as the same person.
    let identified: any = null;
    for (const prefix of ['p', 'q', 'r']) {
      const { visitor } = await visitorLead(t, projectId, { attributes: keys(prefix, 60, 100) });
      const signedIn = await t.connectVisitor(projectId, { token: visitor.session.token, identity });
      identified = (await api(t.url, 'GET', leadPath(projectId, signedIn.session.leadId!), { token })).body;
      expect(identified.attributes).to.include(keys('p', 60, 100));
    }
    expect(Object.keys(identified.attributes)).to.have.length(100);

    // The merge endpoint: the target's keys all stay, the lead stays within 16 KiB.
    const target = (await api(t.url, 'POST', leadPath(projectId), { token, body: { attributes: { t: 't'.repeat(10 * KIB) } } })).body;
    const source = (await api(t.url, 'POST', leadPath(projectId), { token, body: { attributes: { s: 's'.repeat(10 * KIB), small: 1 } } })).body;
    const merged = await api(t.url, 'POST', leadPath(projectId, `${target.id}/merge`), { token, body: { sourceLeadId: source.id } });
    expect(merged.status, JSON.stringify(merged.body)).to.equal(200);
    expect(merged.body.attributes).to.deep.equal({ t: 't'.repeat(10 * KIB), small: 1 });
  });
});
