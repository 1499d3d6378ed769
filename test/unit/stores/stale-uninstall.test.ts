import { describe, expect, it } from 'vitest';
import { isStaleUninstall } from '../../../src/stores/stale-uninstall.ts';

const installedAtMs = 1_700_000_000_500;

describe('isStaleUninstall', () => {
  it.each([
    ['a full second before the install', installedAtMs - 1000, installedAtMs, true],
    ['long before the install', installedAtMs - 86_400_000, installedAtMs, true],
    ['within the second before the install (seconds precision)', installedAtMs - 999, installedAtMs, false],
    ['the install second itself, truncated to whole seconds', Math.floor(installedAtMs / 1000) * 1000, installedAtMs, false],
    ['after the install', installedAtMs + 5000, installedAtMs, false],
    ['unknown uninstall time', undefined, installedAtMs, false],
    ['unknown install time', installedAtMs - 86_400_000, undefined, false],
  ])('%s -> %s', (_label, uninstallAtMs, installed, stale) => {
    expect(isStaleUninstall(uninstallAtMs, installed)).toBe(stale);
  });
});
