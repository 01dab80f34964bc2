/**
 * Host ↔ webview protocol for the chat panel and the retrieval inspector. Declared once, imported by the extension
 * host (extension/*.ts) and by both webviews (webview/**). It sees neither Node nor DOM (tsconfig.shared.json), so
 * everything here is plain data and pure functions. Every message is validated on arrival with the guards below;
 * anything that does not match is ignored and logged by the receiver.
 */
import type { Citation, IndexProgress, IndexState, SearchHit } from '../engine/engine-api';

/** A file range a webview asks the host to open. Paths are workspace-relative and '/'-separated. */
export interface OpenRange {
  path: string;
  startLine: number;
  endLine: number;
}

// ---- chat panel ------------------------------------------------------------------------------------------------

export type ChatToHost =
  | { type: 'ready' }
  | { type: 'ask'; question: string }
  | { type: 'stop' }
  | { type: 'open'; target: OpenRange }
  | { type: 'copy'; text: string }
  | { type: 'showInspector' };

export interface ChatSource {
  n: number;
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  score: number;
}

export type HostToChat =
  | { type: 'answerStart'; askId: number; question: string }
  | { type: 'answerToken'; askId: number; text: string }
  | {
      type: 'answerDone';
      askId: number;
      answer: string;
      citations: Citation[];
      /** Every memory the generator received, in marker order: the sources list. */
      sources: ChatSource[];
      abstained: boolean;
      /** Names the question gives that a block read holds: why it answered under the memory threshold (may be absent). */
      foundByName?: string[];
      totalMs: number;
      stopped: boolean;
    }
  /** `question` is set when the question failed before answerStart (the engine could not be opened). */
  | { type: 'answerError'; askId: number; message: string; question?: string }
  /** Whether a question can be asked now, and why not (untrusted workspace, no folder, engine failed). */
  | { type: 'availability'; canAsk: boolean; reason?: string }
  /** Another surface (the command palette) asked a question: put it in the box and send it. */
  | { type: 'prefill'; question: string };

// ---- retrieval inspector ---------------------------------------------------------------------------------------

export type InspectorToHost =
  | { type: 'ready' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reindex' }
  | { type: 'open'; target: OpenRange };

/** Source lines read from disk by the host; `stale` when the file changed since it was indexed. */
export type SourcePreview =
  | { kind: 'lines'; startLine: number; lines: string[]; stale: boolean; truncated: boolean }
  | { kind: 'unavailable'; reason: string };

export interface InspectorHit extends SearchHit {
  /** Cited by the generator in its answer. */
  used: boolean;
  preview: SourcePreview;
}

/** How answering used the retrieved memories: abstained, or answered under the memory threshold on names found. */
export interface AnswerDecision {
  abstained: boolean;
  /** Names the question gives that the blocks read hold, when they are why it answered under the threshold. */
  foundByName: string[];
}

export type HostToInspector =
  /** `question: null` (with no hits) clears the list, e.g. after Clear Index. */
  | { type: 'retrieval'; question: string | null; hits: InspectorHit[]; decision?: AnswerDecision }
  | { type: 'indexState'; state: IndexState | null; note?: string }
  | { type: 'progress'; progress: IndexProgress };

// ---- validation ------------------------------------------------------------------------------------------------

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function isLine(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

/** Longest question or copied text a webview may send; longer ones are refused, not truncated. */
export const MAX_TEXT_LENGTH = 20_000;

function isText(v: unknown): v is string {
  return typeof v === 'string' && v.length <= MAX_TEXT_LENGTH;
}

export function isOpenRange(v: unknown): v is OpenRange {
  return isRecord(v) && typeof v.path === 'string' && v.path.length > 0 && v.path.length <= 4096
    && isLine(v.startLine) && isLine(v.endLine) && v.endLine >= v.startLine;
}

export function isChatToHost(v: unknown): v is ChatToHost {
  if (!isRecord(v)) return false;
  switch (v.type) {
    case 'ready': case 'stop': case 'showInspector': return true;
    case 'ask': return isText(v.question) && v.question.trim().length > 0;
    case 'open': return isOpenRange(v.target);
    case 'copy': return isText(v.text);
    default: return false;
  }
}

export function isInspectorToHost(v: unknown): v is InspectorToHost {
  if (!isRecord(v)) return false;
  switch (v.type) {
    case 'ready': case 'pause': case 'resume': case 'reindex': return true;
    case 'open': return isOpenRange(v.target);
    default: return false;
  }
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function isHostToChat(v: unknown): v is HostToChat {
  if (!isRecord(v)) return false;
  switch (v.type) {
    case 'answerStart': return isNum(v.askId) && typeof v.question === 'string';
    case 'answerToken': return isNum(v.askId) && typeof v.text === 'string';
    case 'answerDone':
      return isNum(v.askId) && typeof v.answer === 'string' && Array.isArray(v.citations) && Array.isArray(v.sources)
        && v.sources.every(isChatSource) && typeof v.abstained === 'boolean' && isNum(v.totalMs)
        && (v.foundByName === undefined || isStringList(v.foundByName))
        && typeof v.stopped === 'boolean';
    case 'answerError':
      return isNum(v.askId) && typeof v.message === 'string' && (v.question === undefined || typeof v.question === 'string');
    case 'availability': return typeof v.canAsk === 'boolean' && (v.reason === undefined || typeof v.reason === 'string');
    case 'prefill': return typeof v.question === 'string';
    default: return false;
  }
}

function isChatSource(v: unknown): v is ChatSource {
  return isRecord(v) && isNum(v.n) && typeof v.path === 'string' && isNum(v.startLine) && isNum(v.endLine)
    && (v.symbol === null || typeof v.symbol === 'string') && isNum(v.score);
}

function isPreview(v: unknown): v is SourcePreview {
  if (!isRecord(v)) return false;
  if (v.kind === 'unavailable') return typeof v.reason === 'string';
  return v.kind === 'lines' && isNum(v.startLine) && Array.isArray(v.lines) && v.lines.every((l) => typeof l === 'string')
    && typeof v.stale === 'boolean' && typeof v.truncated === 'boolean';
}

function isInspectorHit(v: unknown): v is InspectorHit {
  return isRecord(v) && isNum(v.rank) && isNum(v.score) && isNum(v.memoryScore)
    && (v.lexicalScore === undefined || isNum(v.lexicalScore)) && typeof v.path === 'string'
    && isNum(v.startLine) && isNum(v.endLine) && (v.symbol === null || typeof v.symbol === 'string')
    && typeof v.used === 'boolean' && isPreview(v.preview);
}

function isIndexState(v: unknown): v is IndexState {
  return isRecord(v) && isNum(v.files) && isNum(v.chunks) && isNum(v.memoryTokens) && isNum(v.bytesOnDisk)
    && isNum(v.compressionRate) && isRecord(v.model) && (v.lastUpdate === null || typeof v.lastUpdate === 'string')
    && Array.isArray(v.skipped) && isProgress(v.progress);
}

function isProgress(v: unknown): v is IndexProgress {
  return isRecord(v) && typeof v.phase === 'string' && isNum(v.filesTotal) && isNum(v.filesDone) && isNum(v.chunksDone);
}

function isAnswerDecision(v: unknown): v is AnswerDecision {
  return isRecord(v) && typeof v.abstained === 'boolean' && isStringList(v.foundByName);
}

export function isHostToInspector(v: unknown): v is HostToInspector {
  if (!isRecord(v)) return false;
  switch (v.type) {
    case 'retrieval':
      return (typeof v.question === 'string' || v.question === null) && Array.isArray(v.hits) && v.hits.every(isInspectorHit)
        && (v.decision === undefined || isAnswerDecision(v.decision));
    case 'indexState': return (v.state === null || isIndexState(v.state)) && (v.note === undefined || typeof v.note === 'string');
    case 'progress': return isProgress(v.progress);
    default: return false;
  }
}
