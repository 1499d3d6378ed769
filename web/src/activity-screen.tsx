import { Badge, Box, Button, Flex, H4, Panel, Small, Table, Text } from '@bigcommerce/big-design';
import { useCallback, useEffect, useState } from 'react';
import { request } from './api.ts';
import type { Activity, FullSyncProgress } from './types.ts';

const at = (ms: number | undefined) => (ms ? new Date(ms).toLocaleString() : 'never');
const duration = (s: number) => (s < 90 ? `${s} s` : s < 5_400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 360) / 10} h`);

/** The store's full-sync job: done / total, rate, ETA. */
function FullSync({ j }: { j: FullSyncProgress }) {
  const total = j.total === undefined ? '?' : String(j.total);
  return (
    <Text data-testid="activity-full-sync">
      <Badge label={j.state === 'running' ? 'running' : 'done'} variant={j.state === 'running' ? 'warning' : 'success'} marginRight="xSmall" />
      {j.done} of {total} products{j.ratePerSecond !== undefined ? ` · ${j.ratePerSecond}/s` : ''}
      {j.state === 'running' ? ` · ${j.etaSeconds === undefined ? 'time left unknown' : `about ${duration(j.etaSeconds)} left`}` : ` · finished ${at(j.finishedAt ? Date.parse(j.finishedAt) : undefined)}`}
      <Small>started {at(Date.parse(j.startedAt))}</Small>
    </Text>
  );
}

export function ActivityScreen() {
  const [a, setA] = useState<Activity | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = useCallback(() => {
    request<Activity>('GET', '/activity').then(setA, (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    load();
    const t = window.setInterval(load, 10_000);
    return () => window.clearInterval(t);
  }, [load]);
  if (error) return <Text color="danger">{error}</Text>;
  if (!a) return <Small>Loading…</Small>;
  return (
    <>
      <Panel header="Health">
        <Flex flexDirection="row" flexGap="2rem" flexWrap="wrap" data-testid="activity-health">
          <Box>
            <H4>Waiting</H4>
            <Text>{a.pending} products</Text>
          </Box>
          <Box>
            <H4>Last store event</H4>
            <Text>{at(a.lastEventAtMs)}</Text>
          </Box>
          <Box>
            <H4>Last sync</H4>
            <Text>{at(a.lastSyncAtMs)}</Text>
          </Box>
          <Box>
            <H4>Webhooks checked</H4>
            <Text>
              {at(a.webhooks.lastReconcileAtMs)} {a.webhooks.gapSinceMs ? <Badge label={`gap since ${at(a.webhooks.gapSinceMs)}`} variant="warning" /> : null}
            </Text>
          </Box>
          <Box>
            <H4>API quota</H4>
            <Text>{a.quota.left !== undefined ? `${a.quota.left} of ${a.quota.limit ?? '?'} left` : 'not used yet'}{a.quota.rateLimited ? ` · ${a.quota.rateLimited} rate-limited` : ''}</Text>
          </Box>
        </Flex>
      </Panel>
      <Panel header="Full sync" description="A sync of the whole catalog: after a rules change, at install, and daily.">
        {a.fullSync ? <FullSync j={a.fullSync} /> : <Small>No full sync yet.</Small>}
      </Panel>
      <Panel header="Recent syncs">
        {a.recentSyncs.length === 0 ? (
          <Small>No syncs yet.</Small>
        ) : (
          <Table
            items={a.recentSyncs.map((s, i) => ({ ...s, i }))}
            keyField="i"
            columns={[
              { hash: 'at', header: 'When', render: (s) => at(s.atMs) },
              { hash: 'mode', header: 'Kind', render: (s) => (s.outcome === 'failed' ? <Badge label="failed" variant="danger" /> : s.mode) },
              { hash: 'read', header: 'Products read', align: 'right', render: (s) => s.productsRead },
              { hash: 'gets', header: 'GETs', align: 'right', render: (s) => s.reads },
              { hash: 'chg', header: 'Changed', align: 'right', render: (s) => s.changedProducts },
              { hash: 'fail', header: 'Failures', align: 'right', render: (s) => s.error ?? s.failures },
            ]}
          />
        )}
      </Panel>
      <Panel header="Given up" description="Products that could not be read after repeated attempts. Retry queues them for the next sync.">
        {a.givenUp.length === 0 ? (
          <Small>None.</Small>
        ) : (
          <Table
            items={a.givenUp}
            keyField="productId"
            columns={[
              { hash: 'id', header: 'Product', render: (g) => `#${g.productId}` },
              { hash: 'why', header: 'Reason', render: (g) => `${g.reason} (${g.attempts} attempts)` },
              { hash: 'at', header: 'When', render: (g) => at(g.atMs) },
              { hash: 'retry', header: '', align: 'right', render: (g) => <Button variant="subtle" onClick={() => void request('POST', '/given-up/retry', { productIds: [g.productId] }).then(load)}>Retry</Button> },
            ]}
          />
        )}
      </Panel>
    </>
  );
}
