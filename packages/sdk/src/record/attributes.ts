import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { DropCounter } from './dropped.js';
import { shown } from './errors.js';

/** Longest array attribute value kept. */
const MAX_ARRAY_LENGTH = 64;

/**
 * What user attributes may be: primitives (and homogeneous arrays of them) with long strings
 * cut, at most `maxAttributes` per operation, and only allowlisted keys as metric labels, which
 * keeps metric cardinality bounded. Anything else is dropped and counted, never thrown.
 */
export class AttributePolicy {
  constructor(
    private readonly maxValueLength: number,
    private readonly maxAttributes: number,
    private readonly metricKeys: ReadonlySet<string>,
    private readonly drops: DropCounter,
  ) {}

  /** The valid attributes of `attributes` (undefined when none is left). */
  sanitize(attributes: Attributes): Attributes | undefined {
    if (attributes === null || typeof attributes !== 'object') {
      this.drops.drop('invalid_attribute', `attributes must be an object, got ${shown(attributes)}`);
      return undefined;
    }
    let out: Attributes | undefined;
    let n = 0;
    try {
      for (const key in attributes) {
        const value = attributes[key];
        if (value === undefined) continue;
        if (n >= this.maxAttributes) {
          this.drops.drop('invalid_attribute', `more than ${this.maxAttributes} attributes on one operation ("${key.slice(0, 64)}" and later)`);
          break;
        }
        if (key.length > this.maxValueLength) {
          this.drops.drop('invalid_attribute', `attribute key "${key.slice(0, 64)}..." is longer than ${this.maxValueLength} characters`);
          continue;
        }
        const clean = this.cleanValue(value);
        if (clean === undefined) {
          this.drops.drop('invalid_attribute', `attribute "${key.slice(0, 64)}" must be a string, number, boolean or an array of one of those`);
          continue;
        }
        (out ??= {})[key] = clean;
        n++;
      }
    } catch (error) {
      // a throwing getter or proxy: what was read so far is kept
      this.drops.drop('invalid_attribute', `attributes could not be read: ${shown(error)}`);
    }
    return out;
  }

  /** A long text (prompt, completion) cut to a bound of its own: 8 × the attribute value length. */
  text(value: string): string {
    const max = 8 * this.maxValueLength;
    return value.length > max ? value.slice(0, max) : value;
  }

  /** The allowlisted keys of already sanitized attributes, as metric labels. */
  metricLabels(attributes: Attributes): Attributes | undefined {
    let out: Attributes | undefined;
    for (const key of this.metricKeys) {
      const v = attributes[key];
      if (v !== undefined && !Array.isArray(v)) (out ??= {})[key] = v;
    }
    return out;
  }

  private cleanValue(value: unknown): AttributeValue | undefined {
    switch (typeof value) {
      case 'string':
        return value.length > this.maxValueLength ? value.slice(0, this.maxValueLength) : value;
      case 'number':
      case 'boolean':
        return value;
      default:
        if (Array.isArray(value) && value.length <= MAX_ARRAY_LENGTH) {
          const kind = typeof value[0];
          if ((kind === 'string' || kind === 'number' || kind === 'boolean') && value.every((v) => typeof v === kind)) {
            return kind === 'string' ? value.map((v: string) => v.slice(0, this.maxValueLength)) : (value as AttributeValue);
          }
        }
        return undefined;
    }
  }
}
