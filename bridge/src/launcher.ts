#!/usr/bin/env node
/**
 * What ships as `monsys-bridge.mjs`: these lines, and the bridge itself as a string that build.ts puts in
 * place of __BRIDGE_BUNDLE__, run through the V8 code cache (code-cache.ts). Keep it small: this file is
 * compiled on every start.
 */
import { runBundle } from './code-cache.js';

declare const __BRIDGE_BUNDLE__: string;
declare const __BRIDGE_BUNDLE_HASH__: string;

runBundle({ source: __BRIDGE_BUNDLE__, hash: __BRIDGE_BUNDLE_HASH__, url: import.meta.url });
