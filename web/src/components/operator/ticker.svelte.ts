// One shared second-ticker for the live deadline timers: a single interval however many timers are on screen, stopped when none is.
const state = $state({ now: Date.now() });
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** The current time, re-read every second while some component uses it. */
export const ticker = {
  get now() {
    return state.now;
  },
};

/** Starts the ticker for a component; call the result when it goes away (an $effect's cleanup). */
export function useTicker(): () => void {
  users++;
  if (timer === undefined) {
    state.now = Date.now();
    timer = setInterval(() => (state.now = Date.now()), 1000);
  }
  return () => {
    users--;
    if (users === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
