import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fakeAdapter, fakeWebgpu, notInstalled } from './test-support';
import { checkVulkan, describeAdapter, loadDawnBinding, probeWebgpu, screenAdapterInChild, type AdapterDescription, type TfjsWebgpu, type WebgpuRuntime } from './webgpu-probe';

/** A stand-in for tfjs-backend-webgpu: the probe only loads it. */
const fakeTfjs = (): TfjsWebgpu => ({ WebGPUBackend: class {} as unknown as TfjsWebgpu['WebGPUBackend'] });

function runtime(overrides: Partial<WebgpuRuntime>): WebgpuRuntime {
  const fake = fakeWebgpu(fakeAdapter(), { loadTfjsWebgpu: fakeTfjs, ...overrides });
  return fake as WebgpuRuntime;
}

describe('checkVulkan()', () => {
  let dir: string;
  let lib: string;
  let noCache: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'digitfuse-vulkan-'));
    lib = path.join(dir, 'lib');
    mkdirSync(lib);
    noCache = path.join(dir, 'no-ld.so.cache');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A driver manifest under `<dir>/<where>/vulkan/icd.d/`. */
  const manifest = (where: string, name = 'nvidia_icd.json'): string => {
    const icd = path.join(dir, where, 'vulkan', 'icd.d');
    mkdirSync(icd, { recursive: true });
    writeFileSync(path.join(icd, name), '{"file_format_version": "1.0.0", "ICD": {"library_path": "libGLX_nvidia.so.0", "api_version": "1.3"}}');
    return path.join(icd, name);
  };
  /** Only the folders under the temporary one are searched. */
  const env = (vars: Record<string, string> = {}): Record<string, string> => ({
    XDG_CONFIG_DIRS: path.join(dir, 'xdg'),
    XDG_DATA_DIRS: path.join(dir, 'share'),
    HOME: path.join(dir, 'home'),
    ...vars,
  });

  it('finds libvulkan.so.1 in an LD_LIBRARY_PATH folder, and a driver manifest in the data folders', () => {
    writeFileSync(path.join(lib, 'libvulkan.so.1'), '');
    manifest('share');
    expect(checkVulkan({ platform: 'linux', env: env({ LD_LIBRARY_PATH: `/nonexistent:${lib}` }), ldCache: noCache, libDirs: [] })).toBeNull();
  });

  it('finds the loader in the linker cache', () => {
    const cache = path.join(dir, 'ld.so.cache');
    writeFileSync(cache, Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('libvulkan.so.1\0/usr/lib/x86_64-linux-gnu/libvulkan.so.1\0')]));
    manifest('xdg');
    expect(checkVulkan({ platform: 'linux', env: env(), ldCache: cache, libDirs: [] })).toBeNull();
  });

  it('says the loader is missing when neither has it', () => {
    writeFileSync(path.join(dir, 'ld.so.cache'), 'libc.so.6\0');
    manifest('share');
    expect(checkVulkan({ platform: 'linux', env: env({ LD_LIBRARY_PATH: lib }), ldCache: path.join(dir, 'ld.so.cache'), libDirs: [lib] })).toBe('libvulkan.so.1 not found');
    expect(checkVulkan({ platform: 'linux', env: env(), ldCache: noCache, libDirs: [] })).toBe('libvulkan.so.1 not found');
  });

  it('says there is no driver when no manifest is found', () => {
    writeFileSync(path.join(lib, 'libvulkan.so.1'), '');
    mkdirSync(path.join(dir, 'share', 'vulkan', 'icd.d'), { recursive: true });
    expect(checkVulkan({ platform: 'linux', env: env(), ldCache: noCache, libDirs: [lib] })).toBe('no Vulkan driver manifest found in the icd.d folders');
    manifest('home/.local/share');
    expect(checkVulkan({ platform: 'linux', env: env(), ldCache: noCache, libDirs: [lib] })).toBeNull();
  });

  it('follows VK_DRIVER_FILES / VK_ICD_FILENAMES when set (files or folders)', () => {
    writeFileSync(path.join(lib, 'libvulkan.so.1'), '');
    manifest('share');
    const elsewhere = manifest('opt', 'my_icd.json');
    const lookup = (vars: Record<string, string>): string | null => checkVulkan({ platform: 'linux', env: env(vars), ldCache: noCache, libDirs: [lib] });
    expect(lookup({ VK_DRIVER_FILES: '/nonexistent/icd.json' })).toBe('VK_DRIVER_FILES names no driver manifest that exists');
    expect(lookup({ VK_ICD_FILENAMES: '/nonexistent/icd.json' })).toBe('VK_ICD_FILENAMES names no driver manifest that exists');
    expect(lookup({ VK_DRIVER_FILES: `/nonexistent/icd.json:${elsewhere}` })).toBeNull();
    expect(lookup({ VK_DRIVER_FILES: path.dirname(elsewhere) })).toBeNull();
  });

  it('does not apply off Linux (Metal, Direct3D 12)', () => {
    expect(checkVulkan({ platform: 'darwin', env: env(), ldCache: noCache, libDirs: [] })).toBeNull();
  });
});

describe('describeAdapter()', () => {
  it('names what the driver gives', () => {
    expect(describeAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', fallback: false })).toBe('nvidia hopper, NVIDIA H200');
    expect(describeAdapter({ vendor: 'amd', architecture: '', device: '', fallback: false })).toBe('amd');
    expect(describeAdapter({ vendor: '', architecture: '', device: '', fallback: false })).toBe('unnamed adapter');
    expect(describeAdapter({ vendor: 'mesa', architecture: '', device: 'llvmpipe', fallback: true })).toBe('mesa, llvmpipe, software fallback adapter');
  });
});

describe('probeWebgpu()', () => {
  it('says the webgpu package is not installed (MODULE_NOT_FOUND naming it)', async () => {
    const probe = await probeWebgpu(runtime({ loadWebgpu: notInstalled('webgpu/package.json') }));
    expect(probe).toMatchObject({ ok: false, why: 'webgpu not installed', expected: 'the optional package webgpu', found: 'it not installed' });
    expect(probe.ok || probe.fix).toMatch(/^npm ci installs the optional packages webgpu and @tensorflow\/tfjs-backend-webgpu/);
  });

  it('says tfjs-backend-webgpu is not installed', async () => {
    const probe = await probeWebgpu(runtime({ loadTfjsWebgpu: notInstalled('@tensorflow/tfjs-backend-webgpu') }));
    expect(probe).toMatchObject({ ok: false, why: 'tfjs-backend-webgpu not installed' });
  });

  it('gives the first line of a binding that does not load', async () => {
    const dlopen = (): never => {
      throw Object.assign(new Error('/x/dawn.node: version `GLIBC_2.38\' not found\nmore'), { code: 'ERR_DLOPEN_FAILED' });
    };
    const probe = await probeWebgpu(runtime({ loadWebgpu: dlopen }));
    expect(probe).toMatchObject({ ok: false, why: "webgpu failed to load (/x/dawn.node: version `GLIBC_2.38' not found)" });
  });

  it('does not start Dawn without a Vulkan loader', async () => {
    const fake = fakeWebgpu(fakeAdapter(), { loadTfjsWebgpu: fakeTfjs, vulkanMissing: () => 'libvulkan.so.1 not found' });
    const probe = await probeWebgpu(fake as WebgpuRuntime);
    expect(probe).toMatchObject({
      ok: false,
      why: 'no WebGPU adapter (libvulkan.so.1 not found; needs a GPU driver with Vulkan)',
      expected: 'a WebGPU adapter',
      found: 'none (libvulkan.so.1 not found)',
    });
    expect(fake.calls.create).toBe(0);
  });

  describe('passOverSoftware (auto): the adapter screened in a child process first', () => {
    const software: AdapterDescription = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', fallback: true };
    const hardware: AdapterDescription = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', fallback: false };

    it('passes over a software adapter without starting Dawn here (whose warnings would reach the terminal)', async () => {
      const fake = fakeWebgpu(fakeAdapter(), { loadTfjsWebgpu: fakeTfjs, screenAdapter: () => software });
      const probe = await probeWebgpu(fake as WebgpuRuntime, { passOverSoftware: true });
      expect(probe).toEqual({ ok: false, why: 'webgpu passed over (only a mesa software, llvmpipe, software fallback adapter)', expected: 'a GPU', found: 'mesa software, llvmpipe, software fallback adapter', fix: '' });
      expect(fake.calls.create).toBe(0);
    });

    it('says there is no adapter when the screen finds none, without starting Dawn here', async () => {
      const fake = fakeWebgpu(fakeAdapter(), { loadTfjsWebgpu: fakeTfjs, screenAdapter: () => null });
      expect(await probeWebgpu(fake as WebgpuRuntime, { passOverSoftware: true })).toMatchObject({ ok: false, why: 'no WebGPU adapter (needs a GPU driver with Vulkan)' });
      expect(fake.calls.create).toBe(0);
    });

    it('starts Dawn here for a GPU, or to say what failed in the screen', async () => {
      for (const screened of [hardware, { error: 'Dawn crashed' }]) {
        const fake = fakeWebgpu(fakeAdapter(), { loadTfjsWebgpu: fakeTfjs, screenAdapter: () => screened });
        expect(await probeWebgpu(fake as WebgpuRuntime, { passOverSoftware: true })).toMatchObject({ ok: true, description: hardware });
        expect(fake.calls.create).toBe(1);
      }
    });

    it('is not asked for an explicit --backend webgpu (a software adapter is then used)', async () => {
      const screen = jest.fn(() => software);
      const fake = fakeWebgpu(fakeAdapter(), { loadTfjsWebgpu: fakeTfjs, screenAdapter: screen });
      expect(await probeWebgpu(fake as WebgpuRuntime)).toMatchObject({ ok: true });
      expect(screen).not.toHaveBeenCalled();
    });

    const withDawn = (() => {
      try {
        loadDawnBinding();
        return it;
      } catch {
        return it.skip; // the optional webgpu package is not installed here
      }
    })();
    withDawn('asks the real Dawn in a child process: no adapter where no Vulkan driver is listed', () => {
      expect(screenAdapterInChild({ ...process.env, VK_DRIVER_FILES: path.join(tmpdir(), 'digitfuse-no-such-driver.json') })).toBeNull();
    });
  });

  it('says there is no adapter when requestAdapter() gives null', async () => {
    const probe = await probeWebgpu(fakeWebgpu(null, { loadTfjsWebgpu: fakeTfjs }) as WebgpuRuntime);
    expect(probe).toMatchObject({ ok: false, why: 'no WebGPU adapter (needs a GPU driver with Vulkan)', found: 'none' });
    expect(probe.ok || probe.fix).toBe("install a GPU driver with Vulkan (the Vulkan loader libvulkan.so.1, e.g. Debian's libvulkan1, and the GPU vendor's driver)");
  });

  it('describes the adapter found, from adapter.info or requestAdapterInfo()', async () => {
    const found = await probeWebgpu(runtime({}));
    expect(found).toMatchObject({ ok: true, description: { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', fallback: false } });

    const older = { ...fakeAdapter(), info: undefined, requestAdapterInfo: async () => ({ vendor: 'amd', architecture: 'rdna-3', description: 'AMD Radeon RX 7900 XTX' }) };
    const probe = await probeWebgpu(fakeWebgpu(older, { loadTfjsWebgpu: fakeTfjs }) as WebgpuRuntime);
    expect(probe).toMatchObject({ ok: true, description: { vendor: 'amd', architecture: 'rdna-3', device: 'AMD Radeon RX 7900 XTX', fallback: false } });
  });

  it('turns an error of Dawn into a reason', async () => {
    const broken = fakeWebgpu(null, { loadTfjsWebgpu: fakeTfjs });
    const loadWebgpu = (): ReturnType<WebgpuRuntime['loadWebgpu']> => ({
      globals: {},
      create: () => {
        throw new Error('Failed to create instance');
      },
    });
    expect(await probeWebgpu({ ...(broken as WebgpuRuntime), loadWebgpu })).toMatchObject({ ok: false, why: 'webgpu failed to start (Failed to create instance)' });
  });
});

describe('loadDawnBinding()', () => {
  /** The optional package installs wherever npm ci ran on a supported platform. */
  const installed = ((): boolean => {
    try {
      require.resolve('webgpu/package.json');
      return true;
    } catch {
      return false;
    }
  })();

  (installed ? it : it.skip)("loads the installed package's prebuilt dawn.node: create() and the WebGPU constants", () => {
    const binding = loadDawnBinding();
    expect(typeof binding.create).toBe('function');
    expect(Object.keys(binding.globals)).toEqual(expect.arrayContaining(['GPUBufferUsage', 'GPUMapMode', 'GPUTextureUsage']));
  });
});
