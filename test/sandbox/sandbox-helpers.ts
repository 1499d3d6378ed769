// Shared helpers for the sandbox tests: HTTP calls against a started sandbox, and a Pub/Sub
// emulator topic + pull subscription read through the emulator's REST API (deterministic drains).
import { PubSub } from '@google-cloud/pubsub';
import type { EventBody } from '../../src/sandbox/index.ts';

// Response bodies are asserted field by field with expect(); typing every BigCommerce shape here
// would only restate the assertions. One deliberate `any`, confined to test code.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface ApiResponse<T = Json> {
  status: number;
  body: T;
  headers: Headers;
}

/** A tiny client for one sandbox store: `api.get('/v3/catalog/products?id:in=1,2')`. */
export function storeApi(baseUrl: string, hash: string, token: string | undefined) {
  const call = async <T = Json>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (token !== undefined) headers['x-auth-token'] = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}/stores/${hash}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  };
  return {
    get: <T = Json>(path: string) => call<T>('GET', path),
    put: <T = Json>(path: string, body: unknown) => call<T>('PUT', path, body),
    del: <T = Json>(path: string) => call<T>('DELETE', path),
    post: <T = Json>(path: string, body: unknown) => call<T>('POST', path, body),
    graphql: <T = Json>(query: string, variables?: Record<string, unknown>) => call<T>('POST', '/graphql', { query, ...(variables ? { variables } : {}) }),
    call,
  };
}

export async function controlCall<T = Json>(baseUrl: string, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
  const res = await fetch(`${baseUrl}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

export interface PulledMessage {
  messageId: string;
  body: EventBody;
}

/** A topic plus a pull subscription on the emulator; `drain` pulls and acks everything available. */
export async function pubsubTopic(projectId: string, name: string, opts: { createTopic?: boolean } = {}) {
  const host = process.env.PUBSUB_EMULATOR_HOST;
  if (!host) throw new Error('PUBSUB_EMULATOR_HOST is not set (vitest globalSetup starts the emulator)');
  const pubsub = new PubSub({ projectId });
  // createTopic: false attaches to a topic someone else created (fails with NOT_FOUND otherwise).
  const [topic] = opts.createTopic === false ? [pubsub.topic(name)] : await pubsub.createTopic(name);
  const [sub] = await topic.createSubscription(`${name}-pull`);
  const subPath = `http://${host}/v1/projects/${projectId}/subscriptions/${name}-pull`;

  const pullOnce = async (): Promise<PulledMessage[]> => {
    const r = await fetch(`${subPath}:pull`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxMessages: 1000, returnImmediately: true }) });
    if (!r.ok) throw new Error(`pull failed: ${r.status} ${await r.text()}`);
    const json = (await r.json()) as { receivedMessages?: { ackId: string; message: { data: string; messageId: string } }[] };
    const msgs = json.receivedMessages ?? [];
    if (msgs.length > 0) {
      await fetch(`${subPath}:acknowledge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ackIds: msgs.map((m) => m.ackId) }) });
    }
    return msgs.map((m) => ({ messageId: m.message.messageId, body: JSON.parse(Buffer.from(m.message.data, 'base64').toString('utf8')) as EventBody }));
  };

  return {
    name: topic.name,
    pubsub,
    topic,
    subscription: sub,
    /** Pulls until `count` messages arrived (or the deadline), then checks nothing else is pending. */
    async drain(count: number, timeoutMs = 10_000): Promise<PulledMessage[]> {
      const out: PulledMessage[] = [];
      const deadline = Date.now() + timeoutMs;
      while (out.length < count && Date.now() < deadline) {
        const got = await pullOnce();
        out.push(...got);
        if (got.length === 0) await new Promise((r) => setTimeout(r, 20));
      }
      // One more pass: anything beyond `count` would show up here.
      out.push(...(await pullOnce()));
      return out;
    },
    pullOnce,
    async close() {
      await pubsub.close();
    },
  };
}

/** The ids in a list response, in order. */
export const idsOf = (r: ApiResponse): number[] => (r.body.data as { id: number }[]).map((p) => p.id);
