// Specs that run on the pure-JS cpu backend would print tfjs's "install tfjs-node" banner once per
// file; selectBackend silences it for users, this does the same for specs that set the backend directly.
import { silenceCpuBanner } from './src/backend/silence-banner';

silenceCpuBanner();
