// Produce one record: topic, partition (automatic or chosen), key, value and headers. The
// answer names the partition and offset, with a link to the record in the message browser.

import { useMemo, useState } from 'preact/hooks';
import { api, type ProduceRequest, type ProduceResult } from '../api';
import { IconCheck, IconExternal, IconPlus, IconProduce, IconX } from '../components/icons';
import { Button, Card, Empty, ErrorBanner, Field, Loading, PageHeader } from '../components/ui';
import { formatAbsolute, formatNumber, reformatJson } from '../format';
import { useAction, useDocumentTitle, usePoll } from '../hooks';
import { Link, navigate, topicPath, useLocation } from '../router';

interface HeaderRow {
    id: number;
    key: string;
    value: string;
}

let nextHeaderId = 1;

function jsonState(text: string): 'json' | 'invalid' | 'text' {
    const t = text.trim();
    if (!(t.startsWith('{') || t.startsWith('['))) return 'text';
    try {
        JSON.parse(t);
        return 'json';
    } catch {
        return 'invalid';
    }
}

export function ProducePage() {
    useDocumentTitle('Produce');
    const loc = useLocation();
    const topics = usePoll((signal) => api.topics(false, signal), []);
    const [topic, setTopic] = useState(loc.query.get('topic') ?? '');
    const [partition, setPartition] = useState('auto');
    const [key, setKey] = useState('');
    const [nullKey, setNullKey] = useState(false);
    const [value, setValue] = useState('');
    const [headers, setHeaders] = useState<HeaderRow[]>([]);
    const [sent, setSent] = useState<(ProduceResult & { topic: string }) | null>(null);
    const produce = useAction((t: string, r: ProduceRequest) => api.produce(t, r));

    const sorted = useMemo(() => (topics.data ?? []).slice().sort((a, b) => a.name.localeCompare(b.name)), [topics.data]);
    const chosen = sorted.find((t) => t.name === topic) ?? (topic === '' ? sorted[0] : undefined);
    const effectiveTopic = chosen?.name ?? topic;
    const valueState = jsonState(value);

    const setHeader = (id: number, patch: Partial<HeaderRow>) => setHeaders((hs) => hs.map((h) => (h.id === id ? { ...h, ...patch } : h)));

    const submit = async (e: Event) => {
        e.preventDefault();
        const record: ProduceRequest = {
            key: nullKey || key === '' ? null : key,
            value,
            headers: headers.filter((h) => h.key !== '').map((h) => ({ key: h.key, value: h.value })),
        };
        if (partition !== 'auto') record.partition = Number(partition);
        const r = await produce.run(effectiveTopic, record);
        if (r) setSent({ ...r, topic: effectiveTopic });
    };

    if (topics.loading && !topics.data) return <Loading label="Loading topics…" />;

    if (topics.data && sorted.length === 0) {
        return (
            <div class="page">
                <PageHeader title="Produce" />
                <Empty icon={<IconProduce size={28} />} title="No topics to produce to" testid="produce-no-topics">
                    <p>Create a topic first.</p>
                    <div class="empty-actions">
                        <Button variant="primary" onClick={() => navigate('/topics')}>
                            Go to topics
                        </Button>
                    </div>
                </Empty>
            </div>
        );
    }

    const browserLink = sent ? `${topicPath(sent.topic)}?partition=${sent.partition}&start=offset&offset=${sent.offset}&highlight=${sent.partition}:${sent.offset}` : '';

    return (
        <div class="page">
            <PageHeader title="Produce" meta="Write one record to a topic. The broker answers once it is durable." />
            <ErrorBanner error={topics.error} title="Cannot load topics" />
            <div class="produce-layout">
                <Card>
                    <form class="form" onSubmit={submit} data-testid="produce-form">
                        <div class="field-row">
                            <Field label="Topic" htmlFor="produce-topic">
                                <select
                                    id="produce-topic"
                                    class="select"
                                    value={effectiveTopic}
                                    data-testid="produce-topic"
                                    onChange={(e) => {
                                        setTopic((e.target as HTMLSelectElement).value);
                                        setPartition('auto');
                                    }}
                                >
                                    {!chosen && topic !== '' && <option value={topic}>{topic} (unknown)</option>}
                                    {sorted.map((t) => (
                                        <option value={t.name} key={t.name}>
                                            {t.name}
                                        </option>
                                    ))}
                                </select>
                            </Field>
                            <Field label="Partition" htmlFor="produce-partition">
                                <select
                                    id="produce-partition"
                                    class="select"
                                    value={partition}
                                    data-testid="produce-partition"
                                    onChange={(e) => setPartition((e.target as HTMLSelectElement).value)}
                                >
                                    <option value="auto">Automatic (by key)</option>
                                    {Array.from({ length: chosen?.partition_count ?? 0 }, (_, i) => (
                                        <option value={String(i)} key={i}>
                                            Partition {i}
                                        </option>
                                    ))}
                                </select>
                            </Field>
                        </div>
                        <Field
                            label="Key"
                            htmlFor="produce-key"
                            hint={nullKey ? 'The record has no key.' : 'Records with the same key go to the same partition. Leave empty for no key.'}
                        >
                            <input
                                id="produce-key"
                                class="input input-mono"
                                value={key}
                                disabled={nullKey}
                                placeholder="user-42"
                                data-testid="produce-key"
                                autocomplete="off"
                                spellcheck={false}
                                onInput={(e) => setKey((e.target as HTMLInputElement).value)}
                            />
                        </Field>
                        <label class="checkbox">
                            <input type="checkbox" checked={nullKey} onChange={(e) => setNullKey((e.target as HTMLInputElement).checked)} />
                            <span>Null key</span>
                        </label>
                        <div class="field">
                            <div class="field-label-row">
                                <label class="field-label" for="produce-value">
                                    Value
                                </label>
                                <span class={`value-state value-state-${valueState}`} data-testid="produce-value-state">
                                    {valueState === 'json' ? 'valid JSON' : valueState === 'invalid' ? 'not valid JSON: sent as text' : value === '' ? 'empty' : 'text'}
                                </span>
                                {valueState === 'json' && (
                                    <button type="button" class="text-btn" onClick={() => setValue(reformatJson(value.trim(), 2))}>
                                        Format
                                    </button>
                                )}
                            </div>
                            <textarea
                                id="produce-value"
                                class="textarea input-mono"
                                rows={10}
                                value={value}
                                placeholder={'{"order_id": 42, "amount": 9.99}'}
                                data-testid="produce-value"
                                spellcheck={false}
                                onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)}
                            />
                        </div>
                        <div class="field">
                            <div class="field-label">Headers</div>
                            {headers.map((h) => (
                                <div class="kv-row" key={h.id} data-testid="header-row">
                                    <input
                                        class="input input-mono"
                                        placeholder="name"
                                        value={h.key}
                                        data-testid="header-key"
                                        onInput={(e) => setHeader(h.id, { key: (e.target as HTMLInputElement).value })}
                                    />
                                    <input
                                        class="input input-mono"
                                        placeholder="value"
                                        value={h.value}
                                        data-testid="header-value"
                                        onInput={(e) => setHeader(h.id, { value: (e.target as HTMLInputElement).value })}
                                    />
                                    <button type="button" class="icon-btn" aria-label="Remove header" onClick={() => setHeaders((hs) => hs.filter((x) => x.id !== h.id))}>
                                        <IconX size={16} />
                                    </button>
                                </div>
                            ))}
                            <div>
                                <Button size="sm" variant="ghost" testid="add-header" onClick={() => setHeaders((hs) => [...hs, { id: nextHeaderId++, key: '', value: '' }])}>
                                    <IconPlus size={14} /> Add header
                                </Button>
                            </div>
                        </div>
                        <ErrorBanner error={produce.error} title="Could not produce" />
                        <div class="form-actions">
                            <Button type="submit" variant="primary" loading={produce.running} disabled={!effectiveTopic} testid="produce-submit">
                                <IconProduce size={16} /> Produce record
                            </Button>
                        </div>
                    </form>
                </Card>
                <div class="produce-side">
                    {sent ? (
                        <Card testid="produce-result">
                            <div class="result-head">
                                <span class="result-icon">
                                    <IconCheck size={18} />
                                </span>
                                <div>
                                    <div class="result-title">Record written</div>
                                    <div class="muted small">{formatAbsolute(sent.timestamp)}</div>
                                </div>
                            </div>
                            <dl class="result-grid">
                                <div>
                                    <dt>Topic</dt>
                                    <dd class="mono">{sent.topic}</dd>
                                </div>
                                <div>
                                    <dt>Partition</dt>
                                    <dd class="mono" data-testid="produce-result-partition">
                                        {sent.partition}
                                    </dd>
                                </div>
                                <div>
                                    <dt>Offset</dt>
                                    <dd class="mono" data-testid="produce-result-offset">
                                        {formatNumber(sent.offset)}
                                    </dd>
                                </div>
                            </dl>
                            <Link href={browserLink} class="btn btn-secondary btn-md btn-block" data-testid="produce-result-link">
                                <IconExternal size={16} /> View in the message browser
                            </Link>
                        </Card>
                    ) : (
                        <Card>
                            <div class="side-help">
                                <div class="side-help-title">Tips</div>
                                <ul>
                                    <li>Values that parse as JSON are shown pretty-printed in the message browser.</li>
                                    <li>Automatic partitioning hashes the key with murmur2, like the Java client.</li>
                                    <li>
                                        Browse what is already there on the <Link href={chosen ? topicPath(chosen.name) : '/topics'}>topic page</Link>.
                                    </li>
                                </ul>
                            </div>
                        </Card>
                    )}
                </div>
            </div>
        </div>
    );
}
