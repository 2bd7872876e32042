const DAY_MS = 24 * 60 * 60 * 1000;
/** Asia/Kolkata is UTC+05:30 all year: India keeps no daylight saving. */
export const IST_OFFSET_MS = (5 * 60 + 30) * 60 * 1000;

/** The first midnight in India strictly after `epochMs`, as epoch milliseconds. */
export function nextIndiaMidnight(epochMs: number): number {
  const indiaDayStart = Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS) * DAY_MS;
  return indiaDayStart + DAY_MS - IST_OFFSET_MS;
}

/** ISO-8601 in India time, e.g. "2026-11-26T00:00:00.000+05:30". */
export function toIndiaIso(epochMs: number): string {
  return new Date(epochMs + IST_OFFSET_MS).toISOString().replace('Z', '+05:30');
}

/** "HH:MM" in India time. */
export function indiaClock(epochMs: number): string {
  return new Date(epochMs + IST_OFFSET_MS).toISOString().slice(11, 16);
}
