/** Input that breaks a rule; `fieldErrors` maps each form field to what is wrong with it. */
export class ValidationError extends Error {
  constructor(
    readonly fieldErrors: Record<string, string[]>,
    message = 'Please correct the highlighted fields.',
  ) {
    super(message);
    this.name = 'ValidationError';
  }

  static field(field: string, problem: string): ValidationError {
    return new ValidationError({ [field]: [problem] });
  }
}

export class PermissionDeniedError extends Error {
  constructor(message = 'You do not have permission to do that.') {
    super(message);
    this.name = 'PermissionDeniedError';
  }
}

export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} was not found.`);
    this.name = 'NotFoundError';
  }
}
