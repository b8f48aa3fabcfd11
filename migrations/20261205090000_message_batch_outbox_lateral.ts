/**
 * pingstreams_write_messages again, with one change: the outbox step no longer pairs every
 * inserted message with every numbered one. Its generic plan (CTE estimates of one row each) ran
 * `inserted` × `numbered` as a nested loop, filtering message_webhooks 2,500 times for a batch of
 * 50 messages even when no project had a webhook (≈ 0.2 ms of a 2.8 ms statement, growing with
 * the square of the batch). Now the messages of projects with a webhook drive it, each finding its
 * inserted row. The function keeps `enable_seqscan = off` (20261204090000), stated here because
 * CREATE OR REPLACE resets what it does not state. Everything else is 20261203090000's, verbatim.
 * Frozen snapshot: never import from src/; change it with a new migration.
 */
import type { Knex } from 'knex';

const WRITE_MESSAGES_FUNCTION = `
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
    returning messages.id, messages.conversation_id, messages.seq, messages.client_message_id, messages.sender_type,
              messages.sender_id, messages.text, messages.attributes, messages.private, messages.created_at
  ), bumped as (
    update conversations c
       set last_seq = v.last_seq,
           first_text = coalesce(c.first_text, v.first_text),
           updated_at = now()
      from (select n.conversation_id, max(n.new_seq) as last_seq,
                   (array_agg(n.text order by n.i) filter (where not n.private))[1] as first_text
              from numbered n group by n.conversation_id) v
     where c.id = v.conversation_id
       and c.id = any (array(select distinct n.conversation_id from numbered n))
  ), outboxed as (
    -- Webhooks: message events, in the order the messages were numbered, only where a webhook
    -- listens (an event nobody can receive was most of PostgreSQL's work per message). The
    -- payload is the public Message shape (src/conversations/message.store.ts toMessage).
    -- Driven by the numbered messages of projects with a webhook (LATERAL: they are the outer
    -- side whatever the estimates), each finding its inserted row: no webhook, no work.
    insert into outbox_events (id, project_id, type, subject_key, payload)
    select gen_random_uuid(), n.project_id,
           case when m.private then 'message.created.private' else 'message.created' end,
           'conversation:' || m.conversation_id,
           jsonb_build_object(
             'id', m.id, 'conversationId', m.conversation_id, 'seq', m.seq, 'clientMessageId', m.client_message_id,
             'sender', jsonb_build_object('type', m.sender_type, 'id', m.sender_id),
             'text', m.text, 'attributes', m.attributes, 'private', m.private,
             'createdAt', to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
      from (select * from numbered where message_webhooks) n
      cross join lateral (select * from inserted i where i.id = n.id) m
     order by n.i
  ), answered as (
    -- The rows the batch answers with: those just inserted, and the retries' stored ones; both
    -- found by (conversation_id, client_message_id) in one hash join below.
    select m.conversation_id, m.client_message_id, m.id, m.seq, m.created_at, m.sender_type, m.sender_id, m.text, m.attributes, m.private
      from inserted m
    union all
    select s.conversation_id, s.client_message_id, s.id, s.seq, s.created_at, s.sender_type, s.sender_id, s.text, s.attributes, s.private
      from messages s
     where s.id = any (array(select d.stored_id from decided d where d.outcome = 'stored'))
  )
  -- A created message's sender, text, attributes and private are what the caller sent: only
  -- what the database decided comes back for it (id, seq, created_at); a retry gets the stored row.
  select d.i, case when d.outcome = 'repeated' then 'stored' else d.outcome end,
         r.id, r.conversation_id, r.seq, r.client_message_id,
         case when d.outcome <> 'created' then r.sender_type end,
         case when d.outcome <> 'created' then r.sender_id end,
         case when d.outcome <> 'created' then r.text end,
         case when d.outcome <> 'created' then r.attributes end,
         case when d.outcome <> 'created' then r.private end,
         r.created_at,
         c.project_id, c.lead_id, c.assignee_id, c.participants, coalesce(c.message_webhooks, false)
    from decided d
    left join conv c on c.id = d.conversation_id
    left join answered r
      on d.outcome in ('created', 'repeated', 'stored')
     and r.conversation_id = d.conversation_id and r.client_message_id = d.client_message_id
   order by d.i;
end
$fn$;
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(WRITE_MESSAGES_FUNCTION);
}

export async function down(knex: Knex): Promise<void> {
  // Back to 20261203090000's body, with 20261204090000's setting.
  const { WRITE_MESSAGES_FUNCTION: previous } = await import('./20261203090000_message_batch_function.js');
  await knex.raw(previous);
  await knex.raw('alter function pingstreams_write_messages(jsonb) set enable_seqscan = off');
}
