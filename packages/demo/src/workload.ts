// The built-in workload: an open-loop client that sends questions to the demo's own HTTP API
// at a target rate (Poisson arrivals), with a few realistic failures mixed in:
// - about 3 % of queries carry the fault header that makes the LLM stage hang until its
//   deadline (the query then fails with 504);
// - about 3 % are off-topic, so retrieval finds nothing relevant (the retrieval operation
//   fails; the query answers "no_answer").
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { mersenne } from 'pure-rand/generator/mersenne';
import { FAULT_HEADER } from './server.js';

export interface WorkloadQuestion {
  question: string;
  /** The corpus file that answers it; undefined for off-topic questions. */
  document?: string;
}

export const QUESTIONS: readonly WorkloadQuestion[] = [
  { question: 'How many days of paid time off do employees get per year?', document: 'northwind-employee-handbook.pdf' },
  { question: 'How many unused vacation days can be carried over to next year?', document: 'northwind-employee-handbook.pdf' },
  { question: 'How many days a week can I work remotely?', document: 'northwind-employee-handbook.pdf' },
  { question: 'How long is parental leave at Northwind?', document: 'northwind-employee-handbook.pdf' },
  { question: 'What is the home office stipend for remote employees?', document: 'northwind-employee-handbook.pdf' },
  { question: 'What is the daily meal allowance when travelling for work?', document: 'northwind-employee-handbook.pdf' },
  { question: 'When do I need a doctor\'s note for sick leave?', document: 'northwind-employee-handbook.pdf' },
  { question: 'How long is the warranty on the Lumen L2 lamp?', document: 'lumen-lamp-faq.pdf' },
  { question: 'How long does the lamp battery last at half brightness?', document: 'lumen-lamp-faq.pdf' },
  { question: 'How do I reset the Lumen lamp to factory settings?', document: 'lumen-lamp-faq.pdf' },
  { question: 'What colour temperature range does the desk lamp support?', document: 'lumen-lamp-faq.pdf' },
  { question: 'What charger wattage does the Lumen lamp need?', document: 'lumen-lamp-faq.pdf' },
  { question: 'Can I return an unused lamp for a refund?', document: 'lumen-lamp-faq.pdf' },
  { question: 'How do I roll back a bad deploy of the payments API?', document: 'payments-oncall-runbook.pdf' },
  { question: 'What counts as a SEV1 incident for payments?', document: 'payments-oncall-runbook.pdf' },
  { question: 'What should I check first when p99 latency is high?', document: 'payments-oncall-runbook.pdf' },
  { question: 'When does an unacknowledged page escalate to the secondary on-call?', document: 'payments-oncall-runbook.pdf' },
  { question: 'How soon after an incident is the post-incident review due?', document: 'payments-oncall-runbook.pdf' },
  { question: 'How do I switch traffic to the backup acquirer?', document: 'payments-oncall-runbook.pdf' },
  { question: 'Who invented the Fresnel lens and where was it first installed?', document: 'lighthouse-history.pdf' },
  { question: 'What happened to Winstanley\'s Eddystone lighthouse?', document: 'lighthouse-history.pdf' },
  { question: 'When was the Pharos of Alexandria finished?', document: 'lighthouse-history.pdf' },
  { question: 'Which Roman lighthouse is still working today?', document: 'lighthouse-history.pdf' },
  { question: 'When was the last manned lighthouse in the UK automated?', document: 'lighthouse-history.pdf' },
  { question: 'How long are application logs retained?', document: 'northwind-security-policy.pdf' },
  { question: 'What is the minimum password length?', document: 'northwind-security-policy.pdf' },
  { question: 'How quickly must a suspected security breach be reported?', document: 'northwind-security-policy.pdf' },
  { question: 'How long are encrypted backups kept?', document: 'northwind-security-policy.pdf' },
  { question: 'What should I do if my laptop is stolen?', document: 'northwind-security-policy.pdf' },
  { question: 'How often should I feed a sourdough starter?', document: 'sourdough-notes.pdf' },
  { question: 'What hydration should a first sourdough loaf use?', document: 'sourdough-notes.pdf' },
  { question: 'At what temperature should sourdough bread be baked?', document: 'sourdough-notes.pdf' },
  { question: 'How long does bulk fermentation take?', document: 'sourdough-notes.pdf' },
];

/** Questions the corpus knows nothing about: retrieval should come back empty. */
export const OFF_TOPIC_QUESTIONS: readonly WorkloadQuestion[] = [
  { question: 'How tall is Mount Kilimanjaro?' },
  { question: 'How fast can a cheetah run?' },
  { question: 'What is the chemical symbol of gold?' },
];

export interface WorkloadOptions {
  baseUrl: string;
  /** Mean queries per second. */
  ratePerSecond: number;
  /** Share of queries with an injected LLM timeout, 0..1. */
  llmTimeoutShare?: number;
  /** Share of off-topic queries, 0..1. */
  offTopicShare?: number;
  /** Requests beyond this many in flight are skipped (counted), so a stalled server is not buried. */
  maxInFlight?: number;
  /** Seeds the random choices, so runs are comparable. */
  seed?: number;
}

export interface WorkloadStats {
  sent: number;
  /** Responses by HTTP status, or "error" when no response arrived. */
  byStatus: Record<string, number>;
  /** Arrivals dropped because maxInFlight requests were already waiting. */
  skipped: number;
  /** 200 responses to on-topic questions whose top source is the expected document. */
  correctTopSource: number;
  /** 200 responses to on-topic questions. */
  answeredOnTopic: number;
}

/** Uniform [0, 1) from a seed (pure-rand's Mersenne Twister), so runs are comparable. */
function seededRandom(seed: number): () => number {
  const generator = mersenne(seed);
  return () => uniformFloat64(generator);
}

export class Workload {
  readonly stats: WorkloadStats = { sent: 0, byStatus: {}, skipped: 0, correctTopSource: 0, answeredOnTopic: 0 };
  private readonly random: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: WorkloadOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
    this.random = seededRandom(options.seed ?? 1);
  }

  start(): void {
    this.running = true;
    this.scheduleNext();
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await Promise.all(this.inFlight);
  }

  private scheduleNext(): void {
    if (!this.running) return;
    // Exponential gaps between arrivals: a Poisson process, like independent users.
    const gapMs = (-Math.log(1 - this.random()) / this.options.ratePerSecond) * 1000;
    this.timer = setTimeout(() => {
      this.fire();
      this.scheduleNext();
    }, gapMs);
  }

  private pick(): { question: WorkloadQuestion; injectTimeout: boolean } {
    const offTopic = this.random() < (this.options.offTopicShare ?? 0.03);
    const pool = offTopic ? OFF_TOPIC_QUESTIONS : QUESTIONS;
    const question = pool[Math.floor(this.random() * pool.length)]!;
    const injectTimeout = !offTopic && this.random() < (this.options.llmTimeoutShare ?? 0.03);
    return { question, injectTimeout };
  }

  private fire(): void {
    if (this.inFlight.size >= (this.options.maxInFlight ?? 64)) {
      this.stats.skipped++;
      return;
    }
    const { question, injectTimeout } = this.pick();
    const request = this.send(question, injectTimeout).finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
  }

  private async send(item: WorkloadQuestion, injectTimeout: boolean): Promise<void> {
    this.stats.sent++;
    let status = 'error';
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (injectTimeout) headers[FAULT_HEADER] = 'llm-timeout';
      const response = await fetch(`${this.options.baseUrl}/query`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ question: item.question }),
      });
      status = String(response.status);
      const body = (await response.json()) as { sources?: { document: string }[] };
      if (response.status === 200 && item.document) {
        this.stats.answeredOnTopic++;
        if (body.sources?.[0]?.document === item.document) this.stats.correctTopSource++;
      }
    } catch {
      // Counted as "error": the server was unreachable or the response was not JSON.
    }
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
  }
}
