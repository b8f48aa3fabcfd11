/** Notes on a contact: agents' internal remarks about a lead, never shown to its visitors. */
import { v4 as uuidv4 } from 'uuid';
import { toIso, type Db } from '../db/executor.js';
import type { Agent } from '../auth/agent.store.js';

export interface Note {
  id: string;
  leadId: string;
  author: Agent;
  text: string;
  createdAt: string;
}

interface NoteRow {
  id: string;
  lead_id: string;
  author_id: string;
  author_email: string;
  author_fullname: string;
  text: string;
  created_at: Date;
}

const toNote = (row: NoteRow): Note => ({
  id: row.id,
  leadId: row.lead_id,
  author: { id: row.author_id, email: row.author_email, fullname: row.author_fullname },
  text: row.text,
  createdAt: toIso(row.created_at),
});

function selectNotes(db: Db) {
  return db('lead_notes as n')
    .join('agents as a', 'a.id', 'n.author_id')
    .select('n.id', 'n.lead_id', 'n.author_id', 'a.email as author_email', 'a.fullname as author_fullname', 'n.text', 'n.created_at');
}

export async function insertNote(db: Db, input: { projectId: string; leadId: string; authorId: string; text: string }): Promise<Note> {
  const id = uuidv4();
  await db('lead_notes').insert({ id, project_id: input.projectId, lead_id: input.leadId, author_id: input.authorId, text: input.text });
  return (await findNote(db, input.projectId, input.leadId, id))!;
}

export async function findNote(db: Db, projectId: string, leadId: string, noteId: string): Promise<Note | null> {
  const row = (await selectNotes(db).where({ 'n.id': noteId, 'n.lead_id': leadId, 'n.project_id': projectId }).first()) as NoteRow | undefined;
  return row ? toNote(row) : null;
}

/** Newest first. */
export async function listNotes(db: Db, projectId: string, leadId: string): Promise<Note[]> {
  const rows = (await selectNotes(db)
    .where({ 'n.lead_id': leadId, 'n.project_id': projectId })
    .orderBy([{ column: 'n.created_at', order: 'desc' }, { column: 'n.id', order: 'desc' }])) as NoteRow[];
  return rows.map(toNote);
}

export async function deleteNote(db: Db, projectId: string, noteId: string): Promise<void> {
  await db('lead_notes').where({ id: noteId, project_id: projectId }).delete();
}
