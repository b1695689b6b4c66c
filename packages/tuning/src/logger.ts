/** Where the package reports recoverable problems (a torn journal line, a failed stale trial). */
export interface TuningLogger {
  warn(message: string): void;
  info?(message: string): void;
}

/** Default logger: warnings go to stderr, info is dropped. */
export const consoleLogger: TuningLogger = {
  warn: (message) => console.warn(`[tuning] ${message}`),
};

/** A logger that stays silent; handy for benchmarks. */
export const silentLogger: TuningLogger = { warn: () => undefined };
