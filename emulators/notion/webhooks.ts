/**
 * Integration webhooks, as Notion sends them: every page change in the workspace (through the API
 * or the control methods) becomes an event in the SDK's payload shape (`api-endpoints/webhooks.d.ts`),
 * signed with `X-Notion-Signature: sha256=<HMAC of the raw body keyed by the verification token>`
 * and POSTed to the subscription's URL — asynchronously, in order, with a small retry.
 *
 * UNCERTAIN where Notion is undocumented: events are sent one per change (Notion aggregates some,
 * e.g. content updates, and delivers "within a minute"); changes made by the integration itself are
 * delivered too (with a `bot` author); three attempts, 1 s then 2 s apart on the emulator clock.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { signWebhookPayload } from '@notionhq/client';
import type { Clock } from '../../src/lib/clock.ts';
import type { WebhookDelivery, WebhookSubscription } from './types.ts';
import { WORKSPACE, type PageEvent, type Workspace } from './workspace.ts';

export interface WebhookSenderOptions {
  ws: Workspace;
  clock: Clock;
  botId: string;
  /** Default: global fetch. */
  fetch?: typeof fetch;
  maxAttempts?: number;
  retryDelayMs?: number;
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

  constructor(private readonly opts: WebhookSenderOptions) {
    this.fetchImpl = opts.fetch ?? ((...args) => fetch(...args));
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.retryDelayMs = opts.retryDelayMs ?? 1000;
  }

  set(sub: WebhookSubscription | null): void {
    if (sub) {
      const url = new URL(sub.url); // throws on a malformed URL, at the call that set it
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`webhook URL must be http(s): ${sub.url}`);
      if (!sub.verificationToken) throw new Error('a webhook subscription needs a verificationToken');
    }
    this.subscription = sub ? { ...sub, events: sub.events ? [...sub.events] : undefined } : null;
  }

  /** Called by the workspace for every page change. */
  onPageEvent(e: PageEvent): void {
    const sub = this.subscription;
    if (!sub || (sub.events && !sub.events.includes(e.type))) return;
    const ds = this.opts.ws.dataSources.get(e.page.dataSourceId);
    const payload: Record<string, any> = {
      id: randomUUID(),
      timestamp: new Date(this.opts.clock.now()).toISOString(),
      workspace_id: WORKSPACE.id,
      workspace_name: WORKSPACE.name,
      subscription_id: this.subscriptionId,
      integration_id: INTEGRATION_ID,
      authors: [{ id: e.actor, type: e.actor === this.opts.botId ? 'bot' : 'person' }],
      attempt_number: 1,
      api_version: '2025-09-03',
      type: e.type,
      entity: { id: e.page.id, type: 'page' },
      data: {
        parent: ds ? { id: ds.databaseId, type: 'database', data_source_id: ds.id } : { id: e.page.dataSourceId, type: 'database' },
        ...(e.type === 'page.properties_updated' ? { updated_properties: e.updatedProperties ?? [] } : {}),
      },
    };
    this.queue.push({ payload, subscription: sub });
    this.kick();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.kick();
  }

  /** Resolves once every queued event has been delivered (or given up on). Resumes paused delivery. */
  async flush(): Promise<void> {
    this.paused = false;
    this.kick();
    while (this.worker) await this.worker;
  }

  get deliveries(): WebhookDelivery[] {
    return this.log.map((d) => ({ ...d }));
  }

  get pending(): number {
    return this.queue.length;
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
      if (attempt < this.maxAttempts) await this.opts.clock.sleep(this.retryDelayMs * attempt);
    }
  }
}
