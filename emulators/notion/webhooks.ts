/**
 * Integration webhooks, as Notion sends them: page changes and schema edits in the workspace
 * (through the API — the integration's own writes included, with a `bot` author, as Notion reports
 * them — or the control methods) become events in the SDK's payload shape
 * (`api-endpoints/webhooks.d.ts`), signed with `X-Notion-Signature: sha256=<HMAC of the raw body
 * keyed by the verification token>` and POSTed to the subscription's URL — batched and delayed on
 * the emulator clock (webhook-schedule.ts), in due order, retried with backoff (attempt_number up to
 * 8, as Notion documents; 1 s, 2 s, 4 s, … apart on the emulator clock; UNCERTAIN: Notion's own
 * schedule is not documented).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { signWebhookPayload } from '@notionhq/client';
import type { Clock } from '../../src/lib/clock.ts';
import type { Timers, WebhookDelivery, WebhookSubscription } from './types.ts';
import { WebhookSchedule } from './webhook-schedule.ts';
import { WORKSPACE, type PageEvent, type SchemaEvent, type Workspace } from './workspace.ts';

export interface WebhookSenderOptions {
  ws: Workspace;
  clock: Clock;
  botId: string;
  /** Default: global fetch. */
  fetch?: typeof fetch;
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Wakes deliveries when they fall due; null: only flushWebhooks() and incoming requests do. */
  timers?: Timers | null;
  /** Delay of single events and of the first page.properties_updated of a quiet page (default 2 s). */
  delayMs?: number;
  /** Aggregation window of later page.properties_updated / page.content_updated (default 60 s). */
  windowMs?: number;
}

const INTEGRATION_ID = 'c0c0c0c0-0000-4000-8000-00000000b07a';

interface Pending {
  payload: Record<string, any>;
  subscription: WebhookSubscription;
}

export class WebhookSender {
  private subscription: WebhookSubscription | null = null;
  private readonly subscriptionId = randomUUID();
  private readonly queue: Pending[] = [];
  private paused = false;
  private worker: Promise<void> | null = null;
  private readonly log: WebhookDelivery[] = [];
  private readonly fetchImpl: typeof fetch;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;

  private readonly schedule: WebhookSchedule;

  constructor(private readonly opts: WebhookSenderOptions) {
    this.fetchImpl = opts.fetch ?? ((...args) => fetch(...args));
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.retryDelayMs = opts.retryDelayMs ?? 1000;
    this.schedule = new WebhookSchedule({
      now: () => opts.clock.now(),
      delayMs: opts.delayMs ?? 2000,
      windowMs: opts.windowMs ?? 60_000,
      timers: opts.timers ?? null,
      onDue: (events) => {
        const sub = this.subscription;
        if (!sub) return;
        for (const e of events) this.queue.push({ payload: e.payload, subscription: sub });
        this.kick();
      },
    });
  }

  set(sub: WebhookSubscription | null): void {
    if (sub) {
      const url = new URL(sub.url); // throws on a malformed URL, at the call that set it
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`webhook URL must be http(s): ${sub.url}`);
      if (!sub.verificationToken) throw new Error('a webhook subscription needs a verificationToken');
    }
    this.subscription = sub ? { ...sub, events: sub.events ? [...sub.events] : undefined } : null;
    if (!sub) this.schedule.clear();
  }

  private base(sub: WebhookSubscription, type: string, actor: string): Record<string, any> {
    return {
      id: randomUUID(),
      timestamp: new Date(this.opts.clock.now()).toISOString(),
      workspace_id: WORKSPACE.id,
      workspace_name: WORKSPACE.name,
      subscription_id: this.subscriptionId,
      integration_id: INTEGRATION_ID,
      authors: [{ id: actor, type: actor === this.opts.botId ? 'bot' : 'person' }],
      attempt_number: 1,
      api_version: sub.apiVersion ?? '2025-09-03',
      type,
    };
  }

  private wants(sub: WebhookSubscription | null, type: string): sub is WebhookSubscription {
    return sub !== null && (!sub.events || sub.events.includes(type));
  }

  /** Called by the workspace for every page change. */
  onPageEvent(e: PageEvent): void {
    const sub = this.subscription;
    if (!this.wants(sub, e.type)) return;
    const ds = this.opts.ws.dataSources.get(e.page.dataSourceId);
    const legacy = sub.apiVersion === '2022-06-28';
    const parent = ds ? { id: ds.databaseId, type: 'database', ...(legacy ? {} : { data_source_id: ds.id }) } : { id: e.page.dataSourceId, type: 'database' };
    const payload: Record<string, any> = { ...this.base(sub, e.type, e.actor), entity: { id: e.page.id, type: 'page' }, data: { parent } };
    if (e.type === 'page.properties_updated') {
      payload.data.updated_properties = e.updatedProperties ?? [];
      this.schedule.aggregate(`properties:${e.page.id}`, payload, true, (into, from) => {
        mergeCommon(into, from);
        into.data.updated_properties = [...new Set([...into.data.updated_properties, ...from.data.updated_properties])];
      });
    } else if (e.type === 'page.content_updated') {
      payload.data.updated_blocks = (e.updatedBlocks ?? []).map((id) => ({ id, type: 'block' }));
      this.schedule.aggregate(`content:${e.page.id}`, payload, false, (into, from) => {
        mergeCommon(into, from);
        const seen = new Set(into.data.updated_blocks.map((b: { id: string }) => b.id));
        into.data.updated_blocks.push(...from.data.updated_blocks.filter((b: { id: string }) => !seen.has(b.id)));
      });
    } else {
      this.schedule.single(payload);
    }
  }

  /**
   * Schema edits: data_source.schema_updated with the properties created, updated or deleted;
   * subscriptions on API version 2022-06-28 get database.schema_updated about the database.
   */
  onSchemaEvent(e: SchemaEvent): void {
    const sub = this.subscription;
    const legacy = sub?.apiVersion === '2022-06-28';
    const type = legacy ? 'database.schema_updated' : e.type;
    if (!this.wants(sub, type)) return;
    const db = this.opts.ws.databases.get(e.dataSource.databaseId);
    const dbParent = db?.parent?.type === 'page_id' ? { id: db.parent.page_id, type: 'page' } : { id: WORKSPACE.id, type: 'space' };
    const payload = {
      ...this.base(sub, type, e.actor),
      entity: legacy ? { id: e.dataSource.databaseId, type: 'database' } : { id: e.dataSource.id, type: 'data_source' },
      data: { parent: legacy ? dbParent : { id: e.dataSource.databaseId, type: 'database' }, updated_properties: e.updatedProperties },
    };
    this.schedule.single(payload);
  }

  /** Moves every event that has fallen due (on the emulator clock) to the delivery queue. */
  pump(): void {
    this.schedule.pump();
  }

  /** Drops everything scheduled or queued (the emulator is closing). */
  close(): void {
    this.schedule.clear();
    this.queue.length = 0;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule.pump();
    this.kick();
  }

  /**
   * Resolves once every event due by now (on the emulator clock) has been delivered or given up on;
   * events still inside their delay or aggregation window stay scheduled. Resumes paused delivery.
   */
  async flush(): Promise<void> {
    this.paused = false;
    this.schedule.pump();
    this.kick();
    while (this.worker) await this.worker;
  }

  get deliveries(): WebhookDelivery[] {
    return this.log.map((d) => ({ ...d }));
  }

  /** Events scheduled (not yet due) or queued for delivery. */
  get pending(): number {
    return this.queue.length + this.schedule.size;
  }

  /**
   * The subscription handshake: POSTs `{"verification_token": …}` (unsigned, as Notion does) to `url`.
   * Uses the given token, else the subscription's, else a new one.
   */
  async sendVerification(url: string, verificationToken?: string): Promise<{ status: number; verificationToken: string }> {
    const token = verificationToken ?? this.subscription?.verificationToken ?? `secret_${randomBytes(24).toString('hex')}`;
    const res = await this.fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'notion-api' },
      body: JSON.stringify({ verification_token: token }),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, verificationToken: token };
  }

  private kick(): void {
    if (this.worker || this.paused || !this.queue.length) return;
    this.worker = this.drain().finally(() => {
      this.worker = null;
      // Events queued while the last delivery was finishing.
      if (!this.paused && this.queue.length) this.kick();
    });
  }

  private async drain(): Promise<void> {
    // Deliver after the current call stack: a change never waits for its webhook.
    await new Promise((resolve) => setImmediate(resolve));
    while (!this.paused && this.queue.length) {
      const next = this.queue.shift()!;
      await this.deliver(next);
    }
  }

  private async deliver({ payload, subscription }: Pending): Promise<void> {
    const record: WebhookDelivery = { id: payload.id, type: payload.type, entityId: payload.entity.id, status: 'error', attempts: 0 };
    this.log.push(record);
    if (this.log.length > 1000) this.log.splice(0, this.log.length - 1000);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const body = JSON.stringify({ ...payload, attempt_number: attempt });
      record.attempts = attempt;
      try {
        const signature = await signWebhookPayload({ body, verificationToken: subscription.verificationToken });
        const res = await this.fetchImpl(subscription.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'notion-api', 'x-notion-signature': signature },
          body,
        });
        await res.arrayBuffer().catch(() => undefined);
        record.status = res.status;
        if (res.ok) return;
        // A 4xx other than 429 will not get better by retrying (a bad signature, an unknown URL).
        if (res.status >= 400 && res.status < 500 && res.status !== 429) return;
      } catch {
        record.status = 'error';
      }
      if (attempt < this.maxAttempts) await this.opts.clock.sleep(this.retryDelayMs * 2 ** (attempt - 1));
    }
  }
}

/** An aggregated event: every author once, the time of the latest change. */
function mergeCommon(into: Record<string, any>, from: Record<string, any>): void {
  into.timestamp = from.timestamp;
  for (const a of from.authors) if (!into.authors.some((b: { id: string }) => b.id === a.id)) into.authors.push(a);
}
