/**
 * Finding the D-Bus session bus on Linux, where the Secret Service lives.
 *
 * Desktop MCP clients start servers with a reduced environment (the MCP SDK's StdioClientTransport passes
 * only HOME, LOGNAME, PATH, SHELL, TERM and USER), so DBUS_SESSION_BUS_ADDRESS is usually missing, and the
 * D-Bus library then tries X11 autolaunch, which is compiled out. systemd-logind desktops put the bus at
 * `$XDG_RUNTIME_DIR/bus`, and XDG_RUNTIME_DIR is `/run/user/<uid>`.
 * @see https://dbus.freedesktop.org/doc/dbus-specification.html#message-bus-types-login
 * @see https://specifications.freedesktop.org/basedir-spec/latest/ (XDG_RUNTIME_DIR)
 */
import { statSync } from 'node:fs';
import { posix } from 'node:path';

type Env = Record<string, string | undefined>;

export interface SessionBus {
  /** The address the D-Bus library will use, or undefined when none was found. */
  address?: string;
  /** Where it came from: the environment, or the socket the bridge found. */
  source: 'environment' | 'socket' | 'none';
  /** The socket paths looked at, for messages. */
  looked: string[];
}

const isSocket = (path: string): boolean => {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
};

/** Where the session bus is, without changing anything. */
export function findSessionBus(env: Env = process.env, uid: number | undefined = process.getuid?.(), socketExists = isSocket): SessionBus {
  if (env.DBUS_SESSION_BUS_ADDRESS) return { address: env.DBUS_SESSION_BUS_ADDRESS, source: 'environment', looked: [] };
  const looked = [...new Set([env.XDG_RUNTIME_DIR, uid === undefined ? undefined : `/run/user/${uid}`].filter((d): d is string => Boolean(d)).map((d) => posix.join(d, 'bus')))];
  const found = looked.find(socketExists);
  // The address syntax escapes bytes outside a small set. @see D-Bus specification, "Server Addresses"
  if (found) return { address: `unix:path=${found.replace(/[^-0-9A-Za-z_/.\\*]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`, source: 'socket', looked };
  return { source: 'none', looked };
}

/**
 * Sets DBUS_SESSION_BUS_ADDRESS for this process when it is missing and the desktop's bus socket exists,
 * before the keychain module first connects (it reads the variable from the process environment).
 */
export function useSessionBus(env: Env = process.env): SessionBus {
  const bus = findSessionBus(env);
  if (bus.source === 'socket') env.DBUS_SESSION_BUS_ADDRESS = bus.address;
  return bus;
}
