/**
 * The console's conversations in a real browser: live lists with unread counts, join, reply,
 * typing and read receipts both ways, private notes, close / reopen / transfer, markup shown as
 * text, scrolling back (beforeSeq), and a reconnect that loses and repeats nothing. Visitors are
 * socket.io clients here (the widget has its own tests; both meet in the seed story).
 */
import { expect } from 'chai';
import type { Browser, Locator } from 'playwright-core';
import { browserTestsEnabled, ensurePagesBuilt, launchBrowser } from '../support/browser.js';
import { addAgent, collect, ok, ownerWithProject, sleep } from '../support/clients.js';
import { outgoing, setRouting, waitFor } from '../support/chat-fixtures.js';
import { startApp, type TestApp } from '../support/start-app.js';
import { ConsolePage, startingWith, waitUntil } from './console-fixtures.js';

// The server's tsconfig has no DOM types: the element is typed loosely here.
const isFocused = (locator: Locator) => locator.evaluate((el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement);

if (browserTestsEnabled()) {
  describe('console: conversations in a real browser', function () {
    this.timeout(120_000);
    let t: TestApp;
    let browser: Browser;
    const pages: ConsolePage[] = [];

    before(async () => {
      ensurePagesBuilt();
      // The scroll-back test writes 130 messages back to back.
      t = await startApp({ RATE_LIMIT_SOCKET: '0' });
      browser = await launchBrowser();
    });
    afterEach(async () => {
      for (const page of pages.splice(0)) await page.close();
    });
    after(async () => {
      await browser?.close();
      await t?.close();
    });

    /** A pooled project (conversations wait in the Queue) with its owner signed in to the console. */
    async function signedInOwner() {
      const { owner, projectId } = await ownerWithProject(t.url);
      await setRouting(t, owner.token, projectId, 'pooled');
      const c = await ConsolePage.open(browser, t.url);
      pages.push(c);
      await c.signInToWorkspace(owner.email, owner.password);
      return { owner, projectId, c };
    }

    async function visitorWith(projectId: string, lead: Record<string, string>, text: string) {
      const visitor = await t.connectVisitor(projectId);
      await ok(visitor.socket, 'lead:update', lead);
      const conversation = await ok(visitor.socket, 'conversation:start', { text });
      return { visitor, conversation };
    }

    it('a new conversation arrives in the Queue without a reload, with its unread count; join, reply with Enter, typing and receipts both ways', async () => {
      const { owner, projectId, c } = await signedInOwner();
      await c.tab('Queue').click();
      const { visitor, conversation } = await visitorWith(projectId, { fullname: 'Vera Visitor', email: 'vera@example.test' }, 'Hello, I need help');

      const item = c.link(startingWith('Vera Visitor'));
      await item.waitFor();
      expect(await item.textContent()).to.include('Hello, I need help').and.include('1 unread');
      expect(await c.tab('Queue').getAttribute('aria-selected')).to.equal('true');

      // Opening it reads it: the visitor is told, and the count goes.
      const read = waitFor(visitor.socket, 'conversation:read');
      await item.click();
      await c.waitForTexts(['Hello, I need help']);
      expect((await read).seq).to.equal(1);
      await waitUntil(async () => !(await item.textContent())!.includes('unread'), 'the unread count to go');

      await c.button('Join').click();
      await c.page.getByText('Assigned · you').waitFor();
      // Keyboard only: the arrow key moves to the next tab, Tab enters its list, Enter opens.
      await c.tab('Queue').focus();
      await c.page.keyboard.press('ArrowRight');
      await waitUntil(async () => (await c.tab('Mine').getAttribute('aria-selected')) === 'true', 'Mine selected by the arrow key');
      await c.page.keyboard.press('Tab');
      expect(await isFocused(c.link(startingWith('Vera Visitor')))).to.equal(true);
      await c.page.keyboard.press('Enter');
      await c.waitForTexts(['Hello, I need help']);

      // The visitor types: the console says so. The agent types: the visitor hears it.
      await ok(visitor.socket, 'typing', { conversationId: conversation.id, typing: true });
      await c.page.getByRole('status').filter({ hasText: 'Vera Visitor is typing…' }).waitFor();
      const typing = waitFor<{ typing: boolean; sender: { type: string } }>(visitor.socket, 'typing', (p) => p.typing);
      await c.textbox('Reply').fill('Hi Vera');
      expect((await typing).sender.type).to.equal('agent');
      // Tab order follows the layout: the reply box, the "Private note" switch, Send.
      await c.page.keyboard.press('Tab');
      expect(await isFocused(c.page.getByRole('checkbox', { name: 'Private note' }))).to.equal(true);
      await c.page.keyboard.press('Tab');
      expect(await isFocused(c.button('Send'))).to.equal(true);

      const reply = waitFor(visitor.socket, 'message:created');
      await c.reply('Hi Vera, how can I help?');
      expect((await reply).text).to.equal('Hi Vera, how can I help?');
      expect(await c.textbox('Reply').inputValue()).to.equal('');
      await c.waitForTexts(['Hello, I need help', 'Hi Vera, how can I help?']);

      // The visitor writes and reads: the message shows live, the receipt too.
      await ok(visitor.socket, 'message:send', outgoing(conversation.id, 'My order is late'));
      await c.waitForTexts(['Hello, I need help', 'Hi Vera, how can I help?', 'My order is late']);
      await ok(visitor.socket, 'conversation:read', { conversationId: conversation.id, seq: 3 });
      await c.log.getByText('Seen').waitFor();
      expect(owner.agent.id).to.be.a('string');
      c.expectNoErrors();
    });

    it('a private note is shown as one and never reaches the visitor; close, reopen and transfer to a member', async () => {
      const { owner, projectId, c } = await signedInOwner();
      const colleague = await addAgent(t.url, owner.token, projectId);
      const { visitor, conversation } = await visitorWith(projectId, { email: 'pat@example.test' }, 'Where is my parcel?');
      const heard = collect(visitor.socket, 'message:created');
      await c.tab('Queue').click();
      await c.link(startingWith('pat@example.test')).click();
      await c.button('Join').click();
      await c.page.getByText('Assigned · you').waitFor();

      await c.page.getByRole('checkbox', { name: 'Private note' }).check();
      await c.reply('Internal: VIP customer');
      const note = c.log.locator('li.private');
      await note.getByText('Internal: VIP customer').waitFor();
      expect(await note.textContent()).to.include('Private note');
      await c.page.getByRole('checkbox', { name: 'Private note' }).uncheck();
      await c.reply('It left the warehouse today.');
      await waitUntil(() => heard.length === 1, 'the public reply');
      await sleep(300);
      expect(heard.map((m) => m.text)).to.deep.equal(['It left the warehouse today.']);
      expect((await ok(visitor.socket, 'message:list', { conversationId: conversation.id })).map((m: { text: string }) => m.text)).to.deep.equal([
        'Where is my parcel?',
        'It left the warehouse today.',
      ]);

      await c.button('Close').click();
      await c.button('Reopen').waitFor();
      expect(await c.page.locator('.conversation-head').textContent()).to.include('Closed');
      expect(await c.textbox('Reply').isDisabled()).to.equal(true);
      await c.button('Reopen').click();
      await c.button('Close').waitFor();

      await c.button('Transfer').click();
      await c.page.getByRole('combobox', { name: 'Transfer to' }).selectOption({ label: `${colleague.agent.fullname} (offline)` });
      await c.button('Confirm transfer').click();
      await waitUntil(async () => (await c.page.getByText(`Assigned · ${colleague.agent.fullname}`).count()) === 1, 'the new assignee shown');
      const stored = await ok(visitor.socket, 'conversation:list', {});
      expect(stored[0].assigneeId).to.equal(colleague.agent.id);
      c.expectNoErrors();
    });

    it('markup in a message or a name arrives as text, never as HTML', async () => {
      const { projectId, c } = await signedInOwner();
      const hostile = '<img src=x onerror="window.__pwned=1">';
      const script = '<script>window.__pwned=2</script>';
      const { visitor, conversation } = await visitorWith(projectId, { fullname: '<b>Bold</b> Bob' }, hostile);
      await ok(visitor.socket, 'message:send', outgoing(conversation.id, script));
      await c.tab('Queue').click();
      await c.link(startingWith('<b>Bold</b> Bob')).click();
      await c.waitForTexts([hostile, script]);
      expect(await c.page.locator('main img, main b, main script').count()).to.equal(0);
      expect(await c.page.evaluate('window.__pwned')).to.equal(undefined);
      c.expectNoErrors();
    });

    it('scrolls back through a long history page by page (beforeSeq)', async () => {
      const { projectId, c } = await signedInOwner();
      const { visitor, conversation } = await visitorWith(projectId, { fullname: 'Long Talker' }, 'm1');
      for (let i = 2; i <= 130; i++) await ok(visitor.socket, 'message:send', outgoing(conversation.id, `m${i}`));
      await c.tab('Queue').click();
      await c.link(startingWith('Long Talker')).click();
      const all = Array.from({ length: 130 }, (_, i) => `m${i + 1}`);
      await c.waitForTexts(all.slice(80));
      await c.button('Load earlier messages').click();
      await c.waitForTexts(all.slice(30));
      await c.button('Load earlier messages').click();
      await c.waitForTexts(all);
      expect(await c.button('Load earlier messages').count()).to.equal(0);
    });

    it('after a dropped connection the missed messages show once, and a reply typed meanwhile is pending, then sent once', async () => {
      const { owner, projectId, c } = await signedInOwner();
      const { visitor, conversation } = await visitorWith(projectId, { fullname: 'Nora Network' }, 'Are you there?');
      await c.tab('Queue').click();
      await c.link(startingWith('Nora Network')).click();
      await c.button('Join').click();
      await c.page.getByText('Assigned · you').waitFor();
      const heard = collect(visitor.socket, 'message:created');

      // The network goes, and the server drops the console's socket: it cannot come back yet.
      await c.context.setOffline(true);
      for (const socket of await t.app.io.of('/agent').fetchSockets()) if (socket.data.agentId === owner.agent.id) socket.disconnect(true);
      await c.page.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
      await ok(visitor.socket, 'message:send', outgoing(conversation.id, 'Hello?'));
      await ok(visitor.socket, 'message:send', outgoing(conversation.id, 'Anyone?'));
      await c.reply('Yes, I am here');
      await c.log.getByText('Sending…').waitFor();

      await c.context.setOffline(false);
      await c.waitForTexts(['Are you there?', 'Hello?', 'Anyone?', 'Yes, I am here']);
      await c.log.getByText('Sending…').waitFor({ state: 'detached' });
      await waitUntil(() => heard.length >= 1, 'the reply at the visitor');
      await sleep(500);
      expect(heard.map((m) => m.text)).to.deep.equal(['Yes, I am here']);
      const stored = await ok(visitor.socket, 'message:list', { conversationId: conversation.id });
      expect(stored.map((m: { text: string }) => m.text)).to.deep.equal(['Are you there?', 'Hello?', 'Anyone?', 'Yes, I am here']);
      c.expectNoErrors();
    });
  });
}
