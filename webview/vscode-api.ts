/**
 * The webview's only way out: VS Code's acquireVsCodeApi(), typed with the shared protocol so that a webview can
 * post nothing but its own message union. Incoming messages arrive as window 'message' events and are validated.
 */
declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};

export interface WebviewApi<Out, State> {
  post(message: Out): void;
  getState(): State | undefined;
  setState(state: State): void;
}

export function webviewApi<Out, State>(): WebviewApi<Out, State> {
  const api = acquireVsCodeApi();
  return {
    post: (m) => api.postMessage(m),
    getState: () => (api.getState() as State | undefined) ?? undefined,
    setState: (s) => api.setState(s),
  };
}

/** Calls `handle` with each host message that passes `guard`; anything else is dropped with a console warning. */
export function onHostMessage<T>(guard: (v: unknown) => v is T, handle: (m: T) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    if (guard(event.data)) handle(event.data);
    else console.warn('CLaRa webview: ignored a malformed message', event.data);
  });
}
