import { AlertsManager, Box, createAlertsManager, GlobalStyles, H1, Message, Small, Tabs, Text } from '@bigcommerce/big-design';
import { theme } from '@bigcommerce/big-design-theme';
import { StrictMode, useCallback, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ThemeProvider } from 'styled-components';
import { ActivityScreen } from './activity-screen.tsx';
import { ApiError, request, startSession, streamLines, type Session } from './api.ts';
import { ExplainScreen } from './explain-screen.tsx';
import { PreviewScreen, type PreviewState } from './preview-screen.tsx';
import { emptyRule, toDraft, toRuleSet, type Issue, type RuleDraft } from './rule-model.ts';
import { RulesScreen } from './rules-screen.tsx';
import type { Category, PreviewResult, RulesAnswer, Version } from './types.ts';

const alerts = createAlertsManager();
const EXPIRED_EVENT = 'app-session-expired';
const TABS = [
  { id: 'rules', title: 'Rules' },
  { id: 'preview', title: 'Preview & apply' },
  { id: 'explain', title: 'Explain a product' },
  { id: 'activity', title: 'Activity' },
];

function App({ storeHash }: { storeHash: string }) {
  const [tab, setTab] = useState('rules');
  const [expired, setExpired] = useState(false);
  const [categories, setCategories] = useState<Category[]>([]);
  const [drafts, setDrafts] = useState<RuleDraft[]>([]);
  const [loaded, setLoaded] = useState<RulesAnswer | undefined>();
  const [versions, setVersions] = useState<Version[]>([]);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<PreviewState>({ running: false, progress: undefined, result: undefined, error: undefined });
  const abort = useRef<AbortController | undefined>(undefined);

  const reload = useCallback(async () => {
    const [rules, v] = await Promise.all([request<RulesAnswer>('GET', '/rules'), request<{ versions: Version[] }>('GET', '/rules/versions')]);
    setLoaded(rules);
    setVersions(v.versions);
    setDrafts(rules.ruleSet.rules.length ? rules.ruleSet.rules.map(toDraft) : [emptyRule()]);
    setIssues([]);
  }, []);

  useEffect(() => {
    const onExpired = () => setExpired(true);
    window.addEventListener(EXPIRED_EVENT, onExpired);
    void reload().catch(() => undefined);
    request<{ categories: Category[] }>('GET', '/categories').then((r) => setCategories(r.categories), () => undefined);
    return () => window.removeEventListener(EXPIRED_EVENT, onExpired);
  }, [reload]);

  const failed = (err: unknown) => {
    if (err instanceof ApiError && err.issues.length > 0) {
      setIssues(err.issues);
      setTab('rules');
      alerts.add({ type: 'error', messages: [{ text: 'The rules have problems: see the messages beside the fields. Nothing was saved.' }], autoDismiss: true });
    } else {
      alerts.add({ type: 'error', messages: [{ text: (err as Error).message }] });
    }
  };

  const save = async () => {
    alerts.clear();
    setBusy(true);
    try {
      const r = await request<{ version: number }>('PUT', '/rules', { ruleSet: toRuleSet(drafts), expectedVersion: loaded?.version ?? 0 });
      await reload();
      alerts.add({ type: 'success', messages: [{ text: `Saved as version ${r.version}. The whole catalog is being brought in line with it.` }], autoDismiss: true });
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
    }
  };

  const runPreview = async () => {
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    alerts.clear();
    setIssues([]);
    setPreview({ running: true, progress: undefined, result: undefined, error: undefined });
    setTab('preview');
    try {
      await streamLines('/preview', { ruleSet: toRuleSet(drafts) }, ctl.signal, (line) => {
        if (line.progress) setPreview((s) => ({ ...s, progress: line.progress as PreviewState['progress'] }));
        if (line.result) setPreview((s) => ({ ...s, running: false, result: line.result as PreviewResult }));
        if (line.error) setPreview((s) => ({ ...s, running: false, error: (line.error as { message: string }).message }));
      });
      setPreview((s) => ({ ...s, running: false }));
    } catch (err) {
      if ((err as Error).name === 'AbortError') setPreview((s) => ({ ...s, running: false, error: 'Preview cancelled.' }));
      else {
        setPreview((s) => ({ ...s, running: false }));
        failed(err);
      }
    }
  };

  const rollback = async (version: number) => {
    setBusy(true);
    try {
      const r = await request<{ version: number }>('POST', '/rules/rollback', { version, expectedVersion: loaded?.version ?? 0 });
      await reload();
      alerts.add({ type: 'success', messages: [{ text: `Rolled back: version ${r.version} has the rules of version ${version}. The catalog is being re-checked.` }], autoDismiss: true });
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box padding="xLarge" backgroundColor="secondary10" style={{ minHeight: '100vh' }}>
      <AlertsManager manager={alerts} />
      <H1>Automated Categories</H1>
      <Small>Store {storeHash}</Small>
      {expired && <Message type="warning" marginVertical="medium" messages={[{ text: 'Your session has expired. Open the app again from the control panel.' }]} />}
      <Tabs activeTab={tab} items={TABS} onTabClick={setTab} />
      <Box marginTop="medium">
        {tab === 'rules' && (
          <RulesScreen
            drafts={drafts}
            setDrafts={setDrafts}
            categories={categories}
            issues={issues}
            version={loaded?.version ?? 0}
            source={loaded?.source ?? 'none'}
            versions={versions}
            busy={busy}
            onSave={() => void save()}
            onPreview={() => void runPreview()}
            onRollback={(v) => void rollback(v)}
          />
        )}
        {tab === 'preview' && <PreviewScreen state={preview} categories={categories} busy={busy} onRun={() => void runPreview()} onCancel={() => abort.current?.abort()} onApply={() => void save()} />}
        {tab === 'explain' && <ExplainScreen categories={categories} />}
        {tab === 'activity' && <ActivityScreen />}
      </Box>
    </Box>
  );
}

// The session /load put in the page: read once into memory, then removed from the DOM.
const el = document.getElementById('app-session');
const session = el ? (JSON.parse(el.textContent ?? 'null') as Session | null) : null;
el?.remove();
const root = createRoot(document.getElementById('root')!);
if (!session) {
  root.render(<Text>Open this app from the BigCommerce control panel.</Text>);
} else {
  startSession(session, () => window.dispatchEvent(new Event(EXPIRED_EVENT)));
  root.render(
    <StrictMode>
      <ThemeProvider theme={theme}>
        <GlobalStyles />
        <App storeHash={session.storeHash} />
      </ThemeProvider>
    </StrictMode>,
  );
}
