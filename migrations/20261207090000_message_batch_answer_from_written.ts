/**
 * pingstreams_write_messages again, answering from what it wrote instead of reading it back:
 * - The insert returns nothing. A created message's answer (id, seq, created_at) and its outbox
 *   event come from the numbered row and now() (created_at's default, the transaction's
 *   timestamp), so no tuplestore of inserted rows, no union with the stored ones, no hash join on
 *   (conversation_id, client_message_id) to find them again.
 * - A retry's stored row is read by its primary key, only for the rows that are retries.
 * - The conversation's first_text is looked up only while it is null (COALESCE), not aggregated
 *   with a sort per conversation in every batch.
 * Same answers, same rows written, same locks in the same order (test/conversations/*). A few
 * percent less per message (`npx tsx bench/batch-function.ts`, 8 alternated rounds of 150 batches
 * of 43: median 127.0 against 130.7 µs on PGlite, 82.2 against 85.3 µs of backend CPU on
 * PostgreSQL; docs/performance.md, fourteenth round).
 * The function keeps `enable_seqscan = off` (20261204090000), stated here because CREATE OR
 * REPLACE resets what it does not state.
 * Frozen snapshot: never import from src/; change it with a new migration.
 */
import type { Knex } from 'knex';

export const WRITE_MESSAGES_FUNCTION = `
create or replace function pingstreams_write_messages(batch jsonb)
returns table (
  i int, outcome text,
  id uuid, conversation_id uuid, seq int, client_message_id text, sender_type text, sender_id text,
  text text, attributes jsonb, private boolean, created_at timestamptz,
  project_id uuid, lead_id uuid, assignee_id uuid, participants text[], webhooks boolean
)
language plpgsql volatile
set enable_seqscan = off
as $fn$
#variable_conflict use_column
begin
  -- 1. Lock the conversations in id order: two processes' batches never deadlock. A statement
  --    of its own, so that the next one's snapshot sees whatever the lock waited for.
  --    (= any(array(…)): an index lookup per id, whatever the statistics say.)
  perform 1 from conversations c
   where c.id = any (array(select distinct (e->>'conversation_id')::uuid from jsonb_array_elements(batch) e))
   order by c.id
     for update;

  -- 2. Decide each message under those locks, insert, bump, write the outbox, answer.
  return query
  with input as (
    select * from jsonb_to_recordset(batch) as x(
      i int, id uuid, project_id uuid, conversation_id uuid, client_message_id text,
      sender_type text, sender_id text, text text, attributes jsonb, private boolean, authorize boolean)
  ), conv as (
    select c.id, c.project_id, c.lead_id, c.status, c.assignee_id, c.last_seq,
           array(select p.agent_id::text from conversation_participants p where p.conversation_id = c.id) as participants,
           exists (select 1 from webhooks w
                    where w.project_id = c.project_id and w.active
                      and w.events && array['message.created', 'message.created.private']) as message_webhooks
      from conversations c
     where c.id = any (array(select distinct x.conversation_id from input x))
  ), checked as (
    -- The lookups are LATERAL with LIMIT 1 (an optimization fence): an index probe per message,
    -- never a hash of a whole table, whatever its size or statistics.
    select x.*, c.status, c.participants, c.message_webhooks,
           case
             when c.id is null or c.project_id <> x.project_id then 'not_found'
             -- A visitor writes only in its own lead's conversations.
             when x.authorize and x.sender_type = 'visitor'
                  and (v.lead_id is null or v.project_id <> x.project_id or v.lead_id <> c.lead_id) then 'not_found'
             -- An agent as assignee, participant, owner or admin.
             when x.authorize and x.sender_type = 'agent'
                  and c.assignee_id is distinct from x.sender_id::uuid
                  and not (x.sender_id = any(c.participants))
                  and coalesce(m.role not in ('owner', 'admin'), true) then 'forbidden'
           end as refusal,
           s.id as stored_id
      from input x
      left join conv c on c.id = x.conversation_id
      left join lateral (
        select v.project_id, v.lead_id from visitors v
         where x.sender_type = 'visitor' and x.authorize and v.id = x.sender_id::uuid limit 1
      ) v on true
      left join lateral (
        select m.role from project_members m
         where x.sender_type = 'agent' and x.authorize and m.project_id = x.project_id and m.agent_id = x.sender_id::uuid limit 1
      ) m on true
      -- A retry: one probe of the (conversation_id, client_message_id) index per message.
      left join lateral (
        select m.id from messages m
         where m.conversation_id = x.conversation_id and m.client_message_id = x.client_message_id limit 1
      ) s on true
  ), decided as (
    select ch.*,
           case
             when ch.refusal is not null then ch.refusal
             when ch.stored_id is not null then 'stored'
             when ch.status = 'closed' then 'closed'
             -- The first of several identical sends in one batch is created, the others repeat it.
             when row_number() over (partition by ch.conversation_id, ch.client_message_id,
                                     (ch.refusal is null and ch.stored_id is null and ch.status <> 'closed')
                                     order by ch.i) = 1 then 'created'
             else 'repeated'
           end as outcome
      from checked ch
  ), numbered as (
    select d.*, c.last_seq + (row_number() over (partition by d.conversation_id order by d.i))::int as new_seq
      from decided d join conv c on c.id = d.conversation_id
     where d.outcome = 'created'
  ), inserted as (
    insert into messages (id, conversation_id, seq, client_message_id, sender_type, sender_id, text, attributes, private)
    select n.id, n.conversation_id, n.new_seq, n.client_message_id, n.sender_type, n.sender_id, n.text,
           coalesce(n.attributes, '{}'::jsonb), n.private
      from numbered n
  ), bumped as (
    -- first_text: the first message that is not private, looked up only while the conversation
    -- has none (COALESCE evaluates its second argument only then), not aggregated every time.
    update conversations c
       set last_seq = v.last_seq,
           first_text = coalesce(c.first_text,
             (select n.text from numbered n where n.conversation_id = c.id and not n.private order by n.i limit 1)),
           updated_at = now()
      from (select n.conversation_id, max(n.new_seq) as last_seq from numbered n group by n.conversation_id) v
     where c.id = v.conversation_id
       and c.id = any (array(select distinct n.conversation_id from numbered n))
  ), outboxed as (
    -- Webhooks: message events, in the order the messages were numbered, only where a webhook
    -- listens (an event nobody can receive was most of PostgreSQL's work per message). The
    -- payload is the public Message shape (src/conversations/message.store.ts toMessage), built
    -- from what was inserted: the numbered row, and now() (the created_at default, the
    -- transaction's timestamp). No webhook, no work.
    insert into outbox_events (id, project_id, type, subject_key, payload)
    select gen_random_uuid(), n.project_id,
           case when n.private then 'message.created.private' else 'message.created' end,
           'conversation:' || n.conversation_id,
           jsonb_build_object(
             'id', n.id, 'conversationId', n.conversation_id, 'seq', n.new_seq, 'clientMessageId', n.client_message_id,
             'sender', jsonb_build_object('type', n.sender_type, 'id', n.sender_id),
             'text', n.text, 'attributes', coalesce(n.attributes, '{}'::jsonb), 'private', n.private,
             'createdAt', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
      from numbered n
     where n.message_webhooks
     order by n.i
  )
  -- The answer, one row per message. A created message's sender, text, attributes and private
  -- are what the caller sent: only what the database decided comes back for it (id, seq,
  -- created_at, which is now(), the column's default). A repeat of it in the same batch gets the
  -- numbered row; a retry of a stored message gets the stored row, by its primary key.
  select d.i, case when d.outcome = 'repeated' then 'stored' else d.outcome end,
         coalesce(n.id, s.id),
         case when coalesce(n.id, s.id) is not null then d.conversation_id end,
         coalesce(n.new_seq, s.seq),
         case when coalesce(n.id, s.id) is not null then d.client_message_id end,
         case when d.outcome = 'repeated' then n.sender_type else s.sender_type end,
         case when d.outcome = 'repeated' then n.sender_id else s.sender_id end,
         case when d.outcome = 'repeated' then n.text else s.text end,
         case when d.outcome = 'repeated' then coalesce(n.attributes, '{}'::jsonb) else s.attributes end,
         case when d.outcome = 'repeated' then n.private else s.private end,
         case when n.id is not null then now() else s.created_at end,
         c.project_id, c.lead_id, c.assignee_id, c.participants, coalesce(c.message_webhooks, false)
    from decided d
    left join conv c on c.id = d.conversation_id
    left join numbered n
      on d.outcome in ('created', 'repeated')
     and n.conversation_id = d.conversation_id and n.client_message_id = d.client_message_id
    left join lateral (
      select s.id, s.seq, s.sender_type, s.sender_id, s.text, s.attributes, s.private, s.created_at
        from messages s where d.outcome = 'stored' and s.id = d.stored_id limit 1
    ) s on true
   order by d.i;
end
$fn$;
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(WRITE_MESSAGES_FUNCTION);
}

export async function down(knex: Knex): Promise<void> {
  // Back to 20261205090000's body (its up states the setting too).
  const previous = await import('./20261205090000_message_batch_outbox_lateral.js');
  await previous.up(knex);
}
