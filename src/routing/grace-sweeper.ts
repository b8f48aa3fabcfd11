/**
 * Routing's heartbeat, on every process: it vouches for the agents connected to it, returns the
 * conversations of agents gone longer than the grace period to the queue, and re-decides the
 * queues of its agents' projects, so that a trigger lost to a crash or a busy row heals by itself.
 * Several processes sweeping at once is safe: every change happens under the routing lock.
 */
import type { Deps } from '../deps.js';
import type { Notifier } from '../realtime/notifier.js';
import { goneAssignees, requeueConversationsOf, type MemberRef } from './abandoned.js';
import { markSeenOnline } from './routing.store.js';
import type { Router } from './router.js';

/** The agents whose sockets this process holds (one entry per socket is fine). */
export type LocalAgents = () => Iterable<MemberRef>;

/** A few sweeps per grace period, at least every 5 s, at most every 250 ms. */
export const sweepIntervalMs = (graceSeconds: number) => Math.min(5_000, Math.max(250, (graceSeconds * 1_000) / 4));

/** Gone agents handled per sweep; more wait for the next one. */
const GONE_PER_SWEEP = 20;
/** Rows per statement when vouching for many agents at once. */
const CHUNK = 500;

export class RoutingSweeper {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly notifier: Notifier,
    private readonly router: Router,
    private readonly localAgents: LocalAgents,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), sweepIntervalMs(this.deps.config.routingGraceSeconds));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.current;
  }

  private tick(): void {
    if (this.current) return;
    this.current = this.sweep()
      .catch((err) => this.deps.logger.warn({ err }, 'routing sweep failed; the next one tries again'))
      .finally(() => (this.current = null));
  }

  private async sweep(): Promise<void> {
    const local = distinct([...this.localAgents()]);
    for (let i = 0; i < local.length; i += CHUNK) await markSeenOnline(this.deps.db.knex, local.slice(i, i + CHUNK));
    await this.requeueGone();
    await this.revisitQueues([...new Set(local.map((m) => m.projectId))]);
  }

  /** The database says the grace period ran out; presence must agree the agent is offline. */
  private async requeueGone(): Promise<void> {
    const { knex } = this.deps.db;
    const grace = this.deps.config.routingGraceSeconds;
    const byProject = new Map<string, MemberRef[]>();
    for (const m of await goneAssignees(knex, grace, GONE_PER_SWEEP)) byProject.set(m.projectId, [...(byProject.get(m.projectId) ?? []), m]);
    for (const [projectId, members] of byProject) {
      const statuses = await this.deps.presence.statuses(projectId, members.map((m) => m.agentId));
      // Presence may have just taken an agent offline here (a dead process swept): its clock
      // restarts with that, so let that write land before the grace period is checked again.
      await this.router.seenWritten();
      for (const member of members) {
        // Connected after all (its process could not write in time): its clock restarts.
        if (statuses.get(member.agentId) !== 'offline') {
          await markSeenOnline(knex, [member]);
          continue;
        }
        const requeued = await requeueConversationsOf(knex, member, grace);
        if (requeued.length === 0) continue;
        for (const conversation of requeued) this.notifier.conversationUpdated(conversation);
        await this.router.route(projectId, requeued);
      }
    }
  }

  /** Projects of this process's agents with someone waiting: decide again, unless another decision is under way. */
  private async revisitQueues(projectIds: string[]): Promise<void> {
    const { knex } = this.deps.db;
    for (let i = 0; i < projectIds.length; i += CHUNK) {
      const rows: { id: string }[] = await knex('projects as p')
        .whereIn('p.id', projectIds.slice(i, i + CHUNK))
        .where('p.routing', 'auto')
        .whereExists(knex('conversations as c').whereRaw('c.project_id = p.id').where('c.status', 'unassigned').select(knex.raw('1')))
        .select('p.id');
      for (const row of rows) await this.router.route(row.id, [], { tryOnly: true });
    }
  }
}

function distinct(members: MemberRef[]): MemberRef[] {
  const seen = new Map(members.map((m) => [`${m.projectId}|${m.agentId}`, { projectId: m.projectId, agentId: m.agentId }]));
  return [...seen.values()];
}
