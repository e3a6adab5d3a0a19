/**
 * Validation of a custom resource against its CRD's openAPIV3Schema, the way the API server reads
 * a structural schema: types, required fields, enums, bounds, patterns, list and map items,
 * int-or-string, and unknown fields (which the server prunes silently, and `kubectl apply
 * --validate=strict` refuses; here they are errors, so a misspelt field never goes unnoticed).
 * Not covered: CEL rules (x-kubernetes-validations) and formats.
 */

/** The subset of JSON Schema that CRDs use. */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  nullable?: boolean;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  not?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, v: unknown): boolean {
  const got = typeOf(v);
  return want === got || (want === 'number' && got === 'integer');
}

/**
 * Errors of `value` against `schema` at `path`. `strict` reports unknown fields; it is off inside
 * oneOf/anyOf/allOf branches, which in a structural schema only add constraints.
 */
export function validateSchema(schema: Schema, value: unknown, path = '', strict = true): string[] {
  const errors: string[] = [];
  const at = path || '(root)';
  if (value === null || value === undefined) {
    if (value === null && !schema.nullable && schema.type) errors.push(`${at}: null is not allowed`);
    return errors;
  }
  if (schema['x-kubernetes-int-or-string']) {
    if (!['integer', 'string'].includes(typeOf(value)))
      errors.push(`${at}: must be an integer or a string, got ${typeOf(value)}`);
  } else if (schema.type && !typeMatches(schema.type, value)) {
    errors.push(`${at}: must be ${schema.type}, got ${typeOf(value)} ${JSON.stringify(value).slice(0, 40)}`);
    return errors;
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    errors.push(
      `${at}: ${JSON.stringify(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    );
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      errors.push(`${at}: ${value} is below the minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      errors.push(`${at}: ${value} is above the maximum ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value))
      errors.push(`${at}: "${value}" does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && value.length < schema.minLength)
      errors.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      errors.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      errors.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      errors.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items)
      value.forEach((item, i) => errors.push(...validateSchema(schema.items!, item, `${path}[${i}]`, strict)));
  }
  if (typeOf(value) === 'object')
    errors.push(...validateObject(schema, value as Record<string, unknown>, path, strict));
  errors.push(...validateCombinators(schema, value, path));
  return errors;
}

function validateObject(schema: Schema, obj: Record<string, unknown>, path: string, strict: boolean): string[] {
  const errors: string[] = [];
  const at = path || '(root)';
  for (const r of schema.required ?? []) {
    if (obj[r] === undefined) errors.push(`${at}: required field "${r}" is missing`);
  }
  const props = schema.properties ?? {};
  const extra = schema.additionalProperties;
  for (const [key, v] of Object.entries(obj)) {
    const child = path ? `${path}.${key}` : key;
    const p = props[key];
    if (p) errors.push(...validateSchema(p, v, child, strict));
    else if (typeof extra === 'object') errors.push(...validateSchema(extra, v, child, strict));
    else if (
      strict &&
      extra !== true &&
      !schema['x-kubernetes-preserve-unknown-fields'] &&
      (schema.properties || extra === false)
    ) {
      errors.push(`${child}: unknown field (known: ${Object.keys(props).join(', ') || 'none'})`);
    }
  }
  return errors;
}

function validateCombinators(schema: Schema, value: unknown, path: string): string[] {
  const errors: string[] = [];
  const at = path || '(root)';
  const passes = (s: Schema) => validateSchema(s, value, path, false).length === 0;
  if (schema.oneOf) {
    const n = schema.oneOf.filter(passes).length;
    if (n !== 1) errors.push(`${at}: must match exactly one of ${schema.oneOf.length} alternatives (matches ${n})`);
  }
  if (schema.anyOf && !schema.anyOf.some(passes)) errors.push(`${at}: matches none of the anyOf alternatives`);
  for (const s of schema.allOf ?? []) errors.push(...validateSchema(s, value, path, false));
  if (schema.not && passes(schema.not)) errors.push(`${at}: matches a schema it must not`);
  return errors;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** What the API server checks of any object's metadata: a valid name, string labels and annotations. */
export function validateMetadata(metadata: unknown): string[] {
  const errors: string[] = [];
  const m = (metadata ?? {}) as Record<string, unknown>;
  const name = m.name;
  if (typeof name !== 'string' || name === '') errors.push('metadata.name: required');
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name))
    errors.push(`metadata.name: "${name}" is not a DNS subdomain (lower case, digits, '-', '.')`);
  for (const field of ['labels', 'annotations'] as const) {
    for (const [k, v] of Object.entries((m[field] ?? {}) as Record<string, unknown>)) {
      if (typeof v !== 'string') errors.push(`metadata.${field}.${k}: must be a string, got ${typeOf(v)}`);
      else if (field === 'labels' && (v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v))) {
        errors.push(`metadata.labels.${k}: "${v}" is not a valid label value`);
      }
    }
  }
  return errors;
}
