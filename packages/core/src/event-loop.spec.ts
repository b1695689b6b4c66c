import { eventLoopTurns } from './event-loop';

/** Busy work for about `ms` milliseconds without leaving the current task. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

describe('eventLoopTurns()', () => {
  it('lets timers run during a long loop of settled awaits, which alone starve them', async () => {
    const loop = async (turn?: () => Promise<void>): Promise<number> => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      try {
        for (let i = 0; i < 40; i++) {
          spin(5);
          await Promise.resolve();
          await turn?.();
        }
      } finally {
        clearInterval(timer);
      }
      return ticks;
    };
    expect(await loop()).toBe(0);
    expect(await loop(eventLoopTurns(20))).toBeGreaterThanOrEqual(3);
  });

  it('gives a turn at most every `everyMs`, and returns at once in between', async () => {
    let immediates = 0;
    const real = global.setImmediate;
    const spy = jest.spyOn(global, 'setImmediate').mockImplementation(((fn: () => void) => {
      immediates++;
      return real(fn);
    }) as typeof setImmediate);
    try {
      const turn = eventLoopTurns(1_000_000);
      for (let i = 0; i < 100; i++) await turn();
      expect(immediates).toBe(0);
      const always = eventLoopTurns(0);
      for (let i = 0; i < 5; i++) await always();
      expect(immediates).toBe(5);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a negative or NaN interval', () => {
    expect(() => eventLoopTurns(-1)).toThrow('Expected `everyMs` to be a number >= 0, found -1');
    expect(() => eventLoopTurns(NaN)).toThrow(RangeError);
  });
});
