// The layout (sidebar, header with the cluster and broker) and the route switch.

import type { ComponentChildren } from 'preact';
import { api } from './api';
import { IconGroups, IconOverview, IconProduce, IconTopics } from './components/icons';
import { usePoll } from './hooks';
import { GroupPage } from './pages/group';
import { GroupsPage } from './pages/groups';
import { NotFoundPage } from './pages/not-found';
import { OverviewPage } from './pages/overview';
import { ProducePage } from './pages/produce';
import { TopicPage } from './pages/topic';
import { TopicsPage } from './pages/topics';
import { Link, match, useLocation, type Route } from './router';

const NAV: { href: string; label: string; icon: (p: { size?: number }) => preact.JSX.Element; pages: Route['page'][] }[] = [
    { href: '/', label: 'Overview', icon: IconOverview, pages: ['overview'] },
    { href: '/topics', label: 'Topics', icon: IconTopics, pages: ['topics', 'topic'] },
    { href: '/groups', label: 'Consumer groups', icon: IconGroups, pages: ['groups', 'group'] },
    { href: '/produce', label: 'Produce', icon: IconProduce, pages: ['produce'] },
];

function Sidebar({ route }: { route: Route }) {
    return (
        <nav class="sidebar" aria-label="Main">
            <div class="sidebar-inner">
                <Link href="/" class="brand" data-testid="brand">
                    <svg width="28" height="28" viewBox="0 0 32 32" aria-hidden="true">
                        <rect width="32" height="32" rx="7" fill="var(--accent)" />
                        <path d="M6 21l6-9 4 5 3-4 7 8" fill="none" stroke="white" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round" />
                    </svg>
                    <span class="brand-name">Fjord</span>
                    <span class="brand-sub">console</span>
                </Link>
                <ul class="nav">
                    {NAV.map((item) => {
                        const active = item.pages.includes(route.page);
                        const Icon = item.icon;
                        return (
                            <li key={item.href}>
                                <Link
                                    href={item.href}
                                    class={`nav-link ${active ? 'nav-link-active' : ''}`}
                                    aria-current={active ? 'page' : undefined}
                                    data-testid={`nav-${item.pages[0]}`}
                                >
                                    <Icon size={18} />
                                    <span>{item.label}</span>
                                </Link>
                            </li>
                        );
                    })}
                </ul>
                <div class="sidebar-foot">
                    <a href="/metrics" target="_blank" rel="noreferrer" class="sidebar-foot-link">
                        Prometheus metrics
                    </a>
                </div>
            </div>
        </nav>
    );
}

function Header() {
    const cluster = usePoll((signal) => api.cluster(signal), [], 10_000);
    const c = cluster.data;
    const broker = c?.brokers.find((b) => b.node_id === c.controller_id) ?? c?.brokers[0];
    const down = cluster.error !== null;
    return (
        <header class="topbar" data-testid="topbar">
            <div class="topbar-item">
                <span class="topbar-label">Cluster</span>
                <span class="topbar-value mono" data-testid="cluster-id">
                    {c?.cluster_id ?? '…'}
                </span>
            </div>
            <div class="topbar-sep" />
            <div class="topbar-item">
                <span class="topbar-label">Broker</span>
                <span class="topbar-value" data-testid="broker-address">
                    {broker ? (
                        <>
                            <span class="mono">#{broker.node_id}</span> <span class="mono">{`${broker.host}:${broker.port}`}</span>
                        </>
                    ) : (
                        '…'
                    )}
                </span>
            </div>
            <div class="topbar-spacer" />
            {c && <span class="topbar-version">v{c.version}</span>}
            <span class={`status ${down ? 'status-down' : c ? 'status-up' : ''}`} data-testid="connection-status" title={down ? cluster.error?.message : undefined}>
                <span class="status-dot" />
                {down ? 'Unreachable' : c ? 'Connected' : 'Connecting'}
            </span>
        </header>
    );
}

function Page({ route }: { route: Route }): ComponentChildren {
    switch (route.page) {
        case 'overview':
            return <OverviewPage />;
        case 'topics':
            return <TopicsPage />;
        case 'topic':
            return <TopicPage key={route.name} name={route.name} />;
        case 'groups':
            return <GroupsPage />;
        case 'group':
            return <GroupPage key={route.id} id={route.id} />;
        case 'produce':
            return <ProducePage />;
        case 'not-found':
            return <NotFoundPage />;
    }
}

export function App() {
    const loc = useLocation();
    const route = match(loc.path);
    return (
        <div class="shell">
            <Sidebar route={route} />
            <div class="main">
                <Header />
                <main class="content" data-testid={`page-${route.page}`}>
                    <Page route={route} />
                </main>
            </div>
        </div>
    );
}
