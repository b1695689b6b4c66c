/**
 * A TCP relay between the specs' clients and a real server, for outages that must not touch the
 * server itself (CI's PostgreSQL is shared by every spec): it forwards each connection until told to
 * act as a broken network or server does.
 */
import { createServer, Socket, type Server } from 'node:net';

/**
 * How the relay treats connections:
 * - `forward`: relays both ways (the default);
 * - `silent`: accepts connections and passes nothing on, either way, not even a side's close (a port
 *   that takes TCP with no server behind it, or a network that drops packets); what was held back
 *   flows on in `forward`, and a close held back is passed on then;
 * - `hangup`: accepts a new connection and closes it at the first bytes its client sends (a server
 *   that hangs up before answering); open connections are left as they are;
 * - `refuse`: listens no more, so a new connection is refused (a server that is down); open
 *   connections are left as they are (`cut()` closes them).
 */
export type RelayMode = 'forward' | 'silent' | 'hangup' | 'refuse';

export interface TcpRelay {
  /** The relay's port on 127.0.0.1. */
  readonly port: number;
  /** `url` (a postgresql://... URL of the target) with the relay's host and port in place of the server's. */
  url(url: string): string;
  /** The current mode. */
  readonly mode: RelayMode;
  /** Changes the mode (see `RelayMode`); resolves once the relay listens again or no more. */
  setMode(mode: RelayMode): Promise<void>;
  /**
   * Forwards the next bytes a client sends that contain `text`, then goes `silent` before the
   * server's answer comes back (a network that fails mid-conversation); resolves then.
   */
  silenceAfter(text: string): Promise<void>;
  /**
   * Forwards the next bytes a client sends that contain `text`, and the server's answer; at the next
   * bytes any client sends after them, passes them on no more and goes `refuse`, closing every open
   * connection (a server that goes down right after answering that statement); resolves then.
   */
  downAfter(text: string): Promise<void>;
  /**
   * Passes at most `bytesPerSecond` each way from now on (a slow link), or as fast as it can with
   * `undefined` (the default). Meant for `forward`: bytes already paced are delivered even if the
   * relay goes silent meanwhile.
   */
  setRate(bytesPerSecond: number | undefined): void;
  /** Closes every connection open now, both sides (a server or network gone mid-connection). */
  cut(): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  /** Closes everything. */
  close(): Promise<void>;
}

/** Starts a relay on 127.0.0.1 (a free port) to `target`, in mode `forward`. */
export async function startTcpRelay(target: { readonly host: string; readonly port: number }): Promise<TcpRelay> {
  let mode: RelayMode = 'forward';
  let accepted = 0;
  const pairs = new Set<readonly [Socket, Socket | undefined]>();
  /** Sockets whose peer closed while the relay was silent: closed when it is no more. */
  const held = new Set<Socket>();
  const sockets = (): Socket[] => [...held, ...[...pairs].flatMap(([a, b]) => (b === undefined ? [a] : [a, b]))];
  let trigger: { readonly text: string; readonly fired: () => void } | undefined;
  /** `downAfter`'s: its text, whether a client has sent it (then the next bytes take the server down), and what it resolves. */
  let down: { readonly text: string; sent: boolean; readonly fired: () => void } | undefined;
  let goDown = (): void => undefined;
  let pause = (): void => undefined;
  let rate: number | undefined;

  const onConnection = (client: Socket): void => {
    accepted++;
    client.on('error', () => undefined);
    if (mode === 'hangup') {
      const pair = [client, undefined] as const;
      pairs.add(pair);
      client.once('data', () => client.end());
      client.once('close', () => pairs.delete(pair));
      return;
    }
    const upstream = new Socket();
    upstream.on('error', () => undefined);
    const pair = [client, upstream] as const;
    pairs.add(pair);
    const relay = (from: Socket, to: Socket): void => {
      /** When this direction's paced link is free again (ms since the epoch). */
      let freeAt = 0;
      from.on('data', (chunk: Buffer) => {
        if (from === client && down?.sent) {
          const { fired } = down;
          down = undefined;
          goDown();
          fired();
          return;
        }
        if (from === client && down !== undefined && chunk.includes(down.text)) down.sent = true;
        if (rate !== undefined || freeAt > Date.now()) {
          // Paced: each slice leaves when the link is free (after the slices before it, so in order).
          for (let at = 0; at < chunk.length; at += 16_384) {
            const slice = chunk.subarray(at, at + 16_384);
            freeAt = Math.max(Date.now(), freeAt) + (rate === undefined ? 0 : (1000 * slice.length) / rate);
            setTimeout(() => to.destroyed || to.write(slice), freeAt - Date.now());
          }
        } else if (!to.write(chunk)) from.pause();
        if (from === client && trigger !== undefined && chunk.includes(trigger.text)) {
          const { fired } = trigger;
          trigger = undefined;
          mode = 'silent';
          pause();
          fired();
        }
      });
      to.on('drain', () => {
        if (mode !== 'silent') from.resume();
      });
      from.on('close', () => {
        if (mode === 'silent') held.add(to);
        else to.destroy();
        pairs.delete(pair);
      });
    };
    relay(client, upstream);
    relay(upstream, client);
    if (mode === 'silent') {
      client.pause();
      upstream.pause();
    }
    upstream.connect(target.port, target.host);
  };

  const server: Server = createServer(onConnection);
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const port = await listen(0);
  let listening = true;
  pause = () => {
    for (const s of sockets()) s.pause();
  };
  const cut = (): void => {
    for (const s of sockets()) s.destroy();
    pairs.clear();
    held.clear();
  };
  goDown = () => {
    mode = 'refuse';
    if (listening) {
      listening = false;
      server.close();
    }
    cut();
  };

  return {
    port,
    url(url: string): string {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    async setMode(next: RelayMode): Promise<void> {
      mode = next;
      if (next !== 'silent') {
        for (const s of held) s.destroy();
        held.clear();
      }
      for (const s of sockets()) {
        if (next === 'silent') s.pause();
        else s.resume();
      }
      if (next === 'refuse' && listening) {
        // The port is closed at once; open connections stay (close's callback would wait for them).
        listening = false;
        server.close();
      } else if (next !== 'refuse' && !listening) {
        await listen(port);
        listening = true;
      }
    },
    setRate(bytesPerSecond: number | undefined): void {
      rate = bytesPerSecond;
    },
    silenceAfter(text: string): Promise<void> {
      return new Promise((fired) => {
        trigger = { text, fired };
      });
    },
    downAfter(text: string): Promise<void> {
      return new Promise((fired) => {
        down = { text, sent: false, fired };
      });
    },
    cut,
    async close(): Promise<void> {
      for (const s of sockets()) s.destroy();
      pairs.clear();
      held.clear();
      if (listening) {
        listening = false;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
