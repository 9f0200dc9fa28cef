// Reset a group's committed offsets for one topic (all partitions or one) to the earliest or
// latest offset, a given offset, or the first record at or after a time.

import { useState } from 'preact/hooks';
import { api, type GroupDetail, type ResetRequest, type ResetTarget } from '../api';
import { Button, Dialog, ErrorBanner, Field } from '../components/ui';
import { formatNumber, fromDatetimeLocal, toDatetimeLocal } from '../format';
import { useAction, usePoll } from '../hooks';

const TARGETS: { id: ResetTarget; label: string; hint: string }[] = [
    { id: 'earliest', label: 'Earliest', hint: 'Re-read everything still in the log.' },
    { id: 'latest', label: 'Latest', hint: 'Skip to the end: lag becomes zero.' },
    { id: 'offset', label: 'Offset', hint: 'A specific offset (clamped to the log).' },
    { id: 'timestamp', label: 'Timestamp', hint: 'The first record at or after a time.' },
];

export function ResetOffsetsDialog({ group, topics, onClose, onDone }: { group: GroupDetail; topics: string[]; onClose: () => void; onDone: () => void }) {
    const [topic, setTopic] = useState(topics[0] ?? '');
    const [partition, setPartition] = useState('all');
    const [to, setTo] = useState<ResetTarget>('earliest');
    const [offset, setOffset] = useState('0');
    const [when, setWhen] = useState(toDatetimeLocal(Date.now() - 3_600_000));
    const detail = usePoll((signal) => (topic ? api.topic(topic, signal) : Promise.resolve(null)), [topic]);
    const reset = useAction((body: ResetRequest) => api.resetOffsets(group.group_id, body));
    const [result, setResult] = useState<{ topic: string; partition: number; offset: number }[] | null>(null);
    const hasMembers = group.members.length > 0;

    const submit = async (e: Event) => {
        e.preventDefault();
        const body: ResetRequest = { topic, to };
        if (partition !== 'all') body.partitions = [Number(partition)];
        if (to === 'offset') body.offset = Number(offset);
        if (to === 'timestamp') body.timestamp = fromDatetimeLocal(when) ?? Date.now();
        const r = await reset.run(body);
        if (r) setResult(r.offsets);
    };

    return (
        <Dialog title="Reset offsets" onClose={result ? onDone : onClose} testid="reset-dialog">
            {result ? (
                <div class="dialog-form">
                    <div class="dialog-body">
                        <div class="banner banner-success" data-testid="reset-result">
                            <div class="banner-body">
                                <div class="banner-title">Offsets reset</div>
                                <div class="banner-message">
                                    {result.length} partition{result.length === 1 ? '' : 's'} of {topic} now start at:
                                </div>
                            </div>
                        </div>
                        <table class="table table-compact">
                            <thead>
                                <tr>
                                    <th class="num">Partition</th>
                                    <th class="num">Offset</th>
                                </tr>
                            </thead>
                            <tbody>
                                {result.map((o) => (
                                    <tr key={`${o.topic}:${o.partition}`}>
                                        <td class="num">{o.partition}</td>
                                        <td class="num">{formatNumber(o.offset)}</td>
                                    </tr>
                                ))}
                            </tbody>
                        </table>
                    </div>
                    <footer class="dialog-footer">
                        <Button variant="primary" onClick={onDone} testid="reset-done">
                            Done
                        </Button>
                    </footer>
                </div>
            ) : (
                <form class="dialog-form" onSubmit={submit}>
                    <div class="dialog-body">
                        {hasMembers && (
                            <div class="banner banner-warning" data-testid="reset-members-warning">
                                <div class="banner-body">
                                    <div class="banner-title">
                                        The group has {group.members.length} active member{group.members.length === 1 ? '' : 's'}
                                    </div>
                                    <div class="banner-message">Stop its consumers first: offsets can only be reset while the group is empty.</div>
                                </div>
                            </div>
                        )}
                        <div class="field-row">
                            <Field label="Topic" htmlFor="reset-topic">
                                {topics.length > 0 ? (
                                    <select
                                        id="reset-topic"
                                        class="select"
                                        value={topic}
                                        data-testid="reset-topic"
                                        onChange={(e) => {
                                            setTopic((e.target as HTMLSelectElement).value);
                                            setPartition('all');
                                        }}
                                    >
                                        {topics.map((t) => (
                                            <option value={t} key={t}>
                                                {t}
                                            </option>
                                        ))}
                                    </select>
                                ) : (
                                    <input id="reset-topic" class="input" value={topic} data-testid="reset-topic" onInput={(e) => setTopic((e.target as HTMLInputElement).value)} />
                                )}
                            </Field>
                            <Field label="Partitions" htmlFor="reset-partition">
                                <select
                                    id="reset-partition"
                                    class="select"
                                    value={partition}
                                    data-testid="reset-partition"
                                    onChange={(e) => setPartition((e.target as HTMLSelectElement).value)}
                                >
                                    <option value="all">All partitions</option>
                                    {Array.from({ length: detail.data?.partition_count ?? 0 }, (_, i) => (
                                        <option value={String(i)} key={i}>
                                            Partition {i}
                                        </option>
                                    ))}
                                </select>
                            </Field>
                        </div>
                        <div class="field">
                            <div class="field-label">Reset to</div>
                            <div class="choice-grid" role="radiogroup">
                                {TARGETS.map((t) => (
                                    <label class={`choice ${to === t.id ? 'choice-active' : ''}`} key={t.id}>
                                        <input type="radio" name="reset-to" value={t.id} checked={to === t.id} data-testid={`reset-to-${t.id}`} onChange={() => setTo(t.id)} />
                                        <span class="choice-label">{t.label}</span>
                                        <span class="choice-hint">{t.hint}</span>
                                    </label>
                                ))}
                            </div>
                        </div>
                        {to === 'offset' && (
                            <Field label="Offset" htmlFor="reset-offset">
                                <input
                                    id="reset-offset"
                                    class="input input-mono"
                                    type="number"
                                    min={0}
                                    value={offset}
                                    data-testid="reset-offset"
                                    onInput={(e) => setOffset((e.target as HTMLInputElement).value)}
                                />
                            </Field>
                        )}
                        {to === 'timestamp' && (
                            <Field label="Time" htmlFor="reset-time">
                                <input
                                    id="reset-time"
                                    class="input"
                                    type="datetime-local"
                                    step={1}
                                    value={when}
                                    data-testid="reset-timestamp"
                                    onInput={(e) => setWhen((e.target as HTMLInputElement).value)}
                                />
                            </Field>
                        )}
                        <ErrorBanner error={reset.error} title="Could not reset offsets" />
                    </div>
                    <footer class="dialog-footer">
                        <Button onClick={onClose}>Cancel</Button>
                        <Button type="submit" variant="primary" loading={reset.running} disabled={!topic} testid="reset-submit">
                            Reset offsets
                        </Button>
                    </footer>
                </form>
            )}
        </Dialog>
    );
}
