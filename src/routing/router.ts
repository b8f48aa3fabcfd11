/**
 * Routing's entry points. Every trigger (a new conversation, a close, a transfer, a leave, an
 * agent coming online, more capacity) runs the same decision in its own transaction under the
 * project's routing lock, after the change that triggered it has committed; the database is
 * the only shared state, so any number of processes agree.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Deps } from '../deps.js';
import type { Conversation } from '../conversations/conversation.store.js';
import type { AgentStatus } from '../presence/presence-store.js';
import type { Notifier } from '../realtime/notifier.js';
import { drainQueue } from './drain.js';
import { placesFrom } from './queue-positions.js';
import { lockProjectRouting, markSeenOnline, oldestWaiting, routingSettings } from './routing.store.js';
import { RoutingSweeper, type LocalAgents } from './grace-sweeper.js';

/** A decision that found the queue's head locked by someone else tries again this much later. */
const RETRY_MS = 100;

export interface DecideOptions {
  /** Skip the decision if another one of the project is under way (the sweep's revisits). */
  tryOnly?: boolean;
  /** Tell every waiting conversation its place (routing just turned `auto`). */
  fromHead?: boolean;
}

export class Router {
  private stopped = false;
  private readonly running = new Set<Promise<void>>();
  private readonly seenWrites = new Set<Promise<void>>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly sweeper: RoutingSweeper;

  constructor(
    private readonly deps: Deps,
    private readonly notifier: Notifier,
    localAgents: LocalAgents,
  ) {
    this.sweeper = new RoutingSweeper(deps, notifier, this, localAgents);
  }

  /**
   * Gives waiting conversations of the project to available agents and tells waiting visitors
   * their new places. `changed`: conversations that entered or left the queue (their places and
   * those behind them are re-announced). Never throws: a failure is logged and the sweep retries.
   * Starts on the next turn of the event loop, so the command that triggered it is acked first.
   */
  route(projectId: string, changed: Pick<Conversation, 'id'>[] = [], options: DecideOptions = {}): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const ids = changed.map((c) => c.id);
    return this.track(nextTurn().then(() => this.decide(projectId, ids, options)));
  }

  /**
   * Presence said so: the agent was seen now, so its grace clock restarts (an agent who just
   * went offline, or whose dead process was just swept, gets the whole grace period from now);
   * online, it may take work.
   */
  presenceChanged(projectId: string, agentId: string, status: AgentStatus): void {
    if (this.stopped) return;
    const seen = markSeenOnline(this.deps.db.knex, [{ projectId, agentId }]).catch((err) => {
      this.deps.logger.warn({ err, projectId, agentId }, 'could not record when an agent was seen');
    });
    this.seenWrites.add(seen);
    void seen.finally(() => this.seenWrites.delete(seen));
    void this.track(seen.then(() => (status === 'online' ? this.decide(projectId, [], {}) : undefined)));
  }

  /** Resolves once every "seen now" this process has started is written (the sweep's presence check waits for it). */
  async seenWritten(): Promise<void> {
    await Promise.all([...this.seenWrites]);
  }

  start(): void {
    this.sweeper.start();
  }

  /** Stops the sweep and retries and waits for decisions under way (before the database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    await this.sweeper.stop();
    await Promise.allSettled([...this.running]);
  }

  private async decide(projectId: string, changedIds: string[], options: DecideOptions): Promise<void> {
    try {
      // A pooled project has nothing to decide and no places to tell: no lock, no transaction.
      // (Turning it to auto runs a decision of its own.)
      if ((await routingSettings(this.deps.db.knex, projectId))?.routing !== 'auto') return;
      const outcome = await this.deps.db.knex.transaction(async (trx) => {
        if (!(await lockProjectRouting(trx, projectId, options))) return null;
        const settings = await routingSettings(trx, projectId);
        if (settings?.routing !== 'auto') return null;
        const drained = await drainQueue(trx, projectId, settings, this.deps.presence);
        // Places are told while the lock is held, so a later decision's places always come after.
        const head = options.fromHead ? await oldestWaiting(trx, projectId, 1) : [];
        const places = await placesFrom(trx, projectId, [...head, ...changedIds, ...drained.assigned.map((c) => c.id)]);
        for (const p of places) this.notifier.queuePosition(p.leadId, p.conversationId, p.position);
        return drained;
      });
      if (!outcome) return;
      for (const conversation of outcome.assigned) this.notifier.conversationUpdated(conversation);
      if (outcome.again) this.retrySoon(projectId);
    } catch (err) {
      this.deps.logger.warn({ err, projectId }, 'routing decision failed; the next sweep tries again');
    }
  }

  private retrySoon(projectId: string): void {
    if (this.stopped || this.retries.has(projectId)) return;
    const timer = setTimeout(() => {
      this.retries.delete(projectId);
      void this.route(projectId);
    }, RETRY_MS);
    timer.unref();
    this.retries.set(projectId, timer);
  }

  private track(work: Promise<void>): Promise<void> {
    this.running.add(work);
    work.finally(() => this.running.delete(work)).catch(() => undefined);
    return work;
  }
}
