// The overview: cluster counts, throughput charts derived from the cluster's counters, brokers.

import { useState } from 'preact/hooks';
import { api, type Cluster } from '../api';
import { TimeChart } from '../components/chart';
import { Card, ErrorBanner, Loading, PageHeader, Stat } from '../components/ui';
import { formatAbsolute, formatByteRate, formatBytes, formatNumber, formatRate, formatUptime } from '../format';
import { useDocumentTitle, usePoll } from '../hooks';
import { Link, topicPath } from '../router';

const POLL_MS = 2000;
const WINDOW_S = 10 * 60;

interface Sample {
    t: number; // seconds
    bytesIn: number;
    bytesOut: number;
    messagesIn: number;
}

// Kept for the whole session so leaving the overview and coming back keeps the history.
const samples: Sample[] = [];

function record(c: Cluster) {
    const t = Date.now() / 1000;
    const last = samples[samples.length - 1];
    // A restarted broker resets its counters: start the series again.
    if (last && (c.totals.bytes_in < last.bytesIn || c.totals.messages_in < last.messagesIn)) samples.length = 0;
    samples.push({ t, bytesIn: c.totals.bytes_in, bytesOut: c.totals.bytes_out, messagesIn: c.totals.messages_in });
    while (samples.length > 0 && samples[0]!.t < t - WINDOW_S) samples.shift();
}

interface Rates {
    bytes: number[][];
    messages: number[][];
}

function rates(): Rates {
    const xs: number[] = [];
    const bin: number[] = [];
    const bout: number[] = [];
    const msgs: number[] = [];
    for (let i = 1; i < samples.length; i++) {
        const a = samples[i - 1]!;
        const b = samples[i]!;
        const dt = b.t - a.t;
        if (dt <= 0) continue;
        xs.push(b.t);
        bin.push((b.bytesIn - a.bytesIn) / dt);
        bout.push((b.bytesOut - a.bytesOut) / dt);
        msgs.push((b.messagesIn - a.messagesIn) / dt);
    }
    return { bytes: [xs, bin, bout], messages: [xs, msgs] };
}

export function OverviewPage() {
    useDocumentTitle('Overview');
    const [series, setSeries] = useState<Rates>(rates);
    const cluster = usePoll(
        (signal) => api.cluster(signal),
        [],
        POLL_MS,
        (c) => {
            record(c);
            setSeries(rates());
        },
    );
    const topics = usePoll((signal) => api.topics(false, signal), [], 4000);
    const c = cluster.data;

    if (!c && cluster.loading) return <Loading label="Loading the cluster…" />;

    const hasRack = c ? c.brokers.some((b) => b.rack !== null) : false;
    const stored = c ? c.brokers.reduce((sum, b) => sum + b.size_bytes, 0) : 0;
    const largest = (topics.data ?? [])
        .slice()
        .sort((a, b) => b.size_bytes - a.size_bytes)
        .slice(0, 6);

    return (
        <div class="page">
            <PageHeader
                title="Overview"
                meta={
                    c ? (
                        <>
                            Fjord {c.version} · up {formatUptime(c.started_at_ms)} · started {formatAbsolute(c.started_at_ms)}
                        </>
                    ) : undefined
                }
            />
            <ErrorBanner error={cluster.error} title="Cannot load the cluster" />
            {c && (
                <>
                    <div class="stats" data-testid="overview-stats">
                        <Stat label="Brokers" value={formatNumber(c.brokers.length)} sub={`controller #${c.controller_id}`} testid="stat-brokers" />
                        <Stat label="Topics" value={formatNumber(c.topic_count)} testid="stat-topics" />
                        <Stat label="Partitions" value={formatNumber(c.partition_count)} testid="stat-partitions" />
                        <Stat label="Consumer groups" value={formatNumber(c.group_count)} testid="stat-groups" />
                        <Stat label="Stored" value={formatBytes(stored)} sub={`${formatNumber(c.totals.messages_in)} messages in since start`} testid="stat-stored" />
                    </div>
                    <div class="grid-2">
                        <Card title="Throughput" testid="chart-bytes">
                            <TimeChart
                                series={[
                                    { label: 'Bytes in/s', color: '#2557d6' },
                                    { label: 'Bytes out/s', color: '#0e9f8a' },
                                ]}
                                data={series.bytes}
                                steps="bytes"
                                format={(v) => formatByteRate(v)}
                            />
                        </Card>
                        <Card title="Messages in" testid="chart-messages">
                            <TimeChart series={[{ label: 'Messages/s', color: '#7c4dde' }]} data={series.messages} format={(v) => formatRate(v)} />
                        </Card>
                    </div>
                    <div class="grid-2">
                        <Card title="Brokers" flush testid="brokers-card">
                            <div class="table-scroll">
                                <table class="table" data-testid="brokers-table">
                                    <thead>
                                        <tr>
                                            <th>Node</th>
                                            <th>Address</th>
                                            {hasRack && <th>Rack</th>}
                                            <th>Data directory</th>
                                            <th class="num">Size</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {c.brokers.map((b) => (
                                            <tr key={b.node_id}>
                                                <td class="mono nowrap">
                                                    #{b.node_id}
                                                    {b.node_id === c.controller_id && <span class="badge badge-blue badge-inline">controller</span>}
                                                </td>
                                                <td class="mono">{`${b.host}:${b.port}`}</td>
                                                {hasRack && <td class="muted">{b.rack ?? '—'}</td>}
                                                <td class="mono truncate" title={b.data_dir}>
                                                    {b.data_dir}
                                                </td>
                                                <td class="num">{formatBytes(b.size_bytes)}</td>
                                            </tr>
                                        ))}
                                    </tbody>
                                </table>
                            </div>
                        </Card>
                        <Card
                            title="Largest topics"
                            flush
                            actions={
                                <Link href="/topics" class="card-link">
                                    All topics
                                </Link>
                            }
                        >
                            {largest.length === 0 ? (
                                <div class="card-empty">{topics.loading ? 'Loading…' : 'No topics yet.'}</div>
                            ) : (
                                <table class="table">
                                    <thead>
                                        <tr>
                                            <th>Topic</th>
                                            <th class="num">Partitions</th>
                                            <th class="num">Records</th>
                                            <th class="num">Size</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {largest.map((t) => (
                                            <tr key={t.name}>
                                                <td>
                                                    <Link href={topicPath(t.name)} class="table-link">
                                                        {t.name}
                                                    </Link>
                                                </td>
                                                <td class="num">{formatNumber(t.partition_count)}</td>
                                                <td class="num">{formatNumber(t.record_count)}</td>
                                                <td class="num">{formatBytes(t.size_bytes)}</td>
                                            </tr>
                                        ))}
                                    </tbody>
                                </table>
                            )}
                        </Card>
                    </div>
                </>
            )}
        </div>
    );
}
