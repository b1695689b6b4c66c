/**
 * A throwaway PostgreSQL cluster for the specs: `initdb` in a temp dir, a unix socket there and
 * 127.0.0.1 on a free port, stopped by `stop()`. As root the server runs as the `postgres` user
 * (`runuser -u postgres --`). `.ci/run` starts one itself and passes its URL in
 * DIGITFUSE_TEST_POSTGRES (and its data directory in DIGITFUSE_TEST_POSTGRES_DATA, for its server's CPU
 * time); without it the specs start their own (as does the restart spec always), or skip with one loud line when the
 * server's programs are missing (never on CI).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cannotRun } from '@digitfuse/core/testing';
import pg from 'pg';

/** The superuser of a throwaway cluster and its password (TCP connections need it). */
export const TEST_PG_USER = 'digitfuse';
export const TEST_PG_PASSWORD = 'digitfuse-test';

export interface TestCluster {
  /** Port on 127.0.0.1. */
  readonly port: number;
  /** URL of a database (`postgres` by default), with the password. */
  url(database?: string): string;
  /** Creates a fresh database; returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** `pg_ctl restart` (fast mode: connections are cut); undefined for an external cluster. */
  restart?(): void;
  /**
   * CPU milliseconds the server has used so far (the postmaster, its live processes and those it has
   * reaped), read from /proc; undefined when its data directory is unknown or unreadable (Linux only).
   */
  serverCpuMs?(): number | undefined;
  /** With `ssl`: the certificate of the authority that signed the server's (for `sslrootcert=`). */
  readonly caFile?: string;
  stop(): void;
}

/** Clock ticks per second of /proc's times. */
let clockTicks: number | undefined;

/**
 * CPU milliseconds of a PostgreSQL server: the postmaster's own and reaped children's time, plus its
 * live children's (backends, checkpointer, ...). The difference of two readings is the server's
 * CPU between them, whether its backends ended in between or not.
 */
export function serverCpuMs(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!(pid > 0)) return undefined;
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    // Fields after the command's closing parenthesis: state ppid ... utime(14) stime cutime cstime.
    const fields = (p: string | number): string[] => {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    };
    const own = fields(pid);
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
      try {
        const f = fields(entry);
        if (Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // Gone meanwhile: its time is in the postmaster's cutime/cstime now.
      }
    }
    return (ticks * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

/** The directory of PostgreSQL's server programs (initdb, pg_ctl, postgres), or undefined. */
export function postgresBinDir(): string | undefined {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [
    ...(fromConfig.status === 0 ? [fromConfig.stdout.trim()] : []),
    ...(existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`) : []),
  ];
  return candidates.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

/** Whether the PostgreSQL specs can run (a server's programs, or DIGITFUSE_TEST_POSTGRES); decided synchronously for `describe`. */
export function postgresTestable(): boolean {
  if (process.env.DIGITFUSE_TEST_POSTGRES || postgresBinDir() !== undefined) return true;
  const why = 'PostgreSQL server programs (initdb, pg_ctl) not found: apt-get install -y postgresql';
  return cannotRun('the PostgreSQL specs', why);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function urlOf(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

function clusterOn(base: string, extra: Partial<TestCluster>): TestCluster {
  let counter = 0;
  return {
    port: Number(new URL(base).port),
    url: (database = 'postgres') => urlOf(base, database),
    async createDatabase(prefix = 't') {
      const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      const client = new pg.Client({ connectionString: urlOf(base, 'postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlOf(base, name);
    },
    stop: () => undefined,
    ...extra,
  };
}

/**
 * Starts a throwaway cluster (or uses DIGITFUSE_TEST_POSTGRES, unless `own`); undefined, after one
 * loud line on stderr, when PostgreSQL is not installed. With CI=true a missing server throws instead.
 * CI's cluster is shared by every project's specs at once, so it has no `restart`: a spec that
 * restarts a server asks for a cluster of its own (`own: true`). With `ssl`, a cluster of its own that
 * takes TCP connections over SSL only (`hostssl`), its certificate for 127.0.0.1 signed by a
 * throwaway authority (`caFile`; made with the `openssl` program, which Debian's postgresql brings).
 */
export async function startTestCluster(args: { readonly own?: boolean; readonly ssl?: boolean } = {}): Promise<TestCluster | undefined> {
  const external = args.own || args.ssl ? undefined : process.env.DIGITFUSE_TEST_POSTGRES;
  if (external) {
    // CI's cluster: its server's CPU is readable when its data directory is given (DIGITFUSE_TEST_POSTGRES_DATA).
    const data = process.env.DIGITFUSE_TEST_POSTGRES_DATA;
    return clusterOn(external, data ? { serverCpuMs: () => serverCpuMs(data) } : {});
  }
  const bin = postgresBinDir();
  if (bin === undefined) return postgresTestable() ? undefined : undefined;
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'digitfuse-pg-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${TEST_PG_PASSWORD}\n`);
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  chmodSync(dir, 0o700);
  const as = (cmd: string, args: string[]): void => {
    const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  as('initdb', ['-D', data, '-U', TEST_PG_USER, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  let options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  let caFile: string | undefined;
  if (args.ssl) {
    caFile = join(dir, 'ca.crt');
    const [key, cert] = [join(dir, 'server.key'), join(dir, 'server.crt')];
    const openssl = (...a: string[]): void => void execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl('req', '-x509', ...ec, '-keyout', join(dir, 'ca.key'), '-out', caFile, '-days', '2', '-subj', '/CN=digitfuse test authority');
    openssl('req', ...ec, '-keyout', key, '-out', join(dir, 'server.csr'), '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', join(dir, 'server.csr'), '-CA', caFile, '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', join(dir, 'san.ext'));
    chmodSync(key, 0o600);
    if (root) for (const f of [key, cert]) chownSync(f, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
    options += ` -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key}`;
    const hba = join(data, 'pg_hba.conf');
    writeFileSync(hba, readFileSync(hba, 'utf8').replace(/^host(\s)/gm, 'hostssl$1'));
  }
  const ctl = (action: string, extra: string[] = []): void => as('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', ...extra, action]);
  ctl('start');
  const base = `postgresql://${TEST_PG_USER}:${TEST_PG_PASSWORD}@127.0.0.1:${port}/postgres${caFile ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}` : ''}`;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      ctl('stop', ['-m', 'immediate']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', stop);
  return clusterOn(base, { restart: () => ctl('restart', ['-m', 'fast']), serverCpuMs: () => serverCpuMs(data), stop, ...(caFile ? { caFile } : {}) });
}

/** A transaction-pooling proxy (PgBouncer) before a test cluster. */
export interface TestPooler {
  readonly port: number;
  /** The URL of a database through the proxy, with the password. */
  url(database?: string): string;
  stop(): void;
}

/** PgBouncer's program, or undefined (Debian: apt-get install pgbouncer). */
export function pgbouncerBin(): string | undefined {
  return ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'].find((f) => existsSync(f));
}

/** Whether the specs through PgBouncer can run; as `postgresTestable`, loud when they cannot (an error on CI). */
export function poolerTestable(): boolean {
  if (!postgresTestable()) return false;
  if (pgbouncerBin() !== undefined) return true;
  const why = 'PgBouncer not found: apt-get install -y pgbouncer';
  return cannotRun('the PgBouncer specs', why);
}

/**
 * Starts PgBouncer in transaction pooling mode (as Supabase's and Neon's poolers run) on a free port
 * of 127.0.0.1, before `target` (a cluster on 127.0.0.1), with the cluster's user and password; as
 * root it runs as the `postgres` user (PgBouncer refuses root). Resolves once it takes connections.
 */
export async function startTestPooler(target: TestCluster): Promise<TestPooler> {
  const bin = pgbouncerBin();
  if (bin === undefined) throw new Error('PgBouncer not found: apt-get install -y pgbouncer');
  const base = new URL(target.url());
  const [user, password] = [decodeURIComponent(base.username), decodeURIComponent(base.password)];
  const dir = mkdtempSync(join(tmpdir(), 'digitfuse-pgbouncer-'));
  const port = await freePort();
  writeFileSync(join(dir, 'users.txt'), `"${user}" "${password}"\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=127.0.0.1 port=${target.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 500',
      'default_pool_size = 8',
      `logfile = ${join(dir, 'log')}`,
      '',
    ].join('\n'),
  );
  const root = process.getuid?.() === 0;
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const f of [dir, join(dir, 'users.txt'), join(dir, 'pgbouncer.ini')]) chownSync(f, uid, gid);
  }
  const child = root ? spawn('runuser', ['-u', 'postgres', '--', bin, join(dir, 'pgbouncer.ini')], { stdio: 'ignore' }) : spawn(bin, [join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    // runuser passes the signal on to PgBouncer.
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  for (let t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 50))) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() - t0 > 10_000) {
      const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : '';
      stop();
      throw new Error(`PgBouncer did not start (exit ${child.exitCode}): ${log.slice(-2000)}`);
    }
  }
  return {
    port,
    url: (database = 'postgres') => {
      const u = new URL(target.url(database));
      u.port = String(port);
      return u.toString();
    },
    stop,
  };
}
