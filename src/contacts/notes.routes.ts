/** Notes on a contact: /v1/projects/:projectId/leads/:leadId/notes. Agents only; visitors never see them. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { agentIdOf, membershipOf, pathId, requireAgent, requireMember } from '../http/authenticate.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { commonErrors, listOf, NoteShape } from '../http/shapes.js';
import { LEADS_MOUNT } from './leads.routes.js';
import { deleteNote, findNote, insertNote, listNotes } from './note.store.js';

const noteBody = z.object({ text: z.string().trim().min(1, 'must not be empty').max(10_000) });

export function noteRoutes(deps: Deps): DocumentedRouter {
  const api = new DocumentedRouter(LEADS_MOUNT, 'Notes').use(requireAgent(deps), requireMember(deps));
  const knex = deps.db.knex;

  api.route(
    {
      method: 'post',
      path: '/:leadId/notes',
      summary: 'Add a note to a contact',
      body: noteBody,
      responses: { 201: { description: 'The note', schema: NoteShape }, ...commonErrors },
    },
    async (req, res, { body }) => {
      const { projectId } = membershipOf(res);
      const leadId = pathId(req, 'leadId', 'lead');
      const note = await knex.transaction(async (trx) => {
        // Shares the lead's row with other writers but waits for a merge or an erase (FOR UPDATE),
        // so a note never lands on a lead that is going away.
        const lead = await trx('leads').where({ id: leadId, project_id: projectId }).forKeyShare().first('id');
        if (!lead) throw new AppError('NOT_FOUND', 'No such lead in this project.');
        return insertNote(trx, { projectId, leadId, authorId: agentIdOf(res), text: body.text });
      });
      res.status(201).json(note);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:leadId/notes',
      summary: "A contact's notes, newest first",
      responses: { 200: { description: 'The notes', schema: listOf(NoteShape) }, ...commonErrors },
    },
    async (req, res) => {
      const { projectId } = membershipOf(res);
      const leadId = pathId(req, 'leadId', 'lead');
      if (!(await knex('leads').where({ id: leadId, project_id: projectId }).first('id'))) throw new AppError('NOT_FOUND', 'No such lead in this project.');
      res.json({ data: await listNotes(knex, projectId, leadId) });
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/:leadId/notes/:noteId',
      summary: 'Delete a note',
      access: 'its author, owners and admins',
      responses: { 204: { description: 'Deleted' }, ...commonErrors },
    },
    async (req, res) => {
      const { projectId, role, agentId } = membershipOf(res);
      const note = await findNote(knex, projectId, pathId(req, 'leadId', 'lead'), pathId(req, 'noteId', 'note'));
      if (!note) throw new AppError('NOT_FOUND', 'No such note on this lead.');
      if (note.author.id !== agentId && role !== 'owner' && role !== 'admin') throw new AppError('FORBIDDEN', 'Only its author, owners and admins may delete a note.');
      await deleteNote(knex, projectId, note.id);
      res.status(204).end();
    },
  );

  return api;
}
