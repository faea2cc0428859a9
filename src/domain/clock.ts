/**
 * The current time, as a dependency: domain functions and the sweeper take
 * `now` so tests can move time instead of sleeping. SQL compares against the
 * instant this returns (a parameter), never against the database's now().
 */
export type Clock = () => Date;

/** The real clock. */
export const systemClock: Clock = () => new Date();
