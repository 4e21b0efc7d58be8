/**
 * Structured JSON logs (pino). Authorization headers, cookies, tokens and tool arguments are
 * never logged: request logging records method, route, status and duration only.
 */
import pino from 'pino';

export type Logger = pino.Logger;

/** An error as it is logged: name, message and stack, nothing else it may carry (a request, arguments). */
export function errorFields(err: unknown): { name?: string; message?: string; stack?: string } {
  const e = err as Error | undefined;
  return { name: e?.name, message: e?.message, stack: e?.stack };
}

export function createLogger(level: string, destination: pino.DestinationStream | number = 2): Logger {
  return pino(
    {
      level,
      base: { service: 'monsys-hub' },
      redact: {
        paths: ['authorization', 'token', 'password', 'code', 'code_verifier', 'refresh_token', 'access_token', '*.authorization', '*.token', '*.password', 'args', '*.args'],
        censor: '[redacted]',
      },
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: false }) : destination,
  );
}
