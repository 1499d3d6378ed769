import { Badge, Box, Button, Flex, FlexItem, FormGroup, H3, Input, Panel, Select, Small, Table, Text, Textarea } from '@bigcommerce/big-design';
import { emptyLeaf, emptyRule, FIELDS, issueTarget, OP_LABELS, OPS, type Issue, type LeafDraft, type RuleDraft } from './rule-model.ts';
import type { Category, Version } from './types.ts';

export interface RulesScreenProps {
  drafts: RuleDraft[];
  setDrafts: (d: RuleDraft[]) => void;
  categories: Category[];
  issues: Issue[];
  version: number;
  source: string;
  versions: Version[];
  busy: boolean;
  onSave: () => void;
  onPreview: () => void;
  onRollback: (version: number) => void;
}

function errorsFor(issues: Issue[], drafts: RuleDraft[], match: (t: ReturnType<typeof issueTarget>) => boolean): string[] {
  return issues.filter((i) => match(issueTarget(i.path, drafts))).map((i) => i.message);
}

const when = (ms: number) => new Date(ms).toLocaleString();

export function RulesScreen(p: RulesScreenProps) {
  const update = (i: number, patch: Partial<RuleDraft>) => p.setDrafts(p.drafts.map((d, k) => (k === i ? { ...d, ...patch } : d)));
  const updateLeaf = (i: number, j: number, patch: Partial<LeafDraft>) => update(i, { leaves: p.drafts[i]!.leaves.map((l, k) => (k === j ? { ...l, ...patch } : l)) });
  const categoryOptions = p.categories.map((c) => ({ value: c.id, content: c.path.join(' › '), description: `id ${c.id}` }));
  const formErrors = errorsFor(p.issues, p.drafts, (t) => t.part === 'form');

  return (
    <>
      <Panel
        header="Category rules"
        description={`A product is in a rule's category while the rule matches, and is taken out when no rule for that category matches. Categories no rule names are never touched. ${
          p.source === 'store' ? `Version ${p.version}.` : p.source === 'default' ? 'This store uses the default rules until you save your own.' : 'No rules yet.'
        }`}
      >
        {formErrors.map((e) => (
          <Text key={e} color="danger">
            {e}
          </Text>
        ))}
        {p.drafts.map((d, i) => {
          const nameErr = errorsFor(p.issues, p.drafts, (t) => t.part === 'name' && 'rule' in t && t.rule === i);
          const catErr = errorsFor(p.issues, p.drafts, (t) => t.part === 'categoryId' && 'rule' in t && t.rule === i);
          const whenErr = errorsFor(p.issues, p.drafts, (t) => t.part === 'when' && 'rule' in t && t.rule === i);
          return (
            <Box key={d.key} border="box" borderRadius="normal" padding="medium" marginBottom="medium" data-testid={`rule-${i}`}>
              <Flex flexDirection="row" flexGap="1rem" alignItems="flex-start">
                <FlexItem flexGrow={1}>
                  <FormGroup>
                    <Input label="Rule name" value={d.name} onChange={(e) => update(i, { name: e.target.value })} error={nameErr.length ? nameErr : undefined} data-testid={`rule-${i}-name`} />
                  </FormGroup>
                </FlexItem>
                <FlexItem flexGrow={1}>
                  <FormGroup>
                    <Select
                      label="Put matching products in category"
                      filterable
                      placeholder="Choose a category"
                      options={categoryOptions}
                      value={d.categoryId}
                      onOptionChange={(v) => update(i, { categoryId: v })}
                      error={catErr.length ? catErr : undefined}
                      data-testid={`rule-${i}-category`}
                    />
                  </FormGroup>
                </FlexItem>
              </Flex>
              {d.advancedJson !== undefined ? (
                <FormGroup>
                  <Textarea label="Condition (JSON)" rows={6} value={d.advancedJson} onChange={(e) => update(i, { advancedJson: e.target.value })} error={whenErr.length ? whenErr : undefined} />
                </FormGroup>
              ) : (
                <>
                  {d.leaves.length > 1 && (
                    <Select
                      label="Match"
                      options={[
                        { value: 'all' as const, content: 'all of these conditions' },
                        { value: 'any' as const, content: 'any of these conditions' },
                      ]}
                      value={d.match}
                      onOptionChange={(v) => update(i, { match: v ?? 'all' })}
                    />
                  )}
                  {d.leaves.map((l, j) => {
                    const err = (key: string) => {
                      const e = errorsFor(p.issues, p.drafts, (t) => t.part === 'leaf' && t.rule === i && t.leaf === j && t.key === key);
                      return e.length ? e : undefined;
                    };
                    return (
                      <Flex key={j} flexDirection="row" flexGap="0.75rem" alignItems="flex-start" marginTop="small" data-testid={`rule-${i}-leaf-${j}`}>
                        <FlexItem flexBasis="26%">
                          <FormGroup>
                          <Select label={j === 0 ? 'Field' : undefined} options={FIELDS.map((f) => ({ value: f.value, content: f.label, description: f.value === 'custom' ? undefined : f.value }))} value={l.field} onOptionChange={(v) => updateLeaf(i, j, { field: v ?? 'price' })} error={err('field')} data-testid={`rule-${i}-leaf-${j}-field`} />
                          </FormGroup>
                          {l.field === 'custom' && <Input placeholder="Custom field name" value={l.customName} onChange={(e) => updateLeaf(i, j, { customName: e.target.value })} />}
                        </FlexItem>
                        <FlexItem flexBasis="26%">
                          <FormGroup>
                            <Select label={j === 0 ? 'Condition' : undefined} options={OPS.map((o) => ({ value: o, content: OP_LABELS[o] }))} value={l.op} onOptionChange={(v) => updateLeaf(i, j, { op: v ?? 'eq' })} error={err('op')} data-testid={`rule-${i}-leaf-${j}-op`} />
                          </FormGroup>
                        </FlexItem>
                        <FlexItem flexGrow={1}>
                          <FormGroup>
                          {l.op === 'exists' ? (
                            <Select label={j === 0 ? 'Value' : undefined} options={[{ value: 'true', content: 'yes' }, { value: 'false', content: 'no' }]} value={l.value === 'false' ? 'false' : 'true'} onOptionChange={(v) => updateLeaf(i, j, { value: v ?? 'true' })} />
                          ) : (
                            <Input label={j === 0 ? 'Value' : undefined} value={l.value} onChange={(e) => updateLeaf(i, j, { value: e.target.value })} error={err('value')} description={l.op === 'in' ? 'Comma-separated' : undefined} data-testid={`rule-${i}-leaf-${j}-value`} />
                          )}
                          </FormGroup>
                        </FlexItem>
                        <FlexItem>
                          <Box marginTop={j === 0 ? 'xLarge' : 'none'}>
                            <Button variant="subtle" disabled={d.leaves.length === 1} onClick={() => update(i, { leaves: d.leaves.filter((_, k) => k !== j) })}>
                              Remove
                            </Button>
                          </Box>
                        </FlexItem>
                      </Flex>
                    );
                  })}
                  {whenErr.map((e) => (
                    <Text key={e} color="danger">
                      {e}
                    </Text>
                  ))}
                  <Button variant="subtle" marginTop="small" onClick={() => update(i, { leaves: [...d.leaves, emptyLeaf()] })}>
                    + Add condition
                  </Button>
                </>
              )}
              <Flex justifyContent="flex-end">
                <Button variant="subtle" actionType="destructive" onClick={() => p.setDrafts(p.drafts.filter((_, k) => k !== i))} data-testid={`rule-${i}-delete`}>
                  Delete rule
                </Button>
              </Flex>
            </Box>
          );
        })}
        <Flex flexDirection="row" flexGap="0.75rem">
          <Button variant="secondary" onClick={() => p.setDrafts([...p.drafts, emptyRule()])} data-testid="add-rule">
            + Add rule
          </Button>
          <FlexItem flexGrow={1} />
          <Button variant="secondary" onClick={p.onPreview} disabled={p.busy} data-testid="preview-button">
            Preview changes
          </Button>
          <Button onClick={p.onSave} isLoading={p.busy} data-testid="save-button">
            Save and apply
          </Button>
        </Flex>
      </Panel>
      <Panel header="History" description="Every saved version: who saved it, when, and what changed. Rolling back saves the old rules as a new version and re-checks the whole catalog.">
        {p.versions.length === 0 ? (
          <Small>No saved versions yet.</Small>
        ) : (
          <Table
            items={p.versions}
            keyField="version"
            columns={[
              { hash: 'v', header: 'Version', render: (v) => <>{v.version}{v.action === 'rollback' ? <Badge marginLeft="xSmall" label={`rollback to ${v.restoredVersion}`} variant="secondary" /> : null}</> },
              { hash: 'at', header: 'Saved', render: (v) => when(v.savedAtMs) },
              { hash: 'who', header: 'By', render: (v) => v.author.email ?? (v.author.userId !== undefined ? `user ${v.author.userId}` : v.author.via) },
              { hash: 'what', header: 'Changes', render: (v) => [v.changes.added.length ? `added ${v.changes.added.join(', ')}` : '', v.changes.removed.length ? `removed ${v.changes.removed.join(', ')}` : '', v.changes.changed.length ? `changed ${v.changes.changed.join(', ')}` : ''].filter(Boolean).join('; ') || 'no change' },
              {
                hash: 'rb',
                header: '',
                align: 'right',
                render: (v) => (v.version === p.version ? <Badge label="current" variant="success" /> : <Button variant="subtle" onClick={() => p.onRollback(v.version)} data-testid={`rollback-${v.version}`}>Roll back</Button>),
              },
            ]}
          />
        )}
      </Panel>
      <H3 marginTop="large">How rules read products</H3>
      <Small>Numbers compare as numbers; a sale price of 0 means “not on sale”. A missing field never matches (except “is set: no”).</Small>
    </>
  );
}
