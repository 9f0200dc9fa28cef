// The consumer group list: state, members, topics and total lag, refreshed every few seconds.

import { Fragment } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { IconGroups } from '../components/icons';
import { Card, Empty, ErrorBanner, Loading, PageHeader, SearchInput, StateBadge } from '../components/ui';
import { formatNumber } from '../format';
import { useDocumentTitle, usePoll } from '../hooks';
import { groupPath, Link, navigate, topicPath } from '../router';

export function GroupsPage() {
    useDocumentTitle('Consumer groups');
    const [query, setQuery] = useState('');
    const groups = usePoll((signal) => api.groups(signal), [], 3000);
    const visible = useMemo(() => {
        const q = query.trim().toLowerCase();
        return (groups.data ?? [])
            .filter((g) => q === '' || g.group_id.toLowerCase().includes(q) || g.topics.some((t) => t.toLowerCase().includes(q)))
            .sort((a, b) => a.group_id.localeCompare(b.group_id));
    }, [groups.data, query]);
    const totalLag = (groups.data ?? []).reduce((s, g) => s + g.total_lag, 0);

    return (
        <div class="page">
            <PageHeader
                title="Consumer groups"
                meta={groups.data ? `${formatNumber(groups.data.length)} group${groups.data.length === 1 ? '' : 's'} · total lag ${formatNumber(totalLag)}` : undefined}
            />
            <ErrorBanner error={groups.error} title="Cannot load consumer groups" />
            <div class="toolbar">
                <SearchInput value={query} onInput={setQuery} placeholder="Search groups or topics" testid="group-search" />
            </div>
            {groups.loading && !groups.data ? (
                <Loading label="Loading consumer groups…" />
            ) : (
                <Card flush>
                    {visible.length === 0 ? (
                        <Empty icon={<IconGroups size={28} />} title={groups.data?.length ? 'No group matches' : 'No consumer groups yet'} testid="groups-empty">
                            {groups.data?.length ? null : 'Groups appear here when a consumer joins one or commits offsets.'}
                        </Empty>
                    ) : (
                        <table class="table table-hover" data-testid="groups-table">
                            <thead>
                                <tr>
                                    <th>Group</th>
                                    <th>State</th>
                                    <th>Protocol</th>
                                    <th class="num">Members</th>
                                    <th>Topics</th>
                                    <th class="num">Total lag</th>
                                </tr>
                            </thead>
                            <tbody>
                                {visible.map((g) => (
                                    <tr
                                        key={g.group_id}
                                        data-testid="group-row"
                                        data-group={g.group_id}
                                        class="row-link"
                                        onClick={(e) => {
                                            if ((e.target as HTMLElement).closest('a,button')) return;
                                            navigate(groupPath(g.group_id));
                                        }}
                                    >
                                        <td>
                                            <Link href={groupPath(g.group_id)} class="table-link mono" data-testid="group-link">
                                                {g.group_id}
                                            </Link>
                                        </td>
                                        <td>
                                            <StateBadge state={g.state} />
                                        </td>
                                        <td class="muted">{g.protocol_type ? `${g.protocol_type}${g.protocol ? ` / ${g.protocol}` : ''}` : '—'}</td>
                                        <td class="num">{formatNumber(g.member_count)}</td>
                                        <td class="topics-cell">
                                            {g.topics.length === 0
                                                ? '—'
                                                : g.topics.map((t, i) => (
                                                      <Fragment key={t}>
                                                          {i > 0 && ', '}
                                                          <Link href={topicPath(t)} class="table-link-quiet">
                                                              {t}
                                                          </Link>
                                                      </Fragment>
                                                  ))}
                                        </td>
                                        <td class={`num ${g.total_lag > 0 ? 'lag-positive' : ''}`} data-testid="group-lag">
                                            {formatNumber(g.total_lag)}
                                        </td>
                                    </tr>
                                ))}
                            </tbody>
                        </table>
                    )}
                </Card>
            )}
        </div>
    );
}
