/**
 * Places in a project's queue: its `unassigned` conversations by creation (1 = next). A change
 * at some place moves only the conversations behind it, so only those are told.
 */
import type { Db } from '../db/executor.js';

/** Only the head of a long queue is told of every move; further back, a visitor hears once it gets this close. */
export const ANNOUNCED_PLACES = 100;

export interface QueuePlace {
  conversationId: string;
  leadId: string;
  position: number;
}

/**
 * The places of the waiting conversations at or behind the earliest of `changedIds` (among
 * the first ANNOUNCED_PLACES), plus that earliest one's own place if it waits further back.
 */
export async function placesFrom(db: Db, projectId: string, changedIds: string[]): Promise<QueuePlace[]> {
  if (changedIds.length === 0) return [];
  const { rows } = await db.raw(
    `with since as (
       select created_at, id from conversations where project_id = ? and id in (${listOf(changedIds)}) order by created_at, id limit 1
     ), head as (
       select id, lead_id, created_at, row_number() over (order by created_at, id) as position
       from conversations where project_id = ? and status = 'unassigned'
       order by created_at, id limit ?
     )
     select head.id, head.lead_id, head.position from head, since
     where (head.created_at, head.id) >= (since.created_at, since.id)
     order by head.position`,
    [projectId, ...changedIds, projectId, ANNOUNCED_PLACES],
  );
  const places: QueuePlace[] = (rows as { id: string; lead_id: string; position: number | string }[]).map((r) => ({
    conversationId: r.id,
    leadId: r.lead_id,
    position: Number(r.position),
  }));
  if (places.length < ANNOUNCED_PLACES) return places;
  // A queue longer than the announced head: a newcomer at its back still learns its place.
  return [...places, ...(await farPlaces(db, projectId, changedIds))];
}

/** One `?` per value: the ids bind one by one into an `in (…)` list. */
const listOf = (values: unknown[]) => values.map(() => '?').join(', ');

async function farPlaces(db: Db, projectId: string, ids: string[]): Promise<QueuePlace[]> {
  const { rows } = await db.raw(
    `select c.id, c.lead_id,
       (select count(*) from conversations w where w.project_id = c.project_id and w.status = 'unassigned'
          and (w.created_at, w.id) <= (c.created_at, c.id)) as position
     from conversations c where c.project_id = ? and c.id in (${listOf(ids)}) and c.status = 'unassigned'`,
    [projectId, ...ids],
  );
  return (rows as { id: string; lead_id: string; position: number | string }[])
    .map((r) => ({ conversationId: r.id, leadId: r.lead_id, position: Number(r.position) }))
    .filter((p) => p.position > ANNOUNCED_PLACES);
}
