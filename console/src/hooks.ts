// Data loading hooks. A poll never overlaps itself: the next request starts `intervalMs` after
// the previous one finished, and everything in flight is aborted when the page goes away.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export interface Loaded<T> {
    data: T | undefined;
    error: ApiError | null;
    loading: boolean;
    /** Fetch again now (also restarts the poll timer). */
    reload: () => void;
}

function asApiError(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    return new ApiError(0, 'CLIENT_ERROR', (e as Error)?.message ?? String(e));
}

/**
 * Loads with `fetcher` when `deps` change, and again every `intervalMs` when given.
 * `onData` sees every successful result (for client-side time series).
 */
export function usePoll<T>(fetcher: (signal: AbortSignal) => Promise<T>, deps: unknown[], intervalMs?: number, onData?: (data: T) => void): Loaded<T> {
    const [data, setData] = useState<T | undefined>(undefined);
    const [error, setError] = useState<ApiError | null>(null);
    const [loading, setLoading] = useState(true);
    const [tick, setTick] = useState(0);
    const fetcherRef = useRef(fetcher);
    fetcherRef.current = fetcher;
    const onDataRef = useRef(onData);
    onDataRef.current = onData;

    // A new key (deps) starts from scratch: no stale data from another topic or group.
    const key = JSON.stringify(deps);
    const keyRef = useRef(key);
    if (keyRef.current !== key) {
        keyRef.current = key;
        setData(undefined);
        setError(null);
        setLoading(true);
    }

    useEffect(() => {
        const controller = new AbortController();
        let timer: number | undefined;
        let stopped = false;
        const run = async () => {
            try {
                const result = await fetcherRef.current(controller.signal);
                if (stopped) return;
                setData(result);
                setError(null);
                onDataRef.current?.(result);
            } catch (e) {
                if (stopped || (e as Error).name === 'AbortError') return;
                setError(asApiError(e));
            }
            if (stopped) return;
            setLoading(false);
            if (intervalMs) timer = window.setTimeout(run, intervalMs);
        };
        run();
        return () => {
            stopped = true;
            controller.abort();
            if (timer !== undefined) window.clearTimeout(timer);
        };
    }, [key, tick, intervalMs]);

    const reload = useCallback(() => setTick((t) => t + 1), []);
    return { data, error, loading, reload };
}

/** State for a user action: run it, remember whether it is running and how it failed. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
    const [running, setRunning] = useState(false);
    const [error, setError] = useState<ApiError | null>(null);
    const mounted = useRef(true);
    useEffect(
        () => () => {
            mounted.current = false;
        },
        [],
    );
    const run = useCallback(
        async (...args: A): Promise<R | undefined> => {
            setRunning(true);
            setError(null);
            try {
                return await action(...args);
            } catch (e) {
                if (mounted.current) setError(asApiError(e));
                return undefined;
            } finally {
                if (mounted.current) setRunning(false);
            }
        },
        [action],
    );
    return { run, running, error, setError };
}

/** Re-renders every `ms` so relative times ("3 s ago") stay true. */
export function useNow(ms = 5000): number {
    const [now, setNow] = useState(Date.now());
    useEffect(() => {
        const t = window.setInterval(() => setNow(Date.now()), ms);
        return () => window.clearInterval(t);
    }, [ms]);
    return now;
}

export function useDocumentTitle(title: string) {
    useEffect(() => {
        document.title = title ? `${title} · Fjord` : 'Fjord console';
    }, [title]);
}
