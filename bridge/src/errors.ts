/**
 * The bridge's closed set of failures. Each has a stable code and a message written for the person
 * (or, inside `serve`, the model) who reads it: what went wrong and the exact command that fixes it.
 */
export const BRIDGE_ERROR_CODES = [
  'invalid_option',
  'no_keychain',
  'keychain_failure',
  'keychain_locked',
  'not_logged_in',
  'reauth_required',
  'hub_unreachable',
  'hub_error',
  'login_failed',
  'login_timeout',
  'wrong_tenant',
  'port_in_use',
  'config_unreadable',
] as const;
export type BridgeErrorCode = (typeof BRIDGE_ERROR_CODES)[number];

export class BridgeError extends Error {
  override name = 'BridgeError';
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
