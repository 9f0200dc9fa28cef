// The console's building blocks: buttons, fields, dialogs, banners, empty and loading states,
// tabs, badges and time cells. Pages compose these so the whole console looks the same.

import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api';
import { formatAbsolute, formatRelative } from '../format';
import { IconAlert, IconX } from './icons';

type ButtonProps = JSX.HTMLAttributes<HTMLButtonElement> & {
    variant?: 'primary' | 'secondary' | 'danger' | 'ghost';
    size?: 'sm' | 'md';
    loading?: boolean;
    type?: 'button' | 'submit';
    disabled?: boolean;
    testid?: string;
};

export function Button({ variant = 'secondary', size = 'md', loading, type = 'button', disabled, testid, children, class: cls, ...rest }: ButtonProps) {
    return (
        <button type={type} class={`btn btn-${variant} btn-${size} ${cls ?? ''}`} disabled={disabled || loading} aria-busy={loading} data-testid={testid} {...rest}>
            {loading && <span class="spinner spinner-sm" aria-hidden="true" />}
            {children}
        </button>
    );
}

export function Field({ label, hint, children, htmlFor }: { label: string; hint?: ComponentChildren; children: ComponentChildren; htmlFor?: string }) {
    return (
        <div class="field">
            <label class="field-label" for={htmlFor}>
                {label}
            </label>
            {children}
            {hint && <div class="field-hint">{hint}</div>}
        </div>
    );
}

export function ErrorBanner({ error, title, onDismiss, testid = 'error-banner' }: { error: ApiError | null; title?: string; onDismiss?: () => void; testid?: string }) {
    if (!error) return null;
    return (
        <div class="banner banner-error" role="alert" data-testid={testid}>
            <IconAlert size={18} class="banner-icon" />
            <div class="banner-body">
                <div class="banner-title">{title ?? 'Request failed'}</div>
                <div class="banner-message" data-testid={`${testid}-message`}>
                    {error.message}
                    {error.code && <span class="banner-code">{error.code}</span>}
                </div>
            </div>
            {onDismiss && (
                <button type="button" class="icon-btn" aria-label="Dismiss" onClick={onDismiss}>
                    <IconX size={16} />
                </button>
            )}
        </div>
    );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
    return (
        <div class="loading" data-testid="loading">
            <span class="spinner" aria-hidden="true" />
            <span>{label}</span>
        </div>
    );
}

export function Empty({ icon, title, children, testid }: { icon?: ComponentChildren; title: string; children?: ComponentChildren; testid?: string }) {
    return (
        <div class="empty" data-testid={testid ?? 'empty'}>
            {icon && <div class="empty-icon">{icon}</div>}
            <div class="empty-title">{title}</div>
            {children && <div class="empty-body">{children}</div>}
        </div>
    );
}

export function Card({
    title,
    actions,
    children,
    class: cls,
    testid,
    flush,
}: {
    title?: ComponentChildren;
    actions?: ComponentChildren;
    children: ComponentChildren;
    class?: string;
    testid?: string;
    flush?: boolean;
}) {
    return (
        <section class={`card ${flush ? 'card-flush' : ''} ${cls ?? ''}`} data-testid={testid}>
            {(title || actions) && (
                <header class="card-header">
                    <h2 class="card-title">{title}</h2>
                    {actions && <div class="card-actions">{actions}</div>}
                </header>
            )}
            {children}
        </section>
    );
}

export function Stat({ label, value, sub, testid }: { label: string; value: ComponentChildren; sub?: ComponentChildren; testid?: string }) {
    return (
        <div class="stat" data-testid={testid}>
            <div class="stat-label">{label}</div>
            <div class="stat-value">{value}</div>
            {sub !== undefined && <div class="stat-sub">{sub}</div>}
        </div>
    );
}

export function PageHeader({ title, eyebrow, meta, actions }: { title: ComponentChildren; eyebrow?: ComponentChildren; meta?: ComponentChildren; actions?: ComponentChildren }) {
    return (
        <div class="page-header">
            <div class="page-header-text">
                {eyebrow && <div class="page-eyebrow">{eyebrow}</div>}
                <h1 class="page-title" data-testid="page-title">
                    {title}
                </h1>
                {meta && <div class="page-meta">{meta}</div>}
            </div>
            {actions && <div class="page-actions">{actions}</div>}
        </div>
    );
}

const STATE_TONES: Record<string, string> = {
    Stable: 'green',
    Empty: 'gray',
    Dead: 'red',
    PreparingRebalance: 'amber',
    CompletingRebalance: 'amber',
};

export function Badge({ tone = 'gray', children, testid }: { tone?: string; children: ComponentChildren; testid?: string }) {
    return (
        <span class={`badge badge-${tone}`} data-testid={testid}>
            {children}
        </span>
    );
}

export function StateBadge({ state }: { state: string }) {
    return (
        <Badge tone={STATE_TONES[state] ?? 'gray'} testid="group-state">
            <span class="badge-dot" />
            {state}
        </Badge>
    );
}

export function Time({ ms, now }: { ms: number; now?: number }) {
    return (
        <span class="time" title={formatAbsolute(ms)}>
            <span class="time-rel">{formatRelative(ms, now)}</span>
            <span class="time-abs">{formatAbsolute(ms)}</span>
        </span>
    );
}

export function Tabs<T extends string>({ tabs, active, onChange }: { tabs: { id: T; label: string; count?: number }[]; active: T; onChange: (id: T) => void }) {
    return (
        <div class="tabs" role="tablist">
            {tabs.map((t) => (
                <button
                    type="button"
                    role="tab"
                    aria-selected={t.id === active}
                    class={`tab ${t.id === active ? 'tab-active' : ''}`}
                    data-testid={`tab-${t.id}`}
                    onClick={() => onChange(t.id)}
                    key={t.id}
                >
                    {t.label}
                    {t.count !== undefined && <span class="tab-count">{t.count}</span>}
                </button>
            ))}
        </div>
    );
}

export function Switch({ checked, onChange, label, testid }: { checked: boolean; onChange: (v: boolean) => void; label: string; testid?: string }) {
    return (
        <label class="switch">
            <input type="checkbox" role="switch" checked={checked} data-testid={testid} onChange={(e) => onChange((e.target as HTMLInputElement).checked)} />
            <span class="switch-track" aria-hidden="true">
                <span class="switch-thumb" />
            </span>
            <span class="switch-label">{label}</span>
        </label>
    );
}

export function SearchInput({ value, onInput, placeholder, testid }: { value: string; onInput: (v: string) => void; placeholder: string; testid?: string }) {
    return (
        <div class="search">
            <svg class="search-icon" width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
                <circle cx="11" cy="11" r="6.5" />
                <path d="M16 16l4.5 4.5" stroke-linecap="round" />
            </svg>
            <input class="input" type="search" value={value} placeholder={placeholder} data-testid={testid} onInput={(e) => onInput((e.target as HTMLInputElement).value)} />
        </div>
    );
}

/**
 * A modal dialog on the native <dialog> element (focus trap, Escape and backdrop for free).
 * Children usually render a <form>; `onClose` runs for Escape, the close button and the backdrop.
 */
export function Dialog({ title, onClose, children, testid, wide }: { title: string; onClose: () => void; children: ComponentChildren; testid?: string; wide?: boolean }) {
    const ref = useRef<HTMLDialogElement>(null);
    useEffect(() => {
        const el = ref.current;
        if (el && !el.open) el.showModal();
        return () => {
            if (el?.open) el.close();
        };
    }, []);
    return (
        <dialog
            ref={ref}
            class={`dialog ${wide ? 'dialog-wide' : ''}`}
            data-testid={testid}
            onCancel={(e) => {
                e.preventDefault();
                onClose();
            }}
            onClick={(e) => {
                if (e.target === ref.current) onClose();
            }}
        >
            <div class="dialog-inner">
                <header class="dialog-header">
                    <h2 class="dialog-title">{title}</h2>
                    <button type="button" class="icon-btn" aria-label="Close" onClick={onClose}>
                        <IconX size={18} />
                    </button>
                </header>
                {children}
            </div>
        </dialog>
    );
}

/** A destructive action that asks for the resource's name to be typed before it runs. */
export function ConfirmDialog({
    title,
    subject,
    noun,
    actionLabel,
    onConfirm,
    onClose,
    running,
    error,
    children,
}: {
    title: string;
    subject: string;
    noun: string;
    actionLabel: string;
    onConfirm: () => void;
    onClose: () => void;
    running: boolean;
    error: ApiError | null;
    children?: ComponentChildren;
}) {
    const inputRef = useRef<HTMLInputElement>(null);
    const [typed, setTyped] = useState('');
    useEffect(() => inputRef.current?.focus(), []);
    const ok = typed === subject;
    return (
        <Dialog title={title} onClose={onClose} testid="confirm-dialog">
            <form
                class="dialog-form"
                onSubmit={(e) => {
                    e.preventDefault();
                    if (ok && !running) onConfirm();
                }}
            >
                <div class="dialog-body">
                    {children}
                    <p class="confirm-text">
                        Type the {noun} <code class="inline-code">{subject}</code> to confirm.
                    </p>
                    <input
                        ref={inputRef}
                        class="input input-mono"
                        data-testid="confirm-input"
                        autocomplete="off"
                        spellcheck={false}
                        placeholder={subject}
                        value={typed}
                        onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
                    />
                    <ErrorBanner error={error} title={`Could not ${actionLabel.toLowerCase()}`} />
                </div>
                <footer class="dialog-footer">
                    <Button onClick={onClose}>Cancel</Button>
                    <Button type="submit" variant="danger" testid="confirm-submit" disabled={!ok} loading={running}>
                        {actionLabel}
                    </Button>
                </footer>
            </form>
        </Dialog>
    );
}
