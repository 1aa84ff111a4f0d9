/**
 * Schema of RoutingAction (ROUTING.md §6) with the optional `reply`, `prompt` and `menu`.
 */
import { z } from 'zod';
import { isHttpUrl, isRoomName, parseDialTargets } from './formats.js';
import type { ActionOptions, RoutingAction } from '../types.js';

/** Deepest IVR nesting: a menu, a sub-menu and a sub-sub-menu. */
export const MAX_MENU_DEPTH = 3;

/**
 * Stored JSON often carries explicit nulls for absent values. Rather than wrapping every
 * optional field in a null-to-undefined transform (costly per parse), configurations pass
 * through stripNulls first; the schemas below then expect null-free input.
 */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = stripNulls(v);
  return out;
}

export const ActionTypeSchema = z.enum(['forward', 'voicemail', 'reject', 'conference', 'ivr']);
export const DefaultActionTypeSchema = z.enum(['forward', 'voicemail', 'reject', 'conference']);

export const TimeoutSchema = z.number().int('whole seconds').min(5, 'at least 5 seconds').max(600, 'at most 600 seconds');

export const HttpUrlSchema = z.string().refine(isHttpUrl, 'an absolute http(s) URL');

const MenuKeySchema = z.string().regex(/^[0-9*]$/, 'a menu key is one of 0–9 or *');

// The menu refers back to RoutingActionSchema (defined below): built on first use, then reused.
let menuSchema: z.ZodOptional<z.ZodType<Record<string, RoutingAction>>> | undefined;

export const ActionOptionsSchema: z.ZodType<ActionOptions> = z.object({
  timeout: TimeoutSchema.optional(),
  record: z.boolean().optional(),
  transcribe: z.boolean().optional(),
  music: HttpUrlSchema.optional(),
  reply: z.string().min(1).max(1600, 'an SMS is at most 1600 characters').optional(),
  prompt: z.string().min(1).max(1000).optional(),
  get menu() {
    menuSchema ??= z
      .record(MenuKeySchema, RoutingActionSchema, {
        error: (issue) => (issue.code === 'invalid_key' ? 'a menu key is one of 0–9 or *' : undefined),
      })
      .optional();
    return menuSchema;
  },
});

export const RoutingActionSchema: z.ZodType<RoutingAction> = z
  .object({
    type: ActionTypeSchema,
    destination: z.string().optional(),
    options: ActionOptionsSchema.optional(),
  })
  .superRefine((action, ctx) => {
    const destination = action.destination;
    const menu = action.options?.menu;
    if (menu !== undefined && action.type !== 'ivr') {
      ctx.addIssue({ code: 'custom', path: ['options', 'menu'], message: 'a menu only applies to an ivr action' });
    }
    switch (action.type) {
      case 'forward': {
        if (destination === undefined || destination.trim() === '') {
          ctx.addIssue({ code: 'custom', path: ['destination'], message: 'forward needs a destination' });
          break;
        }
        const targets = parseDialTargets(destination);
        if ('error' in targets) ctx.addIssue({ code: 'custom', path: ['destination'], message: targets.error });
        break;
      }
      case 'conference':
        if (destination === undefined || !isRoomName(destination)) {
          ctx.addIssue({
            code: 'custom',
            path: ['destination'],
            message: 'conference needs a room name: 1–64 letters, digits, spaces or + _ . @ : -',
          });
        }
        break;
      case 'ivr':
        if (destination === undefined && menu === undefined) {
          ctx.addIssue({ code: 'custom', path: [], message: 'ivr needs a URL destination or options.menu' });
        } else if (destination !== undefined && menu !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['options', 'menu'], message: 'ivr takes a URL destination or a menu, not both' });
        } else if (destination !== undefined && !isHttpUrl(destination)) {
          ctx.addIssue({ code: 'custom', path: ['destination'], message: 'an ivr destination is an absolute http(s) URL' });
        } else if (menu !== undefined && Object.keys(menu).length === 0) {
          ctx.addIssue({ code: 'custom', path: ['options', 'menu'], message: 'a menu needs at least one key' });
        }
        break;
      case 'voicemail':
      case 'reject':
        break;
    }
  });

/** Reports the first menu nested deeper than MAX_MENU_DEPTH under `path`. */
export function checkMenuDepth(action: RoutingAction, ctx: z.RefinementCtx, path: (string | number)[], depth = 0): void {
  const menu = action.options?.menu;
  if (menu === undefined) return;
  if (depth >= MAX_MENU_DEPTH) {
    ctx.addIssue({ code: 'custom', path: [...path, 'options', 'menu'], message: `menus nest at most ${MAX_MENU_DEPTH} deep` });
    return;
  }
  for (const [key, sub] of Object.entries(menu)) checkMenuDepth(sub, ctx, [...path, 'options', 'menu', key], depth + 1);
}
