// The configs tab: every config with its source; editing one PATCHes the topic, and a topic
// override can be removed to fall back to the broker's value.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type ConfigEntry, type TopicDetail } from '../api';
import { IconPencil } from '../components/icons';
import { Badge, Button, Empty, ErrorBanner, SearchInput, Switch } from '../components/ui';
import { formatBytes, formatDuration, formatNumber } from '../format';
import { useAction } from '../hooks';

const SOURCE_LABEL: Record<string, { label: string; tone: string }> = {
    topic: { label: 'topic', tone: 'blue' },
    static_broker: { label: 'broker', tone: 'amber' },
    default: { label: 'default', tone: 'gray' },
};

/** A hint after the raw value: "7 d" for retention.ms, "1 GiB" for segment.bytes. */
function humanHint(c: ConfigEntry): string | null {
    if (c.value === null || c.sensitive || !/^-?\d+$/.test(c.value)) return null;
    const n = Number(c.value);
    if (n === 0) return null;
    if (c.name.endsWith('.ms')) return n < 0 ? 'forever' : formatDuration(n);
    if (c.name.endsWith('.bytes')) return n < 0 ? 'unlimited' : formatBytes(n);
    if (Math.abs(n) >= 10_000) return formatNumber(n);
    return null;
}

export function ConfigsTab({ topic, onChanged }: { topic: TopicDetail; onChanged: () => void }) {
    const [configs, setConfigs] = useState<ConfigEntry[] | null>(null);
    const [filter, setFilter] = useState('');
    const [onlyOverrides, setOnlyOverrides] = useState(false);
    const [editing, setEditing] = useState<string | null>(null);
    const [draft, setDraft] = useState('');
    const save = useAction((set: Record<string, string>, del: string[]) => api.updateConfigs(topic.name, set, del));

    // Our own PATCH answer is the freshest view until the next topic poll replaces it.
    useEffect(() => setConfigs(null), [topic.configs]);
    const source = configs ?? topic.configs;
    const rows = useMemo(() => {
        const q = filter.trim().toLowerCase();
        return source
            .filter((c) => !onlyOverrides || c.source === 'topic')
            .filter((c) => q === '' || c.name.toLowerCase().includes(q) || (c.value ?? '').toLowerCase().includes(q))
            .slice()
            .sort((a, b) => a.name.localeCompare(b.name));
    }, [source, filter, onlyOverrides]);

    const commit = async (set: Record<string, string>, del: string[]) => {
        const result = await save.run(set, del);
        if (result) {
            setConfigs(result);
            setEditing(null);
            onChanged();
        }
    };

    return (
        <div class="tab-panel" data-testid="configs-tab">
            <div class="toolbar">
                <SearchInput value={filter} onInput={setFilter} placeholder="Filter configs" testid="config-filter" />
                <Switch checked={onlyOverrides} onChange={setOnlyOverrides} label="Only topic overrides" />
            </div>
            <ErrorBanner error={save.error} title="Could not update the config" onDismiss={() => save.setError(null)} />
            <div class="card card-flush">
                {rows.length === 0 ? (
                    <Empty title="No configs match" />
                ) : (
                    <table class="table" data-testid="configs-table">
                        <thead>
                            <tr>
                                <th>Name</th>
                                <th>Value</th>
                                <th>Source</th>
                                <th class="actions-col" aria-label="Actions" />
                            </tr>
                        </thead>
                        <tbody>
                            {rows.map((c) => {
                                const src = SOURCE_LABEL[c.source] ?? { label: c.source, tone: 'gray' };
                                const hint = humanHint(c);
                                const isEditing = editing === c.name;
                                return (
                                    <tr key={c.name} data-testid="config-row" data-config={c.name}>
                                        <td class="config-name">
                                            <div class="mono">{c.name}</div>
                                            {c.documentation && <div class="config-doc">{c.documentation}</div>}
                                        </td>
                                        <td class="config-value">
                                            {isEditing ? (
                                                <form
                                                    class="inline-edit"
                                                    onSubmit={(e) => {
                                                        e.preventDefault();
                                                        commit({ [c.name]: draft }, []);
                                                    }}
                                                >
                                                    <input
                                                        class="input input-mono input-sm"
                                                        value={draft}
                                                        autofocus
                                                        data-testid="config-edit-input"
                                                        onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
                                                        onKeyDown={(e) => {
                                                            if (e.key === 'Escape') {
                                                                e.stopPropagation();
                                                                setEditing(null);
                                                            }
                                                        }}
                                                    />
                                                    <Button type="submit" size="sm" variant="primary" loading={save.running} testid="config-save">
                                                        Save
                                                    </Button>
                                                    <Button size="sm" variant="ghost" onClick={() => setEditing(null)}>
                                                        Cancel
                                                    </Button>
                                                </form>
                                            ) : (
                                                <>
                                                    <span class="mono" data-testid="config-value">
                                                        {c.sensitive ? '••••••' : (c.value ?? <span class="null">null</span>)}
                                                    </span>
                                                    {hint && <span class="config-hint">{hint}</span>}
                                                </>
                                            )}
                                        </td>
                                        <td>
                                            <Badge tone={src.tone}>{src.label}</Badge>
                                        </td>
                                        <td class="actions-col nowrap">
                                            {!c.read_only && !isEditing && !topic.internal && (
                                                <>
                                                    {c.source === 'topic' && (
                                                        <button
                                                            type="button"
                                                            class="text-btn"
                                                            title="Remove the topic override"
                                                            onClick={() => commit({}, [c.name])}
                                                            data-testid="config-reset"
                                                        >
                                                            Reset
                                                        </button>
                                                    )}
                                                    <button
                                                        type="button"
                                                        class="icon-btn"
                                                        aria-label={`Edit ${c.name}`}
                                                        title="Edit"
                                                        data-testid="config-edit"
                                                        onClick={() => {
                                                            save.setError(null);
                                                            setDraft(c.value ?? '');
                                                            setEditing(c.name);
                                                        }}
                                                    >
                                                        <IconPencil size={15} />
                                                    </button>
                                                </>
                                            )}
                                            {c.read_only && <span class="muted small">read-only</span>}
                                        </td>
                                    </tr>
                                );
                            })}
                        </tbody>
                    </table>
                )}
            </div>
        </div>
    );
}
