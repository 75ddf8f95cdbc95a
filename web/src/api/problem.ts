// The platform's problem+json (RFC 9457): a French `detail`, the `field` at fault and, for
// validation errors, `errors` with one French `message` per field (dotted paths: address.postcode).

export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
  errors?: { field: string; code?: string; message: string }[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemBody;

  constructor(status: number, problem: ProblemBody) {
    super(problem.detail ?? `Erreur ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** The French message for each field the answer names (the first one per field). */
  fieldMessages(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      if (e.field && !(e.field in out)) out[e.field] = e.message;
    }
    if (this.problem.field && !(this.problem.field in out) && this.problem.detail) {
      out[this.problem.field] = this.problem.detail;
    }
    return out;
  }
}

export const NETWORK_ERROR = "Le service ne répond pas. Vérifiez votre connexion puis réessayez.";

export interface FormErrors {
  /** Messages shown next to the form's own fields, by field name. */
  fields: Record<string, string>;
  /** What no field of the form can show: in the alert at the top of the form. */
  general: string[];
}

/** Splits an error between the form's fields (those it renders) and its general alert. */
export function formErrors(error: unknown, fieldNames: readonly string[]): FormErrors {
  if (!(error instanceof ApiError)) return { fields: {}, general: [NETWORK_ERROR] };
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const [field, message] of Object.entries(error.fieldMessages())) {
    if (fieldNames.includes(field)) fields[field] = message;
    else general.push(message);
  }
  if (Object.keys(fields).length === 0 && general.length === 0) {
    general.push(error.problem.detail ?? `Erreur ${error.status}.`);
  }
  return { fields, general };
}
