import { describe, expect, it } from 'vitest';
import { checkNode, claudeDesktopPath, resolveCommand } from './doctor.js';

describe('doctor checks that need another machine', () => {
  it('a node older than 20 fails with the fix', () => {
    expect(checkNode('/usr/local/bin/node', 'v18.19.0')).toEqual({
      name: 'node',
      status: 'fail',
      detail: '/usr/local/bin/node v18.19.0 is older than Node.js 20',
      fix: 'Install Node.js 20 or later (https://nodejs.org), then run install again with it.',
    });
    expect(checkNode('/usr/bin/node', 'v22.1.0').status).toBe('ok');
  });

  it('on macOS, Claude Desktop has launchd\'s PATH, not the shell\'s', () => {
    expect(claudeDesktopPath('darwin', { PATH: '/opt/homebrew/bin:/usr/bin' })).toBe('/usr/bin:/bin:/usr/sbin:/sbin');
    expect(claudeDesktopPath('linux', { PATH: '/usr/local/bin:/usr/bin' })).toBe('/usr/local/bin:/usr/bin');
  });

  it('resolves a bare command on a PATH and an absolute one by itself', () => {
    expect(resolveCommand('sh', '/nonexistent:/bin')).toBe('/bin/sh');
    expect(resolveCommand('no-such-program-here', '/bin:/usr/bin')).toBeUndefined();
    expect(resolveCommand('/nonexistent/node', '/bin')).toBeUndefined();
  });
});
