/**
 * Geographic rules (ROUTING.md §4): the caller's place from Twilio's FromCountry/State/City,
 * or the country derived from the number; rule lists compiled into Sets of trimmed,
 * lower-cased values.
 */
import { countryOfNumber } from '../caller/normalize.js';
import type { CallInput } from '../types.js';

export interface CompiledGeo {
  countries: Set<string>;
  states: Set<string> | null;
  cities: Set<string> | null;
}

export interface Place {
  country: string | null;
  state: string | null;
  city: string | null;
  source: 'twilio' | 'number' | 'none';
}

/** Trim + lower-case; blank reads as unknown. */
export function normalizePlace(value: string | undefined): string | null {
  if (value === undefined) return null;
  const v = value.trim().toLowerCase();
  return v === '' ? null : v;
}

function toSet(values: readonly string[] | undefined): Set<string> | null {
  if (values === undefined || values.length === 0) return null;
  const set = new Set<string>();
  for (const v of values) {
    const n = normalizePlace(v);
    if (n !== null) set.add(n);
  }
  return set;
}

/** Compiles a rule's lists; an empty states/cities list means "any". */
export function compileGeo(countries: readonly string[], states?: readonly string[], cities?: readonly string[]): CompiledGeo {
  return { countries: toSet(countries) ?? new Set(), states: toSet(states), cities: toSet(cities) };
}

/** The caller's place: Twilio's fields when FromCountry is present, else the country of the caller's number. */
export function resolvePlace(call: CallInput, caller: string | null): Place {
  const country = normalizePlace(call.fromCountry);
  if (country !== null) {
    return { country, state: normalizePlace(call.fromState), city: normalizePlace(call.fromCity), source: 'twilio' };
  }
  const derived = caller === null ? null : countryOfNumber(caller);
  return { country: derived, state: null, city: null, source: derived === null ? 'none' : 'number' };
}

/** Hot path: does the place satisfy the rule? An unknown field never matches a list that names it. */
export function geoMatches(g: CompiledGeo, place: Place): boolean {
  if (place.country === null || !g.countries.has(place.country)) return false;
  if (g.states !== null && (place.state === null || !g.states.has(place.state))) return false;
  if (g.cities !== null && (place.city === null || !g.cities.has(place.city))) return false;
  return true;
}

/** Slow path for traces: the same answer with the reason. */
export function explainGeo(g: CompiledGeo, place: Place): { matched: boolean; code: string; detail: string } {
  const list = (s: Set<string>) => [...s].join(', ');
  if (place.country === null) return { matched: false, code: 'country_unknown', detail: 'the caller\'s country is unknown' };
  if (!g.countries.has(place.country)) {
    return { matched: false, code: 'country_not_listed', detail: `country ${place.country} not in [${list(g.countries)}]` };
  }
  if (g.states !== null) {
    if (place.state === null) return { matched: false, code: 'state_unknown', detail: 'the rule lists states and the caller\'s state is unknown' };
    if (!g.states.has(place.state)) return { matched: false, code: 'state_not_listed', detail: `state ${place.state} not in [${list(g.states)}]` };
  }
  if (g.cities !== null) {
    if (place.city === null) return { matched: false, code: 'city_unknown', detail: 'the rule lists cities and the caller\'s city is unknown' };
    if (!g.cities.has(place.city)) return { matched: false, code: 'city_not_listed', detail: `city ${place.city} not in [${list(g.cities)}]` };
  }
  return { matched: true, code: 'place_matched', detail: `place ${[place.country, place.state, place.city].filter((x) => x !== null).join('/')} is listed` };
}
