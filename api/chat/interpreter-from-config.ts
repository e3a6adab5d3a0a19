/**
 * Chooses the chat interpreter from configuration. The caller reads the environment (api/config.ts)
 * and passes plain values, so this stays trivially testable.
 */
import { LLM_MODEL } from '../../lib/config/settings.js';
import { LlmInterpreter } from './llm-interpreter.js';
import { RuleInterpreter } from './rule-interpreter.js';
import type { Interpreter } from './tool-calls.js';

/** Model used when an LLM endpoint is configured without naming one. */
export const DEFAULT_LLM_MODEL = LLM_MODEL.default.value;

/** Interpreter settings; with no `llmBaseUrl` the chat runs offline on rules. */
export interface InterpreterConfig {
  llmBaseUrl?: string;
  llmApiKey?: string;
  llmModel?: string;
}

/** An {@link LlmInterpreter} when an endpoint is configured, otherwise the offline {@link RuleInterpreter}. */
export function interpreterFromConfig(cfg: InterpreterConfig): Interpreter {
  const baseUrl = cfg.llmBaseUrl?.trim();
  if (!baseUrl) return new RuleInterpreter();
  return new LlmInterpreter({
    baseUrl,
    apiKey: cfg.llmApiKey?.trim() ?? '',
    model: cfg.llmModel?.trim() || DEFAULT_LLM_MODEL,
  });
}
