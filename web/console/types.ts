/** Protocol types the console uses, imported (never copied) from the server's own modules; type-only, so no server code reaches the bundle. */
import type { z } from 'zod';
import type { ProjectShape } from '../../src/http/shapes.js';
import type { MemberRecord } from '../../src/projects/member.store.js';
import type { AgentStatus } from '../../src/presence/presence-store.js';
import type { AckCallback, AgentCommands } from '../../src/realtime/events.js';

export type { Ack, AgentServerEvents } from '../../src/realtime/events.js';
export type { Lead } from '../../src/contacts/lead.store.js';
export type { Conversation } from '../../src/conversations/conversation.store.js';
export type { Message } from '../../src/conversations/message.store.js';
export type { Note } from '../../src/contacts/note.store.js';
export type { Agent } from '../../src/auth/agent.store.js';
export type { Role } from '../../src/projects/member.store.js';
export type { ErrorBody } from '../../src/errors.js';
export type { AgentStatus };

/** The REST Project shape (project.store.ts itself would pull Node-only modules into the browser's typecheck). */
export type Project = z.infer<typeof ProjectShape>;

/** A member as GET …/agents answers it: the record plus its presence. */
export type Member = MemberRecord & { presence: AgentStatus };

/** A project as GET /v1/projects lists it: with the caller's role in it. */
export type MyProject = Project & { role: MemberRecord['role'] };

/** What an `/agent` command's ack carries when it succeeds. */
export type AckData<K extends keyof AgentCommands> = Parameters<AgentCommands[K]>[1] extends AckCallback<infer T> ? T : never;
export type AgentCommand = keyof AgentCommands;
