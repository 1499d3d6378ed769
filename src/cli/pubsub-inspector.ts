import type { PubSub } from '@google-cloud/pubsub';
import { grpcCode, GrpcStatus } from '../errors.ts';

/** The read-only Pub/Sub facts the doctor needs, behind an interface we own (real adapter below). */
export interface PubSubInspector {
  topicExists(topic: string): Promise<boolean>;
  /** The topic's IAM bindings, or 'unsupported' when the server has no IAM (the Pub/Sub emulator answers UNIMPLEMENTED). */
  topicIamBindings(topic: string): Promise<{ role: string; members: string[] }[] | 'unsupported'>;
  /** The topic's push subscriptions (pull subscriptions are left out). */
  pushSubscriptions(topic: string): Promise<{ name: string; pushEndpoint: string; oidcServiceAccount: string | undefined }[]>;
}

const UNIMPLEMENTED = 12;

export function createPubSubInspector(pubsub: PubSub): PubSubInspector {
  return {
    async topicExists(topic) {
      const [exists] = await pubsub.topic(topic).exists();
      return exists;
    },
    async topicIamBindings(topic) {
      try {
        const [policy] = await pubsub.topic(topic).iam.getPolicy();
        return (policy.bindings ?? []).map((b) => ({ role: b.role ?? '', members: b.members ?? [] }));
      } catch (err) {
        if (grpcCode(err) === UNIMPLEMENTED) return 'unsupported';
        if (grpcCode(err) === GrpcStatus.NOT_FOUND) return [];
        throw err;
      }
    },
    async pushSubscriptions(topic) {
      const [subs] = await pubsub.topic(topic).getSubscriptions();
      const out: { name: string; pushEndpoint: string; oidcServiceAccount: string | undefined }[] = [];
      for (const sub of subs) {
        const [meta] = await sub.getMetadata();
        const endpoint = meta.pushConfig?.pushEndpoint;
        if (endpoint) out.push({ name: meta.name ?? sub.name, pushEndpoint: endpoint, oidcServiceAccount: meta.pushConfig?.oidcToken?.serviceAccountEmail ?? undefined });
      }
      return out;
    },
  };
}
