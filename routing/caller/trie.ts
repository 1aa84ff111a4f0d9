/**
 * All caller-ID patterns of a configuration in one digit trie, so matching costs one walk over
 * the caller's digits (plus the X branches) whatever the number of patterns. Each pattern
 * stores the sequence position of its rule; a match answers the smallest position, i.e. the
 * first caller-ID rule in evaluation order that matches.
 */
import type { ParsedPattern } from './pattern.js';

interface TrieNode {
  digits: (TrieNode | undefined)[];
  any: TrieNode | undefined;
  /** Smallest rule position whose pattern ends exactly here. */
  exact: number;
  /** Smallest rule position whose prefix pattern (`*`) ends here. */
  prefix: number;
}

function node(): TrieNode {
  return { digits: new Array<TrieNode | undefined>(10), any: undefined, exact: Infinity, prefix: Infinity };
}

/** Compiled caller matcher. */
export class CallerTrie {
  private readonly root = node();
  /** Smallest rule position with the `anonymous` pattern. */
  private anonymous = Infinity;
  size = 0;

  /** Adds a validated pattern for the rule at `position`. */
  add(pattern: ParsedPattern, position: number): void {
    this.size++;
    if (pattern.kind === 'anonymous') {
      this.anonymous = Math.min(this.anonymous, position);
      return;
    }
    let n = this.root;
    for (let i = 0; i < pattern.symbols.length; i++) {
      const s = pattern.symbols.charCodeAt(i);
      if (s === 88) {
        n.any ??= node();
        n = n.any;
      } else {
        const d = s - 48;
        let next = n.digits[d];
        if (next === undefined) {
          next = node();
          n.digits[d] = next;
        }
        n = next;
      }
    }
    if (pattern.prefix) n.prefix = Math.min(n.prefix, position);
    else n.exact = Math.min(n.exact, position);
  }

  /** Smallest rule position matching the normalized caller (null = anonymous); Infinity when none. */
  match(caller: string | null): number {
    if (caller === null) return this.anonymous;
    return walk(this.root, caller, 1);
  }
}

// Depth-first over the digit child and the X child; the trie is at most 15 levels deep.
function walk(n: TrieNode, caller: string, i: number): number {
  let best = n.prefix;
  if (i === caller.length) return n.exact < best ? n.exact : best;
  const d = caller.charCodeAt(i) - 48;
  const next = n.digits[d];
  if (next !== undefined) {
    const r = walk(next, caller, i + 1);
    if (r < best) best = r;
  }
  if (n.any !== undefined) {
    const r = walk(n.any, caller, i + 1);
    if (r < best) best = r;
  }
  return best;
}
