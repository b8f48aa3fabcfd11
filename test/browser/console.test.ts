/**
 * The agent console in a real browser (Debian's Chromium through playwright-core): accounts,
 * projects, presence, and the session's end. Controls are found by role and accessible name
 * (../shared/spec/ui.md). Conversations: console-conversation.test.ts; contacts and members:
 * console-contacts.test.ts; the seed story: seed-story.browser.test.ts.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { browserTestsEnabled, ensurePagesBuilt, launchBrowser } from '../support/browser.js';
import { addAgent, api, ownerWithProject, uniqueEmail } from '../support/clients.js';
import { forgeToken, nowSeconds } from '../support/rest-fixtures.js';
import { startApp, type TestApp } from '../support/start-app.js';
import { ConsolePage, PHONE, waitUntil } from './console-fixtures.js';

if (browserTestsEnabled()) {
  describe('console: accounts, projects and presence in a real browser', function () {
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

    async function openConsole(viewport?: { width: number; height: number }) {
      const page = await ConsolePage.open(browser, t.url, viewport);
      pages.push(page);
      return page;
    }

    it('creates an account and the first project, and keeps the agent signed in (token in localStorage) across a reload', async () => {
      const c = await openConsole();
      await c.button('Create account').click();
      const email = uniqueEmail('console');
      await c.textbox('Full name').fill('Carla Console');
      await c.textbox('Email').fill(email);
      await c.textbox('Password').fill('correct horse battery');
      await c.button('Create account').click();
      await c.textbox('Project name').fill('Carla Co');
      await c.button('Create project').click();
      await c.tab('Queue').waitFor();
      await c.waitConnected();

      const stored = (await c.storedSession())!;
      expect(stored.agent.email).to.equal(email);
      await c.page.reload();
      await c.tab('Queue').waitFor();
      expect(await c.page.getByText('Carla Co').count()).to.be.greaterThan(0);
      const projects = await api(t.url, 'GET', '/v1/projects', { token: stored.token });
      expect(projects.body.data.map((p: { name: string; role: string }) => [p.name, p.role])).to.deep.equal([['Carla Co', 'owner']]);
      c.expectNoErrors();
    });

    it('a wrong password is refused in words; signing in works with the keyboard alone, at 360 px', async () => {
      const { owner } = await ownerWithProject(t.url);
      const c = await openConsole(PHONE);
      await c.signIn(owner.email, 'not the password');
      await c.page.getByRole('alert').waitFor();
      expect(await c.page.getByRole('alert').textContent()).to.match(/password|email/i);

      // Keyboard only: focus the first field, type, Tab to the next, Enter submits.
      await c.textbox('Email').fill('');
      await c.textbox('Password').fill('');
      await c.textbox('Email').focus();
      await c.page.keyboard.type(owner.email);
      await c.page.keyboard.press('Tab');
      await c.page.keyboard.type(owner.password);
      await c.page.keyboard.press('Enter');
      await c.tab('Queue').waitFor();
      await c.waitConnected();
      await c.expectNoSidewaysScroll();
    });

    it('picks among several projects; the presence switch shows and sets online / away (aria-pressed), and a reload keeps it', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const second = await api(t.url, 'POST', '/v1/projects', { token: owner.token, body: { name: 'Second Shop' } });
      const c = await openConsole();
      await c.signIn(owner.email, owner.password);
      await c.page.getByRole('navigation', { name: 'Your projects' }).waitFor();
      expect(await c.button('Second Shop').count()).to.equal(1);
      await c.button('Acme Support').click();
      await c.waitConnected();

      const online = c.button('Online');
      const away = c.button('Away');
      expect(await online.getAttribute('aria-pressed')).to.equal('true');
      expect(await away.getAttribute('aria-pressed')).to.equal('false');
      const presenceOf = async () => (await api(t.url, 'GET', `/v1/projects/${projectId}/agents`, { token: owner.token })).body.data.find((m: { id: string }) => m.id === owner.agent.id).presence;
      await waitUntil(async () => (await presenceOf()) === 'online', 'the owner online');

      await away.click();
      await waitUntil(async () => (await away.getAttribute('aria-pressed')) === 'true', 'Away pressed');
      expect(await online.getAttribute('aria-pressed')).to.equal('false');
      await waitUntil(async () => (await presenceOf()) === 'away', 'the owner away on the server');

      // A reload keeps the choice (this browser remembers it and says it again at connect).
      await c.page.reload();
      await c.waitConnected();
      await waitUntil(async () => (await presenceOf()) === 'away' && (await c.button('Away').getAttribute('aria-pressed')) === 'true', 'still away after a reload');
      await c.button('Online').click();
      await waitUntil(async () => (await presenceOf()) === 'online', 'online again');
      expect(second.status).to.equal(201);
      c.expectNoErrors();
    });

    it('an expired token, or one the server refuses (401), goes back to sign in', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const agent = await addAgent(t.url, owner.token, projectId);
      const c = await openConsole();
      await c.signInToWorkspace(agent.email, agent.password);

      // Expired while stored: the reload shows the sign-in form.
      const expired = await forgeToken({ sub: agent.agent.id, audience: 'agent', expiresAt: nowSeconds() - 60 });
      await c.storeToken(expired);
      await c.page.reload();
      await c.button('Sign in').waitFor();

      // Unexpired but refused (signed with another secret): the first 401 signs the agent out.
      await c.signInToWorkspace(agent.email, agent.password);
      const [head, , sig] = (await c.storedSession())!.token.split('.');
      const payload = Buffer.from(JSON.stringify({ sub: agent.agent.id, aud: 'agent', exp: nowSeconds() + 3600 })).toString('base64url');
      await c.storeToken(`${head}.${payload}.${sig}`);
      await c.page.reload();
      await c.button('Sign in').waitFor();
      expect(await c.page.getByRole('status').filter({ hasText: /sign in again/i }).count()).to.equal(1);
      expect(await c.storedSession()).to.equal(null);
    });
  });
}
