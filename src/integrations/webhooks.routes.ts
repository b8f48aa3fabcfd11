/** /v1/projects/:projectId/webhooks: manage webhooks, read their delivery log, retry a delivery. */
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { membershipOf, pathId, requireAgent, requireMember } from '../http/authenticate.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { commonErrors, listOf, pageOf } from '../http/shapes.js';
import { assertWebhookUrl } from './url-guard.js';
import { createWebhook, deleteWebhook, findWebhook, listDeliveries, listWebhooks, retryDelivery, updateWebhook } from './webhook.store.js';
import { DeliveryShape, deliveryQuery, newWebhook, webhookChanges, WebhookShape } from './shapes.js';

const ACCESS = 'owners and admins, or an API key with webhooks:write';
const SCOPE = 'webhooks:write';

export function webhookRoutes(deps: Deps): DocumentedRouter {
  const api = new DocumentedRouter('/v1/projects/:projectId/webhooks', 'Integrations').use(requireAgent(deps), requireMember(deps, ['owner', 'admin']));
  const knex = deps.db.knex;
  const allowPrivate = deps.config.webhooks.allowPrivate;
  const notFound = () => new AppError('NOT_FOUND', 'No such webhook in this project.');
  const webhookOf = async (projectId: string, id: string) => (await findWebhook(knex, projectId, id)) ?? Promise.reject(notFound());

  api.route(
    {
      method: 'post',
      path: '/',
      scope: SCOPE,
      summary: 'Create a webhook; its signing secret is in this answer only',
      description: 'The URL must be http(s) and, unless WEBHOOK_ALLOW_PRIVATE=1, resolve to public addresses only.',
      access: ACCESS,
      body: newWebhook,
      responses: { 201: { description: 'The webhook, with `secret`', schema: WebhookShape.extend({ secret: WebhookShape.shape.url }) }, ...commonErrors },
    },
    async (_req, res, { body }) => {
      const url = await assertWebhookUrl(body.url, allowPrivate);
      res.status(201).json(await createWebhook(knex, membershipOf(res).projectId, { url, events: body.events }));
    },
  );

  api.route(
    { method: 'get', path: '/', scope: SCOPE, summary: "The project's webhooks, newest first", access: ACCESS, responses: { 200: { description: 'Every webhook', schema: listOf(WebhookShape) }, ...commonErrors } },
    async (_req, res) => {
      res.json({ data: await listWebhooks(knex, membershipOf(res).projectId) });
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/:webhookId',
      scope: SCOPE,
      summary: 'Change the URL or the events, or pause it (`active: false`: no new events; pending deliveries wait until it is active again)',
      access: ACCESS,
      body: webhookChanges,
      responses: { 200: { description: 'The webhook', schema: WebhookShape }, ...commonErrors },
    },
    async (req, res, { body }) => {
      const url = body.url === undefined ? undefined : await assertWebhookUrl(body.url, allowPrivate);
      const changes = { ...body, ...(url === undefined ? {} : { url }) };
      const updated = await updateWebhook(knex, membershipOf(res).projectId, pathId(req, 'webhookId', 'webhook'), changes);
      if (!updated) throw notFound();
      res.json(updated);
    },
  );

  api.route(
    { method: 'delete', path: '/:webhookId', scope: SCOPE, summary: 'Delete a webhook and its delivery log', access: ACCESS, responses: { 204: { description: 'Deleted' }, ...commonErrors } },
    async (req, res) => {
      if (!(await deleteWebhook(knex, membershipOf(res).projectId, pathId(req, 'webhookId', 'webhook')))) throw notFound();
      res.status(204).end();
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:webhookId/deliveries',
      scope: SCOPE,
      summary: "The webhook's delivery log, newest event first, with every attempt",
      access: ACCESS,
      query: deliveryQuery,
      responses: { 200: { description: 'One page of deliveries', schema: pageOf(DeliveryShape) }, ...commonErrors },
    },
    async (req, res, { query }) => {
      const webhook = await webhookOf(membershipOf(res).projectId, pathId(req, 'webhookId', 'webhook'));
      res.json(await listDeliveries(knex, webhook.id, query));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:webhookId/deliveries/:deliveryId/retry',
      scope: SCOPE,
      summary: 'Send a delivery again now (failed or delivered: it becomes pending)',
      access: ACCESS,
      responses: { 202: { description: 'Queued' }, ...commonErrors },
    },
    async (req, res) => {
      const webhook = await webhookOf(membershipOf(res).projectId, pathId(req, 'webhookId', 'webhook'));
      if (!(await retryDelivery(knex, webhook.id, pathId(req, 'deliveryId', 'delivery')))) throw new AppError('NOT_FOUND', 'No such delivery of this webhook.');
      res.status(202).end();
    },
  );

  return api;
}
