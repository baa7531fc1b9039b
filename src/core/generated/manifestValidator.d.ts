import type { ErrorObject } from 'ajv';

/** The eventline.json schema, compiled ahead of time (scripts/manifest-validator.js). */
declare const validate: {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
};
export default validate;
