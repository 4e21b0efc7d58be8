/**
 * The signed-in session of one hub and profile: reads the token from the store, refreshes it
 * shortly before it expires or once after a 401, and writes the rotated pair back.
 */
import { BridgeError } from './errors.js';
import { drain, hubFetch } from './http.js';
import { debug } from './log.js';
import { loginCommand } from './names.js';
import { refresh as refreshTokens } from './oauth.js';
import type { StoredToken, TokenStore } from './token-store.js';

/** Refresh this many seconds before the recorded expiry, so a call does not race the clock. */
const EXPIRY_MARGIN_S = 60;

export class Session {
  private inflight?: Promise<StoredToken>;

  constructor(
    readonly hub: string,
    readonly profile: string,
    private readonly store: TokenStore,
    private readonly fileStore = false,
    private readonly refresher: (t: StoredToken) => Promise<StoredToken> = refreshTokens,
    /** The tenant the profile is bound to: a stored token recorded for another tenant is never used. */
    readonly tenant?: string,
  ) {}

  /** What to tell the user when there is no usable token. */
  reauthMessage(reason: string): string {
    return `${reason} Sign in again in a terminal with: ${loginCommand(this.hub, this.profile, { fileStore: this.fileStore })} — then retry (no need to restart Claude Desktop).`;
  }

  private async stored(): Promise<StoredToken> {
    const t = await this.store.get(this.hub, this.profile);
    if (!t) throw new BridgeError('not_logged_in', this.reauthMessage(`The monsys bridge is not signed in for profile "${this.profile}" on ${this.hub}.`));
    if (this.tenant && t.tenant && t.tenant !== this.tenant) {
      throw new BridgeError(
        'wrong_tenant',
        `Profile "${this.profile}" is for the tenant "${this.tenant}", but its stored sign-in is for "${t.tenant}", so it was not used. ` +
          `Sign in again in a terminal and choose "${this.tenant}": ${loginCommand(this.hub, this.profile, { fileStore: this.fileStore, tenant: this.tenant })}`,
      );
    }
    return t;
  }

  /** A token believed valid: the stored one, or a refreshed one if it is (nearly) expired. */
  async accessToken(): Promise<string> {
    const t = await this.stored();
    if (t.expires_at - EXPIRY_MARGIN_S > Date.now() / 1000) return t.access_token;
    return (await this.refresh(t.access_token)).access_token;
  }

  /** A GET of the hub with this session's token; a token the hub refuses (401) is refreshed once and the GET repeated. */
  async get(url: string, timeoutMs = 10_000): Promise<Response> {
    const access = await this.accessToken();
    const r = await hubFetch(url, { headers: { Authorization: `Bearer ${access}` }, timeoutMs });
    if (r.status !== 401) return r;
    await drain(r);
    const fresh = (await this.refresh(access)).access_token;
    return hubFetch(url, { headers: { Authorization: `Bearer ${fresh}` }, timeoutMs });
  }

  /**
   * Refreshes once for everyone: concurrent tool calls that all saw the same stale token share one
   * refresh, because the hub rotates refresh tokens and treats reuse of an old one as theft.
   */
  async refresh(staleAccessToken: string): Promise<StoredToken> {
    if (this.inflight) return this.inflight;
    this.inflight = (async () => {
      const t = await this.stored();
      // Someone (another call, or a new login) already replaced the token.
      if (t.access_token !== staleAccessToken && t.expires_at - EXPIRY_MARGIN_S > Date.now() / 1000) return t;
      if (!t.refresh_token) throw new BridgeError('reauth_required', this.reauthMessage('Your monsys sign-in has expired.'));
      let next: StoredToken;
      try {
        next = await this.refresher(t);
      } catch (err) {
        if (err instanceof BridgeError && err.code === 'hub_unreachable') throw err;
        throw new BridgeError('reauth_required', this.reauthMessage('Your monsys sign-in has expired or was revoked.'));
      }
      await this.store.set(next);
      debug('access token refreshed');
      return next;
    })();
    try {
      return await this.inflight;
    } finally {
      this.inflight = undefined;
    }
  }
}
