/** The bridge's version, replaced by the bundler from bridge/package.json (build.ts). */
declare const __BRIDGE_VERSION__: string | undefined;
export const VERSION: string = typeof __BRIDGE_VERSION__ === 'string' ? __BRIDGE_VERSION__ : '0.0.0-dev';
