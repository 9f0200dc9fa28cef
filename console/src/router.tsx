// A small History-API router: the broker answers every console path with index.html, so the
// location is the state. Links navigate with pushState; query parameters carry page state
// (tab, partition, offset…) so every view has a URL that loads directly.

import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface Location {
    path: string;
    query: URLSearchParams;
}

function current(): Location {
    return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();

function notify() {
    for (const l of listeners) l();
}

window.addEventListener('popstate', notify);

export function navigate(to: string, { replace = false } = {}) {
    const target = new URL(to, window.location.origin);
    const next = target.pathname + target.search;
    if (next === window.location.pathname + window.location.search) return;
    if (replace) window.history.replaceState(null, '', next);
    else window.history.pushState(null, '', next);
    if (!replace) window.scrollTo(0, 0);
    notify();
}

/** Updates query parameters of the current page without a new history entry. */
export function setQuery(params: Record<string, string | number | null | undefined>) {
    const query = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(params)) {
        if (v === null || v === undefined || v === '') query.delete(k);
        else query.set(k, String(v));
    }
    const qs = query.toString();
    navigate(`${window.location.pathname}${qs ? `?${qs}` : ''}`, { replace: true });
}

export function useLocation(): Location {
    const [loc, setLoc] = useState(current);
    useEffect(() => {
        const update = () => setLoc(current());
        listeners.add(update);
        return () => {
            listeners.delete(update);
        };
    }, []);
    return loc;
}

export type Route =
    { page: 'overview' } | { page: 'topics' } | { page: 'topic'; name: string } | { page: 'groups' } | { page: 'group'; id: string } | { page: 'produce' } | { page: 'not-found' };

function decode(segment: string): string | null {
    try {
        return decodeURIComponent(segment);
    } catch {
        return null;
    }
}

export function match(path: string): Route {
    const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
    if (trimmed === '/' || trimmed === '') return { page: 'overview' };
    if (trimmed === '/topics') return { page: 'topics' };
    if (trimmed === '/groups') return { page: 'groups' };
    if (trimmed === '/produce') return { page: 'produce' };
    const topic = /^\/topics\/([^/]+)$/.exec(trimmed);
    if (topic) {
        const name = decode(topic[1]!);
        if (name !== null) return { page: 'topic', name };
    }
    // Group ids may contain '/', which the link encodes; accept it raw too.
    const group = /^\/groups\/(.+)$/.exec(trimmed);
    if (group) {
        const id = decode(group[1]!);
        if (id !== null) return { page: 'group', id };
    }
    return { page: 'not-found' };
}

export const topicPath = (name: string) => `/topics/${encodeURIComponent(name)}`;
export const groupPath = (id: string) => `/groups/${encodeURIComponent(id)}`;

type LinkProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'> & { href: string; children?: ComponentChildren };

export function Link({ href, children, onClick, ...rest }: LinkProps) {
    const handle = (e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
        if (onClick) (onClick as (e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => void)(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
    };
    return (
        <a href={href} onClick={handle} {...rest}>
            {children}
        </a>
    );
}
