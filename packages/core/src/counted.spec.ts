import { counted } from './counted';

describe('counted()', () => {
  it('puts the noun in the singular for one and in the plural otherwise', () => {
    expect([0, 1, 2, 10].map((n) => counted(n, 'epoch'))).toEqual(['0 epochs', '1 epoch', '2 epochs', '10 epochs']);
    expect(counted(1, 'process', 'processes')).toBe('1 process');
    expect(counted(4, 'process', 'processes')).toBe('4 processes');
  });
});
