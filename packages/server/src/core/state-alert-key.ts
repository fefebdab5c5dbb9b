import type { RunState } from './ports.js';

/**
 * The run-state alert a run owes, as stored with the state change itself (`runs.state_alert_pending`):
 * `<state>@<epoch ms of the change>`. It doubles as the alert's dedupe key, so redelivering it after a process
 * died (or from two processes at once) records it once.
 */
export const ALERTED_END_STATES = ['finished', 'failed', 'crashed'] as const satisfies readonly RunState[];
export type AlertedEndState = (typeof ALERTED_END_STATES)[number];

export const stateAlertKey = (state: AlertedEndState, at: Date): string => `${state}@${at.getTime()}`;

export function stateOfAlertKey(key: string): AlertedEndState | null {
  const state = key.slice(0, key.indexOf('@'));
  return (ALERTED_END_STATES as readonly string[]).includes(state) ? state as AlertedEndState : null;
}
