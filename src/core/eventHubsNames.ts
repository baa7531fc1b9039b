// Naming rules of Event Hubs, shared by the extension's prompts and the local hub.

export const DEFAULT_CONSUMER_GROUP = '$Default';

/** 1–50 letters, digits, '.', '_' or '-', starting with a letter or digit. */
export const CONSUMER_GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;

/** 1–256 letters, digits, '.', '_' or '-', starting with a letter or digit. */
export const HUB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;

/** Why a consumer group name is not valid, or undefined when it is. */
export function consumerGroupNameProblem(name: string): string | undefined {
  return CONSUMER_GROUP_NAME.test(name) ? undefined : `"${name}" is not a valid consumer group name: use 1-50 letters, digits, '.', '_' or '-', starting with a letter or digit.`;
}
