// Time as Kubernetes serializes it: metav1.Time is RFC 3339 in UTC with whole seconds
// ("2026-12-01T21:16:49Z"); metav1.MicroTime (Events' eventTime, Leases' renewTime) keeps
// microseconds ("2026-12-01T21:16:49.123000Z"). The one place that formats either.

/** metav1.Time: RFC 3339, UTC, seconds precision. */
export function rfc3339(date: Date | number = Date.now()): string {
  const d = typeof date === "number" ? new Date(date) : date;
  // toISOString is always YYYY-MM-DDTHH:MM:SS.sssZ for the years Kubernetes objects carry.
  return d.toISOString().slice(0, 19) + "Z";
}

/** metav1.MicroTime: RFC 3339, UTC, microseconds (JavaScript clocks give milliseconds, padded). */
export function rfc3339Micro(date: Date | number = Date.now()): string {
  const d = typeof date === "number" ? new Date(date) : date;
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
