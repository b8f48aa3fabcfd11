/**
 * The visitor widget in a real browser (Debian's Chromium through playwright-core): the demo
 * page and a customer's page on another origin, several browser contexts at once, an agent on
 * a socket. Controls are found by role and accessible name (../shared/spec/ui.md).
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { browserTestsEnabled, SCREENSHOT_DIR } from '../support/browser.js';
import { api, collect, nextEvent, ok, ownerWithProject, sleep } from '../support/clients.js';
import { agentSays, agentSocket, hostSite, nextAssigned, UI_TIMEOUT_MS, waitUntil, widgetSuite, WidgetPage } from './widget-fixtures.js';

if (browserTestsEnabled()) {
  describe('widget: a visitor in a real browser', function () {
    this.timeout(120_000);
    const suite = widgetSuite();
    const { projectWithAgent, openWidget } = suite;

    it('the visitor fills the form (custom fields included), chats with an agent, and sees typing and read receipts', async () => {
      const { owner, projectId, agent } = await projectWithAgent([
        { key: 'company', label: 'Company', required: true },
        { key: 'plan', label: 'Plan' },
      ]);
      const created = nextAssigned(agent, owner.agent.id);
      const widget = await openWidget(`${suite.t.url}/demo?projectId=${projectId}`);

      await widget.startChat('Vera Visitor', 'vera@example.test', { Company: 'Acme', Plan: 'gold' });
      const conversation = await created;
      const lead = await api(suite.t.url, 'GET', `/v1/projects/${projectId}/leads/${conversation.leadId}`, { token: owner.token });
      expect(lead.body).to.include({ fullname: 'Vera Visitor', email: 'vera@example.test' });
      expect(lead.body.attributes).to.deep.equal({ company: 'Acme', plan: 'gold' });

      // The visitor types: the agent sees it; then Enter sends.
      const typing = nextEvent(agent, 'typing', (p) => p.typing === true && p.sender.type === 'visitor', UI_TIMEOUT_MS);
      await widget.textbox('Message').fill('Hello, my order is late');
      expect(await typing).to.include({ conversationId: conversation.id });
      const arrived = nextEvent(agent, 'message:created', (m) => m.conversationId === conversation.id, UI_TIMEOUT_MS);
      await widget.textbox('Message').press('Enter');
      const first = await arrived;
      expect(first).to.include({ text: 'Hello, my order is late', seq: 1 });
      expect(first.sender.type).to.equal('visitor');
      expect(await widget.textbox('Message').inputValue()).to.equal('');

      // The agent types, then answers: the widget shows both, and the visitor reads the answer.
      await ok(agent, 'typing', { conversationId: conversation.id, typing: true });
      await widget.page.getByText('Agent is typing…').waitFor({ timeout: UI_TIMEOUT_MS });
      const read = nextEvent(agent, 'conversation:read', (p) => p.reader.type === 'visitor' && p.seq === 2, UI_TIMEOUT_MS);
      await agentSays(agent, conversation.id, 'Sorry! Let me check.');
      await widget.waitForTexts(['Hello, my order is late', 'Sorry! Let me check.']);
      await widget.page.getByText('Agent is typing…').waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
      expect((await read).conversationId).to.equal(conversation.id);

      // The agent reads the visitor's message: the widget says so.
      await ok(agent, 'conversation:read', { conversationId: conversation.id, seq: 2 });
      await widget.log.getByText('Seen').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(widget.errors, 'no script error and no CSP violation on the demo page').to.deep.equal([]);
    });

    it('markup sent either way shows as characters, and none of it runs', async () => {
      const { owner, projectId, agent } = await projectWithAgent();
      const created = nextAssigned(agent, owner.agent.id);
      const widget = await openWidget(`${suite.t.url}/demo?projectId=${projectId}`);
      await widget.startChat('<b>Mallory</b>', 'mallory@example.test');
      const conversation = await created;
      const fromVisitor = '<img src=x onerror="window.__pwned = 1">';
      const fromAgent = '<script>window.__pwned = 2</script><img src=x onerror="window.__pwned = 3">';

      const arrived = nextEvent(agent, 'message:created', (m) => m.conversationId === conversation.id, UI_TIMEOUT_MS);
      await widget.send(fromVisitor);
      expect((await arrived).text).to.equal(fromVisitor);
      await agentSays(agent, conversation.id, fromAgent);
      await widget.waitForTexts([fromVisitor, fromAgent]);

      await sleep(300); // an onerror would have fired by now
      expect(await widget.page.evaluate('window.__pwned')).to.equal(undefined);
      expect(await widget.log.locator('img, script, b').count()).to.equal(0);
    });

    it('works on a customer page of another origin, isolated from its styles, adding one global', async () => {
      const { owner, projectId, agent } = await projectWithAgent([{ key: 'order', label: 'Order number', required: false }]);
      const site = await hostSite(suite.t.url, projectId);
      try {
        const created = nextAssigned(agent, owner.agent.id);
        const widget = await openWidget(site.url);
        // The custom field came from the public widget-config, read across origins.
        await widget.startChat('Carla Crossorigin', 'carla@example.test', { 'Order number': 'A-1001' });
        const conversation = await created;
        const arrived = nextEvent(agent, 'message:created', (m) => m.conversationId === conversation.id, UI_TIMEOUT_MS);
        await widget.send('Hi from another site');
        expect((await arrived).text).to.equal('Hi from another site');
        await agentSays(agent, conversation.id, 'Hello Carla');
        await widget.waitForTexts(['Hi from another site', 'Hello Carla']);

        const page = widget.page;
        // The host page's `button { background: red !important }` and `* { font-family: serif !important }` stay outside.
        const send = await widget.button('Send').evaluate((el) => {
          const style = el.ownerDocument.defaultView!.getComputedStyle(el);
          return { background: style.backgroundColor, font: style.fontFamily };
        });
        expect(send.background).to.equal('rgb(52, 81, 209)');
        expect(send.font).to.not.match(/^serif/);
        // (Expressions as strings: they run in the page, where the DOM is.)
        expect(await page.evaluate("document.querySelector('pingstreams-widget').shadowRoot !== null")).to.equal(true);
        expect(await page.evaluate('Object.keys(localStorage)')).to.deep.equal([`pingstreams:${projectId}:visitorToken`]);
        const withWidget = await page.evaluate<string[]>('Object.getOwnPropertyNames(window)');
        const blank = await widget.context.newPage();
        await blank.goto(`${site.url}blank`);
        const without = new Set(await blank.evaluate<string[]>('Object.getOwnPropertyNames(window)'));
        expect(withWidget.filter((name) => !without.has(name))).to.deep.equal(['Pingstreams']);
        expect(widget.errors).to.deep.equal([]);
      } finally {
        await site.close();
      }
    });

    it('a returning visitor finds its past conversations and starts a new one; another browser does not see them', async () => {
      const { projectId, agent } = await projectWithAgent();
      const demo = `${suite.t.url}/demo?projectId=${projectId}`;
      const created = collect(agent, 'conversation:created');
      const widget = await openWidget(demo);
      await widget.startChat('Rhea Returning', 'rhea@example.test');
      await widget.send('My first question');
      await widget.waitForTexts(['My first question']);
      await waitUntil(() => created.length === 1, 'the first conversation');

      await widget.page.reload();
      await widget.button('Open chat').click();
      const list = widget.page.getByRole('list', { name: 'Your conversations' });
      await list.getByRole('button', { name: /My first question/ }).click();
      await widget.waitForTexts(['My first question']);

      await widget.button('Back to your conversations').click();
      await widget.button('New conversation').click();
      await widget.textbox('Message').waitFor({ timeout: UI_TIMEOUT_MS });
      await widget.send('A second question');
      await widget.waitForTexts(['A second question']);
      await waitUntil(() => created.length === 2, 'the second conversation');
      expect(created[1].leadId).to.equal(created[0].leadId);

      await widget.page.reload();
      await widget.button('Open chat').click();
      await waitUntil(async () => (await list.getByRole('listitem').count()) === 2, 'two conversations in the list');
      expect(await list.getByRole('listitem').allTextContents()).to.satisfy((items: string[]) => items[0]!.includes('A second question') && items[1]!.includes('My first question'));

      // Another browser is another visitor: the form, not this list.
      const stranger = await openWidget(demo);
      await stranger.textbox('Name').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await stranger.page.getByRole('list', { name: 'Your conversations' }).count()).to.equal(0);
    });

    it('rates the conversation once the agent closes it', async () => {
      const { owner, projectId, agent } = await projectWithAgent();
      const created = nextAssigned(agent, owner.agent.id);
      const widget = await openWidget(`${suite.t.url}/demo?projectId=${projectId}`);
      await widget.startChat('Rob Rater', 'rob@example.test');
      const conversation = await created;
      await widget.send('Thanks, all good');
      await widget.waitForTexts(['Thanks, all good']);
      expect(await widget.button('Rate 4').count()).to.equal(0);

      await ok(agent, 'conversation:close', { conversationId: conversation.id });
      await widget.page.getByText('This conversation is closed.').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await widget.textbox('Message').count()).to.equal(0);
      const rated = nextEvent(agent, 'conversation:updated', (c) => c.id === conversation.id && c.rating === 4, UI_TIMEOUT_MS);
      await widget.button('Rate 4').click();
      await rated;
      await widget.page.getByText('You rated this conversation 4 out of 5.').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await widget.button('Rate 4').getAttribute('aria-pressed')).to.equal('true');
      const stored = await api(suite.t.url, 'GET', `/v1/projects/${projectId}/conversations/${conversation.id}`, { token: owner.token });
      expect(stored.body).to.include({ status: 'closed', rating: 4 });
    });

    it('shows each waiting visitor its place in the queue, and moves it up', async () => {
      // Auto routing with nobody online: conversations wait. An agent takes one at a time.
      const { owner, projectId } = await ownerWithProject(suite.t.url);
      const limited = await api(suite.t.url, 'PATCH', `/v1/projects/${projectId}`, { token: owner.token, body: { defaultMaxConcurrent: 1 } });
      expect(limited.status).to.equal(200);
      const demo = `${suite.t.url}/demo?projectId=${projectId}`;
      const first = await openWidget(demo);
      await first.startChat('Quinn First', 'quinn@example.test');
      const firstPlace = first.page.getByRole('status').filter({ hasText: /\b1\b/ });
      await firstPlace.waitFor({ timeout: UI_TIMEOUT_MS });
      const second = await openWidget(demo);
      await second.startChat('Quincy Second', 'quincy@example.test');
      await second.page.getByRole('status').filter({ hasText: /\b2\b/ }).waitFor({ timeout: UI_TIMEOUT_MS });

      // An agent comes online: the first is taken, the second moves up.
      const agent = await agentSocket(suite.t.url, owner.token, projectId);
      suite.track(agent);
      await firstPlace.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
      await second.page.getByRole('status').filter({ hasText: /\b1\b/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    });

    it('works with the keyboard alone and fits a 360 px screen', async () => {
      const { owner, projectId, agent } = await projectWithAgent();
      const context = await suite.browser.newContext({ viewport: { width: 360, height: 740 } });
      const page = await context.newPage();
      const widget = new WidgetPage(page, context);
      suite.track(widget);
      await page.goto(`${suite.t.url}/demo?projectId=${projectId}`);
      const focused = () => focusedInWidget(page);

      await page.keyboard.press('Tab');
      expect(await focused()).to.equal('Open chat');
      await page.keyboard.press('Enter');
      await widget.textbox('Name').waitFor({ timeout: UI_TIMEOUT_MS });
      // Moved in the same task that showed the field: nothing typed from now on can miss it.
      expect(await focused()).to.equal('name');
      const created = nextAssigned(agent, owner.agent.id);
      await page.keyboard.type('Kim Keys');
      await page.keyboard.press('Tab');
      await page.keyboard.type('kim@example.test');
      await page.keyboard.press('Tab');
      expect(await focused()).to.equal('Start chat');
      await page.keyboard.press('Enter');
      const conversation = await created;
      await widget.textbox('Message').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await focused()).to.equal('Message');
      const arrived = nextEvent(agent, 'message:created', (m) => m.conversationId === conversation.id, UI_TIMEOUT_MS);
      await page.keyboard.type('Typed with the keyboard only');
      await page.keyboard.press('Enter');
      expect((await arrived).text).to.equal('Typed with the keyboard only');

      // Readable at 360 px: the panel fits the screen and a long word wraps instead of widening the log.
      await agentSays(agent, conversation.id, 'x'.repeat(400));
      await widget.waitForTexts(['Typed with the keyboard only', 'x'.repeat(400)]);
      const box = (await page.getByRole('dialog', { name: 'Chat' }).boundingBox())!;
      expect(box.x).to.be.at.least(0);
      expect(box.x + box.width).to.be.at.most(360);
      expect(await widget.log.evaluate((el) => el.scrollWidth <= el.clientWidth)).to.equal(true);

      await page.keyboard.press('Escape');
      expect(await focused()).to.equal('Open chat');
      expect(await page.getByRole('dialog', { name: 'Chat' }).count()).to.equal(0);
    });

    it('gives the focus to the first field when the form fields arrive after the panel opened', async () => {
      const { projectId } = await projectWithAgent();
      const context = await suite.browser.newContext();
      const page = await context.newPage();
      const widget = new WidgetPage(page, context);
      suite.track(widget);
      // The widget's settings held back until the panel is open on "Loading…".
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route(/\/widget-config$/, async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(`${suite.t.url}/demo?projectId=${projectId}`);
      await widget.button('Open chat').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.keyboard.press('Tab');
      expect(await focusedInWidget(page)).to.equal('Open chat');
      await page.keyboard.press('Enter');
      await page.getByRole('dialog', { name: 'Chat' }).getByText('Loading…').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await focusedInWidget(page)).to.equal('Close chat');

      release();
      await widget.textbox('Name').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await focusedInWidget(page)).to.equal('name');
      await page.keyboard.type('Kim Late');
      expect(await widget.textbox('Name').inputValue()).to.equal('Kim Late');
      expect(await page.getByRole('dialog', { name: 'Chat' }).count()).to.equal(1);
    });

    it('takes screenshots of the form and the chat at 1280 and 360 px', async () => {
      const { owner, projectId, agent } = await projectWithAgent([{ key: 'company', label: 'Company', required: true }]);
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      for (const [width, height] of [[1280, 800], [360, 740]] as const) {
        const created = nextAssigned(agent, owner.agent.id);
        const widget = await openWidget(`${suite.t.url}/demo?projectId=${projectId}`, { width, height });
        await widget.textbox('Company').waitFor({ timeout: UI_TIMEOUT_MS });
        await widget.page.screenshot({ path: path.join(SCREENSHOT_DIR, `widget-form-${width}.png`) });

        await widget.startChat('Ada Lovelace', 'ada@example.test', { Company: 'Analytical Engines Ltd' });
        const conversation = await created;
        await widget.send('Hello! My invoice shows the wrong VAT number.');
        await agentSays(agent, conversation.id, 'Hi Ada, sorry about that. Which invoice is it?');
        // The agent reads what it has received: a read of seq 3 before the third message is
        // committed stops at seq 2, and the visitor's last message would never show "Seen".
        const third = nextEvent(agent, 'message:created', (m) => m.conversationId === conversation.id && m.seq === 3, UI_TIMEOUT_MS);
        await widget.send('Number 2024-117, from last week.');
        await third;
        await ok(agent, 'conversation:read', { conversationId: conversation.id, seq: 3 });
        await ok(agent, 'typing', { conversationId: conversation.id, typing: true });
        await widget.page.getByText('Agent is typing…').waitFor({ timeout: UI_TIMEOUT_MS });
        await widget.log.getByText('Seen').waitFor({ timeout: UI_TIMEOUT_MS });
        await widget.page.screenshot({ path: path.join(SCREENSHOT_DIR, `widget-chat-${width}.png`) });
      }
      for (const name of ['form-1280', 'form-360', 'chat-1280', 'chat-360']) {
        expect(fs.statSync(path.join(SCREENSHOT_DIR, `widget-${name}.png`)).size).to.be.greaterThan(5_000);
      }
    });
  });
}

/** The focused control inside the widget's shadow root: its aria-label, else its name attribute, else its text. */
function focusedInWidget(page: Page): Promise<string | null> {
  return page.evaluate<string | null>(
    "(e => e && (e.getAttribute('aria-label') ?? e.getAttribute('name') ?? e.textContent))(document.activeElement?.shadowRoot?.activeElement)",
  );
}
