// One topic: its numbers, and tabs for the message browser, the partitions and the configs.

import { useState } from 'preact/hooks';
import { api, type TopicDetail } from '../api';
import { IconPlus, IconProduce, IconTrash } from '../components/icons';
import { Badge, Button, Card, ConfirmDialog, Dialog, Empty, ErrorBanner, Field, Loading, PageHeader, Stat, Tabs } from '../components/ui';
import { formatBytes, formatDuration, formatNumber } from '../format';
import { useAction, useDocumentTitle, usePoll } from '../hooks';
import { Link, navigate, setQuery, useLocation } from '../router';
import { ConfigsTab } from './topic-configs';
import { MessageBrowser } from './messages';

type Tab = 'messages' | 'partitions' | 'configs';

function configValue(t: TopicDetail, name: string): string | undefined {
    return t.configs.find((c) => c.name === name)?.value ?? undefined;
}

export function TopicPage({ name }: { name: string }) {
    useDocumentTitle(name);
    const loc = useLocation();
    const tabParam = loc.query.get('tab');
    const tab: Tab = tabParam === 'partitions' || tabParam === 'configs' ? tabParam : 'messages';
    const topic = usePoll((signal) => api.topic(name, signal), [name], 5000);
    const [deleting, setDeleting] = useState(false);
    const [adding, setAdding] = useState(false);
    const del = useAction(() => api.deleteTopic(name));
    const t = topic.data;

    if (!t && topic.loading) return <Loading label="Loading the topic…" />;
    if (!t && topic.error) {
        return (
            <div class="page">
                <PageHeader eyebrow={<Link href="/topics">Topics</Link>} title={name} />
                {topic.error.status === 404 ? (
                    <Card>
                        <Empty title="Topic not found" testid="topic-not-found">
                            <p>{topic.error.message}</p>
                            <div class="empty-actions">
                                <Button onClick={() => navigate('/topics')}>Back to topics</Button>
                            </div>
                        </Empty>
                    </Card>
                ) : (
                    <ErrorBanner error={topic.error} title="Cannot load the topic" />
                )}
            </div>
        );
    }
    if (!t) return null;

    const retention = configValue(t, 'retention.ms');
    const cleanup = configValue(t, 'cleanup.policy');

    return (
        <div class="page">
            <PageHeader
                eyebrow={<Link href="/topics">Topics</Link>}
                title={<span data-testid="topic-title">{t.name}</span>}
                meta={
                    <>
                        {t.internal && <Badge tone="gray">internal</Badge>}
                        {cleanup && <Badge tone={cleanup.includes('compact') ? 'purple' : 'gray'}>{cleanup}</Badge>}
                        <span class="mono muted">id {t.id}</span>
                    </>
                }
                actions={
                    <>
                        {!t.internal && (
                            <Link href={`/produce?topic=${encodeURIComponent(t.name)}`} class="btn btn-secondary btn-md" data-testid="topic-produce">
                                <IconProduce size={16} /> Produce
                            </Link>
                        )}
                        <Button onClick={() => setAdding(true)} testid="add-partitions-button" disabled={t.internal}>
                            <IconPlus size={16} /> Add partitions
                        </Button>
                        {!t.internal && (
                            <Button variant="danger" onClick={() => setDeleting(true)} testid="topic-delete">
                                <IconTrash size={16} /> Delete
                            </Button>
                        )}
                    </>
                }
            />
            <ErrorBanner error={topic.error} title="Cannot refresh the topic" />
            <div class="stats">
                <Stat label="Partitions" value={formatNumber(t.partition_count)} sub={`replication factor ${t.replication_factor}`} testid="topic-stat-partitions" />
                <Stat label="Records" value={formatNumber(t.record_count)} testid="topic-stat-records" />
                <Stat label="Size" value={formatBytes(t.size_bytes)} testid="topic-stat-size" />
                <Stat label="Retention" value={retention === undefined ? '—' : formatDuration(Number(retention))} sub={cleanup ? `cleanup ${cleanup}` : undefined} />
            </div>
            <Tabs<Tab>
                tabs={[
                    { id: 'messages', label: 'Messages' },
                    { id: 'partitions', label: 'Partitions', count: t.partition_count },
                    { id: 'configs', label: 'Configs', count: t.configs.length },
                ]}
                active={tab}
                onChange={(id) => setQuery({ tab: id === 'messages' ? null : id })}
            />
            <div class="tab-panel">
                {tab === 'messages' && <MessageBrowser topic={t.name} partitionCount={t.partition_count} />}
                {tab === 'partitions' && <PartitionsTab topic={t} />}
                {tab === 'configs' && <ConfigsTab topic={t} onChanged={topic.reload} />}
            </div>
            {adding && (
                <AddPartitionsDialog
                    topic={t}
                    onClose={() => setAdding(false)}
                    onDone={() => {
                        setAdding(false);
                        topic.reload();
                    }}
                />
            )}
            {deleting && (
                <ConfirmDialog
                    title="Delete topic"
                    subject={t.name}
                    noun="topic name"
                    actionLabel="Delete topic"
                    running={del.running}
                    error={del.error}
                    onClose={() => setDeleting(false)}
                    onConfirm={async () => {
                        if (await del.run()) navigate('/topics');
                    }}
                >
                    <p>
                        This deletes <strong>{t.name}</strong> with its {formatNumber(t.partition_count)} partition{t.partition_count === 1 ? '' : 's'} and{' '}
                        {formatNumber(t.record_count)} records ({formatBytes(t.size_bytes)}). It cannot be undone.
                    </p>
                </ConfirmDialog>
            )}
        </div>
    );
}

function PartitionsTab({ topic: t }: { topic: TopicDetail }) {
    return (
        <div class="card card-flush">
            <table class="table" data-testid="partitions-table">
                <thead>
                    <tr>
                        <th class="num">Partition</th>
                        <th class="num">Leader</th>
                        <th>Replicas</th>
                        <th>In sync</th>
                        <th class="num">Log start</th>
                        <th class="num">High watermark</th>
                        <th class="num">Log end</th>
                        <th class="num">Records</th>
                        <th class="num">Size</th>
                        <th class="num">Segments</th>
                        <th aria-label="Browse" />
                    </tr>
                </thead>
                <tbody>
                    {t.partitions.map((p) => (
                        <tr key={p.partition} data-testid="partition-row">
                            <td class="num">{p.partition}</td>
                            <td class="num">#{p.leader}</td>
                            <td class="mono">{p.replicas.join(', ')}</td>
                            <td class="mono">{p.isr.join(', ')}</td>
                            <td class="num">{formatNumber(p.log_start_offset)}</td>
                            <td class="num" data-testid="partition-hw">
                                {formatNumber(p.high_watermark)}
                            </td>
                            <td class="num">{formatNumber(p.log_end_offset)}</td>
                            <td class="num">{formatNumber(p.high_watermark - p.log_start_offset)}</td>
                            <td class="num">{formatBytes(p.size_bytes)}</td>
                            <td class="num">{formatNumber(p.segment_count)}</td>
                            <td class="num">
                                <Link href={`/topics/${encodeURIComponent(t.name)}?partition=${p.partition}&start=oldest`} class="card-link">
                                    Browse
                                </Link>
                            </td>
                        </tr>
                    ))}
                </tbody>
            </table>
        </div>
    );
}

function AddPartitionsDialog({ topic: t, onClose, onDone }: { topic: TopicDetail; onClose: () => void; onDone: () => void }) {
    const [count, setCount] = useState(String(t.partition_count + 1));
    const add = useAction((n: number) => api.addPartitions(t.name, n));
    return (
        <Dialog title="Add partitions" onClose={onClose} testid="add-partitions-dialog">
            <form
                class="dialog-form"
                onSubmit={async (e) => {
                    e.preventDefault();
                    if (await add.run(Number(count))) onDone();
                }}
            >
                <div class="dialog-body">
                    <p>
                        <strong>{t.name}</strong> has {formatNumber(t.partition_count)} partition{t.partition_count === 1 ? '' : 's'}. Partitions can be added but never removed,
                        and keys hash to different partitions afterwards.
                    </p>
                    <Field label="New total" htmlFor="partition-count">
                        <input
                            id="partition-count"
                            class="input"
                            type="number"
                            min={t.partition_count + 1}
                            value={count}
                            data-testid="partition-count-input"
                            onInput={(e) => setCount((e.target as HTMLInputElement).value)}
                        />
                    </Field>
                    <ErrorBanner error={add.error} title="Could not add partitions" />
                </div>
                <footer class="dialog-footer">
                    <Button onClick={onClose}>Cancel</Button>
                    <Button type="submit" variant="primary" loading={add.running} testid="add-partitions-submit">
                        Add partitions
                    </Button>
                </footer>
            </form>
        </Dialog>
    );
}
