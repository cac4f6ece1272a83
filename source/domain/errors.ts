/**
 * Errors a user can act on. The CLI prints `message` as one line and exits with `exitCode`;
 * anything else is a bug and gets a stack trace only with --debug.
 */
export class UserError extends Error {
  /** 2: bad usage or bad input; nothing was changed. */
  readonly exitCode: number = 2;
  override readonly name = 'UserError';
}

/** The operation was attempted and failed (exit 1): a failed backup, an unreachable host. */
export class OperationError extends Error {
  readonly exitCode: number = 1;
  override readonly name: string = 'OperationError';
}

/**
 * Another run holds the host, or a change must wait for its queued or running runs (exit 4):
 * not a failure, a script may simply try again later.
 */
export class HostBusyError extends OperationError {
  override readonly exitCode: number = 4;
  override readonly name: string = 'HostBusyError';
}
