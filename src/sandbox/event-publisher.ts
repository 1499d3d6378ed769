import { PubSub, type Topic } from '@google-cloud/pubsub';
import type { Logger } from 'pino';
import type { EventBody } from './types.ts';

export interface PublishItem {
  topic: string;
  body: EventBody;
  hookId: number | undefined;
  duplicate: boolean;
}

export interface PublishOutcome {
  item: PublishItem;
  messageId?: string;
  error?: unknown;
}

/**
 * Publishes event bodies to Pub/Sub with client-side batching, and remembers every publish still
 * in flight (including ones waiting out `delayMs`) so `flush()` can wait for all of them. The
 * client is created on first use: a sandbox that never emits needs no Pub/Sub.
 */
export class EventPublisher {
  private client: PubSub | undefined;
  private readonly topics = new Map<string, Topic>();
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly opts: { projectId: string; apiEndpoint?: string | undefined; logger?: Logger | undefined };

  constructor(opts: { projectId: string; apiEndpoint?: string | undefined; logger?: Logger | undefined }) {
    this.opts = opts;
  }

  private pubsub(): PubSub {
    this.client ??= new PubSub({ projectId: this.opts.projectId, ...(this.opts.apiEndpoint ? { apiEndpoint: this.opts.apiEndpoint } : {}) });
    return this.client;
  }

  private topic(name: string): Topic {
    let t = this.topics.get(name);
    if (!t) {
      t = this.pubsub().topic(name, { batching: { maxMessages: 100, maxMilliseconds: 5 } });
      this.topics.set(name, t);
    }
    return t;
  }

  /** Does the topic exist (what BigCommerce checks before creating a Pub/Sub hook)? */
  async topicExists(name: string): Promise<boolean> {
    const [exists] = await this.pubsub().topic(name).exists();
    return exists;
  }

  /** Queues one emission batch; `onDone` runs once per item, in completion order. */
  publish(items: PublishItem[], delayMs: number, onDone: (o: PublishOutcome) => void): void {
    if (items.length === 0) return;
    if (this.closed) {
      for (const item of items) onDone({ item, error: new Error('sandbox publisher is closed') });
      return;
    }
    const run = async () => {
      if (delayMs > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            this.timers.delete(t);
            resolve();
          }, delayMs);
          this.timers.add(t);
        });
      }
      // Issue every publish before awaiting any, so the client batches them.
      await Promise.all(
        items.map(async (item) => {
          try {
            const messageId = await this.topic(item.topic).publishMessage({ data: Buffer.from(JSON.stringify(item.body)) });
            onDone({ item, messageId });
          } catch (error) {
            this.opts.logger?.warn({ err: error, topic: item.topic, scope: item.body.scope }, 'sandbox event publish failed');
            onDone({ item, error });
          }
        }),
      );
    };
    const p = run();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Resolves once every queued publish (delayed ones included) has finished. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.allSettled([...this.topics.values()].map((t) => t.flush()));
    await this.client?.close();
  }
}
