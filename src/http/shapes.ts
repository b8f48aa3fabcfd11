/**
 * The public shapes as zod schemas, for the OpenAPI document (responses). Requests are
 * validated by the schemas beside each route; these describe what the server answers.
 */
import { z } from 'zod';

const id = z.uuid();
const time = z.iso.datetime();
const nullableTime = time.nullable();
const jsonObject = z.record(z.string(), z.unknown());

export const ErrorShape = z
  .object({
    error: z.object({
      code: z.enum(['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'CONVERSATION_CLOSED', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL']),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

export const AgentShape = z.object({ id, email: z.string(), fullname: z.string() }).meta({ id: 'Agent' });

export const LeadShape = z
  .object({
    id,
    projectId: id,
    visitorIds: z.array(id),
    externalId: z.string().nullable(),
    fullname: z.string().nullable(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    attributes: jsonObject,
    tags: z.array(z.string()),
    verified: z.boolean().describe('The lead was reached through a signed identity.'),
    lastSeenAt: nullableTime,
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: 'Lead' });

export const ConversationShape = z
  .object({
    id,
    projectId: id,
    leadId: id,
    status: z.enum(['unassigned', 'assigned', 'closed']),
    assigneeId: id.nullable(),
    firstText: z.string().nullable(),
    lastSeq: z.number().int(),
    visitorLastReadSeq: z.number().int(),
    agentLastReadSeq: z.number().int(),
    attributes: jsonObject,
    createdAt: time,
    updatedAt: time,
    closedAt: nullableTime,
    rating: z.number().int().min(1).max(5).nullable(),
  })
  .meta({ id: 'Conversation' });

export const MessageShape = z
  .object({
    id,
    conversationId: id,
    seq: z.number().int(),
    clientMessageId: z.string(),
    sender: z.object({ type: z.enum(['visitor', 'agent', 'system']), id: z.string().nullable() }),
    text: z.string(),
    attributes: jsonObject,
    private: z.boolean().meta({ description: "An agent's internal note: agents see it, visitors never do" }),
    createdAt: time,
  })
  .meta({ id: 'Message' });

export const MemberShape = z
  .object({
    id,
    email: z.string(),
    fullname: z.string(),
    role: z.enum(['owner', 'admin', 'agent']),
    presence: z.enum(['online', 'away', 'offline']),
    maxConcurrent: z.number().int().nullable(),
    openConversations: z.number().int(),
  })
  .meta({ id: 'Member' });

export const PrechatFieldShape = z
  .object({
    key: z.string().describe('The lead attribute the answer is stored under.'),
    label: z.string().describe("The field's label and accessible name in the widget."),
    required: z.boolean(),
  })
  .meta({ id: 'PrechatField' });

export const ProjectShape = z
  .object({
    id,
    name: z.string(),
    createdAt: time,
    routing: z.enum(['auto', 'pooled']),
    defaultMaxConcurrent: z.number().int(),
    prechatFields: z.array(PrechatFieldShape).describe("The widget's custom pre-chat fields, in the form's order."),
    identitySecret: z.string().optional().describe('Only for owners and admins.'),
  })
  .meta({ id: 'Project' });

export const NoteShape = z
  .object({ id, leadId: id, author: AgentShape, text: z.string(), createdAt: time })
  .meta({ id: 'Note' });

/** `{ data: T[], nextCursor }`: one page, newest first. */
export const pageOf = (item: z.ZodType) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

/** `{ data: T[] }`: a whole list. */
export const listOf = (item: z.ZodType) => z.object({ data: z.array(item) });

/** The error answers most routes share. */
export const commonErrors = {
  400: { description: 'VALIDATION_FAILED: the query or body does not match the schema', schema: ErrorShape },
  401: { description: 'UNAUTHENTICATED: missing, malformed or expired token', schema: ErrorShape },
  403: { description: 'FORBIDDEN: not a member of the project, or the wrong role', schema: ErrorShape },
  404: { description: 'NOT_FOUND: no such record in this project', schema: ErrorShape },
};
