// The create-topic dialog: name, partitions, replication factor and any number of config rows.

import { useState } from 'preact/hooks';
import { api } from '../api';
import { IconPlus, IconX } from '../components/icons';
import { Button, Dialog, ErrorBanner, Field } from '../components/ui';
import { useAction } from '../hooks';

const COMMON_CONFIGS = [
    'cleanup.policy',
    'retention.ms',
    'retention.bytes',
    'segment.bytes',
    'segment.ms',
    'max.message.bytes',
    'compression.type',
    'min.compaction.lag.ms',
    'delete.retention.ms',
    'message.timestamp.type',
    'min.insync.replicas',
];

interface Row {
    id: number;
    name: string;
    value: string;
}

let nextRowId = 1;

export function CreateTopicDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (name: string) => void }) {
    const [name, setName] = useState('');
    const [partitions, setPartitions] = useState('1');
    const [replication, setReplication] = useState('1');
    const [rows, setRows] = useState<Row[]>([]);
    const create = useAction((n: string, p: number, r: number, configs: Record<string, string>) => api.createTopic(n, p, r, configs));

    const setRow = (id: number, patch: Partial<Row>) => setRows((rs) => rs.map((r) => (r.id === id ? { ...r, ...patch } : r)));

    const submit = async (e: Event) => {
        e.preventDefault();
        const configs: Record<string, string> = {};
        for (const r of rows) if (r.name.trim() !== '') configs[r.name.trim()] = r.value;
        const created = await create.run(name.trim(), Number(partitions), Number(replication), configs);
        if (created) onCreated(created.name ?? name.trim());
    };

    return (
        <Dialog title="Create topic" onClose={onClose} testid="create-topic-dialog">
            <form class="dialog-form" onSubmit={submit}>
                <div class="dialog-body">
                    <Field label="Name" htmlFor="topic-name" hint="Letters, digits, '.', '_' and '-', up to 249 characters.">
                        <input
                            id="topic-name"
                            class="input"
                            data-testid="topic-name-input"
                            value={name}
                            required
                            autofocus
                            autocomplete="off"
                            spellcheck={false}
                            placeholder="orders"
                            onInput={(e) => setName((e.target as HTMLInputElement).value)}
                        />
                    </Field>
                    <div class="field-row">
                        <Field label="Partitions" htmlFor="topic-partitions">
                            <input
                                id="topic-partitions"
                                class="input"
                                type="number"
                                min={1}
                                data-testid="topic-partitions-input"
                                value={partitions}
                                required
                                onInput={(e) => setPartitions((e.target as HTMLInputElement).value)}
                            />
                        </Field>
                        <Field label="Replication factor" htmlFor="topic-rf">
                            <input
                                id="topic-rf"
                                class="input"
                                type="number"
                                min={1}
                                data-testid="topic-rf-input"
                                value={replication}
                                required
                                onInput={(e) => setReplication((e.target as HTMLInputElement).value)}
                            />
                        </Field>
                    </div>
                    <div class="field">
                        <div class="field-label">Configuration</div>
                        {rows.length === 0 && <div class="field-hint">Defaults from the broker apply. Add a row to override one.</div>}
                        <datalist id="topic-config-names">
                            {COMMON_CONFIGS.map((c) => (
                                <option value={c} key={c} />
                            ))}
                        </datalist>
                        {rows.map((r) => (
                            <div class="kv-row" key={r.id} data-testid="config-row">
                                <input
                                    class="input input-mono"
                                    list="topic-config-names"
                                    placeholder="retention.ms"
                                    value={r.name}
                                    data-testid="config-name-input"
                                    onInput={(e) => setRow(r.id, { name: (e.target as HTMLInputElement).value })}
                                />
                                <input
                                    class="input input-mono"
                                    placeholder="value"
                                    value={r.value}
                                    data-testid="config-value-input"
                                    onInput={(e) => setRow(r.id, { value: (e.target as HTMLInputElement).value })}
                                />
                                <button type="button" class="icon-btn" aria-label="Remove" onClick={() => setRows((rs) => rs.filter((x) => x.id !== r.id))}>
                                    <IconX size={16} />
                                </button>
                            </div>
                        ))}
                        <div>
                            <Button size="sm" variant="ghost" testid="add-config-row" onClick={() => setRows((rs) => [...rs, { id: nextRowId++, name: '', value: '' }])}>
                                <IconPlus size={14} /> Add config
                            </Button>
                        </div>
                    </div>
                    <ErrorBanner error={create.error} title="Could not create the topic" />
                </div>
                <footer class="dialog-footer">
                    <Button onClick={onClose}>Cancel</Button>
                    <Button type="submit" variant="primary" loading={create.running} testid="create-topic-submit">
                        Create topic
                    </Button>
                </footer>
            </form>
        </Dialog>
    );
}
