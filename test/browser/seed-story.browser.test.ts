/**
 * The seed story in a real browser, several browser contexts at once: a visitor fills the
 * widget's form on the demo page and chats; the agent, signed in to the console, sees it arrive
 * without a reload and replies; the visitor sees the reply; a second visitor (another browser
 * context, so another browser identity) gives the same email; the agent searches contacts by
 * that email, finds two, opens the duplicates view, merges them after the preview, and the
 * contact shows both conversations. Markup sent in chat arrives as text. Screenshots of the
 * console go to docs/screenshots (console-*-1280.png, console-*-360.png).
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { browserTestsEnabled, ensurePagesBuilt, launchBrowser } from '../support/browser.js';
import { addAgent, api, ownerWithProject } from '../support/clients.js';
import { startApp, type TestApp } from '../support/start-app.js';
import { ConsolePage, startingWith, waitUntil } from './console-fixtures.js';
import { WidgetPage } from './widget-fixtures.js';

if (browserTestsEnabled()) {
  describe('the seed story in the browser: widget visitors and the agent console', function () {
    this.timeout(180_000);
    let t: TestApp;
    let browser: Browser;
    const closers: { close(): Promise<void> }[] = [];

    before(async () => {
      ensurePagesBuilt();
      t = await startApp();
      browser = await launchBrowser();
    });
    after(async () => {
      for (const page of closers.splice(0)) await page.close();
      await browser?.close();
      await t?.close();
    });

    it('two visitors with one email become one contact with both conversations, merged by the agent after the preview', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const agent = await addAgent(t.url, owner.token, projectId);
      const console = await ConsolePage.open(browser, t.url);
      closers.push(console);
      await console.signInToWorkspace(agent.email, agent.password);
      await console.tab('Mine').click();

      // Visitor 1 on the demo page: the form, then a question. Automatic routing gives it to the online agent.
      const vera = await WidgetPage.open(browser, `${t.url}/demo?projectId=${projectId}`);
      closers.push(vera);
      await vera.startChat('Vera Visitor', 'vera@example.test');
      await vera.send('Hello, I need help with my order');

      const item = console.link(startingWith('Vera Visitor'));
      await item.waitFor();
      await waitUntil(async () => (await item.textContent())!.includes('unread'), 'an unread count on the new conversation');
      await item.click();
      await console.waitForTexts(['Hello, I need help with my order']);
      await console.reply('Hi Vera! Let me check that for you.');
      await vera.waitForTexts(['Hello, I need help with my order', 'Hi Vera! Let me check that for you.']);

      // Markup is text on both sides.
      const hostile = '<img src=x onerror="window.__pwned=1">';
      await vera.send(hostile);
      await console.waitForTexts(['Hello, I need help with my order', 'Hi Vera! Let me check that for you.', hostile]);
      expect(await console.log.locator('img').count()).to.equal(0);
      expect(await console.page.evaluate('window.__pwned')).to.equal(undefined);
      // A private note: set apart in the console, never at the visitor's.
      await console.page.getByRole('checkbox', { name: 'Private note' }).check();
      await console.reply('Checked: order 1042 waits in the warehouse');
      await console.page.getByRole('checkbox', { name: 'Private note' }).uncheck();
      await console.reply('Your parcel ships tomorrow.');
      await vera.waitForTexts(['Hello, I need help with my order', 'Hi Vera! Let me check that for you.', hostile, 'Your parcel ships tomorrow.']);
      expect(await console.log.locator('li.private').textContent()).to.include('Private note').and.include('Checked: order 1042');
      await console.screenshots('conversation');

      // Visitor 2: another browser context (another browser identity), the same email.
      const again = await WidgetPage.open(browser, `${t.url}/demo?projectId=${projectId}`);
      closers.push(again);
      await again.startChat('Vera V.', 'vera@example.test');
      await again.send('Second question: can I change the address?');
      await console.link(startingWith('Vera V.')).waitFor();

      // The agent finds both by email, then merges them from the duplicates view, preview first.
      await console.link('Contacts').click();
      await console.page.getByRole('searchbox', { name: 'Search contacts' }).fill('vera@example.test');
      const results = console.page.getByRole('list', { name: 'Search results' });
      await waitUntil(async () => (await results.getByRole('link').count()) === 2, 'two contacts with that email');
      expect((await results.getByRole('link').allTextContents()).sort()).to.deep.equal(['Vera V.', 'Vera Visitor']);

      await console.link('Duplicates').click();
      const group = console.page.getByRole('listitem', { name: '2 contacts with vera@example.test' });
      await console.button('Merge', group).click();
      const preview = group.locator('.merge-preview');
      await preview.getByText(/Moving from Vera V\.: 1 conversation/).waitFor();
      expect(await preview.getByRole('list', { name: 'What moves' }).textContent()).to.equal('Second question: can I change the address?');
      const before = await api(t.url, 'GET', `/v1/projects/${projectId}/leads?email=vera%40example.test`, { token: owner.token });
      expect(before.body.data).to.have.length(2);
      await console.screenshots('duplicates');

      await console.button('Confirm merge', group).click();
      await console.page.getByRole('heading', { name: 'Vera Visitor', exact: true }).waitFor();
      const conversations = console.page.getByRole('list', { name: 'Conversations' });
      await waitUntil(async () => (await conversations.getByRole('link').count()) === 2, 'both conversations on the contact');
      await conversations.getByRole('link', { name: startingWith('Hello, I need help with my order') }).waitFor();
      await conversations.getByRole('link', { name: startingWith('Second question: can I change the address?') }).waitFor();
      const after = await api(t.url, 'GET', `/v1/projects/${projectId}/leads?email=vera%40example.test`, { token: owner.token });
      expect(after.body.data).to.have.length(1);
      await console.screenshots('contact');

      // The second visitor still chats, now on the merged contact.
      await again.send('Thanks!');
      await conversations.getByRole('link', { name: startingWith('Second question') }).click();
      await console.waitForTexts(['Second question: can I change the address?', 'Thanks!']);
      console.expectNoErrors();
    });
  });
}
