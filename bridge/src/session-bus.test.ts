import { describe, expect, it } from 'vitest';
import { findSessionBus } from './session-bus.js';

describe('findSessionBus', () => {
  it('keeps an address from the environment', () => {
    expect(findSessionBus({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x/bus' }, 1000, () => false)).toEqual({ address: 'unix:path=/x/bus', source: 'environment', looked: [] });
  });

  it('finds $XDG_RUNTIME_DIR/bus first, then /run/user/<uid>/bus, as desktops place it', () => {
    expect(findSessionBus({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000, (p) => p === '/run/user/1000/bus').address).toBe('unix:path=/run/user/1000/bus');
    expect(findSessionBus({ XDG_RUNTIME_DIR: '/tmp/rt' }, 1000, () => true).address).toBe('unix:path=/tmp/rt/bus');
    expect(findSessionBus({}, 1000, (p) => p === '/run/user/1000/bus')).toEqual({ address: 'unix:path=/run/user/1000/bus', source: 'socket', looked: ['/run/user/1000/bus'] });
  });

  it('escapes the path as a D-Bus address, and says where it looked when there is none', () => {
    expect(findSessionBus({ XDG_RUNTIME_DIR: '/tmp/a b,c' }, 1, (p) => p.startsWith('/tmp')).address).toBe('unix:path=/tmp/a%20b%2cc/bus');
    expect(findSessionBus({ XDG_RUNTIME_DIR: '/tmp/rt' }, 1000, () => false)).toEqual({ source: 'none', looked: ['/tmp/rt/bus', '/run/user/1000/bus'] });
  });
});
