/**
 * What the visitor widget reads before it shows its form, with no agent token: the project's
 * custom pre-chat fields. Public, like the /visitor handshake: any origin may read it (cors.ts).
 */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { commonErrors, PrechatFieldShape } from '../http/shapes.js';
import { findWidgetConfig } from './project.store.js';

const WidgetConfigShape = z.object({ prechatFields: z.array(PrechatFieldShape) }).meta({ id: 'WidgetConfig' });

export function widgetConfigRoutes(deps: Deps): DocumentedRouter {
  // Unauthenticated: the widget runs on customers' pages, where no agent is signed in.
  const api = new DocumentedRouter('/v1/projects', 'Widget', false);

  api.route(
    {
      method: 'get',
      path: '/:projectId/widget-config',
      summary: "The visitor widget's settings: the project's custom pre-chat fields",
      description:
        'Public (no token, any origin): it holds only what every visitor of the project sees in its form. ' +
        "Each answer goes into the lead's `attributes` under the field's `key` (`lead:update`).",
      access: 'anyone',
      responses: { 200: { description: 'The settings', schema: WidgetConfigShape }, 404: commonErrors[404] },
    },
    async (req, res) => {
      const config = await findWidgetConfig(deps.db.knex, String(req.params.projectId));
      if (!config) throw new AppError('NOT_FOUND', 'No such project.');
      // Customers' pages ask on every load; a minute of staleness after an edit is fine.
      // Vary: a cached answer without Access-Control-Allow-Origin must not serve another origin.
      res.set('Cache-Control', 'public, max-age=60').vary('Origin');
      res.json(config);
    },
  );

  return api;
}
