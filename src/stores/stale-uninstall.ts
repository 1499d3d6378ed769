/**
 * Whether news of an uninstall predates the store's current installation (a late event or a replayed
 * callback after a reinstall), in which case it must not switch the store off.
 *
 * Both sources stamp whole seconds (the event's `created_at`, the callback JWT's `iat`) while the
 * install time has milliseconds, so news is stale only when issued a full second before the install:
 * an uninstall in the same second as the install is taken as real. Unknown times are never stale.
 */
export function isStaleUninstall(uninstallAtMs: number | undefined, installedAtMs: number | undefined): boolean {
  return uninstallAtMs !== undefined && installedAtMs !== undefined && uninstallAtMs + 1000 <= installedAtMs;
}
