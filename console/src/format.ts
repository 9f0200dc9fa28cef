// Display formatting: numbers with thousands separators, binary sizes, times both relative and
// absolute, durations, and the byte views of the message browser (JSON, text, hex dump).

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function formatNumber(n: number | null | undefined): string {
    if (n === null || n === undefined || Number.isNaN(n)) return '—';
    return integer.format(n);
}

const small = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function formatRate(n: number): string {
    if (!Number.isFinite(n)) return '—';
    if (n >= 100) return integer.format(n);
    return n >= 1 ? decimal.format(n) : small.format(n);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(n: number | null | undefined): string {
    if (n === null || n === undefined || Number.isNaN(n)) return '—';
    if (n < 0) return '—';
    let value = n;
    let unit = 0;
    while (value >= 1024 && unit < UNITS.length - 1) {
        value /= 1024;
        unit += 1;
    }
    if (unit === 0) return `${integer.format(value)} B`;
    return `${value >= 100 ? integer.format(value) : decimal.format(value)} ${UNITS[unit]}`;
}

export function formatByteRate(n: number): string {
    return `${formatBytes(Math.max(0, n))}/s`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local time as 2025-11-22 10:13:20.123. */
export function formatAbsolute(ms: number): string {
    if (!Number.isFinite(ms) || ms < 0) return '—';
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** "just now", "3 min ago", "in 2 h", "5 days ago". */
export function formatRelative(ms: number, now = Date.now()): string {
    if (!Number.isFinite(ms) || ms < 0) return '—';
    const diff = now - ms;
    const abs = Math.abs(diff);
    const future = diff < 0;
    const say = (n: number, unit: string) => (future ? `in ${n} ${unit}` : `${n} ${unit} ago`);
    if (abs < 5_000) return 'just now';
    if (abs < 60_000) return say(Math.floor(abs / 1000), 's');
    if (abs < 3_600_000) return say(Math.floor(abs / 60_000), 'min');
    if (abs < 86_400_000) return say(Math.floor(abs / 3_600_000), 'h');
    const days = Math.floor(abs / 86_400_000);
    return say(days, days === 1 ? 'day' : 'days');
}

/** A duration in milliseconds as "7 days", "1 h", "30 min"; -1 (Kafka's "forever") as "∞". */
export function formatDuration(ms: number | null | undefined): string {
    if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
    if (ms < 0) return '∞';
    const units: [number, string][] = [
        [86_400_000 * 7, 'w'],
        [86_400_000, 'd'],
        [3_600_000, 'h'],
        [60_000, 'min'],
        [1000, 's'],
    ];
    for (const [size, label] of units) {
        if (ms >= size && ms % size === 0) return `${integer.format(ms / size)} ${label}`;
    }
    for (const [size, label] of units) {
        if (ms >= size) return `${decimal.format(ms / size)} ${label}`;
    }
    return `${integer.format(ms)} ms`;
}

export function formatUptime(startedAtMs: number, now = Date.now()): string {
    let s = Math.max(0, Math.floor((now - startedAtMs) / 1000));
    const d = Math.floor(s / 86400);
    s -= d * 86400;
    const h = Math.floor(s / 3600);
    s -= h * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    if (d > 0) return `${d}d ${h}h`;
    if (h > 0) return `${h}h ${m}m`;
    if (m > 0) return `${m}m ${s}s`;
    return `${s}s`;
}

export function base64ToBytes(b64: string | null): Uint8Array | null {
    if (b64 === null) return null;
    try {
        const bin = atob(b64);
        const out = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
        return out;
    } catch {
        return null;
    }
}

export function bytesToBase64(bytes: Uint8Array): string {
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
}

/** Classic 16-bytes-a-line dump: offset, hex in two groups of eight, printable ASCII. */
export function hexDump(bytes: Uint8Array, maxBytes = 64 * 1024): string {
    const lines: string[] = [];
    const n = Math.min(bytes.length, maxBytes);
    for (let off = 0; off < n; off += 16) {
        const row = bytes.subarray(off, Math.min(off + 16, n));
        let hex = '';
        let ascii = '';
        for (let i = 0; i < 16; i++) {
            if (i === 8) hex += ' ';
            if (i < row.length) {
                const b = row[i]!;
                hex += b.toString(16).padStart(2, '0') + ' ';
                ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
            } else {
                hex += '   ';
            }
        }
        lines.push(`${off.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
    }
    if (bytes.length > n) lines.push(`… ${formatNumber(bytes.length - n)} more bytes`);
    return lines.join('\n');
}

export type Parsed = { kind: 'json'; pretty: string } | { kind: 'text'; text: string } | { kind: 'binary' } | { kind: 'null' };

/**
 * Re-indents JSON text without parsing its numbers, so an id like 12345678901234567890 shows
 * exactly as written (JSON.parse would round it to a double). `indent` 0 gives one line.
 * The text must already be valid JSON.
 */
export function reformatJson(text: string, indent: number): string {
    let out = '';
    let depth = 0;
    let inString = false;
    const newline = () => (indent > 0 ? `\n${' '.repeat(depth * indent)}` : '');
    for (let i = 0; i < text.length; i++) {
        const ch = text[i]!;
        if (inString) {
            out += ch;
            if (ch === '\\') {
                out += text[i + 1] ?? '';
                i++;
            } else if (ch === '"') {
                inString = false;
            }
            continue;
        }
        switch (ch) {
            case '"':
                inString = true;
                out += ch;
                break;
            case '{':
            case '[': {
                // Keep empty containers as {} and [].
                let j = i + 1;
                while (j < text.length && /\s/.test(text[j]!)) j++;
                const close = ch === '{' ? '}' : ']';
                if (text[j] === close) {
                    out += ch + close;
                    i = j;
                } else {
                    depth++;
                    out += ch + newline();
                }
                break;
            }
            case '}':
            case ']':
                depth--;
                out += newline() + ch;
                break;
            case ',':
                out += ch + (indent > 0 ? newline() : '');
                break;
            case ':':
                out += indent > 0 ? ': ' : ':';
                break;
            case ' ':
            case '\t':
            case '\n':
            case '\r':
                break;
            default:
                out += ch;
        }
    }
    return out;
}

function isJsonContainer(trimmed: string): boolean {
    if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return false;
    try {
        JSON.parse(trimmed);
        return true;
    } catch {
        return false;
    }
}

/** How a key or value reads best: JSON when it parses as an object or array, else text. */
export function parseValue(text: string | null, base64: string | null): Parsed {
    if (text === null) return base64 === null ? { kind: 'null' } : { kind: 'binary' };
    const trimmed = text.trim();
    if (isJsonContainer(trimmed)) return { kind: 'json', pretty: reformatJson(trimmed, 2) };
    return { kind: 'text', text };
}

/** A one-line preview of a value for the table. */
export function previewValue(text: string | null, base64: string | null, max = 160): string {
    if (text === null) {
        if (base64 === null) return 'null';
        const bytes = base64ToBytes(base64);
        return bytes ? `<${formatNumber(bytes.length)} bytes binary>` : '<binary>';
    }
    const trimmed = text.trim();
    const oneLine = isJsonContainer(trimmed) ? reformatJson(trimmed, 0) : text.replace(/\s+/g, ' ');
    return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

export function byteLength(base64: string | null): number {
    if (base64 === null) return 0;
    const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
    return Math.floor((base64.length * 3) / 4) - padding;
}

/** Value for an <input type="datetime-local"> from epoch ms, in local time. */
export function toDatetimeLocal(ms: number): string {
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fromDatetimeLocal(value: string): number | null {
    if (!value) return null;
    const ms = new Date(value).getTime();
    return Number.isFinite(ms) ? ms : null;
}
