/** The command tree. Kept apart from main.ts so tests can run commands in-process. */
import { Command } from 'commander';
import { bridgeCommand } from '../names.js';
import { VERSION } from '../version.js';
import { doctorCommand } from './doctor.js';
import { installCommand } from './install.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';

export function buildProgram(): Command {
  return new Command('monsys-bridge')
    .description(
      'The monsys bridge for Claude Desktop: sign in to your monsys hub and give Claude the monsys tools.\n\n' +
        `Quick start (one tenant):\n  ${bridgeCommand()} install --hub <your hub URL> --profile acme\n` +
        'then restart Claude Desktop. Add more tenants with another --profile; check a setup with doctor.',
    )
    .version(VERSION)
    .showHelpAfterError()
    .addCommand(installCommand())
    .addCommand(loginCommand())
    .addCommand(statusCommand())
    .addCommand(logoutCommand())
    .addCommand(doctorCommand())
    .addCommand(serveCommand());
}
