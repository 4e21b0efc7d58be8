/**
 * Commands printed to users work for the installation at hand: the hub's start banner tells a user of this
 * checkout how to add the bridge to Claude Desktop; run as printed (in a shell, from another folder), it builds
 * the bridge if needed and writes a working entry.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bridgeInstallCommand } from '../hub/src/cli/serve.js';
import { ROOT } from './harness/paths.js';

const run = promisify(execFile);

describe("the hub banner's Claude Desktop command", () => {
  it('names this checkout\'s bridge build, and works as printed', async () => {
    const hubUrl = 'http://127.0.0.1:8787';
    const printed = bridgeInstallCommand(hubUrl);
    expect(printed).toMatch(new RegExp(`node ${ROOT}/bridge/dist/monsys-bridge\\.mjs install --hub http://127\\.0\\.0\\.1:8787 --profile acme$`));
    expect(printed).not.toContain('@monsys/claude-bridge');

    const dir = mkdtempSync(join(tmpdir(), 'banner-'));
    const config = join(dir, 'claude_desktop_config.json');
    // --no-login: the sign-in itself is the end-to-end test's; this checks the command line as printed.
    await run('/bin/sh', ['-c', `${printed} --no-login --config ${config}`], { cwd: dir, env: { ...process.env, MONSYS_BRIDGE_HOME: join(dir, 'state') }, timeout: 120_000 });
    const entry = JSON.parse(readFileSync(config, 'utf8')).mcpServers['monsys-acme'];
    expect(entry.args).toEqual([join(dir, 'state', 'install', 'versions', '0.1.0', 'monsys-bridge.mjs'), 'serve', '--hub', hubUrl, '--profile', 'acme']);
    const { stdout } = await run(entry.command, [entry.args[0], '--version']);
    expect(stdout.trim()).toBe('0.1.0');
  }, 180_000);
});
