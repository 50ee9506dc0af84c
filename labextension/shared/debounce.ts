// Wait for a pause in typing before acting (the filter boxes of the sidebar and the run table).

/** A call put off until ``ms`` pass without another ``schedule()``. */
export interface Debounced {
  /** (Re)start the wait; the call happens once it ends. */
  schedule(): void;
  /** Drop a pending call (the caller acts now, or goes away). */
  cancel(): void;
}

/** Put ``fn`` off until ``ms`` milliseconds pass without another ``schedule()``. */
export function debounce(fn: () => void, ms: number): Debounced {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return {
    schedule() {
      cancel();
      timer = setTimeout(() => {
        timer = undefined;
        fn();
      }, ms);
    },
    cancel,
  };
}
