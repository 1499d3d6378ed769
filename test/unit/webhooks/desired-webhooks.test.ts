import { describe, expect, it } from 'vitest';
import { desiredWebhooks, topicDestination } from '../../../src/webhooks/desired-webhooks.ts';
import { DEFAULT_WEBHOOK_SCOPES } from '../../../src/bigcommerce/scopes.ts';
import { isAppError } from '../../../src/errors.ts';

describe('desiredWebhooks', () => {
  it('the default scopes to projects/{project}/topics/{topic}', () => {
    expect(desiredWebhooks({ projectId: 'my-proj', topic: 'bc-webhooks', scopes: DEFAULT_WEBHOOK_SCOPES })).toEqual({
      destination: 'projects/my-proj/topics/bc-webhooks',
      scopes: ['store/app/uninstalled', 'store/category/*', 'store/information/updated', 'store/product/*', 'store/sku/*'],
    });
  });

  it('uses the default scopes when WEBHOOK_SCOPES is unset', () => {
    expect(desiredWebhooks({ projectId: 'my-proj', topic: 'bc-webhooks', scopes: undefined })).toEqual(
      desiredWebhooks({ projectId: 'my-proj', topic: 'bc-webhooks', scopes: DEFAULT_WEBHOOK_SCOPES }),
    );
  });

  it.each([
    ['a full topic name is kept (another project)', 'projects/other-proj/topics/tx1', 'projects/other-proj/topics/tx1'],
    ['a bare topic id gets the project', 'events', 'projects/my-proj/topics/events'],
  ])('%s', (_l, topic, dest) => {
    expect(topicDestination('my-proj', topic)).toBe(dest);
  });

  it('drops duplicates and scopes a wildcard already covers', () => {
    const d = desiredWebhooks({ projectId: 'my-proj', topic: 't1x', scopes: ['store/product/updated', ' store/product/* ', 'store/product/*', 'store/product/inventory/updated', 'store/sku/updated', ''] });
    expect(d.scopes).toEqual(['store/product/*', 'store/sku/updated']);
  });

  it.each([
    ['no topic', { topic: undefined, scopes: ['store/product/*'] }, /WEBHOOK_TOPIC is not set/],
    ['a topic name with a bad project', { topic: 'projects/Bad_Proj/topics/t', scopes: ['store/product/*'] }, /not a Pub\/Sub topic/],
    ['a reserved topic id', { topic: 'goog-x', scopes: ['store/product/*'] }, /not a Pub\/Sub topic/],
    ['a too short topic id', { topic: 'ab', scopes: ['store/product/*'] }, /not a Pub\/Sub topic/],
    ['no scopes', { topic: 'events', scopes: [' '] }, /WEBHOOK_SCOPES is empty/],
    ['a malformed scope', { topic: 'events', scopes: ['store/product/*', 'product.updated'] }, /malformed scopes: product\.updated/],
  ])('rejects %s with WEBHOOK_CONFIG_INVALID', (_l, o, message) => {
    let caught: unknown;
    try {
      desiredWebhooks({ projectId: 'my-proj', ...o });
    } catch (e) {
      caught = e;
    }
    expect(isAppError(caught, 'WEBHOOK_CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});
