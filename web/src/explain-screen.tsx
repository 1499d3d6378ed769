import { Badge, Box, Button, Flex, FlexItem, H4, Input, Panel, Small, Table, Text } from '@bigcommerce/big-design';
import { useState } from 'react';
import { request, type ApiError } from './api.ts';
import { OP_LABELS, type Op } from './rule-model.ts';
import type { Category, Explanation, HistoryEntry, ProductExplanation, ProductHistory } from './types.ts';

const show = (v: unknown) => (v === undefined ? 'not set' : JSON.stringify(v));

function Tree({ e, depth = 0 }: { e: Explanation; depth?: number }) {
  const verdict = <Badge label={e.verdict ? 'true' : 'false'} variant={e.verdict ? 'success' : 'danger'} marginRight="xSmall" />;
  if (e.kind === 'field') {
    return (
      <Box marginLeft={depth ? 'large' : 'none'} data-testid="leaf">
        <Text>
          {verdict}
          <code>{e.field}</code> {OP_LABELS[e.op as Op] ?? e.op} <code>{show(e.value)}</code> — product has <code data-testid="leaf-actual">{show(e.actual)}</code>
        </Text>
      </Box>
    );
  }
  if (e.kind === 'not') {
    return (
      <Box marginLeft={depth ? 'large' : 'none'}>
        <Text>{verdict}not:</Text>
        <Tree e={e.child} depth={depth + 1} />
      </Box>
    );
  }
  return (
    <Box marginLeft={depth ? 'large' : 'none'}>
      <Text>
        {verdict}
        {e.kind === 'all' ? 'all of:' : 'any of:'}
      </Text>
      {e.children.map((c, i) => (
        <Tree key={i} e={c} depth={depth + 1} />
      ))}
    </Box>
  );
}

const at = (ms: number) => new Date(ms).toLocaleString();
const OUTCOMES: Record<HistoryEntry['outcome'], { label: string; variant: 'success' | 'warning' | 'danger' }> = {
  completed: { label: 'done', variant: 'success' },
  retry: { label: 'read again later', variant: 'warning' },
  'given-up': { label: 'given up', variant: 'danger' },
  'write-refused': { label: 'write refused', variant: 'danger' },
};

/** The product's history here: what the last syncs saw and did (newest first). */
function History({ h, name }: { h: ProductHistory; name: (id: number) => string }) {
  const cats = (ids: number[]) => ids.map(name).join(', ');
  const change = (e: { added: number[]; removed: number[] }) => [e.added.length ? `added to ${cats(e.added)}` : '', e.removed.length ? `removed from ${cats(e.removed)}` : ''].filter(Boolean).join('; ') || 'no change';
  return (
    <Box marginTop="medium" data-testid="explain-history">
      <H4>History here</H4>
      {h.givenUp && (
        <Text color="danger" data-testid="history-given-up">
          Given up {at(h.givenUp.atMs)}: {h.givenUp.reason}
        </Text>
      )}
      <Small>
        Last read: {h.lastRead ? `${at(h.lastRead.atMs)}${h.lastRead.found ? ` (modified ${h.lastRead.dateModified ?? 'unknown'})` : ' (not found)'}` : 'never'} · Last change written:{' '}
        {h.lastChange ? `${at(h.lastChange.atMs)}, ${change(h.lastChange)}` : 'none'}
      </Small>
      {h.entries.length === 0 ? (
        <Small>No sync has processed this product yet.</Small>
      ) : (
        <Table
          items={h.entries.map((e, i) => ({ ...e, i }))}
          keyField="i"
          data-testid="history-entries"
          columns={[
            { hash: 'at', header: 'Sync', render: (e) => at(e.atMs) },
            { hash: 'ev', header: 'Events', render: (e) => (e.events ? `${e.events.count} × ${e.events.scopes.join(', ')} (last ${at(e.events.lastAtMs)})` : 'full sync') },
            { hash: 'read', header: 'Read', render: (e) => (e.read ? (e.read.found ? `modified ${e.read.dateModified ?? '?'}` : 'not found') : 'not read') },
            { hash: 'chg', header: 'Written', render: (e) => change(e) },
            { hash: 'out', header: 'Outcome', render: (e) => <Badge label={e.reason ? `${OUTCOMES[e.outcome].label}: ${e.reason}` : OUTCOMES[e.outcome].label} variant={OUTCOMES[e.outcome].variant} /> },
          ]}
        />
      )}
    </Box>
  );
}

export function ExplainScreen(p: { categories: Category[] }) {
  const [query, setQuery] = useState('');
  const [matches, setMatches] = useState<{ id: number; name?: string; sku?: string }[]>([]);
  const [result, setResult] = useState<ProductExplanation | undefined>();
  const [error, setError] = useState<string | undefined>();
  const name = (id: number) => p.categories.find((c) => c.id === id)?.path.join(' › ') ?? `category ${id}`;

  const explain = async (id: number) => {
    setError(undefined);
    try {
      setResult(await request<ProductExplanation>('GET', `/explain?product=${id}`));
    } catch (err) {
      setResult(undefined);
      setError((err as ApiError).message);
    }
  };
  const search = async () => {
    setError(undefined);
    const q = query.trim();
    if (/^\d+$/.test(q)) return explain(Number(q));
    try {
      const r = await request<{ matches: { id: number; name?: string; sku?: string }[] }>('GET', `/explain?q=${encodeURIComponent(q)}`);
      setMatches(r.matches);
      if (r.matches.length === 1) await explain(r.matches[0]!.id);
      if (r.matches.length === 0) setError('No product matches.');
    } catch (err) {
      setError((err as ApiError).message);
    }
  };

  return (
    <Panel header="Explain a product" description="Why a product is, or is not, in each category the rules manage: its fields as BigCommerce returns them now, and every condition's verdict.">
      <Flex flexDirection="row" flexGap="0.75rem" alignItems="flex-end">
        <FlexItem flexGrow={1}>
          <Input label="Product id, name or SKU" value={query} onChange={(e) => setQuery(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && void search()} data-testid="explain-query" />
        </FlexItem>
        <Button onClick={() => void search()} data-testid="explain-button">
          Explain
        </Button>
      </Flex>
      {error && <Text color="danger">{error}</Text>}
      {matches.length > 1 && (
        <Box marginTop="small">
          {matches.map((m) => (
            <Button key={m.id} variant="subtle" onClick={() => void explain(m.id)}>
              {m.name} ({m.sku})
            </Button>
          ))}
        </Box>
      )}
      {result && (
        <Box marginTop="medium" data-testid="explain-result">
          <H4>
            {result.product.name} <Small>#{result.product.id} · {result.product.sku}</Small>
          </H4>
          <Table
            items={result.categories}
            keyField="categoryId"
            columns={[
              { hash: 'c', header: 'Managed category', render: (c) => name(c.categoryId) },
              { hash: 'now', header: 'In it now', render: (c) => (c.member ? 'yes' : 'no') },
              { hash: 'want', header: 'Should be', render: (c) => (c.desired ? 'yes' : 'no') },
              { hash: 'chg', header: 'Next sync', render: (c) => (c.change === 'none' ? 'no change' : c.change) },
            ]}
          />
          {result.history && <History h={result.history} name={name} />}
          <H4 marginTop="medium">Fields the rules read</H4>
          {result.fields.map((f) => (
            <Small key={f.field}>
              <code>{f.field}</code> = <code>{show(f.value)}</code>
            </Small>
          ))}
          {result.rules.map((r, i) => (
            <Box key={i} marginTop="medium" data-testid={`explain-rule-${i}`}>
              <H4>
                {r.name} → {name(r.categoryId)} <Badge label={r.verdict ? 'matches' : 'does not match'} variant={r.verdict ? 'success' : 'secondary'} />
              </H4>
              <Tree e={r.condition} />
            </Box>
          ))}
        </Box>
      )}
    </Panel>
  );
}
