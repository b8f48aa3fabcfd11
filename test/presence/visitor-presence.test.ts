/**
 * Visitor presence: agents hear `visitor:presence` when a lead's first visitor socket connects and
 * when its last one leaves — tabs are one presence, a lead created later comes online then, a merge
 * moves sockets — in one process and across processes on Redis (a process killed without goodbye
 * included). `GET …/leads/:id` carries `online` and `lastSeenAt` (written at arrival and at leaving).
 */
import { expect } from 'chai';
import { io, type Socket } from 'socket.io-client';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, collect, ok, ownerWithProject, sleep } from '../support/clients.js';
import { EVENT_TIMEOUT_MS, expectNothing, until } from '../support/chat-fixtures.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { usingPostgres, usingRedis } from '../support/test-config.js';

type Presence = { leadId: string; visitorId: string; online: boolean };

const leadNow = async (url: string, token: string, projectId: string, leadId: string) => {
  const res = await api(url, 'GET', `/v1/projects/${projectId}/leads/${leadId}`, { token });
  expect(res.status).to.equal(200);
  return res.body as { online: boolean; lastSeenAt: string | null };
};

/**
 * What the console heard about `leadId`, an announcement repeated right after itself counted once
 * (with Redis, a transition close behind another is said again once things settle).
 */
function changesOf(heard: Presence[], leadId: string): Presence[] {
  const events = heard.filter((e) => e.leadId === leadId);
  return events.filter((e, i) => i === 0 || JSON.stringify(e) !== JSON.stringify(events[i - 1]));
}

/** Waits until the console heard `count` changes of `leadId` (they may come before the test knows the lead's id); returns them. */
async function about(heard: Presence[], leadId: string, count: number): Promise<Presence[]> {
  await until(() => changesOf(heard, leadId).length >= count, `${count} visitor:presence of lead ${leadId}`);
  return changesOf(heard, leadId);
}

/** Polls the lead until `lastSeenAt` is later than `than` (it is written right after the announcement); returns it. */
async function lastSeenAfter(url: string, token: string, projectId: string, leadId: string, than: string | null): Promise<string> {
  const deadline = Date.now() + EVENT_TIMEOUT_MS;
  for (;;) {
    const { lastSeenAt } = await leadNow(url, token, projectId, leadId);
    if (lastSeenAt && (than === null || new Date(lastSeenAt).getTime() > new Date(than).getTime())) return lastSeenAt;
    if (Date.now() > deadline) throw new Error(`lastSeenAt stayed ${lastSeenAt}, not after ${than}`);
    await sleep(50);
  }
}

/** Ends a client socket and resolves once the client saw it close. */
const closeTab = (socket: Socket) => socket.disconnect();

/** An owner's project with the owner's console open on `consoleOn` (another app than the visitor's, across processes). */
async function projectWithConsole(consoleOn: TestApp) {
  const { owner, projectId } = await ownerWithProject(consoleOn.url);
  const console = await consoleOn.connectAgent(owner.token, projectId);
  return { owner, projectId, console, heard: collect<Presence>(console, 'visitor:presence') };
}

function describePresence(title: string, apps: () => { visitorsOn: TestApp; consoleOn: TestApp }) {
  describe(title, () => {
    it('a lead comes online with its first socket (when the lead is created) and goes offline with its last; tabs are one presence', async () => {
      const { visitorsOn, consoleOn } = apps();
      const { owner, projectId, heard } = await projectWithConsole(consoleOn);
      const elsewhere = await projectWithConsole(consoleOn);

      // Connecting without a lead is nobody's presence yet; the lead created by the pre-chat form is.
      const tab1 = await visitorsOn.connectVisitor(projectId);
      const visitorId = tab1.session.visitorId;
      await sleep(300);
      expect(heard).to.deep.equal([]);
      const lead = await ok(tab1.socket, 'lead:update', { fullname: 'Paula Present' });
      const leadId = lead.id;
      expect(await about(heard, leadId, 1)).to.deep.equal([{ leadId, visitorId, online: true }]);
      expect((await leadNow(consoleOn.url, owner.token, projectId, leadId)).online).to.equal(true);
      const arrivedAt = await lastSeenAfter(consoleOn.url, owner.token, projectId, leadId, null);

      // A second tab, then the first one closing: still one presence, nothing said.
      const tab2 = await visitorsOn.connectVisitor(projectId, { token: tab1.session.token });
      closeTab(tab1.socket);
      await sleep(800);
      expect(await about(heard, leadId, 1)).to.have.length(1);
      expect((await leadNow(consoleOn.url, owner.token, projectId, leadId)).online).to.equal(true);

      // The last tab leaves: offline, and lastSeenAt is the moment it left.
      closeTab(tab2.socket);
      expect((await about(heard, leadId, 2))[1]).to.deep.equal({ leadId, visitorId, online: false });
      expect((await leadNow(consoleOn.url, owner.token, projectId, leadId)).online).to.equal(false);
      await lastSeenAfter(consoleOn.url, owner.token, projectId, leadId, arrivedAt);

      // Back with its token: the lead exists at the handshake, so it is online at once.
      const tab3 = await visitorsOn.connectVisitor(projectId, { token: tab1.session.token });
      expect((await about(heard, leadId, 3))[2]).to.deep.equal({ leadId, visitorId, online: true });
      closeTab(tab3.socket);
      await about(heard, leadId, 4);
      await sleep(300);
      expect(changesOf(heard, leadId).map((e) => e.online)).to.deep.equal([true, false, true, false]);
      expect(heard.filter((e) => e.leadId !== leadId)).to.deep.equal([]);
      // Another project's console heard none of it.
      expect(elsewhere.heard).to.deep.equal([]);
    });

    it('a visitor whose lead is created by conversation:start comes online then, with every tab it has', async () => {
      const { visitorsOn, consoleOn } = apps();
      const { projectId, console, heard } = await projectWithConsole(consoleOn);
      const tab1 = await visitorsOn.connectVisitor(projectId);
      const tab2 = await visitorsOn.connectVisitor(projectId, { token: tab1.session.token });
      await expectNothing([console], 'visitor:presence').quiet();

      const conversation = await ok(tab2.socket, 'conversation:start', { text: 'hi' });
      const leadId = conversation.leadId;
      expect(await about(heard, leadId, 1)).to.deep.equal([{ leadId, visitorId: tab1.session.visitorId, online: true }]);

      // Both tabs joined the new lead: the one that did not start the conversation keeps it online.
      closeTab(tab2.socket);
      await sleep(800);
      expect(changesOf(heard, leadId)).to.have.length(1);
      closeTab(tab1.socket);
      expect((await about(heard, leadId, 2)).map((e) => e.online)).to.deep.equal([true, false]);
    });

    it('a merge moves the source’s sockets: the target comes online (if it was not), the source goes offline', async () => {
      const { visitorsOn, consoleOn } = apps();
      const { owner, projectId, heard } = await projectWithConsole(consoleOn);
      const a = await visitorsOn.connectVisitor(projectId);
      const sourceLead = await ok(a.socket, 'lead:update', { fullname: 'Source Sam' });
      const target = await api(consoleOn.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { fullname: 'Target Tina' } });
      expect(target.status).to.equal(201);
      const targetId: string = target.body.id;
      await about(heard, sourceLead.id, 1);

      const merge = (sourceLeadId: string) =>
        api(consoleOn.url, 'POST', `/v1/projects/${projectId}/leads/${targetId}/merge`, { token: owner.token, body: { sourceLeadId } });
      expect((await merge(sourceLead.id)).status).to.equal(200);
      expect(await about(heard, targetId, 1)).to.deep.equal([{ leadId: targetId, visitorId: a.session.visitorId, online: true }]);
      expect(await about(heard, sourceLead.id, 2)).to.deep.equal([
        { leadId: sourceLead.id, visitorId: a.session.visitorId, online: true },
        { leadId: sourceLead.id, visitorId: a.session.visitorId, online: false },
      ]);
      expect((await leadNow(consoleOn.url, owner.token, projectId, targetId)).online).to.equal(true);

      // A second lead, online, merged into the online target: only its own offline is heard, and
      // the target has two visitors now, online until both have gone.
      const b = await visitorsOn.connectVisitor(projectId);
      const secondLead = await ok(b.socket, 'lead:update', { fullname: 'Second Sid' });
      await about(heard, secondLead.id, 1);
      expect((await merge(secondLead.id)).status).to.equal(200);
      expect((await about(heard, secondLead.id, 2)).map((e) => e.online)).to.deep.equal([true, false]);
      closeTab(a.socket);
      await sleep(800);
      expect(await about(heard, targetId, 1)).to.have.length(1);
      expect((await leadNow(consoleOn.url, owner.token, projectId, targetId)).online).to.equal(true);
      closeTab(b.socket);
      expect((await about(heard, targetId, 2))[1]).to.deep.equal({ leadId: targetId, visitorId: b.session.visitorId, online: false });
    });
  });
}

describe('visitor presence', () => {
  let t1: TestApp;
  let t2: TestApp | null = null;
  before(async () => {
    t1 = await startApp();
    if (usingRedis()) t2 = await startApp();
  });
  after(async () => {
    await t1.close();
    await t2?.close();
  });

  describePresence('in one process', () => ({ visitorsOn: t1, consoleOn: t1 }));

  if (usingRedis()) {
    // A visitor's sockets on app 1, the agents' console on app 2: every event crosses Redis.
    describePresence('across two processes (Redis)', () => ({ visitorsOn: t1, consoleOn: t2! }));

    it('two tabs on two processes are one presence; a lead created on one brings the other tab along', async () => {
      const { owner, projectId, heard } = await projectWithConsole(t2!);
      const tabOn1 = await t1.connectVisitor(projectId);
      const tabOn2 = await t2!.connectVisitor(projectId, { token: tabOn1.session.token });
      const lead = await ok(tabOn1.socket, 'lead:update', { fullname: 'Two Tabs' });
      await about(heard, lead.id, 1);

      // The tab on process 1 (where the lead was made) closes; the one on process 2 keeps the lead online.
      closeTab(tabOn1.socket);
      await sleep(1_000);
      expect(changesOf(heard, lead.id).map((e) => e.online)).to.deep.equal([true]);
      expect((await leadNow(t1.url, owner.token, projectId, lead.id)).online).to.equal(true);
      closeTab(tabOn2.socket);
      expect((await about(heard, lead.id, 2))[1]).to.deep.equal({ leadId: lead.id, visitorId: tabOn1.session.visitorId, online: false });
      expect((await leadNow(t1.url, owner.token, projectId, lead.id)).online).to.equal(false);
    });

    it('a tab closing on one process as another opens on the other never leaves the lead shown offline', async function () {
      this.timeout(60_000);
      const { owner, projectId, heard } = await projectWithConsole(t2!);
      let current = await t1.connectVisitor(projectId);
      const lead = await ok(current.socket, 'lead:update', { fullname: 'Hopping Hana' });
      await about(heard, lead.id, 1);
      for (const next of [t2!, t1, t2!, t1]) {
        // No pause between the new tab's arrival and the old one's leaving: they race.
        const opened = await next.connectVisitor(projectId, { token: current.session.token });
        closeTab(current.socket);
        current = opened;
        // Past any re-announcement of a transition that followed another closely.
        await sleep(2_000);
        const events = heard.filter((e) => e.leadId === lead.id);
        expect(events.at(-1), JSON.stringify(events)).to.include({ online: true });
        expect((await leadNow(t1.url, owner.token, projectId, lead.id)).online).to.equal(true);
      }
      closeTab(current.socket);
      await until(() => heard.at(-1)?.online === false, 'the lead offline');
    });

    // The child process must share the database with the test apps: only on a PostgreSQL server.
    if (usingPostgres()) {
      describe('a process that dies without goodbye', () => {
        let child: ServerProcess | null = null;
        let tab: Socket | null = null;
        after(async () => {
          tab?.disconnect();
          if (child && child.child.exitCode === null && child.child.signalCode === null) await child.kill();
        });

        it('has its visitors’ leads shown offline within PRESENCE_TTL_SECONDS', async function () {
          this.timeout(90_000);
          const { owner, projectId, heard } = await projectWithConsole(t2!);
          const first = await t1.connectVisitor(projectId);
          const lead = await ok(first.socket, 'lead:update', { fullname: 'Killed Kim' });
          await about(heard, lead.id, 1);
          child = await spawnServer({ PORT: '0', PRESENCE_TTL_SECONDS: '3', LOG_LEVEL: 'info' });
          tab = io(`${child.url}/visitor`, { auth: { projectId, token: first.session.token }, transports: ['websocket'], forceNew: true, reconnection: false });
          await new Promise((resolve) => tab!.once('session', resolve));
          // Once the child has counted its socket in, the lead's only socket is the one on the child.
          await sleep(500);
          closeTab(first.socket);
          await sleep(1_000);
          expect((await leadNow(t2!.url, owner.token, projectId, lead.id)).online).to.equal(true);
          expect(changesOf(heard, lead.id)).to.have.length(1);
          const killedAt = Date.now();
          await child.kill();
          expect((await about(heard, lead.id, 2))[1]).to.deep.equal({ leadId: lead.id, visitorId: first.session.visitorId, online: false });
          // Within the TTL (3 s), with room for a loaded machine.
          expect(Date.now() - killedAt).to.be.below(6_000);
          await lastSeenAfter(t2!.url, owner.token, projectId, lead.id, new Date(killedAt).toISOString());
        });
      });
    }
  }
});
