// The message browser of a topic page: choose partitions and where to start, page through
// records, expand one to read its value as JSON, text or a hex dump, or tail the topic live.
// The applied query lives in the URL (?partition=&start=&offset=&ts=&limit=), so a view can
// be linked to and reloaded.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Message, type MessagePartition, type MessageQuery } from '../api';
import { IconChevronDown, IconChevronRight, IconInbox, IconPause, IconPlay, IconRefresh } from '../components/icons';
import { Badge, Button, Empty, ErrorBanner, Loading, Time } from '../components/ui';
import { base64ToBytes, byteLength, formatAbsolute, formatBytes, formatNumber, fromDatetimeLocal, hexDump, parseValue, previewValue, toDatetimeLocal } from '../format';
import { useNow } from '../hooks';
import { setQuery, useLocation } from '../router';

type StartMode = 'newest' | 'oldest' | 'offset' | 'timestamp';
const START_MODES: { id: StartMode; label: string }[] = [
    { id: 'newest', label: 'Newest' },
    { id: 'oldest', label: 'Oldest' },
    { id: 'offset', label: 'Offset' },
    { id: 'timestamp', label: 'Timestamp' },
];
const LIMITS = [20, 50, 100, 200, 500];
const TAIL_MS = 1000;
const MAX_ROWS = 2000;

interface Applied {
    partition: number | null;
    start: StartMode;
    offset: number;
    ts: number | null;
    limit: number;
}

function readApplied(q: URLSearchParams): Applied {
    const p = q.get('partition');
    const start = (q.get('start') as StartMode) ?? 'newest';
    const limit = Number(q.get('limit') ?? 50);
    const ts = q.get('ts');
    return {
        partition: p !== null && p !== '' && p !== 'all' && Number.isInteger(Number(p)) ? Number(p) : null,
        start: START_MODES.some((m) => m.id === start) ? start : 'newest',
        offset: Math.max(0, Number(q.get('offset') ?? 0) || 0),
        ts: ts !== null && Number.isFinite(Number(ts)) ? Number(ts) : null,
        limit: Number.isInteger(limit) && limit >= 1 && limit <= 1000 ? limit : 50,
    };
}

function toQuery(a: Applied): MessageQuery {
    const q: MessageQuery = { limit: a.limit };
    if (a.partition !== null) q.partition = a.partition;
    if (a.start === 'oldest') q.from = 'beginning';
    else if (a.start === 'newest') q.from = 'end';
    else if (a.start === 'offset') q.offset = a.offset;
    else if (a.ts !== null) q.timestamp = a.ts;
    return q;
}

const rowKey = (m: Message) => `${m.partition}:${m.offset}`;

function sortRows(rows: Message[], descending: boolean): Message[] {
    const sorted = rows.slice().sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
    return descending ? sorted.reverse() : sorted;
}

export function MessageBrowser({ topic, partitionCount }: { topic: string; partitionCount: number }) {
    const loc = useLocation();
    const applied = readApplied(loc.query);
    const appliedKey = JSON.stringify(applied);
    const highlight = loc.query.get('highlight');

    // The form edits a draft; "Load" writes it to the URL, which drives the fetch.
    const [draft, setDraft] = useState<Applied>(applied);
    const [dateText, setDateText] = useState(applied.ts !== null ? toDatetimeLocal(applied.ts) : toDatetimeLocal(Date.now() - 3_600_000));
    useEffect(() => setDraft(readApplied(new URLSearchParams(window.location.search))), [appliedKey]);

    const [rows, setRows] = useState<Message[]>([]);
    const [partitions, setPartitions] = useState<MessagePartition[]>([]);
    const [loading, setLoading] = useState(true);
    const [error, setError] = useState<ApiError | null>(null);
    const [tick, setTick] = useState(0);
    const [live, setLive] = useState(false);
    const [tailError, setTailError] = useState<ApiError | null>(null);
    const [expanded, setExpanded] = useState<Set<string>>(() => new Set(highlight ? [highlight] : []));
    const nextOffsets = useRef<Map<number, number>>(new Map());
    const now = useNow(5000);

    useEffect(() => {
        const controller = new AbortController();
        setLoading(true);
        setError(null);
        api.messages(topic, toQuery(applied), controller.signal)
            .then((page) => {
                setRows(page.messages);
                setPartitions(page.partitions);
                nextOffsets.current = new Map(page.partitions.map((p) => [p.partition, p.next_offset]));
                setLoading(false);
            })
            .catch((e) => {
                if ((e as Error).name === 'AbortError') return;
                setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT_ERROR', String(e)));
                setRows([]);
                setPartitions([]);
                setLoading(false);
            });
        return () => controller.abort();
    }, [topic, appliedKey, tick]);

    // Live tail: every partition polled from its next offset; new records join the list.
    useEffect(() => {
        if (!live || loading) return undefined;
        const controller = new AbortController();
        let timer: number | undefined;
        let stopped = false;
        const poll = async () => {
            try {
                for (const [partition, offset] of nextOffsets.current) {
                    const page = await api.messages(topic, { partition, offset, limit: 500 }, controller.signal);
                    if (stopped) return;
                    const info = page.partitions.find((p) => p.partition === partition);
                    if (info) nextOffsets.current.set(partition, info.next_offset);
                    if (page.messages.length > 0) {
                        setRows((old) => {
                            const seen = new Set(old.map(rowKey));
                            const merged = old.concat(page.messages.filter((m) => !seen.has(rowKey(m))));
                            return merged.length > MAX_ROWS ? sortRows(merged, true).slice(0, MAX_ROWS) : merged;
                        });
                    }
                    if (info) setPartitions((ps) => ps.map((p) => (p.partition === partition ? info : p)));
                }
                setTailError(null);
            } catch (e) {
                if (stopped || (e as Error).name === 'AbortError') return;
                setTailError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT_ERROR', String(e)));
            }
            if (!stopped) timer = window.setTimeout(poll, TAIL_MS);
        };
        timer = window.setTimeout(poll, 0);
        return () => {
            stopped = true;
            controller.abort();
            if (timer !== undefined) window.clearTimeout(timer);
        };
    }, [live, loading, topic]);

    const descending = applied.start === 'newest' || live;
    const shown = useMemo(() => sortRows(rows, descending), [rows, descending]);

    const apply = (e?: Event) => {
        e?.preventDefault();
        const ts = fromDatetimeLocal(dateText);
        setLive(false);
        setQuery({
            partition: draft.partition,
            start: draft.start === 'newest' ? null : draft.start,
            offset: draft.start === 'offset' ? draft.offset : null,
            ts: draft.start === 'timestamp' ? ts : null,
            limit: draft.limit === 50 ? null : draft.limit,
            highlight: null,
        });
        setTick((t) => t + 1);
    };

    // Next page: continue every partition from where this page ended.
    const [moreLoading, setMoreLoading] = useState(false);
    const hasMore = !descending && partitions.some((p) => p.next_offset < p.high_watermark);
    const loadMore = async () => {
        setMoreLoading(true);
        try {
            const fresh: Message[] = [];
            for (const p of partitions) {
                if (p.next_offset >= p.high_watermark) continue;
                const page = await api.messages(topic, { partition: p.partition, offset: p.next_offset, limit: applied.limit });
                fresh.push(...page.messages);
                const info = page.partitions.find((x) => x.partition === p.partition);
                if (info) {
                    nextOffsets.current.set(p.partition, info.next_offset);
                    setPartitions((ps) => ps.map((x) => (x.partition === p.partition ? info : x)));
                }
            }
            setRows((old) => old.concat(fresh));
        } catch (e) {
            setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT_ERROR', String(e)));
        } finally {
            setMoreLoading(false);
        }
    };

    const toggle = (key: string) =>
        setExpanded((s) => {
            const n = new Set(s);
            if (n.has(key)) n.delete(key);
            else n.add(key);
            return n;
        });

    const totalInRange = partitions.reduce((sum, p) => sum + Math.max(0, p.high_watermark - p.log_start_offset), 0);

    return (
        <div class="browser" data-testid="message-browser">
            <form class="browser-controls" onSubmit={apply}>
                <label class="control">
                    <span class="control-label">Partition</span>
                    <select
                        class="select"
                        data-testid="browser-partition"
                        value={draft.partition === null ? 'all' : String(draft.partition)}
                        onChange={(e) => {
                            const v = (e.target as HTMLSelectElement).value;
                            setDraft({ ...draft, partition: v === 'all' ? null : Number(v) });
                        }}
                    >
                        <option value="all">All partitions</option>
                        {Array.from({ length: partitionCount }, (_, i) => (
                            <option value={String(i)} key={i}>
                                Partition {i}
                            </option>
                        ))}
                    </select>
                </label>
                <label class="control">
                    <span class="control-label">Start from</span>
                    <select
                        class="select"
                        data-testid="browser-start"
                        value={draft.start}
                        onChange={(e) => setDraft({ ...draft, start: (e.target as HTMLSelectElement).value as StartMode })}
                    >
                        {START_MODES.map((m) => (
                            <option value={m.id} key={m.id}>
                                {m.label}
                            </option>
                        ))}
                    </select>
                </label>
                {draft.start === 'offset' && (
                    <label class="control">
                        <span class="control-label">Offset</span>
                        <input
                            class="input input-mono control-narrow"
                            type="number"
                            min={0}
                            data-testid="browser-offset"
                            value={String(draft.offset)}
                            onInput={(e) => setDraft({ ...draft, offset: Math.max(0, Number((e.target as HTMLInputElement).value) || 0) })}
                        />
                    </label>
                )}
                {draft.start === 'timestamp' && (
                    <label class="control">
                        <span class="control-label">From time</span>
                        <input
                            class="input"
                            type="datetime-local"
                            step={1}
                            data-testid="browser-timestamp"
                            value={dateText}
                            onInput={(e) => setDateText((e.target as HTMLInputElement).value)}
                        />
                    </label>
                )}
                <label class="control">
                    <span class="control-label">Limit</span>
                    <select
                        class="select"
                        data-testid="browser-limit"
                        value={String(draft.limit)}
                        onChange={(e) => setDraft({ ...draft, limit: Number((e.target as HTMLSelectElement).value) })}
                    >
                        {LIMITS.map((l) => (
                            <option value={String(l)} key={l}>
                                {l} per partition
                            </option>
                        ))}
                    </select>
                </label>
                <div class="control control-buttons">
                    <Button type="submit" variant="primary" testid="browser-load">
                        Load
                    </Button>
                    <Button variant="ghost" title="Reload" aria-label="Reload" onClick={() => setTick((t) => t + 1)} testid="browser-reload">
                        <IconRefresh size={16} />
                    </Button>
                </div>
                <div class="control-spacer" />
                <button type="button" class={`live-toggle ${live ? 'live-on' : ''}`} data-testid="live-tail" aria-pressed={live} onClick={() => setLive(!live)}>
                    {live ? <IconPause size={14} /> : <IconPlay size={14} />}
                    {live ? 'Live' : 'Live tail'}
                    {live && <span class="live-dot" />}
                </button>
            </form>

            <ErrorBanner error={error} title="Cannot read messages" />
            <ErrorBanner error={tailError} title="Live tail interrupted" testid="tail-error" />

            <div class="browser-summary" data-testid="browser-summary">
                {loading ? (
                    'Loading…'
                ) : (
                    <>
                        Showing <strong>{formatNumber(shown.length)}</strong> message{shown.length === 1 ? '' : 's'}
                        {partitions.length > 0 && (
                            <>
                                {' '}
                                of {formatNumber(totalInRange)} in {partitions.length === 1 ? `partition ${partitions[0]!.partition}` : `${partitions.length} partitions`}
                            </>
                        )}
                        {live && <span class="muted"> · tailing every second</span>}
                    </>
                )}
            </div>

            {loading && rows.length === 0 ? (
                <Loading label="Reading messages…" />
            ) : shown.length === 0 && !error ? (
                <Empty icon={<IconInbox size={28} />} title={live ? 'Waiting for new messages' : 'No messages'} testid="messages-empty">
                    {live ? 'New records appear here as soon as they are written.' : 'Nothing in this range. Try another start position, or produce a message.'}
                </Empty>
            ) : (
                <div class="table-wrap">
                    <table class="table table-messages" data-testid="messages-table">
                        <thead>
                            <tr>
                                <th class="expander-col" aria-label="Expand" />
                                <th class="num">Partition</th>
                                <th class="num">Offset</th>
                                <th>Timestamp</th>
                                <th>Key</th>
                                <th>Value</th>
                            </tr>
                        </thead>
                        <tbody>
                            {shown.map((m) => {
                                const key = rowKey(m);
                                const open = expanded.has(key);
                                return <MessageRow key={key} message={m} open={open} highlighted={key === highlight} onToggle={() => toggle(key)} now={now} />;
                            })}
                        </tbody>
                    </table>
                </div>
            )}
            {hasMore && !loading && (
                <div class="browser-more">
                    <Button onClick={loadMore} loading={moreLoading} testid="browser-more">
                        Load next {applied.limit} per partition
                    </Button>
                </div>
            )}
        </div>
    );
}

function MessageRow({ message: m, open, highlighted, onToggle, now }: { message: Message; open: boolean; highlighted: boolean; onToggle: () => void; now: number }) {
    return (
        <>
            <tr
                class={`message-row ${open ? 'message-row-open' : ''} ${highlighted ? 'message-row-highlight' : ''}`}
                data-testid="message-row"
                data-partition={m.partition}
                data-offset={m.offset}
                onClick={onToggle}
                aria-expanded={open}
            >
                <td class="expander-col">{open ? <IconChevronDown size={16} /> : <IconChevronRight size={16} />}</td>
                <td class="num">{m.partition}</td>
                <td class="num" data-testid="message-offset">
                    {formatNumber(m.offset)}
                </td>
                <td class="nowrap">
                    <Time ms={m.timestamp} now={now} />
                </td>
                <td class="mono cell-key" data-testid="message-key">
                    {m.key === null ? <span class="null">{m.key_base64 === null ? 'null' : '<binary>'}</span> : m.key}
                </td>
                <td class="mono cell-value" data-testid="message-value-preview">
                    {m.value === null && m.value_base64 === null ? <span class="null">null</span> : previewValue(m.value, m.value_base64)}
                </td>
            </tr>
            {open && (
                <tr class="message-detail-row">
                    <td colSpan={6}>
                        <MessageDetail message={m} />
                    </td>
                </tr>
            )}
        </>
    );
}

type View = 'pretty' | 'hex';

function Bytes({ text, base64, testid }: { text: string | null; base64: string | null; testid: string }) {
    const [view, setView] = useState<View>('pretty');
    const parsed = parseValue(text, base64);
    const bytes = base64ToBytes(base64);
    const isBinary = parsed.kind === 'binary';
    const effective: View = isBinary ? 'hex' : view;
    return (
        <div class="bytes" data-testid={testid}>
            <div class="bytes-bar">
                <span class="bytes-kind" data-testid={`${testid}-kind`}>
                    {parsed.kind === 'json' ? 'JSON' : parsed.kind === 'text' ? 'Text' : parsed.kind === 'binary' ? 'Binary' : 'Null'}
                </span>
                <span class="muted">{formatBytes(bytes?.length ?? 0)}</span>
                <span class="bytes-spacer" />
                {parsed.kind !== 'null' && (
                    <div class="segmented" role="group" aria-label="View">
                        <button
                            type="button"
                            class={effective === 'pretty' ? 'seg-active' : ''}
                            disabled={isBinary}
                            onClick={() => setView('pretty')}
                            data-testid={`${testid}-pretty`}
                        >
                            {parsed.kind === 'json' ? 'JSON' : 'Text'}
                        </button>
                        <button type="button" class={effective === 'hex' ? 'seg-active' : ''} onClick={() => setView('hex')} data-testid={`${testid}-hex`}>
                            Hex
                        </button>
                    </div>
                )}
            </div>
            {parsed.kind === 'null' ? (
                <pre class="code code-null">null</pre>
            ) : effective === 'hex' ? (
                <pre class="code code-hex" data-testid={`${testid}-hexdump`}>
                    {bytes && bytes.length > 0 ? hexDump(bytes) : '(empty)'}
                </pre>
            ) : parsed.kind === 'json' ? (
                <pre class="code code-json" data-testid={`${testid}-content`}>
                    <JsonHighlight text={parsed.pretty} />
                </pre>
            ) : (
                <pre class="code" data-testid={`${testid}-content`}>
                    {parsed.kind === 'text' ? (parsed.text === '' ? '(empty string)' : parsed.text) : ''}
                </pre>
            )}
        </div>
    );
}

/** Colours keys, strings, numbers and literals of already pretty-printed JSON. */
function JsonHighlight({ text }: { text: string }) {
    const parts: preact.JSX.Element[] = [];
    const re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
    let last = 0;
    let i = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m.index > last) parts.push(<span key={i++}>{text.slice(last, m.index)}</span>);
        if (m[1] !== undefined) {
            parts.push(
                <span key={i++} class={m[2] ? 'j-key' : 'j-str'}>
                    {m[1]}
                </span>,
            );
            if (m[2]) parts.push(<span key={i++}>{m[2]}</span>);
        } else if (m[3] !== undefined) {
            parts.push(
                <span key={i++} class="j-lit">
                    {m[3]}
                </span>,
            );
        } else {
            parts.push(
                <span key={i++} class="j-num">
                    {m[4]}
                </span>,
            );
        }
        last = m.index + m[0].length;
    }
    if (last < text.length) parts.push(<span key={i++}>{text.slice(last)}</span>);
    return <>{parts}</>;
}

function MessageDetail({ message: m }: { message: Message }) {
    return (
        <div class="message-detail" data-testid="message-detail">
            <dl class="meta-grid">
                <div>
                    <dt>Partition</dt>
                    <dd class="mono">{m.partition}</dd>
                </div>
                <div>
                    <dt>Offset</dt>
                    <dd class="mono">{formatNumber(m.offset)}</dd>
                </div>
                <div>
                    <dt>Timestamp</dt>
                    <dd>
                        <span class="mono">{formatAbsolute(m.timestamp)}</span>{' '}
                        <Badge tone="gray">{m.timestamp_type === 'log_append_time' ? 'log append time' : 'create time'}</Badge>
                    </dd>
                </div>
                <div>
                    <dt>Epoch ms</dt>
                    <dd class="mono">{m.timestamp}</dd>
                </div>
                <div>
                    <dt>Size</dt>
                    <dd>
                        key {formatBytes(byteLength(m.key_base64))} · value {formatBytes(byteLength(m.value_base64))}
                    </dd>
                </div>
            </dl>
            <div class="detail-section">
                <h3 class="detail-title">Value</h3>
                <Bytes text={m.value} base64={m.value_base64} testid="detail-value" />
            </div>
            <div class="detail-columns">
                <div class="detail-section">
                    <h3 class="detail-title">Key</h3>
                    <Bytes text={m.key} base64={m.key_base64} testid="detail-key" />
                </div>
                <div class="detail-section">
                    <h3 class="detail-title">
                        Headers <span class="tab-count">{m.headers.length}</span>
                    </h3>
                    {m.headers.length === 0 ? (
                        <div class="muted detail-none">No headers</div>
                    ) : (
                        <table class="table table-compact" data-testid="detail-headers">
                            <thead>
                                <tr>
                                    <th>Key</th>
                                    <th>Value</th>
                                </tr>
                            </thead>
                            <tbody>
                                {m.headers.map((h, i) => (
                                    <tr key={i}>
                                        <td class="mono">{h.key}</td>
                                        <td class="mono">
                                            {h.value ??
                                                (h.value_base64 === null ? (
                                                    <span class="null">null</span>
                                                ) : (
                                                    <span class="null">{`<${formatBytes(byteLength(h.value_base64))} binary>`}</span>
                                                ))}
                                        </td>
                                    </tr>
                                ))}
                            </tbody>
                        </table>
                    )}
                </div>
            </div>
        </div>
    );
}
