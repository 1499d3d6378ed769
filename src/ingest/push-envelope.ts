import { z } from 'zod';

/**
 * What one Pub/Sub push request carries, whichever form it came in. Production sends the wrapped
 * JSON body (camelCase and snake_case spellings both present, empty fields omitted); the emulator
 * always sends `attributes: {}` and `data: ""` and never `deliveryAttempt`. With `no_wrapper` the
 * body is the raw message and metadata travels in `x-goog-pubsub-*` headers (`write_metadata`).
 */
export interface PushMessage {
  form: 'wrapped' | 'unwrapped';
  messageId: string | undefined;
  publishTime: string | undefined;
  subscription: string | undefined;
  deliveryAttempt: number | undefined;
  attributes: Record<string, string>;
  data: Buffer;
}

export const WrappedPushSchema = z.object({
  message: z
    .object({
      data: z.string().optional(),
      attributes: z.record(z.string(), z.string()).nullish(),
      messageId: z.string().optional(),
      message_id: z.string().optional(),
      publishTime: z.string().optional(),
      publish_time: z.string().optional(),
      orderingKey: z.string().optional(),
    })
    .loose(),
  subscription: z.string().optional(),
  deliveryAttempt: z.number().int().nonnegative().nullish(),
});
export type WrappedPush = z.infer<typeof WrappedPushSchema>;

export type EnvelopeResult = { ok: true; message: PushMessage } | { ok: false; reason: string; messageId: string | undefined };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Headers = Record<string, string | string[] | undefined>;
const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Splits a push request into its message. A JSON object with a `message` object is the wrapped
 * form; anything else is the unwrapped form, whose body *is* the message data (whatever content type
 * the sender declared: the emulator says x-www-form-urlencoded).
 */
export function parsePushRequest(body: Buffer, headers: Headers): EnvelopeResult {
  const headerMessageId = header(headers, 'x-goog-pubsub-message-id');
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  }
  const looksWrapped = headerMessageId === undefined && typeof json === 'object' && json !== null && 'message' in json;
  if (!looksWrapped) {
    return {
      ok: true,
      message: {
        form: 'unwrapped',
        messageId: headerMessageId,
        publishTime: header(headers, 'x-goog-pubsub-publish-time'),
        subscription: header(headers, 'x-goog-pubsub-subscription-name'),
        deliveryAttempt: undefined,
        attributes: {},
        data: body,
      },
    };
  }
  const parsed = WrappedPushSchema.safeParse(json);
  const rawId = (json as { message?: { messageId?: unknown; message_id?: unknown } }).message;
  const guessId = typeof rawId?.messageId === 'string' ? rawId.messageId : typeof rawId?.message_id === 'string' ? rawId.message_id : undefined;
  if (!parsed.success) {
    return { ok: false, reason: `push envelope invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, messageId: guessId };
  }
  const m = parsed.data.message;
  const data = m.data ?? '';
  if (!BASE64.test(data)) return { ok: false, reason: 'push envelope invalid: message.data is not base64', messageId: guessId };
  return {
    ok: true,
    message: {
      form: 'wrapped',
      messageId: m.messageId ?? m.message_id,
      publishTime: m.publishTime ?? m.publish_time,
      subscription: parsed.data.subscription,
      deliveryAttempt: parsed.data.deliveryAttempt ?? undefined,
      attributes: m.attributes ?? {},
      data: Buffer.from(data, 'base64'),
    },
  };
}
