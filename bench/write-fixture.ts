/**
 * What bench/batch-function.ts and bench/checkpoint-distance.ts feed the group commit's statement
 * (WRITE_SQL) with: a project's open conversations, batches of visitor messages to them, and
 * another project's history beside them, loaded as the bench's stored phase loads it.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { load } from './stored.js';

export interface WriteTarget {
  projectId: string;
  visitorId: string;
  conversations: string[];
}

/** A project with one lead, its visitor and 100 open conversations. */
export async function openConversations(k: Knex, name: string): Promise<WriteTarget> {
  const [projectId, leadId, visitorId] = [randomUUID(), randomUUID(), randomUUID()];
  await k('projects').insert({ id: projectId, name, identity_secret: randomUUID() });
  await k('leads').insert({ id: leadId, project_id: projectId });
  await k('visitors').insert({ id: visitorId, project_id: projectId, lead_id: leadId });
  const conversations = Array.from({ length: 100 }, () => randomUUID());
  await k('conversations').insert(conversations.map((id) => ({ id, project_id: projectId, lead_id: leadId })));
  return { projectId, visitorId, conversations };
}

let batches = 0;
/**
 * One batch for WRITE_SQL: `size` new visitor messages, access checked, each to another of the
 * target's conversations (the next `size` of them in turn), as the bench's chat phase sends them.
 */
export function batchBody(target: WriteTarget, size: number): string {
  const start = (batches++ * size) % target.conversations.length;
  return JSON.stringify(
    Array.from({ length: size }, (_, i) => ({
      i,
      id: randomUUID(),
      project_id: target.projectId,
      conversation_id: target.conversations[(start + i) % target.conversations.length],
      client_message_id: randomUUID(),
      sender_type: 'visitor',
      sender_id: target.visitorId,
      text: `bench message ${i}`,
      attributes: {},
      private: false,
      authorize: true,
    })),
  );
}

/** Another project's history of `total` messages (bench/stored.ts's load, which wants the project's owner). */
export async function loadHistory(k: Knex, total: number): Promise<void> {
  const [projectId, owner] = [randomUUID(), randomUUID()];
  await k('projects').insert({ id: projectId, name: 'stored', identity_secret: randomUUID() });
  await k('agents').insert({ id: owner, email: `owner-${owner}@example.test`, fullname: 'Owner', password_hash: 'x' });
  await k('project_members').insert({ project_id: projectId, agent_id: owner, role: 'owner' });
  // The loader's statements name one parameter, $1, as often as they need it; knex binds `?`s in order.
  await load((sql, params) => k.raw(sql.replace(/\$1/g, '?'), Array.from(sql.match(/\$1/g) ?? [], () => params[0] as Knex.Value)), projectId, total);
}
