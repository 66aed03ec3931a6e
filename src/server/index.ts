/**
 * The service's HTTP layer: the app (routes, auth, error boundary), the RunManager every run starts
 * through, health and metrics, the webhook receivers, and serving over Node's HTTP server.
 * `jarvis-sync serve` (src/cli/commands/serve.ts) wires them together.
 */
export { createApp, type AppDeps } from './app.ts';
export { RunManager, ShuttingDownError, UnknownTargetError, type RunManagerDeps, type RunNotifier, type RunRecord, type RunTrigger, type StartOutcome } from './runManager.ts';
export { Metrics, DURATION_BUCKETS, type MetricsSnapshot } from './metrics.ts';
export { computeHealth, type HealthResponse } from './health.ts';
export { requireBearer, secretsMatch, bearerToken } from './auth.ts';
export { startHttpServer, assertSafeBind, isLoopback, type HttpServer } from './http.ts';
export { openApiDocument } from './openapi.ts';
export { systemTimers, ManualTimers, type Timers } from './timers.ts';
export { createWebhooks, type Webhooks } from './webhooks/index.ts';
