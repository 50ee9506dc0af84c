import { el } from '../../shared/dom';

/** The slice of anywidget's model API the widgets use (AFM: https://anywidget.dev/en/afm/). */
// Traits and events are untyped JSON from Python: `any` here, at the one boundary, and
// typed where the widgets read them.
export type Handler = (...args: never[]) => void;

export interface AnyModel {
  // biome-ignore lint/suspicious/noExplicitAny: a trait's type is set in Python (widgets/*.py)
  get(name: string): any;
  set(name: string, value: unknown): void;
  on(event: string, callback: Handler): void;
  off(event?: string, callback?: Handler): void;
  save_changes(): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

export interface RenderProps {
  model: AnyModel;
  el: HTMLElement;
}

/** Binary state arrives as DataView (ipywidgets), ArrayBuffer or Uint8Array depending on the host. */
export function asBytes(value: unknown): Uint8Array | null {
  if (value == null) return null;
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return null;
}

/** Subscribe to model events; the returned function unsubscribes all of them. */
export function listen(model: AnyModel, handlers: Record<string, Handler>): () => void {
  for (const [event, handler] of Object.entries(handlers)) model.on(event, handler);
  return () => {
    for (const [event, handler] of Object.entries(handlers)) model.off(event, handler);
  };
}

/** ``el`` of ../../shared/dom with the widgets' short positional form: tag, class, text. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = '',
): HTMLElementTagNameMap[K] {
  return el(tag, { cls: className, text: text || undefined });
}
