/** Changing a member's role or capacity: who may, and a project never left without an owner. */
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { countOwners, findMembership, type Membership, type Role } from './member.store.js';

export interface MemberChanges {
  role?: Role;
  /** null: the project's default; 0: no limit. */
  maxConcurrent?: number | null;
}

/**
 * Owners may give any role to anyone; admins may make admins and agents of members who are
 * not owners. The last owner cannot be demoted (CONFLICT). Anyone's capacity may be set by an
 * owner or admin. An empty change checks the same and writes nothing.
 */
export function changeMember(knex: Knex, caller: Membership, agentId: string, changes: MemberChanges): Promise<void> {
  const { projectId } = caller;
  return knex.transaction(async (trx) => {
    // The lock member removal takes: role changes and removals of one project happen one at a
    // time, so two owners demoting (or removing) each other at once cannot leave it with none.
    await trx('projects').where({ id: projectId }).forNoKeyUpdate().first('id');
    const me = await findMembership(trx, projectId, caller.agentId);
    if (!me || me.role === 'agent') throw new AppError('FORBIDDEN', 'Only owners and admins may change members.');
    const target = await findMembership(trx, projectId, agentId);
    if (!target) throw new AppError('NOT_FOUND', 'No such agent in this project.');

    const set: Record<string, unknown> = {};
    if (changes.role !== undefined && changes.role !== target.role) {
      if (me.role !== 'owner' && (target.role === 'owner' || changes.role === 'owner')) {
        throw new AppError('FORBIDDEN', "Only an owner may change an owner's role or make someone an owner.");
      }
      if (target.role === 'owner' && (await countOwners(trx, projectId)) <= 1) {
        throw new AppError('CONFLICT', 'The last owner of a project cannot be demoted; make someone else an owner first.');
      }
      set.role = changes.role;
    }
    if (changes.maxConcurrent !== undefined) set.max_concurrent = changes.maxConcurrent;
    if (Object.keys(set).length > 0) await trx('project_members').where({ project_id: projectId, agent_id: agentId }).update(set);
  });
}
