/**
 * Builds `WWW-Authenticate: Bearer …` challenges in one place, with every value quoted and escaped.
 * @see RFC 6750 §3 (error, scope), RFC 9728 §5.1 (resource_metadata)
 */
export interface BearerChallenge {
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  errorDescription?: string;
  scope?: string;
  resourceMetadata?: string;
}

const quote = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;

export function bearerChallenge(c: BearerChallenge): string {
  const params: [string, string | undefined][] = [
    ['realm', 'monsys'],
    ['error', c.error],
    ['error_description', c.errorDescription],
    ['scope', c.scope],
    ['resource_metadata', c.resourceMetadata],
  ];
  return 'Bearer ' + params.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${quote(v!)}`).join(', ');
}
