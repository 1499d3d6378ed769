import { Badge, Box, Button, Flex, FlexItem, H4, Panel, ProgressBar, Small, Table, Text } from '@bigcommerce/big-design';
import type { Category, PreviewProduct, PreviewResult } from './types.ts';

export interface PreviewState {
  running: boolean;
  progress: { productsRead: number; remaining: number; requests: number } | undefined;
  result: PreviewResult | undefined;
  error: string | undefined;
}

const list = (items: PreviewProduct[], total: number) =>
  total === 0 ? '—' : `${items.map((p) => `${p.name ?? `#${p.id}`}${p.sku ? ` (${p.sku})` : ''}`).join(', ')}${total > items.length ? ` and ${total - items.length} more` : ''}`;

export function PreviewScreen(p: { state: PreviewState; categories: Category[]; onRun: () => void; onCancel: () => void; onApply: () => void; busy: boolean }) {
  const { state } = p;
  const name = (id: number) => p.categories.find((c) => c.id === id)?.path.join(' › ') ?? `category ${id}`;
  const pct = state.progress ? Math.round((100 * state.progress.productsRead) / Math.max(1, state.progress.productsRead + state.progress.remaining)) : 0;
  return (
    <Panel header="Preview" description="What your rules would change in the catalog as it is now. Nothing is written until you apply.">
      <Flex flexDirection="row" flexGap="0.75rem" marginBottom="medium">
        <Button onClick={p.onRun} disabled={state.running} data-testid="run-preview">
          Run preview
        </Button>
        {state.running && (
          <Button variant="secondary" onClick={p.onCancel} data-testid="cancel-preview">
            Cancel
          </Button>
        )}
        <FlexItem flexGrow={1} />
        {state.result && !state.result.cancelled && (
          <Button onClick={p.onApply} isLoading={p.busy} data-testid="apply-button">
            Apply these rules
          </Button>
        )}
      </Flex>
      {state.running && (
        <Box marginBottom="medium" data-testid="preview-progress">
          <ProgressBar percent={pct} />
          <Small>
            {state.progress ? `${state.progress.productsRead} products read, ${state.progress.remaining} to go (${state.progress.requests} API calls)` : 'Starting…'}
          </Small>
        </Box>
      )}
      {state.error && <Text color="danger">{state.error}</Text>}
      {state.result && (
        <Box data-testid="preview-result">
          <Text>
            {state.result.cancelled ? <Badge label="cancelled: partial result" variant="warning" marginRight="xSmall" /> : null}
            <span data-testid="preview-summary">
              {state.result.productsRead} products read, {state.result.productsTouched} would change, {state.result.requests} API calls, {state.result.writes} writes.
            </span>
          </Text>
          <Table
            items={state.result.rules.map((r, i) => ({ ...r, i }))}
            keyField="i"
            columns={[
              { hash: 'rule', header: 'Rule', render: (r) => <span data-testid={`preview-rule-${r.i}`}>{r.name}</span> },
              { hash: 'cat', header: 'Category', render: (r) => name(r.categoryId) },
              { hash: 'match', header: 'Matching', align: 'right', render: (r) => r.matches },
              { hash: 'add', header: 'Would add', align: 'right', render: (r) => <span data-testid={`preview-rule-${r.i}-add`}>{r.add.count}</span> },
              { hash: 'remove', header: 'Would remove', align: 'right', render: (r) => <span data-testid={`preview-rule-${r.i}-remove`}>{r.remove.count}</span> },
            ]}
          />
          {state.result.rules.map((r, i) => (
            <Box key={i} marginTop="medium">
              <H4>{r.name}</H4>
              <Small>Added: {list(r.add.sample, r.add.count)}</Small>
              <Small>Removed: {list(r.remove.sample, r.remove.count)}</Small>
            </Box>
          ))}
        </Box>
      )}
    </Panel>
  );
}
