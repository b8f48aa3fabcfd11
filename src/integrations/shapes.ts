/** zod shapes of the integrations' requests and answers (they feed GET /openapi.json). */
import { z } from 'zod';
import { EVENT_TYPES } from './outbox.js';
import { API_KEY_SCOPES } from './scopes.js';

export const ApiKeyShape = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
  prefix: z.string().describe('The first characters of the key, to recognise it'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('To the minute'),
});

export const WebhookShape = z.object({ id: z.string(), url: z.string(), events: z.array(z.enum(EVENT_TYPES)), active: z.boolean(), createdAt: z.string() });

export const DeliveryShape = z.object({
  id: z.string(),
  webhookId: z.string(),
  eventId: z.string(),
  type: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  responseStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  attemptLog: z.array(z.object({ at: z.string(), responseStatus: z.number().nullable(), error: z.string().nullable(), durationMs: z.number() })),
});

export const newApiKey = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(API_KEY_SCOPES.length),
});

const events = z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length);
const url = z.string().max(2000);

export const newWebhook = z.object({ url, events });
export const webhookChanges = z.object({ url: url.optional(), events: events.optional(), active: z.boolean().optional() });

export const deliveryQuery = z.object({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(100).optional(),
});
