/**
 * The shape of one catalogue entry. Every door (the hub's REST routes, the hub's
 * `/mcp` endpoint and the desktop bridge) derives its behaviour from these fields,
 * so a tool is declared once, here, and nowhere else.
 */
import type { z } from 'zod';

/** OAuth scopes the hub issues. @see ../spec (product page, "approve scope mcp.read mcp.acknowledge") */
export const SCOPES = {
  'mcp.read': 'Read your tenant\u2019s hosts, alerts, detections, CVEs, SLAs, Trust Score and audit log',
  'mcp.acknowledge': 'Acknowledge (close) detection events after investigation \u2014 reversible and audit-logged',
} as const;
export type Scope = keyof typeof SCOPES;
export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];

/** Tenant roles, weakest first. A role includes every permission of the roles before it. */
export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/**
 * Kinds of data a tool's output carries to the model. The product page's
 * "What DOES go through Claude" list is generated from these tags.
 */
export const DATA_KINDS = {
  hostname: 'Hostnames',
  ip: 'IP addresses',
  country: 'Country codes',
  user: 'User names (detection target users, auth-event users)',
  email: 'E-mail addresses of people in your tenant (audit actors)',
  alert_text: 'Alert and detection titles and descriptions',
  metric: 'Numbers: Trust Score, counts, CPU/memory/disk, SLA percentages',
  cve: 'CVE identifiers, package names and versions',
} as const;
export type DataKind = keyof typeof DATA_KINDS;

/** MCP tool annotations. @see MCP spec 2025-06-18, server/tools "Tool annotations" */
export interface ToolAnnotations {
  title: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface RestRoute {
  method: 'GET' | 'POST';
  /** Express-style path; `:name` segments are filled from the input field of the same name. */
  path: string;
}

export interface ToolDefinition<
  Name extends string = string,
  In extends z.ZodObject = z.ZodObject,
  Out extends z.ZodObject = z.ZodObject,
> {
  name: Name;
  /** Short human title, shown by clients. */
  title: string;
  /** Written for the model: what the tool returns and when to use it. */
  description: string;
  input: In;
  output: Out;
  scope: Scope;
  /** The weakest tenant role that may call the tool (RBAC on top of the scope). */
  minRole: Role;
  /** Whether the tool changes state. Exactly one tool in the catalogue does. */
  readOnly: boolean;
  route: RestRoute;
  /** What kinds of tenant data the output carries to the model. */
  dataFlow: DataKind[];
  /** Output fields whose text may have been written by an attacker (fenced before reaching the model). */
  untrustedFields: string[];
}

/** Declares a tool; the annotations are derived from `readOnly` so they cannot disagree with it. */
export function defineTool<const Name extends string, In extends z.ZodObject, Out extends z.ZodObject>(
  def: ToolDefinition<Name, In, Out>,
): ToolDefinition<Name, In, Out> & { annotations: ToolAnnotations } {
  return {
    ...def,
    annotations: {
      title: def.title,
      readOnlyHint: def.readOnly,
      // The only write (acknowledge) is reversible, so nothing in the catalogue is destructive.
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    },
  };
}
