/**
 * The service's HTTP layer: the app (routes, auth, error boundary), health and metrics, the webhook
 * receivers, and serving over Node's HTTP server. The RunManager every run starts through is the
 * scheduler's (src/scheduler/runManager.ts).
 * `jarvis-sync serve` (src/cli/commands/serve.ts) wires them together.
 */
export { createApp, type AppDeps } from './app.ts';
export { Metrics, DURATION_BUCKETS, type MetricsSnapshot } from './metrics.ts';
export { computeHealth, type HealthResponse } from './health.ts';
export { requireBearer, secretsMatch, bearerToken } from './auth.ts';
export { startHttpServer, assertSafeBind, isLoopback, type HttpServer } from './http.ts';
export { openApiDocument } from './openapi.ts';
export { createWebhooks, type Webhooks } from './webhooks/index.ts';
