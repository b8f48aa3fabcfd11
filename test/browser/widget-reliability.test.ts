/**
 * The widget's reliability in a real browser (../shared/spec/ui.md): a reconnect (a network
 * drop, a lost ack, a server restart) loses and repeats nothing on screen; unacked messages show
 * as pending and are retried with their clientMessageId; missed ones come with afterSeq.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { browserTestsEnabled } from '../support/browser.js';
import { api, collect, nextEvent, ok, ownerWithProject, sleep, untilPresence } from '../support/clients.js';
import { agentSays, agentSocket, appOnPort, nextAssigned, UI_TIMEOUT_MS, waitUntil, widgetSuite, WidgetPage } from './widget-fixtures.js';

if (browserTestsEnabled()) {
  describe('widget: nothing lost, nothing repeated', function () {
    this.timeout(120_000);
    const suite = widgetSuite();
    const { projectWithAgent, openWidget } = suite;

    it('network drops: what the agent sent meanwhile is fetched once with afterSeq; what the visitor typed shows pending, then is delivered once', async () => {
      const { owner, projectId, agent } = await projectWithAgent();
      const created = nextAssigned(agent, owner.agent.id);
      const widget = await openWidget(`${suite.t.url}/demo?projectId=${projectId}`);
      await widget.startChat('Otto Offline', 'otto@example.test');
      const conversation = await created;
      const received = collect(agent, 'message:created');
      await widget.send('One');
      await waitUntil(() => received.length === 1, 'the first message');

      // A drop while the agent writes: only the catch-up after the reconnect can bring these.
      await widget.context.setOffline(true);
      await widget.page.getByText('Connection lost. Reconnecting…').waitFor({ timeout: UI_TIMEOUT_MS });
      await agentSays(agent, conversation.id, 'Two, while you were away');
      await agentSays(agent, conversation.id, 'Three');
      await sleep(300);
      await widget.waitForTexts(['One']);
      await widget.context.setOffline(false);
      await widget.waitForTexts(['One', 'Two, while you were away', 'Three']);

      // A drop while the visitor writes: shown as pending until the server has it.
      await widget.context.setOffline(true);
      await widget.page.getByText('Connection lost. Reconnecting…').waitFor({ timeout: UI_TIMEOUT_MS });
      await widget.send('Four, typed offline');
      await widget.log.getByText('Sending…').waitFor({ timeout: UI_TIMEOUT_MS });
      await widget.waitForTexts(['One', 'Two, while you were away', 'Three', 'Four, typed offline']);
      await widget.context.setOffline(false);
      await widget.log.getByText('Sending…').waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
      await waitUntil(() => received.length === 2, 'the message typed offline');
      await sleep(500); // room for a duplicate, if there were one
      expect(received.map((m) => m.text)).to.deep.equal(['One', 'Four, typed offline']);
      await widget.waitForTexts(['One', 'Two, while you were away', 'Three', 'Four, typed offline']);
    });

    it('an ack lost on the way: the message stays pending, is retried with the same clientMessageId, and is stored and shown once', async () => {
      const { owner, projectId, agent } = await projectWithAgent();
      const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const widget = new WidgetPage(page, context);
      suite.track(widget);
      // Between the page and the server: note each message:send and each message:list still unanswered, and lose the first answer to "Is anyone there?".
      const sentIds: string[] = [];
      const listsUnanswered = new Set<string>();
      let listsAsked = 0;
      let dropped = 0;
      await page.routeWebSocket(/\/socket\.io\//, (ws) => {
        const server = ws.connectToServer();
        ws.onMessage((frame) => {
          const text = String(frame);
          if (text.startsWith('42/visitor,') && text.includes('"message:send"')) sentIds.push(JSON.parse(text.slice(text.indexOf('[')))[1].clientMessageId);
          if (text.startsWith('42/visitor,') && text.includes('"message:list"')) {
            listsAsked++;
            listsUnanswered.add(text.slice('42/visitor,'.length, text.indexOf('[')));
          }
          server.send(frame);
        });
        server.onMessage((frame) => {
          const text = String(frame);
          if (text.startsWith('43/visitor,')) listsUnanswered.delete(text.slice('43/visitor,'.length, text.indexOf('[')));
          if (dropped === 0 && text.startsWith('43/visitor,') && text.includes('"text":"Is anyone there?"')) {
            dropped++;
            return;
          }
          ws.send(frame);
        });
      });
      await page.goto(`${suite.t.url}/demo?projectId=${projectId}`);
      await widget.button('Open chat').click();
      const created = nextAssigned(agent, owner.agent.id);
      await widget.startChat('Lee Lost', 'lee@example.test');
      const conversation = await created;
      const received = collect(agent, 'message:created');
      // The opening chat loads its log (the latest page, then a catch-up): a load answered after the
      // message is stored would show it stored, and rightly so, with no retry left to watch.
      await waitUntil(() => listsAsked >= 2 && listsUnanswered.size === 0, 'the chat to load its messages');

      await widget.send('Is anyone there?');
      await waitUntil(() => dropped === 1, 'the lost ack');
      await widget.log.getByText('Sending…').waitFor({ timeout: UI_TIMEOUT_MS });
      // The retry (after the attempt's timeout) carries the same clientMessageId; the server answers with the stored message.
      await widget.log.getByText('Sending…').waitFor({ state: 'detached', timeout: 30_000 });
      expect(sentIds).to.have.length(2);
      expect(sentIds[1]).to.equal(sentIds[0]);
      await widget.waitForTexts(['Is anyone there?']);
      const stored = await api(suite.t.url, 'GET', `/v1/projects/${projectId}/conversations/${conversation.id}/messages`, { token: owner.token });
      expect(stored.body.data.map((m: { text: string }) => m.text)).to.deep.equal(['Is anyone there?']);
      expect(received.map((m) => m.text)).to.deep.equal(['Is anyone there?']);
    });

    it("an agent's private note leaves a hole in the visitor's seqs: the widget fills it with afterSeq, shows the next message once, and never the note", async () => {
      const { owner, projectId, agent } = await projectWithAgent();
      const created = nextAssigned(agent, owner.agent.id);
      const widget = await openWidget(`${suite.t.url}/demo?projectId=${projectId}`);
      await widget.startChat('Hal Hole', 'hal@example.test');
      const conversation = await created;
      const arrived = nextEvent(agent, 'message:created', (m) => m.conversationId === conversation.id, UI_TIMEOUT_MS);
      await widget.send('Hello');
      await arrived;
      await ok(agent, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: 'Internal: a VIP customer', private: true });
      const reply = await agentSays(agent, conversation.id, 'Hi Hal!');
      expect(reply.seq).to.equal(3);
      await widget.waitForTexts(['Hello', 'Hi Hal!']);
      await agentSays(agent, conversation.id, 'Anything else?');
      await widget.waitForTexts(['Hello', 'Hi Hal!', 'Anything else?']);
      await sleep(500); // room for a duplicate, if there were one
      await widget.waitForTexts(['Hello', 'Hi Hal!', 'Anything else?']);
    });

    it('after the server restarts mid-conversation, the message typed meanwhile arrives exactly once and nothing repeats', async () => {
      let app: Awaited<ReturnType<typeof appOnPort>> | null = await appOnPort(0);
      const port = app.port;
      let agent: Socket | undefined;
      try {
        const { owner, projectId } = await ownerWithProject(app.url);
        agent = await agentSocket(app.url, owner.token, projectId);
        await untilPresence(app.url, owner.token, projectId, owner.agent.id, 'online', UI_TIMEOUT_MS);
        const created = nextAssigned(agent, owner.agent.id);
        const widget = await openWidget(`${app.url}/demo?projectId=${projectId}`);
        await widget.startChat('Rita Restart', 'rita@example.test');
        const conversation = await created;
        const received = collect(agent, 'message:created');
        await widget.send('Before the restart');
        await waitUntil(() => received.length === 1, 'the first message');
        await agentSays(agent, conversation.id, 'Got it');
        await widget.waitForTexts(['Before the restart', 'Got it']);

        // The server goes away; the visitor writes anyway: the message waits, shown as pending.
        await app.close();
        app = null;
        await widget.page.getByText('Connection lost. Reconnecting…').waitFor({ timeout: UI_TIMEOUT_MS });
        await widget.send('Written while the server was down');
        await widget.log.getByText('Sending…').waitFor({ timeout: UI_TIMEOUT_MS });

        // A new server on the same port and database: both ends come back by themselves.
        app = await appOnPort(port);
        await widget.log.getByText('Sending…').waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
        await widget.waitForTexts(['Before the restart', 'Got it', 'Written while the server was down']);
        await waitUntil(() => agent!.connected, 'the agent back');
        const stored = await api(app.url, 'GET', `/v1/projects/${projectId}/conversations/${conversation.id}/messages`, { token: owner.token });
        expect(stored.body.data.map((m: { text: string }) => m.text)).to.deep.equal(['Before the restart', 'Got it', 'Written while the server was down']);
        // Live to the agent at most once (its socket may have come back after the widget's).
        expect(received.filter((m) => m.text === 'Written while the server was down').length).to.be.at.most(1);

        // Both connected again: the next message arrives live, exactly once, and the answer shows once.
        await widget.send('And one after the restart');
        await waitUntil(() => received.some((m) => m.text === 'And one after the restart'), 'the message after the restart');
        await agentSays(agent, conversation.id, 'Welcome back');
        await widget.waitForTexts(['Before the restart', 'Got it', 'Written while the server was down', 'And one after the restart', 'Welcome back']);
        await sleep(500);
        expect(received.filter((m) => m.text === 'And one after the restart')).to.have.length(1);
        await widget.waitForTexts(['Before the restart', 'Got it', 'Written while the server was down', 'And one after the restart', 'Welcome back']);
      } finally {
        agent?.disconnect();
        await app?.close();
      }
    });
  });
}
