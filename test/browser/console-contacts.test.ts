/**
 * The console's Contacts module and members page in a real browser: search by email (?email=)
 * or text (?q=), a contact's detail (conversations, attributes, tags, notes, verified badge),
 * create, edit, delete with confirmation, CSV export with the filters, merge from a contact's
 * page after its preview; members, roles, capacity and routing. The duplicates view is in the
 * seed story (seed-story.browser.test.ts).
 */
import fs from 'node:fs';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { browserTestsEnabled, ensurePagesBuilt, launchBrowser } from '../support/browser.js';
import { api, ok, ownerWithProject, uniqueEmail } from '../support/clients.js';
import { startApp, type TestApp } from '../support/start-app.js';
import { ConsolePage, startingWith, waitUntil } from './console-fixtures.js';

if (browserTestsEnabled()) {
  describe('console: contacts and members in a real browser', function () {
    this.timeout(120_000);
    let t: TestApp;
    let browser: Browser;
    const pages: ConsolePage[] = [];

    before(async () => {
      ensurePagesBuilt();
      t = await startApp();
      browser = await launchBrowser();
    });
    afterEach(async () => {
      for (const page of pages.splice(0)) await page.close();
    });
    after(async () => {
      await browser?.close();
      await t?.close();
    });

    async function signedInOwner() {
      const { owner, projectId, project } = await ownerWithProject(t.url);
      const c = await ConsolePage.open(browser, t.url);
      pages.push(c);
      await c.signInToWorkspace(owner.email, owner.password);
      return { owner, projectId, project, c };
    }

    /** A visitor's lead with one conversation, as the widget makes them. */
    async function leadWithConversation(projectId: string, fields: Record<string, unknown>, text: string, auth: { identity?: string } = {}) {
      const visitor = await t.connectVisitor(projectId, auth);
      const lead = await ok(visitor.socket, 'lead:update', fields);
      await ok(visitor.socket, 'conversation:start', { text });
      visitor.socket.disconnect();
      return lead;
    }

    const results = (c: ConsolePage) => c.page.getByRole('list', { name: 'Search results' });

    async function search(c: ConsolePage, text: string, expected: string[]) {
      await c.page.getByRole('searchbox', { name: 'Search contacts' }).fill(text);
      let seen: string[] = [];
      await waitUntil(async () => {
        seen = await results(c).getByRole('link').allTextContents();
        return JSON.stringify([...seen].sort()) === JSON.stringify([...expected].sort());
      }, `results for ${text}`).catch(() => {
        throw new Error(`search ${JSON.stringify(text)} shows ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
      });
    }

    it('searches by email (?email=) or text (?q=); a contact shows its conversations, attributes, tags, notes and the verified badge', async () => {
      const { owner, projectId, project, c } = await signedInOwner();
      const sam = await leadWithConversation(projectId, { fullname: 'Sam Same', email: 'sam@example.test' }, 'First question');
      await leadWithConversation(projectId, { email: 'SAM@example.test' }, 'Second question');
      await api(t.url, 'PATCH', `/v1/projects/${projectId}/leads/${sam.id}`, { token: owner.token, body: { tags: ['VIP'], attributes: { plan: 'gold' } } });
      const identity = await new SignJWT({ email: 'ivy@example.test', name: 'Ivy Verified' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('customer-42')
        .sign(new TextEncoder().encode(project.identitySecret));
      await leadWithConversation(projectId, {}, 'Signed in question', { identity });

      const queries: string[] = [];
      c.page.on('request', (req) => req.url().includes('/leads?') && queries.push(new URL(req.url()).search));
      await c.link('Contacts').click();
      await search(c, 'sam@example.test', ['Sam Same', 'SAM@example.test']);
      expect(queries.at(-1)).to.equal('?email=sam%40example.test');
      await search(c, 'Same', ['Sam Same']);
      expect(queries.at(-1)).to.equal('?q=Same');
      await search(c, 'example.test', ['Sam Same', 'SAM@example.test', 'Ivy Verified']);
      await c.page.getByRole('combobox', { name: 'Verified' }).selectOption('true');
      await search(c, 'example.test', ['Ivy Verified']);
      expect(queries.at(-1)).to.equal('?q=example.test&verified=true');
      await c.page.getByRole('combobox', { name: 'Verified' }).selectOption('');
      await search(c, 'example.test', ['Sam Same', 'SAM@example.test', 'Ivy Verified']);

      await results(c).getByRole('link', { name: 'Ivy Verified', exact: true }).click();
      await c.page.getByRole('heading', { name: 'Ivy Verified', exact: true }).waitFor();
      expect(await c.page.locator('.badge.verified').textContent()).to.equal('Verified');

      await c.page.goBack();
      await results(c).getByRole('link', { name: 'Sam Same', exact: true }).click();
      await c.page.getByRole('heading', { name: 'Sam Same', exact: true }).waitFor();
      expect(await c.page.locator('.badge.verified').count()).to.equal(0);
      const conversations = c.page.getByRole('list', { name: 'Conversations' });
      expect(await conversations.getByRole('link').count()).to.equal(1);
      await conversations.getByRole('link', { name: startingWith('First question') }).waitFor();
      expect(await c.page.getByRole('list', { name: 'Tags' }).textContent()).to.equal('vip');
      await c.page.getByText('gold', { exact: true }).waitFor();

      await c.textbox('New note').fill('Prefers <email>, never phone');
      await c.button('Add note').click();
      const notes = c.page.getByRole('list', { name: 'Notes' });
      await notes.getByText('Prefers <email>, never phone').waitFor();
      await notes.getByRole('button', { name: /^Remove note/ }).click();
      await notes.waitFor({ state: 'detached' });
      const stored = await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${sam.id}/notes`, { token: owner.token });
      expect(stored.body.data).to.deep.equal([]);

      // The conversation's link opens it in the inbox.
      await conversations.getByRole('link', { name: startingWith('First question') }).click();
      await c.waitForTexts(['First question']);
      c.expectNoErrors();
    });

    it('creates, edits and deletes a contact (after a confirmation), and exports the filtered list as CSV', async () => {
      const { owner, projectId, c } = await signedInOwner();
      await c.link('Contacts').click();
      await c.button('New contact').click();
      await c.textbox('Full name').fill('Nina New');
      await c.textbox('Email').fill('nina@example.test');
      await c.textbox('Tags').fill('trial, B2B');
      await c.button('Save').click();
      await c.page.getByRole('heading', { name: 'Nina New', exact: true }).waitFor();

      await c.button('Edit').click();
      await c.textbox('Phone').fill('+33 1 23 45 67 89');
      await c.button('Save').click();
      await c.page.getByText('+33 1 23 45 67 89', { exact: true }).waitFor();
      const leadId = decodeURIComponent(new URL(c.page.url()).hash.split('/').pop()!);
      const lead = await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${leadId}`, { token: owner.token });
      expect(lead.body).to.include({ fullname: 'Nina New', email: 'nina@example.test', phone: '+33 1 23 45 67 89' });
      expect(lead.body.tags).to.deep.equal(['trial', 'b2b']);

      // The export takes the list's filters: searching Nina exports Nina alone.
      await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { fullname: 'Other Person' } });
      await c.link('Contacts').click();
      await search(c, 'nina@example.test', ['Nina New']);
      const [download] = await Promise.all([c.page.waitForEvent('download'), c.button('Export CSV').click()]);
      expect(download.suggestedFilename()).to.equal('leads.csv');
      const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
      expect(csv[0]).to.match(/^id,externalId,fullname/);
      expect(csv).to.have.length(2);
      expect(csv[1]).to.include('Nina New');

      await results(c).getByRole('link', { name: 'Nina New' }).click();
      await c.button('Delete').click();
      const dialog = c.page.getByRole('alertdialog');
      expect(await dialog.textContent()).to.include('cannot be undone');
      await c.button('Cancel', dialog).click();
      await c.button('Delete').click();
      await c.button('Delete', c.page.getByRole('alertdialog')).click();
      await c.page.getByRole('searchbox', { name: 'Search contacts' }).waitFor();
      expect((await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${leadId}`, { token: owner.token })).status).to.equal(404);
      c.expectNoErrors();
    });

    it("merges another contact into this one from its page: the preview first, then one contact with both conversations", async () => {
      const { owner, projectId, c } = await signedInOwner();
      const first = await leadWithConversation(projectId, { fullname: 'Mia Merge', email: 'mia@example.test' }, 'Order 1 question');
      const second = await leadWithConversation(projectId, { email: 'mia@example.test', phone: '+1 555' }, 'Order 2 question');
      await c.page.goto(`${t.url}/console#/contacts/${first.id}`);
      await c.button('Merge').click();
      await c.button('Preview merging mia@example.test').click();
      const preview = c.page.locator('.merge-preview');
      await preview.getByText('+1 555').waitFor();
      expect(await preview.textContent()).to.include('1 conversation').and.include('Order 2 question');
      expect((await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${second.id}`, { token: owner.token })).status).to.equal(200);
      await c.button('Confirm merge').click();
      const conversations = c.page.getByRole('list', { name: 'Conversations' });
      await waitUntil(async () => (await conversations.getByRole('link').count()) === 2, 'both conversations on the contact');
      expect((await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${second.id}`, { token: owner.token })).status).to.equal(404);
      c.expectNoErrors();
    });

    it('owners add agents, set roles and capacity, and choose the routing mode and default capacity', async () => {
      const { owner, projectId, c } = await signedInOwner();
      const nedEmail = uniqueEmail('ned');
      await c.link('Members').click();
      const addForm = c.page.getByRole('region', { name: 'Add an agent' });
      await c.textbox('Email', addForm).fill(nedEmail);
      await c.textbox('Full name', addForm).fill('Ned Newagent');
      await c.textbox('Password', addForm).fill('correct horse battery');
      await c.button('Add agent').click();
      const members = c.page.getByRole('list', { name: 'Members' });
      await members.getByText('Ned Newagent', { exact: true }).waitFor();

      await c.page.getByRole('combobox', { name: 'Role of Ned Newagent' }).selectOption('admin');
      await c.page.getByRole('spinbutton', { name: 'Capacity of Ned Newagent' }).fill('3');
      await c.page.getByRole('spinbutton', { name: 'Capacity of Ned Newagent' }).press('Enter');
      const ned = async () => (await api(t.url, 'GET', `/v1/projects/${projectId}/agents`, { token: owner.token })).body.data.find((m: { fullname: string }) => m.fullname === 'Ned Newagent');
      await waitUntil(async () => (await ned())?.role === 'admin' && (await ned())?.maxConcurrent === 3, 'the role and capacity stored');

      await c.page.getByRole('combobox', { name: 'Routing mode' }).selectOption('pooled');
      await c.page.getByRole('spinbutton', { name: 'Default capacity' }).fill('5');
      await c.button('Save settings').click();
      await c.page.getByText('Settings saved.').waitFor();
      const project = await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: owner.token });
      expect(project.body).to.include({ routing: 'pooled', defaultMaxConcurrent: 5 });

      // A plain agent has no Members page.
      const login = await api(t.url, 'POST', '/v1/auth/login', { body: { email: nedEmail, password: 'correct horse battery' } });
      await api(t.url, 'PATCH', `/v1/projects/${projectId}/agents/${login.body.agent.id}`, { token: owner.token, body: { role: 'agent' } });
      const agentPage = await ConsolePage.open(browser, t.url);
      pages.push(agentPage);
      await agentPage.signInToWorkspace(nedEmail, 'correct horse battery');
      expect(await agentPage.link('Members').count()).to.equal(0);
      c.expectNoErrors();
    });
  });
}
