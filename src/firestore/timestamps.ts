import { Timestamp } from '@google-cloud/firestore';

/** A stored Timestamp field as epoch ms; undefined when the field is missing or of another type. */
export const timestampMillis = (v: unknown): number | undefined => (v instanceof Timestamp ? v.toMillis() : undefined);
