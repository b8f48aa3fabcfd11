/** What an API key may do: each REST route that keys may call declares one of these (RouteSpec.scope). */
export const API_KEY_SCOPES = ['leads:read', 'leads:write', 'conversations:read', 'conversations:write', 'webhooks:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const API_KEY_PREFIX = 'psk_';
