// The topic list: search, hide internal topics, create (dialog) and delete (typed confirmation).

import { useMemo, useState } from 'preact/hooks';
import { api, type TopicSummary } from '../api';
import { IconPlus, IconTopics, IconTrash } from '../components/icons';
import { Badge, Button, Card, ConfirmDialog, Empty, ErrorBanner, Loading, PageHeader, SearchInput, Switch } from '../components/ui';
import { formatBytes, formatDuration, formatNumber } from '../format';
import { useAction, useDocumentTitle, usePoll } from '../hooks';
import { Link, navigate, topicPath } from '../router';
import { CreateTopicDialog } from './create-topic';

export function TopicsPage() {
    useDocumentTitle('Topics');
    const [query, setQuery] = useState('');
    const [showInternal, setShowInternal] = useState(false);
    const [creating, setCreating] = useState(false);
    const [deleting, setDeleting] = useState<TopicSummary | null>(null);
    const topics = usePoll((signal) => api.topics(true, signal), [], 5000);

    const visible = useMemo(() => {
        const q = query.trim().toLowerCase();
        return (topics.data ?? [])
            .filter((t) => showInternal || !t.internal)
            .filter((t) => q === '' || t.name.toLowerCase().includes(q))
            .sort((a, b) => a.name.localeCompare(b.name));
    }, [topics.data, query, showInternal]);
    const internalCount = (topics.data ?? []).filter((t) => t.internal).length;

    const del = useAction((name: string) => api.deleteTopic(name));

    return (
        <div class="page">
            <PageHeader
                title="Topics"
                meta={
                    topics.data
                        ? `${formatNumber(topics.data.length - internalCount)} topic${topics.data.length - internalCount === 1 ? '' : 's'}${internalCount ? `, ${internalCount} internal` : ''}`
                        : undefined
                }
                actions={
                    <Button variant="primary" onClick={() => setCreating(true)} testid="create-topic-button">
                        <IconPlus size={16} /> Create topic
                    </Button>
                }
            />
            <ErrorBanner error={topics.error} title="Cannot load topics" />
            <div class="toolbar">
                <SearchInput value={query} onInput={setQuery} placeholder="Search topics" testid="topic-search" />
                <Switch checked={showInternal} onChange={setShowInternal} label="Show internal topics" testid="show-internal" />
            </div>
            {topics.loading && !topics.data ? (
                <Loading label="Loading topics…" />
            ) : (
                <Card flush>
                    {visible.length === 0 ? (
                        topics.data && topics.data.length > internalCount ? (
                            <Empty title="No topic matches" testid="topics-empty">
                                Nothing matches <code class="inline-code">{query}</code>.
                            </Empty>
                        ) : (
                            <Empty icon={<IconTopics size={28} />} title="No topics yet" testid="topics-empty">
                                <p>Create a topic here, or let a producer create one.</p>
                                <div class="empty-actions">
                                    <Button variant="primary" onClick={() => setCreating(true)}>
                                        <IconPlus size={16} /> Create topic
                                    </Button>
                                </div>
                            </Empty>
                        )
                    ) : (
                        <table class="table table-hover" data-testid="topics-table">
                            <thead>
                                <tr>
                                    <th>Name</th>
                                    <th class="num">Partitions</th>
                                    <th class="num">Replicas</th>
                                    <th class="num">Records</th>
                                    <th class="num">Size</th>
                                    <th class="num">Retention</th>
                                    <th>Cleanup</th>
                                    <th class="actions-col" aria-label="Actions" />
                                </tr>
                            </thead>
                            <tbody>
                                {visible.map((t) => (
                                    <tr
                                        key={t.name}
                                        data-testid="topic-row"
                                        data-topic={t.name}
                                        class="row-link"
                                        onClick={(e) => {
                                            if ((e.target as HTMLElement).closest('a,button')) return;
                                            navigate(topicPath(t.name));
                                        }}
                                    >
                                        <td>
                                            <Link href={topicPath(t.name)} class="table-link" data-testid="topic-link">
                                                {t.name}
                                            </Link>
                                            {t.internal && <span class="badge badge-gray badge-inline">internal</span>}
                                        </td>
                                        <td class="num">{formatNumber(t.partition_count)}</td>
                                        <td class="num">{formatNumber(t.replication_factor)}</td>
                                        <td class="num" data-testid="topic-records">
                                            {formatNumber(t.record_count)}
                                        </td>
                                        <td class="num">{formatBytes(t.size_bytes)}</td>
                                        <td class="num">{t.retention_ms === undefined ? '—' : formatDuration(t.retention_ms)}</td>
                                        <td>{t.cleanup_policy ? <Badge tone={t.cleanup_policy.includes('compact') ? 'purple' : 'gray'}>{t.cleanup_policy}</Badge> : '—'}</td>
                                        <td class="actions-col">
                                            {!t.internal && (
                                                <button
                                                    type="button"
                                                    class="icon-btn icon-btn-danger"
                                                    title={`Delete ${t.name}`}
                                                    aria-label={`Delete ${t.name}`}
                                                    data-testid="delete-topic"
                                                    onClick={() => {
                                                        del.setError(null);
                                                        setDeleting(t);
                                                    }}
                                                >
                                                    <IconTrash size={16} />
                                                </button>
                                            )}
                                        </td>
                                    </tr>
                                ))}
                            </tbody>
                        </table>
                    )}
                </Card>
            )}
            {creating && (
                <CreateTopicDialog
                    onClose={() => setCreating(false)}
                    onCreated={(name) => {
                        setCreating(false);
                        navigate(topicPath(name));
                    }}
                />
            )}
            {deleting && (
                <ConfirmDialog
                    title="Delete topic"
                    subject={deleting.name}
                    noun="topic name"
                    actionLabel="Delete topic"
                    running={del.running}
                    error={del.error}
                    onClose={() => setDeleting(null)}
                    onConfirm={async () => {
                        const ok = await del.run(deleting.name);
                        if (ok) {
                            setDeleting(null);
                            topics.reload();
                        }
                    }}
                >
                    <p>
                        This deletes <strong>{deleting.name}</strong> with its {formatNumber(deleting.partition_count)} partition{deleting.partition_count === 1 ? '' : 's'} and{' '}
                        {formatNumber(deleting.record_count)} records ({formatBytes(deleting.size_bytes)}). It cannot be undone.
                    </p>
                </ConfirmDialog>
            )}
        </div>
    );
}
