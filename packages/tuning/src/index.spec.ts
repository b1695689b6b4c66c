import { x } from './index';
describe('index', () => { it('exports', () => { expect(x).toBe(1); }); });
