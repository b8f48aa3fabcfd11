/** A Socket.IO packet over 1 MB closes that socket; the process and every other socket live on. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { nextEvent, ok, ownerWithProject } from '../support/clients.js';

describe('packet size limit', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('closes only the socket that sent a packet over 1 MB', async () => {
    const { projectId } = await ownerWithProject(t.url);
    const big = await t.connectVisitor(projectId);
    const bystander = await t.connectVisitor(projectId);

    const closed = nextEvent(big.socket, 'disconnect');
    big.socket.emit('lead:update', { attributes: { blob: 'x'.repeat(1_100_000) } }, () => {});
    expect(await closed).to.be.oneOf(['transport close', 'transport error']);

    // The server and the other visitor carry on.
    const lead = await ok(bystander.socket, 'lead:update', { fullname: 'Still here' });
    expect(lead.fullname).to.equal('Still here');
    const again = await t.connectVisitor(projectId, { token: big.session.token });
    expect(again.session.visitorId).to.equal(big.session.visitorId);
  });
});
