// One consumer group: members and their assignments, offsets and lag per partition, a lag
// chart kept in the browser while the page polls, resetting offsets and deleting the group.

import { useMemo, useState } from 'preact/hooks';
import { api, type GroupDetail } from '../api';
import { TimeChart } from '../components/chart';
import { IconRefresh, IconTrash } from '../components/icons';
import { Button, Card, ConfirmDialog, Empty, ErrorBanner, Loading, PageHeader, Stat, StateBadge } from '../components/ui';
import { formatNumber } from '../format';
import { useAction, useDocumentTitle, usePoll } from '../hooks';
import { Link, navigate, topicPath } from '../router';
import { ResetOffsetsDialog } from './reset-offsets';

const POLL_MS = 2000;
const WINDOW_S = 15 * 60;
const CHART_COLORS = ['#2557d6', '#0e9f8a', '#d97706', '#7c4dde', '#db2777', '#0891b2'];

interface LagSample {
    t: number;
    total: number;
    byTopic: Record<string, number>;
}

// Lag history per group for the whole session, so coming back to a group keeps its chart.
const history = new Map<string, LagSample[]>();

function record(g: GroupDetail): LagSample[] {
    const t = Date.now() / 1000;
    const byTopic: Record<string, number> = {};
    for (const o of g.offsets) byTopic[o.topic] = (byTopic[o.topic] ?? 0) + o.lag;
    const list = history.get(g.group_id) ?? [];
    list.push({ t, total: g.total_lag, byTopic });
    while (list.length > 0 && list[0]!.t < t - WINDOW_S) list.shift();
    history.set(g.group_id, list);
    return list.slice();
}

function shortMember(id: string): string {
    return id.length > 28 ? `${id.slice(0, 12)}…${id.slice(-10)}` : id;
}

export function GroupPage({ id }: { id: string }) {
    useDocumentTitle(`Group ${id}`);
    const [samples, setSamples] = useState<LagSample[]>(() => history.get(id)?.slice() ?? []);
    const group = usePoll(
        (signal) => api.group(id, signal),
        [id],
        POLL_MS,
        (g) => setSamples(record(g)),
    );
    const [resetting, setResetting] = useState(false);
    const [deleting, setDeleting] = useState(false);
    const del = useAction(() => api.deleteGroup(id));
    const g = group.data;

    const topics = useMemo(
        () => Array.from(new Set((g?.offsets ?? []).map((o) => o.topic).concat((g?.members ?? []).flatMap((m) => m.assignments.map((a) => a.topic))))).sort(),
        [g],
    );
    const chartTopics = topics.length > 1 && topics.length <= CHART_COLORS.length - 1 ? topics : [];
    const chart = useMemo(() => {
        const data: number[][] = [samples.map((s) => s.t), samples.map((s) => s.total)];
        for (const t of chartTopics) data.push(samples.map((s) => s.byTopic[t] ?? 0));
        return data;
    }, [samples, chartTopics.join('|')]);

    if (!g && group.loading) return <Loading label="Loading the group…" />;
    if (!g && group.error) {
        return (
            <div class="page">
                <PageHeader eyebrow={<Link href="/groups">Consumer groups</Link>} title={id} />
                {group.error.status === 404 ? (
                    <Card>
                        <Empty title="Group not found" testid="group-not-found">
                            <p>{group.error.message}</p>
                            <div class="empty-actions">
                                <Button onClick={() => navigate('/groups')}>Back to consumer groups</Button>
                            </div>
                        </Empty>
                    </Card>
                ) : (
                    <ErrorBanner error={group.error} title="Cannot load the group" />
                )}
            </div>
        );
    }
    if (!g) return null;

    const memberName = new Map(g.members.map((m) => [m.member_id, m.client_id || shortMember(m.member_id)]));
    const offsets = g.offsets.slice().sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);

    return (
        <div class="page">
            <PageHeader
                eyebrow={<Link href="/groups">Consumer groups</Link>}
                title={
                    <span class="mono" data-testid="group-title">
                        {g.group_id}
                    </span>
                }
                meta={
                    <>
                        <StateBadge state={g.state} />
                        {g.protocol_type && (
                            <span class="muted">
                                {g.protocol_type}
                                {g.protocol ? ` / ${g.protocol}` : ''}
                            </span>
                        )}
                    </>
                }
                actions={
                    <>
                        <Button onClick={() => setResetting(true)} testid="reset-offsets-button">
                            <IconRefresh size={16} /> Reset offsets
                        </Button>
                        <Button variant="danger" onClick={() => setDeleting(true)} testid="group-delete">
                            <IconTrash size={16} /> Delete
                        </Button>
                    </>
                }
            />
            <ErrorBanner error={group.error} title="Cannot refresh the group" />
            <div class="stats">
                <Stat label="Total lag" value={<span data-testid="group-total-lag">{formatNumber(g.total_lag)}</span>} sub="records behind the high watermark" />
                <Stat label="Members" value={formatNumber(g.members.length)} testid="group-members-count" />
                <Stat label="Topics" value={formatNumber(topics.length)} />
                <Stat label="Partitions" value={formatNumber(g.offsets.length)} sub={`${formatNumber(g.offsets.filter((o) => o.committed_offset !== null).length)} with commits`} />
            </div>
            <Card title="Lag over time" testid="lag-chart" actions={<span class="card-figure muted">sampled every 2 s while this page is open</span>}>
                <TimeChart
                    series={[{ label: 'Total lag', color: CHART_COLORS[0]! }, ...chartTopics.map((t, i) => ({ label: t, color: CHART_COLORS[i + 1]! }))]}
                    data={chart}
                    height={220}
                    steps="integer"
                    windowS={600}
                    format={(v) => formatNumber(Math.round(v))}
                />
            </Card>
            <Card title={`Members (${g.members.length})`} flush testid="members-card">
                {g.members.length === 0 ? (
                    <div class="card-empty">No active members. Offsets stay committed; reset them or delete the group.</div>
                ) : (
                    <table class="table" data-testid="members-table">
                        <thead>
                            <tr>
                                <th>Member</th>
                                <th>Client id</th>
                                <th>Host</th>
                                <th>Assignments</th>
                            </tr>
                        </thead>
                        <tbody>
                            {g.members.map((m) => (
                                <tr key={m.member_id} data-testid="member-row">
                                    <td class="mono" title={m.member_id}>
                                        {shortMember(m.member_id)}
                                        {m.group_instance_id && <div class="muted small">instance {m.group_instance_id}</div>}
                                    </td>
                                    <td class="mono">{m.client_id}</td>
                                    <td class="mono muted">{m.client_host}</td>
                                    <td>
                                        {m.assignments.length === 0 ? (
                                            <span class="muted">none</span>
                                        ) : (
                                            m.assignments.map((a) => (
                                                <div class="assignment" key={a.topic}>
                                                    <Link href={topicPath(a.topic)} class="table-link-quiet">
                                                        {a.topic}
                                                    </Link>
                                                    <span class="chips">
                                                        {a.partitions
                                                            .slice()
                                                            .sort((x, y) => x - y)
                                                            .map((p) => (
                                                                <span class="chip" key={p}>
                                                                    {p}
                                                                </span>
                                                            ))}
                                                    </span>
                                                </div>
                                            ))
                                        )}
                                    </td>
                                </tr>
                            ))}
                        </tbody>
                    </table>
                )}
            </Card>
            <Card title="Offsets and lag" flush testid="offsets-card">
                {offsets.length === 0 ? (
                    <div class="card-empty">No committed offsets or assignments.</div>
                ) : (
                    <table class="table" data-testid="offsets-table">
                        <thead>
                            <tr>
                                <th>Topic</th>
                                <th class="num">Partition</th>
                                <th class="num">Committed offset</th>
                                <th class="num">Log end offset</th>
                                <th class="num">Lag</th>
                                <th>Member</th>
                            </tr>
                        </thead>
                        <tbody>
                            {offsets.map((o) => (
                                <tr key={`${o.topic}:${o.partition}`} data-testid="offset-row" data-topic={o.topic} data-partition={o.partition}>
                                    <td>
                                        <Link href={topicPath(o.topic)} class="table-link-quiet">
                                            {o.topic}
                                        </Link>
                                    </td>
                                    <td class="num">{o.partition}</td>
                                    <td class="num" data-testid="offset-committed">
                                        {o.committed_offset === null ? <span class="null">none</span> : formatNumber(o.committed_offset)}
                                    </td>
                                    <td class="num">{formatNumber(o.log_end_offset)}</td>
                                    <td class={`num ${o.lag > 0 ? 'lag-positive' : ''}`} data-testid="offset-lag">
                                        {formatNumber(o.lag)}
                                    </td>
                                    <td class="mono muted">{o.member_id ? (memberName.get(o.member_id) ?? shortMember(o.member_id)) : '—'}</td>
                                </tr>
                            ))}
                        </tbody>
                    </table>
                )}
            </Card>
            {resetting && (
                <ResetOffsetsDialog
                    group={g}
                    topics={topics}
                    onClose={() => setResetting(false)}
                    onDone={() => {
                        setResetting(false);
                        group.reload();
                    }}
                />
            )}
            {deleting && (
                <ConfirmDialog
                    title="Delete consumer group"
                    subject={g.group_id}
                    noun="group id"
                    actionLabel="Delete group"
                    running={del.running}
                    error={del.error}
                    onClose={() => setDeleting(false)}
                    onConfirm={async () => {
                        if (await del.run()) {
                            history.delete(g.group_id);
                            navigate('/groups');
                        }
                    }}
                >
                    <p>
                        This removes the committed offsets of <strong class="mono">{g.group_id}</strong>. The group must have no active members.
                    </p>
                </ConfirmDialog>
            )}
        </div>
    );
}
