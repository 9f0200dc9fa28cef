// A time-series line chart on uPlot: x is seconds since the epoch, one line per series, sized
// to its container. The plot is created once per series layout and fed new data in place, so
// polling every two seconds does not rebuild the canvas.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const two = (n: number) => String(n).padStart(2, '0');

/** 24-hour local time of day for the x axis: 14:05:30. */
function clock(seconds: number): string {
    const d = new Date(seconds * 1000);
    return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

type Steps = 'integer' | 'bytes' | 'decimal';

const decades = (bases: number[], from: number, to: number) => {
    const out: number[] = [];
    for (let e = from; e <= to; e++) for (const b of bases) out.push(b * 10 ** e);
    return out;
};

// Tick increments per kind, so labels never repeat after rounding ("1, 1, 1, 0").
const INCRS: Record<Steps, number[]> = {
    integer: decades([1, 2, 5], 0, 12),
    decimal: decades([1, 2, 5], -2, 12),
    bytes: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].concat(...[1, 2, 3, 4, 5].map((p) => [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].map((m) => m * 1024 ** p))),
};

/** The top of the y axis: the data's maximum rounded up to a whole tick (at most ~5 ticks). */
function niceMax(max: number, steps: Steps): number {
    if (!(max > 0)) return 1;
    const target = max * 1.05;
    const step = INCRS[steps].find((s) => target / s <= 5) ?? target;
    return Math.max(Math.ceil(target / step) * step, steps === 'decimal' ? 0 : 1);
}

export interface SeriesDef {
    label: string;
    color: string;
}

const AXIS_FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const AXIS_STROKE = '#6b7280';
const GRID = '#eef0f3';

export function TimeChart({
    series,
    data,
    height = 200,
    format,
    testid,
    empty = 'Collecting samples…',
    windowS = 300,
    steps = 'decimal',
}: {
    series: SeriesDef[];
    /** [x seconds[], series 1[], series 2[], …] */
    data: number[][];
    height?: number;
    format: (v: number) => string;
    testid?: string;
    empty?: string;
    /** Seconds of history on the x axis, ending at the newest sample. */
    windowS?: number;
    /** Tick steps of the y axis: counts (lag), byte sizes, or any rate. */
    steps?: Steps;
}) {
    const host = useRef<HTMLDivElement>(null);
    const plot = useRef<uPlot | null>(null);
    const formatRef = useRef(format);
    formatRef.current = format;
    const dataRef = useRef(data);
    dataRef.current = data;
    const layout = series.map((s) => `${s.label}:${s.color}`).join('|');

    useEffect(() => {
        const el = host.current;
        if (!el) return undefined;
        const opts: uPlot.Options = {
            width: Math.max(200, el.clientWidth),
            height,
            padding: [12, 12, 0, 4],
            cursor: { points: { size: 6 }, drag: { x: false, y: false } },
            legend: { show: false },
            scales: {
                // A fixed window that ends at the newest sample keeps the axis steady while
                // samples arrive, instead of stretching two points across the whole width.
                x: {
                    time: true,
                    range: (_u, _min, max) => {
                        const xs = dataRef.current[0] ?? [];
                        const end = xs.length > 0 ? xs[xs.length - 1]! : (max ?? Date.now() / 1000);
                        const first = xs.length > 0 ? xs[0]! : end;
                        // Grows from half a minute up to the full window as history accumulates.
                        const span = Math.min(windowS, Math.max(30, end - first));
                        return [end - span, end];
                    },
                },
                y: { range: (_u, _min, max) => [0, niceMax(max, steps)] },
            },
            axes: [
                {
                    stroke: AXIS_STROKE,
                    font: AXIS_FONT,
                    grid: { show: false },
                    ticks: { stroke: GRID, size: 4 },
                    space: 90,
                    values: (_u, splits) => splits.map(clock),
                },
                {
                    stroke: AXIS_STROKE,
                    font: AXIS_FONT,
                    grid: { stroke: GRID, width: 1 },
                    ticks: { show: false },
                    size: 72,
                    incrs: INCRS[steps],
                    values: (_u, splits) => splits.map((v) => formatRef.current(v)),
                },
            ],
            series: [
                {},
                ...series.map((s) => ({
                    label: s.label,
                    stroke: s.color,
                    width: 2,
                    fill: `${s.color}14`,
                    // A lone sample has no line to draw: show it as a dot until there are more.
                    points: { show: () => (dataRef.current[0]?.length ?? 0) < 3, size: 6 },
                    value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : formatRef.current(v)),
                })),
            ],
        };
        const u = new uPlot(opts, data as uPlot.AlignedData, el);
        plot.current = u;
        const observer = new ResizeObserver(() => {
            const w = Math.max(200, el.clientWidth);
            if (w !== u.width) u.setSize({ width: w, height });
        });
        observer.observe(el);
        return () => {
            observer.disconnect();
            u.destroy();
            plot.current = null;
        };
        // The plot is rebuilt only when the layout changes; data goes through setData below.
    }, [layout, height, windowS, steps]);

    useEffect(() => {
        plot.current?.setData(data as uPlot.AlignedData);
    }, [data]);

    const points = data[0]?.length ?? 0;
    return (
        <div class="chart" data-testid={testid}>
            <div ref={host} class="chart-canvas" />
            {points === 0 && <div class="chart-empty">{empty}</div>}
            <div class="chart-legend">
                {series.map((s, i) => {
                    const ys = data[i + 1] ?? [];
                    const last = ys.length > 0 ? ys[ys.length - 1] : undefined;
                    return (
                        <span class="chart-legend-item" key={s.label}>
                            <span class="chart-swatch" style={{ background: s.color }} />
                            <span class="chart-legend-label">{s.label}</span>
                            <span class="chart-legend-value">{last === undefined ? '—' : format(last)}</span>
                        </span>
                    );
                })}
            </div>
        </div>
    );
}
