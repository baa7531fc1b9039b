/** "30 minutes ago", "2 hours ago" or an ISO date, as typed for a tail's start; undefined when it is neither. */
export function parseWhen(text: string, now = Date.now()): Date | undefined {
  const ago = /^\s*(\d+)\s*(second|minute|hour|day)s?\s+ago\s*$/i.exec(text);
  if (ago) {
    const unit = { second: 1e3, minute: 6e4, hour: 36e5, day: 864e5 }[ago[2].toLowerCase() as 'second'];
    return new Date(now - Number(ago[1]) * unit);
  }
  const d = new Date(text.trim());
  return text.trim() && !Number.isNaN(d.getTime()) ? d : undefined;
}
