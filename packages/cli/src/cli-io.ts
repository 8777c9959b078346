/** Where a command writes. The real CLI passes process.stdout/stderr; tests may pass buffers. */
export interface CliOutput {
  write(text: string): unknown;
  /** True when the output is a terminal (watch then redraws the screen in place). */
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };
