/**
 * One LLM call's recording, shared by the event path and `trackLLM()`: time to first token from
 * the first chunk with text, tokens from the provider's usage (the monitor's tokenizer where
 * none is reported), content only when captured.
 */
import type { Operation, PerformanceMonitor } from '@ragmeter/sdk';
import { chunkText, responseText, usageOf } from './payloads.js';

export class LlmCall {
  private readonly output: string[] = [];
  private sawToken = false;
  private done = false;

  constructor(
    readonly op: Operation,
    private readonly monitor: PerformanceMonitor,
    private readonly capture: boolean,
    private readonly prompt: string[],
  ) {}

  /** One streamed chunk. Called for every chunk: kept short. */
  chunk(chunk: unknown): void {
    if (this.done) return;
    const text = chunkText(chunk);
    if (text === '') return;
    this.output.push(text);
    if (!this.sawToken) {
      this.sawToken = true;
      this.op.markFirstToken();
    }
  }

  /** Ends as a success; `response` is the whole response (absent for a stream: its chunks were seen). */
  end(response?: unknown): void {
    if (this.done) return;
    this.done = true;
    try {
      this.record(response);
    } catch {
      // whatever could be recorded was; the operation still ends
    }
    this.op.end();
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    try {
      this.record(undefined); // a stream cut mid-way: what arrived was generated
    } catch {
      // as in end()
    }
    this.op.fail(error);
  }

  private record(response: unknown): void {
    const raw = (response as { raw?: unknown } | null | undefined)?.raw;
    const usage = usageOf(raw);
    const text = responseText(response) ?? this.output.join('');
    const input = usage?.input_tokens ?? usage?.prompt_tokens;
    const output = usage?.output_tokens ?? usage?.completion_tokens;
    if (usage !== undefined) this.op.setUsage(usage);
    const totalOnly = input === undefined && output === undefined && typeof usage?.total_tokens === 'number';
    if (!totalOnly && input === undefined) this.tokensFromText('input', this.prompt);
    if (!totalOnly && output === undefined) this.tokensFromText('output', [text]);
    if (this.capture) this.op.setContent({ input: this.prompt, output: text });
  }

  private tokensFromText(kind: 'input' | 'output', texts: string[]): void {
    // setTokensFromText() also records the text when the monitor captures content; a recording
    // with captureContent: false must not, so it counts with the monitor's tokenizer instead.
    if (this.capture || !this.monitor.captureContent) this.op.setTokensFromText({ [kind]: texts });
    else this.op.setTokens({ [kind]: this.monitor.countTokens(texts) }).setAttribute('rag.operation.tokens_from_text', true);
  }
}
