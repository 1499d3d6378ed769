import type { SandboxStats } from './types.ts';

export function emptyStats(): SandboxStats {
  return {
    requests: 0,
    byRoute: {},
    status: {},
    maxUrlLength: 0,
    rejectedLongUrls: 0,
    productGets: 0,
    categoryWrites: 0,
    categoryAssignmentsWritten: 0,
    categoryAssignmentsDeleted: 0,
    categoryAssignmentsNoop: 0,
    productWrites: 0,
    eventsPublished: 0,
    eventPublishFailures: 0,
  };
}

const addCounts = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

/** Totals over several stores (maxUrlLength is a maximum, everything else a sum). */
export function sumStats(all: SandboxStats[]): SandboxStats {
  const out = emptyStats();
  for (const s of all) {
    out.requests += s.requests;
    addCounts(out.byRoute, s.byRoute);
    addCounts(out.status, s.status);
    out.maxUrlLength = Math.max(out.maxUrlLength, s.maxUrlLength);
    out.rejectedLongUrls += s.rejectedLongUrls;
    out.productGets += s.productGets;
    out.categoryWrites += s.categoryWrites;
    out.categoryAssignmentsWritten += s.categoryAssignmentsWritten;
    out.categoryAssignmentsDeleted += s.categoryAssignmentsDeleted;
    out.categoryAssignmentsNoop += s.categoryAssignmentsNoop;
    out.productWrites += s.productWrites;
    out.eventsPublished += s.eventsPublished;
    out.eventPublishFailures += s.eventPublishFailures;
  }
  return out;
}

export function cloneStats(s: SandboxStats): SandboxStats {
  return { ...s, byRoute: { ...s.byRoute }, status: { ...s.status } };
}
