/**
 * Host ↔ engine worker protocol. The VS Code shell starts extension/engine/worker/engine-worker.ts
 * (bundled as dist/engine-worker.js) in a worker_thread and talks to it only through these messages.
 * Both sides import this file; the receiving side validates with isWorkerRequest / isWorkerEvent.
 */
import type { AnswerResult, EngineOptions, IndexState, IndexSummary, IndexProgress, SearchHit } from '../engine-api';

/** Host → worker. `id` pairs a request with its reply. */
export type WorkerRequest =
  | { type: 'open'; id: number; options: EngineOptions }
  | { type: 'indexAll'; id: number }
  | { type: 'indexPaths'; id: number; paths: string[] }
  | { type: 'pause'; id: number }
  | { type: 'resume'; id: number }
  | { type: 'cancel'; id: number }
  | { type: 'clear'; id: number }
  | { type: 'state'; id: number }
  | { type: 'search'; id: number; question: string; topK?: number }
  | { type: 'ask'; id: number; question: string; topK?: number }
  | { type: 'stopAsk'; id: number; askId: number }
  | { type: 'setUserTyping'; id: number; typing: boolean }
  | { type: 'close'; id: number };

/** Worker → host. */
export type WorkerEvent =
  | { type: 'reply'; id: number; ok: true; result?: IndexState | IndexSummary | SearchHit[] | AnswerResult | null }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'progress'; progress: IndexProgress }
  | { type: 'indexChanged'; state: IndexState }
  | { type: 'token'; askId: number; text: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

const REQUEST_TYPES = new Set([
  'open', 'indexAll', 'indexPaths', 'pause', 'resume', 'cancel', 'clear', 'state', 'search', 'ask', 'stopAsk',
  'setUserTyping', 'close',
]);

export function isWorkerRequest(value: unknown): value is WorkerRequest {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  if (typeof m.type !== 'string' || !REQUEST_TYPES.has(m.type) || typeof m.id !== 'number') return false;
  switch (m.type) {
    case 'open': return typeof m.options === 'object' && m.options !== null;
    case 'indexPaths': return Array.isArray(m.paths) && m.paths.every((p) => typeof p === 'string');
    case 'search': case 'ask':
      return typeof m.question === 'string' && (m.topK === undefined || typeof m.topK === 'number');
    case 'stopAsk': return typeof m.askId === 'number';
    case 'setUserTyping': return typeof m.typing === 'boolean';
    default: return true;
  }
}

export function isWorkerEvent(value: unknown): value is WorkerEvent {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'reply': return typeof m.id === 'number' && typeof m.ok === 'boolean';
    case 'progress': return typeof m.progress === 'object' && m.progress !== null;
    case 'indexChanged': return typeof m.state === 'object' && m.state !== null;
    case 'token': return typeof m.askId === 'number' && typeof m.text === 'string';
    case 'log': return typeof m.message === 'string';
    default: return false;
  }
}
