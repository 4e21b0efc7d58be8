/**
 * The shape of one catalogue entry. Every door (the hub's REST routes, the hub's
 * `/mcp` endpoint and the desktop bridge) derives its behaviour from these fields,
 * so a tool is declared once, here, and nowhere else.
 */
import type { z } from 'zod';
import { fieldsOf } from './fields.js';

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
  user: 'User names (detection target users, users in auth events)',
  email: 'E-mail addresses of people in your tenant (audit actors, who acknowledged a detection)',
  alert_text: 'Alert and detection titles and descriptions (and text that quotes them)',
  inventory: 'Host inventory: OS names, kernel versions, host tags',
  cve: 'CVE identifiers, package names and versions',
  config: 'Names of your SLA targets and services',
  audit_meta: 'Audit event types, targets and metadata (never raw audit bodies)',
  metric: 'Numbers: Trust Score, counts, CPU/memory/disk, SLA percentages',
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

/** What a tool module declares. */
export interface ToolDeclaration<
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
  /** Every string leaf is tagged with its data kind (shared/fields.ts). */
  output: Out;
  scope: Scope;
  /** The weakest tenant role that may call the tool (RBAC on top of the scope). */
  minRole: Role;
  /** Whether the tool changes state. Exactly one tool in the catalogue does. */
  readOnly: boolean;
  route: RestRoute;
}

/** A catalogue entry: the declaration plus what is derived from it. */
export interface ToolDefinition<Name extends string = string, In extends z.ZodObject = z.ZodObject, Out extends z.ZodObject = z.ZodObject>
  extends ToolDeclaration<Name, In, Out> {
  annotations: ToolAnnotations;
  /** Kinds of tenant data the output carries to the model, from the output's field tags. */
  dataFlow: DataKind[];
  /** Output fields whose text an attacker may have written, from the field tags. */
  untrustedFields: string[];
}

/** Declares a tool; annotations, data flow and untrusted fields are derived so they cannot disagree with it. */
export function defineTool<const Name extends string, In extends z.ZodObject, Out extends z.ZodObject>(
  def: ToolDeclaration<Name, In, Out>,
): ToolDefinition<Name, In, Out> {
  const fields = fieldsOf(def.output);
  const kinds = new Set<DataKind>();
  for (const f of fields) if (f.tag && f.tag.kind !== 'structural') kinds.add(f.tag.kind);
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
    dataFlow: (Object.keys(DATA_KINDS) as DataKind[]).filter((k) => kinds.has(k)),
    untrustedFields: fields.filter((f) => f.tag?.untrusted).map((f) => f.path),
  };
}
