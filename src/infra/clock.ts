/** Time in Unix seconds. Injected so tests can move it forward instead of sleeping. */
export type Clock = () => number;

export const systemClock: Clock = () => Math.floor(Date.now() / 1000);
