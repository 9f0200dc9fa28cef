// A typed client for the broker's admin API (docs/http-api.md). Every call resolves to the
// decoded JSON body or rejects with an ApiError carrying the API's own error code and message,
// so pages can show exactly what the broker said.

export interface Broker {
    node_id: number;
    host: string;
    port: number;
    rack: string | null;
    data_dir: string;
    size_bytes: number;
}

export interface Cluster {
    cluster_id: string;
    controller_id: number;
    version: string;
    started_at_ms: number;
    brokers: Broker[];
    topic_count: number;
    partition_count: number;
    group_count: number;
    totals: { bytes_in: number; bytes_out: number; messages_in: number };
}

export interface TopicSummary {
    name: string;
    id: string;
    internal: boolean;
    partition_count: number;
    replication_factor: number;
    size_bytes: number;
    record_count: number;
    retention_ms?: number;
    retention_bytes?: number;
    cleanup_policy?: string;
}

export interface PartitionInfo {
    partition: number;
    leader: number;
    replicas: number[];
    isr: number[];
    log_start_offset: number;
    high_watermark: number;
    log_end_offset: number;
    size_bytes: number;
    segment_count: number;
}

export interface ConfigEntry {
    name: string;
    value: string | null;
    source: string;
    read_only: boolean;
    sensitive: boolean;
    documentation?: string | null;
}

export interface TopicDetail extends TopicSummary {
    partitions: PartitionInfo[];
    configs: ConfigEntry[];
}

export interface Header {
    key: string;
    value: string | null;
    value_base64: string | null;
}

export interface Message {
    partition: number;
    offset: number;
    timestamp: number;
    timestamp_type: string;
    key: string | null;
    key_base64: string | null;
    value: string | null;
    value_base64: string | null;
    headers: Header[];
}

export interface MessagePartition {
    partition: number;
    log_start_offset: number;
    high_watermark: number;
    next_offset: number;
}

export interface MessagePage {
    messages: Message[];
    partitions: MessagePartition[];
}

export interface ProduceRequest {
    partition?: number;
    key: string | null;
    value: string | null;
    headers: { key: string; value: string | null }[];
}

export interface ProduceResult {
    partition: number;
    offset: number;
    timestamp: number;
}

export interface GroupSummary {
    group_id: string;
    state: string;
    protocol_type: string;
    protocol: string;
    member_count: number;
    topics: string[];
    total_lag: number;
}

export interface GroupMember {
    member_id: string;
    group_instance_id: string | null;
    client_id: string;
    client_host: string;
    assignments: { topic: string; partitions: number[] }[];
}

export interface GroupOffset {
    topic: string;
    partition: number;
    committed_offset: number | null;
    metadata: string | null;
    log_end_offset: number;
    lag: number;
    member_id: string | null;
}

export interface GroupDetail {
    group_id: string;
    state: string;
    protocol_type: string;
    protocol: string;
    members: GroupMember[];
    offsets: GroupOffset[];
    total_lag: number;
}

export type ResetTarget = 'earliest' | 'latest' | 'offset' | 'timestamp';

export interface ResetRequest {
    topic: string;
    partitions?: number[];
    to: ResetTarget;
    offset?: number;
    timestamp?: number;
}

export class ApiError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
    ) {
        super(message);
        this.name = 'ApiError';
    }
}

const enc = encodeURIComponent;

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
        response = await fetch(path, {
            method,
            signal,
            headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
    } catch (e) {
        if ((e as Error).name === 'AbortError') throw e;
        throw new ApiError(0, 'NETWORK_ERROR', `cannot reach the broker (${(e as Error).message})`);
    }
    const text = await response.text();
    let json: unknown = null;
    if (text !== '') {
        try {
            json = JSON.parse(text);
        } catch {
            if (!response.ok) throw new ApiError(response.status, `HTTP_${response.status}`, text.slice(0, 300));
            throw new ApiError(response.status, 'INVALID_RESPONSE', `the broker answered ${method} ${path} with a body that is not JSON`);
        }
    }
    if (!response.ok) {
        const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
        throw new ApiError(response.status, err?.code ?? `HTTP_${response.status}`, err?.message ?? response.statusText);
    }
    return json as T;
}

export interface MessageQuery {
    partition?: number;
    offset?: number;
    timestamp?: number;
    from?: 'beginning' | 'end';
    limit?: number;
}

export const api = {
    cluster: (signal?: AbortSignal) => request<Cluster>('GET', '/api/v1/cluster', undefined, signal),

    topics: (includeInternal = true, signal?: AbortSignal) =>
        request<{ topics: TopicSummary[] }>('GET', `/api/v1/topics${includeInternal ? '' : '?internal=false'}`, undefined, signal).then((r) => r.topics),
    topic: (name: string, signal?: AbortSignal) => request<TopicDetail>('GET', `/api/v1/topics/${enc(name)}`, undefined, signal),
    createTopic: (name: string, partitions: number, replicationFactor: number, configs: Record<string, string>) =>
        request<TopicDetail>('POST', '/api/v1/topics', { name, partitions, replication_factor: replicationFactor, configs }),
    deleteTopic: (name: string) => request<{ deleted: string }>('DELETE', `/api/v1/topics/${enc(name)}`),
    updateConfigs: (name: string, set: Record<string, string>, del: string[] = []) =>
        request<{ configs: ConfigEntry[] }>('PATCH', `/api/v1/topics/${enc(name)}/configs`, { set, delete: del }).then((r) => r.configs),
    addPartitions: (name: string, count: number) => request<TopicDetail>('POST', `/api/v1/topics/${enc(name)}/partitions`, { count }),

    messages: (name: string, query: MessageQuery, signal?: AbortSignal) => {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
        const qs = params.toString();
        return request<MessagePage>('GET', `/api/v1/topics/${enc(name)}/messages${qs ? `?${qs}` : ''}`, undefined, signal);
    },
    produce: (name: string, record: ProduceRequest) => request<ProduceResult>('POST', `/api/v1/topics/${enc(name)}/messages`, record),

    groups: (signal?: AbortSignal) => request<{ groups: GroupSummary[] }>('GET', '/api/v1/groups', undefined, signal).then((r) => r.groups),
    group: (id: string, signal?: AbortSignal) => request<GroupDetail>('GET', `/api/v1/groups/${enc(id)}`, undefined, signal),
    deleteGroup: (id: string) => request<{ deleted: string }>('DELETE', `/api/v1/groups/${enc(id)}`),
    resetOffsets: (id: string, body: ResetRequest) =>
        request<{ offsets: { topic: string; partition: number; offset: number }[] }>('POST', `/api/v1/groups/${enc(id)}/offsets/reset`, body),
};
