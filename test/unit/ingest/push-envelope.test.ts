import { describe, expect, it } from 'vitest';
import { parsePushRequest } from '../../../src/ingest/push-envelope.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const json = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('parsePushRequest', () => {
  it.each([
    {
      name: 'production wrapped body (both spellings, deliveryAttempt)',
      body: json({ message: { data: b64('{"a":1}'), messageId: '7', message_id: '7', publishTime: 't', publish_time: 't' }, subscription: 'projects/p/subscriptions/s', deliveryAttempt: 3 }),
      expected: { form: 'wrapped', messageId: '7', publishTime: 't', subscription: 'projects/p/subscriptions/s', deliveryAttempt: 3, data: '{"a":1}' },
    },
    {
      name: 'emulator wrapped body (empty attributes, snake case only id)',
      body: json({ message: { data: b64('x'), attributes: {}, message_id: '9', publish_time: 'p' }, subscription: 's' }),
      expected: { form: 'wrapped', messageId: '9', publishTime: 'p', subscription: 's', deliveryAttempt: undefined, data: 'x' },
    },
    {
      name: 'attributes only (no data)',
      body: json({ message: { attributes: { k: 'v' }, messageId: '1' } }),
      expected: { form: 'wrapped', messageId: '1', publishTime: undefined, subscription: undefined, deliveryAttempt: undefined, data: '' },
    },
  ])('$name', ({ body, expected }) => {
    const r = parsePushRequest(body, {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { data, attributes: _a, ...rest } = r.message;
    expect({ ...rest, data: data.toString() }).toEqual(expected);
  });

  it('reads the unwrapped form and its x-goog-pubsub metadata headers', () => {
    const raw = Buffer.from('{"scope":"store/product/updated"}');
    const r = parsePushRequest(raw, { 'x-goog-pubsub-message-id': '42', 'x-goog-pubsub-publish-time': 'pt', 'x-goog-pubsub-subscription-name': 'projects/p/subscriptions/s' });
    expect(r).toMatchObject({ ok: true, message: { form: 'unwrapped', messageId: '42', publishTime: 'pt', subscription: 'projects/p/subscriptions/s' } });
    if (r.ok) expect(r.message.data.equals(raw)).toBe(true);
  });

  it('treats a JSON body without a message object as the unwrapped form', () => {
    const r = parsePushRequest(json({ scope: 'store/product/updated' }), {});
    expect(r).toMatchObject({ ok: true, message: { form: 'unwrapped', messageId: undefined } });
  });

  it('treats non-JSON bytes as unwrapped data (the event parser rejects them later)', () => {
    const r = parsePushRequest(Buffer.from('not json'), {});
    expect(r).toMatchObject({ ok: true, message: { form: 'unwrapped' } });
  });

  it.each([
    { name: 'message is not an object', body: { message: 'x' }, reason: /push envelope invalid/ },
    { name: 'data is not base64', body: { message: { data: '%%%', messageId: '5' } }, reason: /not base64/ },
    { name: 'deliveryAttempt not a number', body: { message: { data: '' }, deliveryAttempt: 'two' }, reason: /deliveryAttempt/ },
  ])('rejects a wrapped body when $name', ({ body, reason }) => {
    const r = parsePushRequest(json(body), {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('keeps the message id of a rejected envelope for the rejection record', () => {
    const r = parsePushRequest(json({ message: { data: '%%%', message_id: '77' } }), {});
    expect(r).toEqual({ ok: false, reason: expect.any(String), messageId: '77' });
  });
});
